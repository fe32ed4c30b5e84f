{#
    One row per current source record of the party entities (CRM contacts, ERP customers,
    shop customers, social profiles), in one standardised shape: the input of matching.
    The columns are a fixed interface (docs/warehouse-layout.md).

    First each source is brought into the common shape with its own rules (how names are
    keyed, which flag means deleted); then one pass standardises every source the same
    way: case, e-mail, phones, countries and the romanised matching keys.
#}

with

crm_contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

erp_customers as (

    select * from {{ ref('stg_erp__customers') }}

),

shop_customers as (

    select * from {{ ref('stg_ecommerce__customers') }}

),

social_profiles as (

    select * from {{ ref('stg_social__profiles') }}

),

---------- CRM: names come split; the mobile number is the preferred phone

crm as (

    select
        'crm' as source_system,
        contact_id as source_record_id,
        'person' as party_type,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        null::varchar as display_name,
        email as email_raw,
        mobile_phone as phone_raw,
        phone as phone_2_raw,
        mailing_street as street,
        mailing_city as city,
        mailing_state as region,
        mailing_postal_code as postal_code,
        mailing_country as country_raw,
        birth_date,
        account_name as company,
        not has_opted_out_of_email as email_opt_in,
        created_at as source_created_at,
        coalesce(last_modified_at, created_at) as source_updated_at,
        is_deleted,
        _source_file,
        _line_number,
        _delivery_seq
    from crm_contacts

),

---------- ERP: NAME1 holds a company or a whole person name

erp_classified as (

    select
        *,
        {{ clean_text('name_1') }} as name_1_clean,
        {{ clean_text('name_2') }} as name_2_clean,
        {{ strip_salutation(clean_text('name_1')) }} as person_name,
        case
            when account_group in ('{{ var("erp_person_account_groups") | join("', '") }}')
                then 'person'
            when account_group in ('{{ var("erp_organization_account_groups") | join("', '") }}')
                then 'organization'
            when {{ looks_like_organization(clean_text('name_1')) }}
                then 'organization'
            else 'person'
        end as party_type
    from erp_customers

),

erp_named as (

    select
        *,
        case
            when party_type = 'person'
                then {{ split_person_name('person_name') }}
        end as name_parts
    from erp_classified

),

erp as (

    select
        'erp' as source_system,
        customer_number as source_record_id,
        party_type,
        name_parts.first_name as first_name,
        name_parts.last_name as last_name,
        name_1_clean as display_name,
        email as email_raw,
        phone as phone_raw,
        null::varchar as phone_2_raw,
        street,
        city,
        region_code as region,
        postal_code,
        country_code as country_raw,
        null::date as birth_date,
        case
            when party_type = 'organization' then name_1_clean
            -- NAME2 of a person is the employer, unless it is a c/o line
            when not regexp_matches(name_2_clean, '^(?i)c\s*/\s*o\b') then name_2_clean
        end as company,
        null::boolean as email_opt_in,
        created_on::timestamp as source_created_at,
        coalesce(changed_on, created_on)::timestamp as source_updated_at,
        is_marked_for_deletion as is_deleted,
        _source_file,
        _line_number,
        _delivery_seq
    from erp_named

),

---------- Shop: a disabled account is not a deleted customer (see the model's YAML)

shop as (

    select
        'ecommerce' as source_system,
        customer_id as source_record_id,
        'person' as party_type,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        null::varchar as display_name,
        email as email_raw,
        phone as phone_raw,
        null::varchar as phone_2_raw,
        concat_ws(', ', address_line_1, address_line_2) as street,
        city,
        coalesce(province_code, province) as region,
        postal_code,
        country_code as country_raw,
        null::date as birth_date,
        null::varchar as company,
        accepts_marketing as email_opt_in,
        created_at as source_created_at,
        coalesce(updated_at, created_at) as source_updated_at,
        false as is_deleted,
        _source_file,
        _line_number,
        _delivery_seq
    from shop_customers

),

---------- Social: the display name is whatever people chose; the location is free text

social_cleaned as (

    select
        *,
        {{ clean_text(strip_credentials(clean_text(strip_emoji('display_name')))) }}
            as display_clean,
        -- "Shanghai, China", "Austin, TX", "上海 · 上海市", "China", "Berlin"
        string_split_regex(
            {{ clean_text(strip_emoji('location')) }}, '\s*[,，·]\s*'
        ) as location_parts
    from social_profiles

),

social_parsed as (

    select
        *,
        -- A name only when it looks like one: 2-4 characters that are not a 小/阿/老
        -- nickname, or 2-4 words of letters. Handles, single words and emoji are not.
        case
            when regexp_full_match(display_clean, '\p{Han}{2,4}')
                and not regexp_full_match(display_clean, '[小阿老]\p{Han}')
                then {{ split_person_name('display_clean', caps_are_last_first=false) }}
            when regexp_full_match(display_clean, '\p{L}[\p{L}''’.-]*( \p{L}[\p{L}''’.-]*){1,3}')
                then {{ split_person_name('display_clean', caps_are_last_first=false) }}
        end as name_parts,
        -- The last part is a country when it names one; after a city, two Latin letters
        -- are a region code ("Austin, TX"), not a country.
        case
            when len(location_parts) = 1
                or not regexp_full_match(location_parts[-1], '[A-Za-z]{2}')
                then country_iso2(location_parts[-1])
        end as location_country
    from social_cleaned

),

social as (

    select
        'social' as source_system,
        profile_id as source_record_id,
        'person' as party_type,
        name_parts.first_name as first_name,
        -- an initial ("Ann L.") says too little to be a surname
        case
            when not regexp_full_match(name_parts.last_name, '\p{Latin}\.?')
                then name_parts.last_name
        end as last_name,
        display_clean as display_name,
        email as email_raw,
        phone as phone_raw,
        null::varchar as phone_2_raw,
        null::varchar as street,
        case
            when len(location_parts) >= 2 or location_country is null then location_parts[1]
        end as city,
        case
            when len(location_parts) >= 2 and location_country is null then location_parts[-1]
            when len(location_parts) >= 3 then location_parts[2]
        end as region,
        null::varchar as postal_code,
        location_country as country_raw,
        null::date as birth_date,
        -- the employer a profile names in its bio: "Sales Manager at Stark Foods",
        -- "Engineer @ Huaxin Food Co., Ltd."
        nullif(trim(regexp_extract(bio, '(?:^|\s)(?:at|@)\s+([^|]+)', 1)), '') as company,
        nullif(lower(trim(handle)), '') as handle,
        null::boolean as email_opt_in,
        created_at as source_created_at,
        -- profiles carry no change time: the creation time stands in for it
        created_at as source_updated_at,
        false as is_deleted,
        _source_file,
        _line_number,
        _delivery_seq
    from social_parsed

),

---------- All sources, then one standardisation pass

unioned as (

    select * from crm
    union all by name
    select * from erp
    union all by name
    select * from shop
    union all by name
    select * from social

),

whole_names_split as (

    -- A Chinese name keyed whole into the surname field (张伟): the first character is
    -- the surname.
    select
        * replace (
            case
                when first_name is null and regexp_full_match(last_name, '\p{Han}{2,4}')
                    then substr(last_name, 2)
                else first_name
            end as first_name,
            case
                when first_name is null and regexp_full_match(last_name, '\p{Han}{2,4}')
                    then left(last_name, 1)
                else last_name
            end as last_name
        )
    from unioned

),

cased as (

    select
        * replace (
            proper_case(first_name) as first_name,
            proper_case(last_name) as last_name,
            case
                when party_type = 'person' then proper_case(display_name) else display_name
            end as display_name,
            {{ clean_text('street') }} as street,
            proper_case({{ clean_text('city') }}) as city,
            {{ clean_text('region') }} as region,
            upper({{ clean_text('postal_code') }}) as postal_code,
            {{ clean_text('company') }} as company
        ),
        country_iso2(country_raw) as country
    from whole_names_split

),

standardized as (

    select
        *,
        case
            when first_name is not null and last_name is not null
                then
                    case
                        -- Chinese order, no space: 张伟
                        when regexp_matches(last_name || first_name, '^\p{Han}+$')
                            then last_name || first_name
                        else first_name || ' ' || last_name
                    end
            else coalesce(display_name, first_name, last_name)
        end as full_name,
        romanize(first_name) as first_name_norm,
        romanize(last_name) as last_name_norm,
        {{ clean_email('email_raw') }} as email,
        normalize_phone(phone_raw, country) as phone_e164,
        normalize_phone(phone_2_raw, country) as phone_2_e164,
        romanize(street) as street_norm,
        romanize(city) as city_norm
    from cased

),

final as (

    select
        source_system,
        source_record_id,
        source_system || '|' || source_record_id as record_key,
        party_type,

        ---------- names
        first_name,
        last_name,
        full_name,
        first_name_norm,
        last_name_norm,
        -- given name first whatever the script, so 张伟 and Wei Zhang share "wei zhang"
        case
            when first_name_norm is not null or last_name_norm is not null
                then concat_ws(' ', first_name_norm, last_name_norm)
            else romanize(full_name)
        end as full_name_norm,

        ---------- contact
        email,
        coalesce(phone_e164, phone_2_e164) as phone,
        case when phone_e164 <> phone_2_e164 then phone_2_e164 end as phone_2,

        ---------- address
        street,
        city,
        region,
        postal_code,
        city_norm,
        street_norm,
        country,

        ---------- person
        birth_date,
        company,
        email_opt_in,

        ---------- social: the profile's handle, lower-cased (null for other sources)
        handle,

        ---------- lifecycle
        source_created_at,
        source_updated_at,
        is_deleted,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from standardized

)

select * from final
