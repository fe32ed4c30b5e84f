-- Matching features: one row per party record, the columns the Splink model compares.
-- Placeholders ($input_table, $max_key_frequency) are filled in by matching.model.
--
-- Values shared by more than $max_key_frequency records (placeholder emails, switchboard
-- phones) are set to null: they say nothing about identity and would make blocking
-- quadratic.

with source as (

    select * from $input_table

),

cleaned as materialized (

    select
        record_key,
        source_system,
        nullif(regexp_replace(trim(lower(first_name_norm)), '\s+', ' ', 'g'), '') as first_name_norm,
        nullif(regexp_replace(trim(lower(last_name_norm)), '\s+', ' ', 'g'), '') as last_name_norm,
        nullif(regexp_replace(trim(lower(full_name_norm)), '\s+', ' ', 'g'), '') as full_name_norm,
        nullif(trim(lower(email)), '') as email,
        nullif(regexp_replace(phone, '[^0-9+]', '', 'g'), '') as phone,
        nullif(regexp_replace(phone_2, '[^0-9+]', '', 'g'), '') as phone_2,
        nullif(upper(regexp_replace(postal_code, '\s', '', 'g')), '') as postal_code,
        nullif(regexp_replace(trim(lower(city_norm)), '\s+', ' ', 'g'), '') as city_norm,
        nullif(regexp_replace(trim(lower(street_norm)), '\s+', ' ', 'g'), '') as street_norm,
        cast(birth_date as date) as birth_date,
        nullif(regexp_replace(trim(lower(company)), '\s+', ' ', 'g'), '') as company_norm
    from source

),

email_counts as (
    select email, count(*) as n from cleaned where email is not null group by email
),

email_local_counts as (
    select split_part(email, '@', 1) as email_local, count(*) as n
    from cleaned where email is not null group by 1
),

phone_counts as (
    select phone, count(*) as n from cleaned where phone is not null group by phone
),

phone_2_counts as (
    select phone_2, count(*) as n from cleaned where phone_2 is not null group by phone_2
),

frequency_capped as (

    select
        c.* exclude (email, phone, phone_2),
        case when ec.n <= $max_key_frequency then c.email end as email,
        case
            when elc.n <= $max_key_frequency then nullif(split_part(c.email, '@', 1), '')
        end as email_local,
        case when pc.n <= $max_key_frequency then c.phone end as phone,
        case
            when c.phone_2 = c.phone then null
            when p2c.n <= $max_key_frequency then c.phone_2
        end as phone_2
    from cleaned as c
    left join email_counts as ec on ec.email = c.email
    left join email_local_counts as elc on elc.email_local = split_part(c.email, '@', 1)
    left join phone_counts as pc on pc.phone = c.phone
    left join phone_2_counts as p2c on p2c.phone_2 = c.phone_2

),

names as (

    select
        *,
        -- first + last when known, else the full name (social display names)
        regexp_replace(
            trim(regexp_replace(
                coalesce(
                    nullif(concat_ws(' ', first_name_norm, last_name_norm), ''),
                    full_name_norm
                ),
                '[^a-z0-9 ]', ' ', 'g'
            )),
            '\s+', ' ', 'g'
        ) as name_clean
    from frequency_capped

),

final as (

    select
        record_key,
        source_system,
        first_name_norm,
        last_name_norm,
        -- name tokens in sorted order: equal for "wei zhang" and "zhang wei"
        nullif(array_to_string(list_sort(string_split(name_clean, ' ')), ' '), '')
            as name_tokens,
        -- letters in sorted order: also equal when romanised syllables are spaced
        -- differently ("zhang xiao ming" / "xiaoming zhang")
        nullif(
            array_to_string(list_sort(string_split(replace(name_clean, ' ', ''), '')), ''),
            ''
        ) as name_letters,
        email,
        email_local,
        phone,
        phone_2,
        nullif(right(regexp_replace(phone, '[^0-9]', '', 'g'), 8), '') as phone_last8,
        nullif(right(regexp_replace(phone_2, '[^0-9]', '', 'g'), 8), '') as phone_2_last8,
        birth_date,
        postal_code,
        city_norm,
        street_norm,
        company_norm
    from names

)

select * from final
