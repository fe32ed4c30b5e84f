{#
    The evidence for every non-null golden attribute: the source record it came from (the
    delivery file and line of the version used) or the steward's pin, the survivorship
    rule that chose it, and when. Read from the same decision as golden_customer
    (int_golden_survivorship), never decided again. decided_at is kept from the previous
    publication while the value, its source record and rule stay the same.
#}

{%- set previous_relation = existing_source("mdm_previous", "golden_attribute_lineage") -%}

with

winners as (

    select * from {{ ref('int_golden_survivorship') }}

),

previous as (

    {{ select_or_empty(previous_relation, {
        "golden_id": "varchar", "attribute": "varchar", "value": "varchar",
        "source_system": "varchar", "source_record_id": "varchar", "rule": "varchar",
        "decided_at": "timestamp",
    }) }}

),

final as (

    select
        winners.golden_id,
        winners.attribute,
        winners.value,
        winners.source_system,
        winners.source_record_id,
        winners.rule,
        coalesce(previous.decided_at, {{ run_timestamp() }}) as decided_at,
        winners.decided_by,
        winners.source_updated_at,
        winners.source_file,
        winners.source_line
    from winners
    left join previous
        on winners.golden_id = previous.golden_id
        and winners.attribute = previous.attribute
        and winners.value = previous.value
        and winners.source_system = previous.source_system
        and winners.source_record_id = previous.source_record_id
        and winners.rule = previous.rule

)

select * from final
