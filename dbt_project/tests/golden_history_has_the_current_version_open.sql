{#
    The history and the golden records agree: every golden record has exactly one open
    history row, with its version and attributes, and no other golden id has an open row.
#}
{#- a Dagster asset check on the model it guards (it reads more than one) -#}
{{ config(meta={"dagster": {"ref": {"name": "golden_customer_history"}}}) }}
{%- set attributes = golden_attributes() -%}

with

open_rows as (

    select * from {{ ref('golden_customer_history') }} where valid_to is null

),

golden as (

    select * from {{ ref('golden_customer') }}

),

open_per_golden_id as (

    select golden_id, count(*) as open_versions
    from open_rows
    group by golden_id

)

select golden.golden_id, 'no single open version' as problem
from golden
left join open_per_golden_id using (golden_id)
where coalesce(open_per_golden_id.open_versions, 0) <> 1

union all

select open_rows.golden_id, 'open version differs from the golden record'
from open_rows
inner join golden using (golden_id)
where open_rows.version <> golden.version
    {% for name in attributes -%}
    or open_rows.{{ name }} is distinct from golden.{{ name }}
    {% endfor %}

union all

select open_rows.golden_id, 'open version of a golden id that no longer exists'
from open_rows
anti join golden using (golden_id)
