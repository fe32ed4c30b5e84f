with

source as (

    select * from {{ source('raw', 'erp_invoices') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('VBELN') }}

),

renamed as (

    select
        ---------- ids
        VBELN as billing_document_id,
        KUNNR as customer_number,

        ---------- billing
        {{ sap_date('FKDAT') }} as billed_on,
        try_cast(nullif(trim(NETWR), '') as decimal(18, 2)) as net_amount,
        nullif(upper(trim(WAERK)), '') as currency,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
