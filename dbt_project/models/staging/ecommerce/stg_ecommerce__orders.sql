with

source as (

    select * from {{ source('raw', 'ecommerce_orders') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('id') }}

),

renamed as (

    select
        ---------- ids
        cast(id as varchar) as order_id,
        nullif(cast(customer_id as varchar), '') as customer_id,

        ---------- order
        nullif(email, '') as email,
        {{ utc_timestamp('created_at') }} as ordered_at,
        try_cast(nullif(trim(total_price), '') as decimal(18, 2)) as total_price,
        nullif(upper(trim(currency)), '') as currency,
        nullif(lower(trim(financial_status)), '') as financial_status,
        line_items as line_items_json,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
