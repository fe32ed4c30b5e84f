with

source as (

    select * from {{ source('raw', 'ecommerce_customers') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('id') }}

),

renamed as (

    select
        ---------- ids
        cast(id as varchar) as customer_id,

        ---------- person
        nullif(first_name, '') as first_name,
        nullif(last_name, '') as last_name,

        ---------- contact
        nullif(email, '') as email,
        nullif(phone, '') as phone,

        ---------- default address
        nullif(default_address_address1, '') as address_line_1,
        nullif(default_address_address2, '') as address_line_2,
        nullif(default_address_city, '') as city,
        nullif(default_address_province, '') as province,
        nullif(default_address_province_code, '') as province_code,
        nullif(default_address_zip, '') as postal_code,
        nullif(upper(trim(default_address_country_code)), '') as country_code,

        ---------- account
        cast(accepts_marketing as boolean) as accepts_marketing,
        nullif(lower(trim(state)), '') as account_state,
        nullif(tags, '') as tags,

        ---------- lifecycle
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
