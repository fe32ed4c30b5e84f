-- Matching features: one row per party record, the columns the Splink model compares.
-- Placeholders are filled in by matching.model from matching.settings: $input_table,
-- $max_key_frequency, $min_alias_digits, $min_spelled_letters, $non_places (a list of
-- lower-case texts), $nicknames (a VALUES list of (nickname, given name) pairs) and
-- $handle: the input's `handle` column (social handles), or a null when it has none.
--
-- Values shared by more than $max_key_frequency records (placeholder emails, switchboard
-- phones) are set to null: they say nothing about identity and would make blocking
-- quadratic.

with source as (

    select * from $input_table

),

nicknames (nickname, given_name) as (

    $nicknames

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
        -- "Earth", "Worldwide" ... in a social location are no place
        case
            when not list_contains($non_places, regexp_replace(trim(lower(city_norm)), '\s+', ' ', 'g'))
                then nullif(regexp_replace(trim(lower(city_norm)), '\s+', ' ', 'g'), '')
        end as city_norm,
        nullif(regexp_replace(trim(lower(street_norm)), '\s+', ' ', 'g'), '') as street_norm,
        cast(birth_date as date) as birth_date,
        -- employer without legal form or punctuation: "Stark Foods Inc." = "stark foods"
        nullif(trim(regexp_replace(regexp_replace(regexp_replace(
            lower(company),
            '(,\s*|\s+)(co\.?,? ?ltd\.?|inc\.?|llc|corp\.?|ltd\.?|limited|plc|gmbh( & co\.? kg)?|ag|kg)\s*$$',
            ''
        ), '(有限责任公司|有限公司)$$', ''), '[^\p{L}\p{N}]+', ' ', 'g')), '') as company_norm,
        -- a handle as a bare token: "Mary_Turner" = "mary.turner" = "maryturner"
        nullif(regexp_replace(lower($handle), '[^a-z0-9]', '', 'g'), '') as handle
    from source

),

email_counts as (
    select email, count(*) as n from cleaned where email is not null group by email
),

locals as (
    -- the local part without a plus tag ("john+shop" is john)
    select record_key, split_part(split_part(email, '@', 1), '+', 1) as email_local
    from cleaned where email is not null
),

email_local_counts as (
    select email_local, count(*) as n from locals group by 1
),

-- handles and local parts as bare tokens, counted together: they are compared with
-- each other
aliases as (
    select record_key, handle as alias, 'handle' as kind from cleaned where handle is not null
    union all
    select record_key, nullif(regexp_replace(email_local, '[^a-z0-9]', '', 'g'), ''), 'email'
    from locals
),

alias_counts as (
    select alias, count(distinct record_key) as n from aliases where alias is not null group by 1
),

phone_counts as (
    select phone, count(*) as n from cleaned where phone is not null group by phone
),

phone_2_counts as (
    select phone_2, count(*) as n from cleaned where phone_2 is not null group by phone_2
),

frequency_capped as (

    select
        c.* exclude (email, phone, phone_2, handle),
        case when ec.n <= $max_key_frequency then c.email end as email,
        case when elc.n <= $max_key_frequency then nullif(l.email_local, '') end as email_local,
        case when eac.n <= $max_key_frequency then ea.alias end as email_handle,
        case when hc.n <= $max_key_frequency then c.handle end as handle,
        case when pc.n <= $max_key_frequency then c.phone end as phone,
        case
            when c.phone_2 = c.phone then null
            when p2c.n <= $max_key_frequency then c.phone_2
        end as phone_2
    from cleaned as c
    left join email_counts as ec on ec.email = c.email
    left join locals as l on l.record_key = c.record_key
    left join email_local_counts as elc on elc.email_local = l.email_local
    left join aliases as ea on ea.record_key = c.record_key and ea.kind = 'email'
    left join alias_counts as eac on eac.alias = ea.alias
    left join alias_counts as hc on hc.alias = c.handle
    left join phone_counts as pc on pc.phone = c.phone
    left join phone_2_counts as p2c on p2c.phone_2 = c.phone_2

),

raw_names as (

    select
        *,
        -- first + last when known, else the full name (social display names)
        coalesce(
            nullif(concat_ws(' ', first_name_norm, last_name_norm), ''), full_name_norm
        ) as raw_name
    from frequency_capped

),

names as (

    select
        * exclude (raw_name),
        -- a name with digits in it is a handle shown as display name: "renateb647" is
        -- no name, but "Dorothy_Weswood1986" still shows two words of letters
        nullif(regexp_replace(
            trim(regexp_replace(
                case
                    when not regexp_matches(raw_name, '[0-9]') then raw_name
                    when regexp_matches(raw_name, '^[^a-z]*[a-z]{2,}[^a-z]+[a-z]{2,}[^a-z]*$$')
                        then regexp_replace(raw_name, '[0-9]', ' ', 'g')
                end,
                '[^a-z0-9 ]', ' ', 'g'
            )),
            '\s+', ' ', 'g'
        ), '') as name_clean
    from raw_names

),

