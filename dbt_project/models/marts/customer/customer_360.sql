{#
    One row per golden customer: purchases (shop orders and ERP invoices, in CNY), social
    engagement and consent. First version: RFM scores, value tier and lifecycle stage
    follow in a later issue.
#}

{%- set event_types = ["post", "comment", "like", "share", "mention"] -%}

with

golden_customers as (

    select * from {{ ref('golden_customer') }}

),

purchases as (

    select * from {{ ref('customer_purchases') }}

),

xref as (

    select * from {{ source('mdm_build', 'customer_xref') }}

),

engagement as (

    select * from {{ ref('stg_social__engagement') }}

),

purchase_summary as (

    select
        golden_id,
        count(*) filter (where purchase_type = 'order') as order_count,
        sum(amount_cny) filter (where purchase_type = 'order') as order_total_cny,
        min(purchased_at) filter (where purchase_type = 'order') as first_order_at,
        max(purchased_at) filter (where purchase_type = 'order') as last_order_at,
        count(*) filter (where purchase_type = 'invoice') as invoice_count,
        sum(amount_cny) filter (where purchase_type = 'invoice') as invoice_total_cny,
        min(purchased_at) filter (where purchase_type = 'invoice') as first_invoice_at,
        max(purchased_at) filter (where purchase_type = 'invoice') as last_invoice_at,
        count(*) filter (where amount_cny is null) as unconverted_purchase_count,
        min(purchased_at) as first_purchase_at,
        max(purchased_at) as last_purchase_at
    from purchases
    group by golden_id

),

engagement_summary as (

    select
        xref.golden_id,
        count(*) as engagement_count,
        {% for event_type in event_types -%}
        count(*) filter (where engagement.event_type = '{{ event_type }}') as {{ event_type }}_count,
        {% endfor -%}
        max(engagement.occurred_at) as last_engagement_at
    from engagement
    inner join xref
        on xref.source_system = 'social'
        and engagement.profile_id = xref.source_record_id
    group by xref.golden_id

),

final as (

    select
        golden_customers.golden_id,

        ---------- purchases
        coalesce(purchase_summary.order_count, 0) as order_count,
        coalesce(purchase_summary.order_total_cny, 0)::decimal(18, 2) as order_total_cny,
        purchase_summary.first_order_at,
        purchase_summary.last_order_at,
        coalesce(purchase_summary.invoice_count, 0) as invoice_count,
        coalesce(purchase_summary.invoice_total_cny, 0)::decimal(18, 2) as invoice_total_cny,
        purchase_summary.first_invoice_at,
        purchase_summary.last_invoice_at,
        coalesce(purchase_summary.order_count, 0)
            + coalesce(purchase_summary.invoice_count, 0) as purchase_count,
        (
            coalesce(purchase_summary.order_total_cny, 0)
            + coalesce(purchase_summary.invoice_total_cny, 0)
        )::decimal(18, 2) as total_spend_cny,
        coalesce(purchase_summary.unconverted_purchase_count, 0) as unconverted_purchase_count,
        purchase_summary.first_purchase_at,
        purchase_summary.last_purchase_at,

        ---------- social engagement
        coalesce(engagement_summary.engagement_count, 0) as engagement_count,
        {% for event_type in event_types -%}
        coalesce(engagement_summary.{{ event_type }}_count, 0) as {{ event_type }}_count,
        {% endfor -%}
        engagement_summary.last_engagement_at,

        ---------- consent
        golden_customers.email_opt_in

    from golden_customers
    left join purchase_summary on golden_customers.golden_id = purchase_summary.golden_id
    left join engagement_summary on golden_customers.golden_id = engagement_summary.golden_id

)

select * from final
