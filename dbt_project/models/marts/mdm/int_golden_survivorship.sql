{#
    Survivorship, decided once: for every golden id and attribute, the winning value and
    the source record it came from. golden_customer pivots it, golden_attribute_lineage
    publishes it as evidence. The rules are data: var('survivorship') in dbt_project.yml.
#}

{%- set survivorship = var("survivorship") -%}
{%- set known_attributes = golden_attributes() -%}
{%- set known_rules = ["most_recent", "source_priority"] -%}
{%- set decided = [] -%}
{%- for group in survivorship["rules"] -%}
    {%- if group["rule"] not in known_rules -%}
        {{ exceptions.raise_compiler_error(
            "survivorship rule '" ~ group["rule"] ~ "' is not one of " ~ known_rules | join(", ")
        ) }}
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
{%- set priorities = group.get("source_priority", survivorship["source_priority"]) %}
{%- set attributes = group["attributes"] %}
rule_{{ loop.index }}_ranked as (

    -- {{ attributes | join(", ") }}: {{ group["rule"] }} ({{ priorities | join(" > ") }})
    select
        golden_id,
        source_system,
        source_record_id,
        {{ attributes | join(", ") }},
        row_number() over (
            partition by golden_id
            order by
                is_deleted,
                {% for attribute in attributes -%}
                    ({{ attribute }} is not null)::int{{ " + " if not loop.last }}
                {%- endfor %} desc,
                {%- if group["rule"] == "most_recent" %}
                source_updated_at desc nulls last,
                {{ source_priority_rank(priorities) }},
                {%- else %}
                {{ source_priority_rank(priorities) }},
                source_updated_at desc nulls last,
                {%- endif %}
                record_key
        ) as rank_in_golden
    from linked
    where {% for attribute in attributes -%}
        {{ attribute }} is not null{{ " or " if not loop.last }}
    {%- endfor %}

),

{% endfor %}
winners as (

    {% for group in survivorship["rules"] %}
    {%- set rule_index = loop.index %}
    {%- for attribute in group["attributes"] %}
    select
        golden_id,
        '{{ attribute }}' as attribute,
        cast({{ attribute }} as varchar) as value,
        source_system,
        source_record_id,
        '{{ group["rule"] }}' as rule
    from rule_{{ rule_index }}_ranked
    where rank_in_golden = 1 and {{ attribute }} is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {{ "union all" if not loop.last }}
    {% endfor %}

),

final as (

    select * from winners

)

select * from final
