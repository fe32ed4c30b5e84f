{#
    The attributes of a golden customer that survivorship decides, with their SQL types,
    in the column order of the output contract (OUTPUTS.md, mdm.golden_customer).
#}
{% macro golden_attributes() -%}
    {{ return({
        "first_name": "varchar",
        "last_name": "varchar",
        "full_name": "varchar",
        "email": "varchar",
        "phone": "varchar",
        "street": "varchar",
        "city": "varchar",
        "region": "varchar",
        "postal_code": "varchar",
        "country": "varchar",
        "birth_date": "date",
        "company": "varchar",
        "email_opt_in": "boolean",
    }) }}
{%- endmacro %}

{# The start of this dbt invocation (UTC) as a TIMESTAMP: one "now" for every row of a run. #}
{% macro run_timestamp() -%}
    timestamp '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
{%- endmacro %}

{#
    Sort key of a source system in a priority list: 1 for the first, and after every
    listed system for one that is not listed.
#}
{% macro source_priority_rank(priorities, column="source_system") -%}
    coalesce(
        list_position(['{{ priorities | join("', '") }}'], {{ column }}),
        {{ priorities | length + 1 }}
    )
{%- endmacro %}
