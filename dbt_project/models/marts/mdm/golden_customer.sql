{#
    One golden record per golden id of mdm_build.customer_xref: the survived attributes
    (int_golden_survivorship) and the record's history against the previously published
    mdm.golden_customer, which does not exist before the first publish.
#}

{%- set attributes = golden_attributes() -%}
{%- set previous_relation = existing_source("mdm_previous", "golden_customer") -%}
{%- set previous_columns = {"golden_id": "varchar"} -%}
{%- do previous_columns.update(attributes) -%}
{%- do previous_columns.update(
    {"first_seen_at": "timestamp", "updated_at": "timestamp", "version": "integer"}
) -%}

with

xref as (

    select * from {{ source('mdm_build', 'customer_xref') }}

),

party_records as (

    select * from {{ ref('int_party_records') }}

),

winners as (

    select * from {{ ref('int_golden_survivorship') }}

),

previous as (

    -- the last publication; nothing before the first publish
    {{ select_or_empty(previous_relation, previous_columns) }}

),

golden_ids as (

    select
        xref.golden_id,
        count(*) as source_count,
        min(party_records.source_created_at) as earliest_source_created_at
    from xref
    left join party_records
        on xref.source_system = party_records.source_system
        and xref.source_record_id = party_records.source_record_id
    group by xref.golden_id

),

survived as (

    select
        golden_id,
        {% for name, type in attributes.items() -%}
        cast(any_value(value) filter (where attribute = '{{ name }}') as {{ type }}) as {{ name }}
        {{- "," if not loop.last }}
        {% endfor %}
    from winners
    group by golden_id

),

compared as (

    select
        golden_ids.golden_id,
        {% for name in attributes -%}
        survived.{{ name }},
        {% endfor -%}
        golden_ids.source_count,
        golden_ids.earliest_source_created_at,
        previous.golden_id is null as is_new,
        (
            {% for name in attributes -%}
            survived.{{ name }} is distinct from previous.{{ name }}
            {{- " or" if not loop.last }}
            {% endfor %}
        ) as has_changed,
        previous.first_seen_at as previous_first_seen_at,
        previous.updated_at as previous_updated_at,
        previous.version as previous_version
    from golden_ids
    left join survived on golden_ids.golden_id = survived.golden_id
    left join previous on golden_ids.golden_id = previous.golden_id

),

final as (

    select
        golden_id,
        {{ attributes | join(", ") }},
        source_count,
        coalesce(
            previous_first_seen_at, earliest_source_created_at, {{ run_timestamp() }}
        ) as first_seen_at,
        case
            when is_new or has_changed then {{ run_timestamp() }} else previous_updated_at
        end as updated_at,
        case
            when is_new then 1
            when has_changed then previous_version + 1
            else previous_version
        end::integer as version
    from compared

)

select * from final