name_parts as (

    select
        *,
        -- the given name, or the whole name when it is a single word ("Mel", "xiaofang")
        coalesce(
            first_name_norm, case when not contains(name_clean, ' ') then nullif(name_clean, '') end
        ) as given,
        -- letters of the handle (else of the name), umlauts folded as handles spell them
        replace(replace(replace(
            regexp_replace(lower(coalesce(handle, name_clean)), '[^a-z]', '', 'g'),
            'ae', 'a'), 'oe', 'o'), 'ue', 'u'
        ) as spelled,
        -- the surname's letters, umlauts folded as handles spell them ("schoenrich")
        case
            when len(regexp_replace(last_name_norm, '[^a-z]', '', 'g')) >= 3
                then replace(replace(replace(
                    regexp_replace(last_name_norm, '[^a-z]', '', 'g'),
                    'ae', 'a'), 'oe', 'o'), 'ue', 'u')
        end as surname_letters
    from names

),

given_keys as (

    -- the given name and the full names it is a nickname of ("jim" -> james, "pat" ->
    -- patrick and patricia): two records agree on the given name when these overlap
    select
        p.record_key,
        list_distinct(list_value(p.given) || list(n.given_name)) as keys
    from name_parts as p
    left join nicknames as n on n.nickname = p.given
    where p.given is not null
    group by p.record_key, p.given

),

final as (

    select
        p.record_key,
        p.source_system,
        p.first_name_norm,
        p.last_name_norm,
        -- name tokens in sorted order: equal for "wei zhang" and "zhang wei"
        nullif(array_to_string(list_sort(string_split(p.name_clean, ' ')), ' '), '')
            as name_tokens,
        -- letters in sorted order: also equal when romanised syllables are spaced
        -- differently ("zhang xiao ming" / "xiaoming zhang")
        nullif(
            array_to_string(list_sort(string_split(replace(p.name_clean, ' ', ''), '')), ''),
            ''
        ) as name_letters,
        -- a name of one word only: a display name such as "Mel" or 小芳 ("xiaofang")
        case when not contains(p.name_clean, ' ') then nullif(p.name_clean, '') end
            as name_single,
        -- 小芳 / 阿波: the syllable after 小 or 阿 ends the given name (fang, huabo)
        case
            when not contains(p.name_clean, ' ')
                then nullif(regexp_extract(p.name_clean, '^(?:xiao|a)([a-z]{2,})$$', 1), '')
        end as nickname_core,
        g.keys as given_keys,
        -- the letters a handle spells, digits and punctuation dropped, umlauts folded
        -- the way handles spell them: "sarah_parker781" -> the letters of "sarah
        -- parker". On other records the letters of the name. Equal across a social
        -- profile and another record when the handle spells that record's name (the
        -- profile itself may show only "Sarah P." or an emoji).
        case
            when len(p.spelled) >= $min_spelled_letters
                then array_to_string(list_sort(string_split(p.spelled, '')), '')
        end as spelled_key,
        p.surname_letters,
        -- initial and surname as handles and e-mail local parts spell them: "jsutcroft"
        case
            when p.surname_letters is not null and p.first_name_norm is not null
                then left(regexp_replace(p.first_name_norm, '[^a-z]', '', 'g'), 1)
                    || p.surname_letters
        end as initial_surname,
        p.email,
        p.email_local,
        -- e-mail local part and social handle as bare tokens, compared across:
        -- a handle is often the local part of the person's address
        p.email_handle,
        p.handle,
        -- whether a handle / local part says more than the name: at least
        -- $min_alias_digits digits in it ("laura_moore238", a QQ number). Without them it
        -- is the name in some spelling ("maryturner", "mary73", "jturner", "mickey_r"),
        -- which namesakes pick too.
        len(regexp_replace(p.email_handle, '[^0-9]', '', 'g')) >= $min_alias_digits
            as email_specific,
        len(regexp_replace(p.handle, '[^0-9]', '', 'g')) >= $min_alias_digits
            as handle_specific,
        -- their letters alone (digits dropped), when there are enough of them
        case
            when len(regexp_replace(p.email_handle, '[^a-z]', '', 'g')) >= $min_spelled_letters
                then regexp_replace(p.email_handle, '[^a-z]', '', 'g')
        end as email_alpha,
        case
            when len(regexp_replace(p.handle, '[^a-z]', '', 'g')) >= $min_spelled_letters
                then regexp_replace(p.handle, '[^a-z]', '', 'g')
        end as handle_alpha,
        p.phone,
        p.phone_2,
        nullif(right(regexp_replace(p.phone, '[^0-9]', '', 'g'), 8), '') as phone_last8,
        nullif(right(regexp_replace(p.phone_2, '[^0-9]', '', 'g'), 8), '') as phone_2_last8,
        p.birth_date,
        p.postal_code,
        p.city_norm,
        p.street_norm,
        -- the numbers of the street line (house, flat): "12 oak st apt 3" -> 12 3
        nullif(array_to_string(regexp_extract_all(p.street_norm, '[0-9]+'), ' '), '')
            as street_numbers,
        p.company_norm
    from name_parts as p
    left join given_keys as g on g.record_key = p.record_key

)

select * from final
