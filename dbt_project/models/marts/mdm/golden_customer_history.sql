{#
    Type-2 history of the golden records: one row per version of every golden id, with the
    time it was valid in the hub [valid_from, valid_to). Built from the previously
    published history and this run's golden_customer:
      - a version that is still current stays open;
      - a golden id whose version changed gets its open row closed at the run's start and
        a new open row;
      - a golden id that is gone (merged into another) gets its open row closed;
      - a new golden id gets its first row.
    Before the first publication of this table (a warehouse published by an older
    release), the published golden records stand in as open rows from their updated_at.
#}

{%- set attributes = golden_attributes() -%}
{%- set history_relation = existing_source("mdm_previous", "golden_customer_history") -%}
{%- set golden_relation = existing_source("mdm_previous", "golden_customer") -%}
{%- set record_columns = {"golden_id": "varchar", "version": "integer"} -%}
{%- do record_columns.update(attributes) -%}
{%- do record_columns.update({
    "source_count": "bigint", "first_seen_at": "timestamp", "updated_at": "timestamp",
}) -%}
{%- set history_columns = {} -%}
{%- do history_columns.update(record_columns) -%}
{%- do history_columns.update({
    "valid_from": "timestamp", "valid_to": "timestamp", "run_id": "varchar",
}) -%}

with

current_golden as (

    select * from {{ ref('golden_customer') }}

),

previous_history as (

    {% if history_relation is not none -%}
    {{ select_or_empty(history_relation, history_columns) }}
    {%- else -%}
    -- first publication of the history: the published records are its open rows
    select
        {{ record_columns.keys() | join(", ") }},
        updated_at as valid_from,
        null::timestamp as valid_to,
        null::varchar as run_id
    from ({{ select_or_empty(golden_relation, record_columns) }})
    {%- endif %}

),

closed_before as (

    select * from previous_history where valid_to is not null

),

open_before as (

    select * from previous_history where valid_to is null

),

still_open as (

    select open_before.*
    from open_before
    semi join current_golden
        on open_before.golden_id = current_golden.golden_id
        and open_before.version = current_golden.version

),

closed_now as (

    select open_before.* replace ({{ run_timestamp() }} as valid_to)
    from open_before
    anti join current_golden
        on open_before.golden_id = current_golden.golden_id
        and open_before.version = current_golden.version

),

opened_now as (

    select
        {{ record_columns.keys() | join(", ") }},
        current_golden.updated_at as valid_from,
        null::timestamp as valid_to,
        {{ pipeline_run_id() }} as run_id
    from current_golden
    anti join open_before
        on open_before.golden_id = current_golden.golden_id
        and open_before.version = current_golden.version

),

unioned as (

    select * from closed_before
    union all
    select * from still_open
    union all
    select * from closed_now
    union all
    select * from opened_now

),

final as (

    select
        golden_id,
        version,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        {{ attributes.keys() | join(", ") }},
        source_count,
        first_seen_at,
        updated_at,
        run_id
    from unioned

)

select * from final
