{#
    This run's `updated` identity events: one per golden id that existed in the last
    publication and whose attributes changed (golden_customer's version went up). Appended
    to mdm.identity_events at publish, beside the created / merged / split events of
    matching (mdm_build.identity_events).
#}

{%- set previous_relation = existing_source("mdm_previous", "golden_customer") -%}

with

current_golden as (

    select * from {{ ref('golden_customer') }}

),

previous as (

    {{ select_or_empty(previous_relation, {"golden_id": "varchar", "version": "integer"}) }}

),

updated as (

    select
        current_golden.golden_id,
        current_golden.updated_at,
        {{ identity_event_digest("updated", "current_golden.golden_id") }} as digest
    from current_golden
    inner join previous on current_golden.golden_id = previous.golden_id
    where current_golden.version > previous.version

),

final as (

    select
        {{ uuid_from_hex("digest") }} as event_id,
        updated_at as occurred_at,
        'updated' as event_type,
        golden_id,
        []::varchar[] as related_golden_ids,
        {{ pipeline_run_id() }} as run_id,
        'pipeline' as actor
    from updated

)

select * from final
