{#
    One row per purchase of a golden customer: paid shop orders (var
    'purchase_order_statuses') and ERP invoices, with the amount in CNY at the rates of
    seeds/currency_rates.csv. Purchases of records that are not in the xref yet (an
    invoice for a customer not delivered) wait until they are.
#}

with

xref as (

    select * from {{ source('mdm_build', 'customer_xref') }}

),

orders as (

    select * from {{ ref('stg_ecommerce__orders') }}

),

invoices as (

    select * from {{ ref('stg_erp__invoices') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

shop_purchases as (

    select
        'ecommerce' as source_system,
        customer_id as source_record_id,
        'order' as purchase_type,
        order_id as purchase_id,
        ordered_at as purchased_at,
        total_price as amount,
        currency
    from orders
    where customer_id is not null
        and financial_status in ('{{ var("purchase_order_statuses") | join("', '") }}')

),

erp_purchases as (

    select
        'erp' as source_system,
        customer_number as source_record_id,
        'invoice' as purchase_type,
        billing_document_id as purchase_id,
        billed_on::timestamp as purchased_at,
        net_amount as amount,
        currency
    from invoices

),

purchases as (

    select * from shop_purchases
    union all
    select * from erp_purchases

),

final as (

    select
        purchases.source_system || '|' || purchases.purchase_id as purchase_key,
        xref.golden_id,
        purchases.source_system,
        purchases.source_record_id,
        purchases.purchase_type,
        purchases.purchase_id,
        purchases.purchased_at,
        purchases.amount,
        purchases.currency,
        cast(purchases.amount * currency_rates.cny_per_unit as decimal(18, 2)) as amount_cny
    from purchases
    inner join xref
        on purchases.source_system = xref.source_system
        and purchases.source_record_id = xref.source_record_id
    left join currency_rates
        on purchases.currency = currency_rates.currency

)

select * from final
