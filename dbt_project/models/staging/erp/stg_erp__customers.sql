with

source as (

    select * from {{ source('raw', 'erp_customers') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('KUNNR') }}

),

renamed as (

    select
        ---------- ids (KUNNR keeps its leading zeros)
        KUNNR as customer_number,

        ---------- names
        nullif(NAME1, '') as name_1,
        nullif(NAME2, '') as name_2,
        nullif(KTOKD, '') as account_group,

        ---------- contact
        nullif(TELF1, '') as phone,
        nullif(SMTP_ADDR, '') as email,

        ---------- address
        nullif(STRAS, '') as street,
        nullif(ORT01, '') as city,
        nullif(PSTLZ, '') as postal_code,
        nullif(REGIO, '') as region_code,
        nullif(upper(trim(LAND1)), '') as country_code,

        ---------- lifecycle
        {{ sap_date('ERDAT') }} as created_on,
        {{ sap_date('AEDAT') }} as changed_on,
        coalesce(upper(trim(LOEVM)) = 'X', false) as is_marked_for_deletion,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
