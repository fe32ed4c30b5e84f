with

source as (

    select * from {{ source('raw', 'crm_contacts') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('Id') }}

),

renamed as (

    select
        ---------- ids
        Id as contact_id,

        ---------- person
        nullif(FirstName, '') as first_name,
        nullif(LastName, '') as last_name,
        try_cast(nullif(trim(Birthdate), '') as date) as birth_date,
        nullif(AccountName, '') as account_name,

        ---------- contact
        nullif(Email, '') as email,
        nullif(Phone, '') as phone,
        nullif(MobilePhone, '') as mobile_phone,

        ---------- address
        nullif(MailingStreet, '') as mailing_street,
        nullif(MailingCity, '') as mailing_city,
        nullif(MailingState, '') as mailing_state,
        nullif(MailingPostalCode, '') as mailing_postal_code,
        nullif(MailingCountry, '') as mailing_country,

        ---------- marketing
        nullif(LeadSource, '') as lead_source,
        {{ text_boolean('HasOptedOutOfEmail') }} as has_opted_out_of_email,

        ---------- lifecycle
        {{ utc_timestamp('CreatedDate') }} as created_at,
        {{ utc_timestamp('LastModifiedDate') }} as last_modified_at,
        coalesce({{ text_boolean('IsDeleted') }}, false) as is_deleted,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
