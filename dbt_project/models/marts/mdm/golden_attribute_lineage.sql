{#
    The evidence for every non-null golden attribute: which source record it came from
    and which survivorship rule chose it. Read from the same decision as golden_customer
    (int_golden_survivorship), never decided again.
#}

with

winners as (

    select * from {{ ref('int_golden_survivorship') }}

),

final as (

    select
        golden_id,
        attribute,
        value,
        source_system,
        source_record_id,
        rule,
        {{ run_timestamp() }} as decided_at
    from winners

)

select * from final
