{#
    Survivorship, decided once: for every golden id and attribute, the winning value, the
    source record it came from and the rule that chose it. golden_customer pivots it,
    golden_attribute_lineage publishes it as evidence. The rules are data:
    var('survivorship') in dbt_project.yml; a steward's pin (int_golden_pins) beats them all.
#}

{%- set survivorship = var("survivorship") -%}
{%- set known_attributes = golden_attributes() -%}
{%- set known_rules = [
    "most_recent", "source_priority", "most_complete", "most_frequent", "most_restrictive",
] -%}
{%- set preferences = survivorship_preferences() -%}
{%- set decided = [] -%}
{%- for group in survivorship["rules"] -%}
    {%- if group["rule"] not in known_rules -%}
        {{ exceptions.raise_compiler_error(
            "survivorship rule '" ~ group["rule"] ~ "' (attributes " ~ group["attributes"]
            | join(", ") ~ ") is not one of " ~ known_rules | join(", ")
        ) }}
    {%- endif -%}
    {%- for preference in group.get("prefer", []) if preference not in preferences -%}
        {{ exceptions.raise_compiler_error(
            "survivorship preference '" ~ preference ~ "' is not one of "
            ~ preferences.keys() | join(", ")
        ) }}
    {%- endfor -%}
    {%- if group["rule"] == "most_restrictive" -%}
        {%- for attribute in group["attributes"]
            if known_attributes.get(attribute) != "boolean" -%}
            {{ exceptions.raise_compiler_error(
                "survivorship rule most_restrictive needs boolean attributes (false is the "
                ~ "restrictive value); '" ~ attribute ~ "' is not boolean"
            ) }}
        {%- endfor -%}
    {%- endif -%}
    {%- for attribute in group["attributes"] -%}
        {%- if attribute not in known_attributes or attribute in decided -%}
            {{ exceptions.raise_compiler_error(
                "survivorship attribute '" ~ attribute ~ "' is unknown or has two rules"
            ) }}
        {%- endif -%}
        {%- do decided.append(attribute) -%}
    {%- endfor -%}
{%- endfor -%}
{%- for attribute in known_attributes if attribute not in decided -%}
    {{ exceptions.raise_compiler_error("golden attribute '" ~ attribute ~ "' has no survivorship rule") }}
{%- endfor -%}

with

xref as (

    select * from {{ source('mdm_build', 'customer_xref') }}

),

party_records as (

    select * from {{ ref('int_party_records') }}

),

pins as (

    select * from {{ ref('int_golden_pins') }}

),

linked as (

    select
        xref.golden_id,
        party_records.* replace (
            party_records.is_deleted or coalesce(xref.is_deleted, false) as is_deleted
        )
    from xref
    inner join party_records
        on xref.source_system = party_records.source_system
        and xref.source_record_id = party_records.source_record_id

),

{% for group in survivorship["rules"] %}
{%- set rule = group["rule"] %}
{%- set priorities = group.get("source_priority", survivorship["source_priority"]) %}
{%- set attributes = group["attributes"] %}
{%- set completeness -%}
    ({% for attribute in attributes -%}
        ({{ attribute }} is not null)::int{{ " + " if not loop.last }}
    {%- endfor %})
{%- endset %}
{%- set most_recent -%}
    source_updated_at desc nulls last, _delivery_seq desc
{%- endset %}
rule_{{ loop.index }}_candidates as (

    -- {{ attributes | join(", ") }}: {{ rule }} ({{ priorities | join(" > ") }})
    select
        golden_id,
        source_system,
        source_record_id,
        record_key,
        source_updated_at,
        _source_file,
        _line_number,
        _delivery_seq,
        is_deleted,
        {{ attributes | join(", ") }},
        {% for preference in group.get("prefer", []) -%}
        coalesce({{ preferences[preference] }}, false) as prefers_{{ preference }},
        {% endfor -%}
        true as is_candidate
        {%- if rule == "most_frequent" %},
        -- how many of the golden id's records (live ones apart from deleted ones) hold the
        -- same value, compared without case
        count(*) over (
            partition by
                golden_id,
                is_deleted,
                {% for attribute in attributes -%}
                lower(cast({{ attribute }} as varchar)){{ "," if not loop.last }}
                {% endfor %}
        ) as holders
        {%- elif rule == "most_restrictive" %},
        -- signals within recent_days of the golden id's latest signal are recent
        coalesce(
            source_updated_at >= max(source_updated_at) over (partition by golden_id, is_deleted)
                - interval ({{ group.get("recent_days", 90) }}) day,
            max(source_updated_at) over (partition by golden_id, is_deleted) is null
        ) as is_recent
        {%- endif %}
    from linked
    where {% for attribute in attributes -%}
        {{ attribute }} is not null{{ " or " if not loop.last }}
    {%- endfor %}

),

rule_{{ loop.index }}_ranked as (

    select
        *,
        row_number() over (
            partition by golden_id
            order by
                is_deleted,
                {% for preference in group.get("prefer", []) -%}
                prefers_{{ preference }} desc,
                {% endfor -%}
                {%- if survivorship.get("completeness_first", true) or rule == "most_complete" %}
                {{ completeness }} desc,
                {%- endif %}
                {%- if rule == "most_recent" or rule == "most_complete" %}
                {{ most_recent }},
                {{ source_priority_rank(priorities) }},
                {%- elif rule == "source_priority" %}
                {{ source_priority_rank(priorities) }},
                {{ most_recent }},
                {%- elif rule == "most_frequent" %}
                holders desc,
                {{ most_recent }},
                {{ source_priority_rank(priorities) }},
                {%- elif rule == "most_restrictive" %}
                is_recent desc,
                {{ attributes[0] }},
                {{ most_recent }},
                {{ source_priority_rank(priorities) }},
                {%- endif %}
                record_key
        ) as rank_in_golden
    from rule_{{ loop.index }}_candidates

),

{% endfor %}
rule_winners as (

    {% for group in survivorship["rules"] %}
    {%- set rule_index = loop.index %}
    {%- for attribute in group["attributes"] %}
    select
        golden_id,
        '{{ attribute }}' as attribute,
        cast({{ attribute }} as varchar) as value,
        source_system,
        source_record_id,
        '{{ group["rule"] }}' as rule,
        source_updated_at,
        _source_file as source_file,
        _line_number as source_line,
        'pipeline' as decided_by
    from rule_{{ rule_index }}_ranked
    where rank_in_golden = 1 and {{ attribute }} is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {{ "union all" if not loop.last }}
    {% endfor %}

),

pinned as (

    -- only golden ids that exist in this run; a pin on a vanished id waits unused
    select
        pins.golden_id,
        pins.attribute,
        pins.value,
        'steward' as source_system,
        pins.pin_id as source_record_id,
        'steward_pin' as rule,
        pins.decided_at as source_updated_at,
        null::varchar as source_file,
        null::bigint as source_line,
        pins.decided_by
    from pins
    where pins.golden_id in (select golden_id from xref)

),

final as (

    select * from pinned
    union all
    select rule_winners.*
    from rule_winners
    anti join pinned
        on rule_winners.golden_id = pinned.golden_id
        and rule_winners.attribute = pinned.attribute

)

select * from final
