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

{#
    The relation of a source table, or none when the table does not exist yet (the
    previous publication before the first publish, the stewards' pins before the first
    pin). dbt sources are otherwise assumed to exist.
#}
{% macro existing_source(source_name, table_name) -%}
    {%- set declared = source(source_name, table_name) -%}
    {{ return(adapter.get_relation(
        database=declared.database, schema=declared.schema, identifier=declared.identifier
    )) }}
{%- endmacro %}

{#
    `select <columns> from <relation>`, or a typed empty result with the same columns when
    the relation is none. `columns` maps column names to SQL types.
#}
{% macro select_or_empty(relation, columns) -%}
    {%- if relation is not none -%}
    select {{ columns.keys() | join(", ") }} from {{ relation }}
    {%- else -%}
    select
        {% for name, type in columns.items() -%}
        null::{{ type }} as {{ name }}{{ "," if not loop.last }}
        {% endfor -%}
    where false
    {%- endif %}
{%- endmacro %}

{# The run id that identity events and history rows carry: Dagster's, else dbt's own. #}
{% macro pipeline_run_id() -%}
    '{{ var("run_id", invocation_id) }}'
{%- endmacro %}

{#
    SHA-256 (hex) of an SQL-made identity event, seeded as matching.golden_ids.event_id_for
    seeds its events: `namespace|run_id|event_type|golden_id`. Format it with uuid_from_hex.
#}
{% macro identity_event_digest(event_type, golden_id_column) -%}
    sha256(
        '5b0c9d1e-3f51-4c8e-9a57-6d0f1f0c2a11|' || {{ pipeline_run_id() }}
        || '|{{ event_type }}|' || {{ golden_id_column }}
    )
{%- endmacro %}

{#
    UUID text from the first 16 bytes of a hex digest column, with the version (5) and
    variant bits set, as matching.golden_ids.event_id_for does: replaying a run gives the
    same event ids.
#}
{% macro uuid_from_hex(column) -%}
    substr({{ column }}, 1, 8) || '-' || substr({{ column }}, 9, 4) || '-5'
    || substr({{ column }}, 14, 3) || '-'
    || lower(printf('%x', (('0x' || substr({{ column }}, 17, 1))::int & 3) | 8))
    || substr({{ column }}, 18, 3) || '-' || substr({{ column }}, 21, 12)
{%- endmacro %}

{#
    Preferences a survivorship rule group may list under `prefer`: SQL over one candidate
    record, true for the candidates to rank first (before completeness and the rule).
    Evaluated in the candidates CTE of int_golden_survivorship, so windows over the golden
    id are allowed.
#}
{% macro survivorship_preferences() -%}
    {{ return({
        "valid_mobile": "case when min(phone) over (partition by golden_id)"
            ~ " <> max(phone) over (partition by golden_id)"
            ~ " then phone_type(phone) in ('mobile', 'fixed_line_or_mobile') end",
    }) }}
{%- endmacro %}
