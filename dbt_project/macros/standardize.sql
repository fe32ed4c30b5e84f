{#
    SQL building blocks shared by the staging and intermediate models. The functions that
    need Python libraries (normalize_phone, romanize, country_iso2, proper_case) are not
    here: they live in warehouse/udfs.py and are registered by the dbt-duckdb plugin.
#}

{# The latest version of a source record: highest delivery, then the last line in it. #}
{% macro is_latest_version(partition_by) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by _delivery_seq desc, _line_number desc
    ) = 1
{%- endmacro %}

{# Trimmed text with runs of (Unicode) white space collapsed; empty text is null. #}
{% macro clean_text(column) -%}
    nullif(trim(regexp_replace({{ column }}, '[\s\p{Z}]+', ' ', 'g')), '')
{%- endmacro %}

{# Emoji and other pictographs (symbols, flags, joiners, variation selectors) removed. #}
{% macro strip_emoji(column) -%}
    regexp_replace(
        {{ column }},
        '[\p{So}\p{Sk}\p{Cs}\p{Co}\x{FE0F}\x{200D}\x{20E3}\x{1F1E6}-\x{1F1FF}]',
        '',
        'g'
    )
{%- endmacro %}

{# Lower-cased, trimmed e-mail; null when it does not match var('email_pattern'). #}
{% macro clean_email(column) -%}
    case
        when regexp_full_match(lower(trim({{ column }})), '{{ var("email_pattern") | replace("'", "''") }}')
            then lower(trim({{ column }}))
    end
{%- endmacro %}

{# ISO 8601 text with an offset (Z, +08:00) as a UTC timestamp; null when unreadable. #}
{% macro utc_timestamp(column) -%}
    (try_cast({{ column }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{# SAP dates (YYYYMMDD) as DATE; null when empty or unreadable. #}
{% macro sap_date(column) -%}
    cast(try_strptime(nullif(trim({{ column }}), ''), '%Y%m%d') as date)
{%- endmacro %}

{# Text flags such as 'true' / 'false' as BOOLEAN; null when neither. #}
{% macro text_boolean(column) -%}
    case lower(trim({{ column }})) when 'true' then true when 'false' then false end
{%- endmacro %}

{# A leading salutation (var('name_salutations'), with or without a dot) removed. #}
{% macro strip_salutation(column) -%}
    regexp_replace({{ column }}, '^(?i:{{ var("name_salutations") | join("|") }})\.?\s+', '')
{%- endmacro %}

{# A trailing credential after a comma (var('name_credentials')) removed: "Ann Lee, MBA". #}
{% macro strip_credentials(column) -%}
    regexp_replace({{ column }}, '\s*,\s*(?i:{{ var("name_credentials") | join("|") }})\.?$', '')
{%- endmacro %}

{# True when a name contains a legal form or company word of var('organization_name_markers'). #}
{% macro looks_like_organization(column) -%}
    {%- set words = [] -%}
    {%- set characters = [] -%}
    {%- for marker in var("organization_name_markers") -%}
        {%- if marker.isascii() -%}
            {%- do words.append("'" ~ marker ~ "'") -%}
        {%- else -%}
            {%- do characters.append(marker) -%}
        {%- endif -%}
    {%- endfor -%}
    (
        list_has_any(string_split_regex(lower({{ column }}), '[\s,()&]+'), [{{ words | join(", ") }}])
        {%- if characters %}
        or regexp_matches({{ column }}, '{{ characters | join("|") }}')
        {%- endif %}
    )
{%- endmacro %}

{#
    A person's name written in one field, as a struct (first_name, last_name), unchanged
    case:
    - 2 to 4 Chinese characters: the first is the surname ("张伟" -> 伟 / 张);
    - "Last, First";
    - all capitals (caps_are_last_first): "LASTNAME FIRSTNAME", as SAP clerks key it;
    - otherwise "First [Middle] Last": the last word is the surname;
    - one word: the surname when single_word_is_last, else no split.
    Expects cleaned text (see clean_text).
#}
{% macro split_person_name(column, caps_are_last_first=true, single_word_is_last=true) -%}
    case
        when {{ column }} is null then null
        when regexp_full_match({{ column }}, '\p{Han}{2,4}')
            then {'first_name': substr({{ column }}, 2), 'last_name': left({{ column }}, 1)}
        when contains({{ column }}, ',')
            then {
                'first_name': nullif(trim(substr({{ column }}, strpos({{ column }}, ',') + 1)), ''),
                'last_name': nullif(trim(split_part({{ column }}, ',', 1)), '')
            }
        {%- if caps_are_last_first %}
        when contains({{ column }}, ' ') and not regexp_matches({{ column }}, '\p{Ll}')
            then {
                'first_name': substr({{ column }}, strpos({{ column }}, ' ') + 1),
                'last_name': split_part({{ column }}, ' ', 1)
            }
        {%- endif %}
        when contains({{ column }}, ' ')
            then {
                'first_name': regexp_replace({{ column }}, ' \S+$', ''),
                'last_name': regexp_extract({{ column }}, '\S+$')
            }
        {%- if single_word_is_last %}
        else {'first_name': null::varchar, 'last_name': {{ column }}}
        {%- else %}
        else {'first_name': null::varchar, 'last_name': null::varchar}
        {%- endif %}
    end
{%- endmacro %}
