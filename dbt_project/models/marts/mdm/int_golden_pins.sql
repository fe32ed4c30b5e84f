{#
    The values data stewards pinned (mdm.attribute_pins, written by warehouse/pins.py), in
    force for this run: the latest action per golden id and attribute is a pin. A pin
    follows its golden id through merges (published and this run's `merged` identity
    events) to the id that absorbed it; the absorbing id's own pin, else the latest pin,
    wins when two arrive on one attribute.
#}

{%- set pins_relation = existing_source("stewardship", "attribute_pins") -%}
{%- set published_events = existing_source("mdm_previous", "identity_events") -%}
{%- set run_events = existing_source("mdm_build", "identity_events") -%}
{%- set pin_columns = {
    "pin_id": "varchar", "golden_id": "varchar", "attribute": "varchar", "value": "varchar",
    "action": "varchar", "decided_by": "varchar", "decided_at": "timestamp",
    "reason": "varchar",
} -%}
{%- set event_columns = {
    "event_type": "varchar", "golden_id": "varchar", "related_golden_ids": "varchar[]",
    "occurred_at": "timestamp",
} -%}

with recursive

pin_actions as (

    {{ select_or_empty(pins_relation, pin_columns) }}

),

identity_events as (

    {{ select_or_empty(published_events, event_columns) }}
    union all
    {{ select_or_empty(run_events, event_columns) }}

),

in_force as (

    select *
    from pin_actions
    qualify action = 'pin' and row_number() over (
        partition by golden_id, attribute order by decided_at desc, pin_id desc
    ) = 1

),

absorptions as (

    select
        unnest(related_golden_ids) as absorbed_id,
        golden_id as absorbing_id
    from identity_events
    where event_type = 'merged'

),

followed (pin_id, golden_id, hops) as (

    select pin_id, golden_id, 0 from in_force
    union all
    select followed.pin_id, absorptions.absorbing_id, followed.hops + 1
    from followed
    inner join absorptions on absorptions.absorbed_id = followed.golden_id
    -- ids are never reused, so merges cannot loop; the bound only guards bad data
    where followed.hops < 100

),

resolved as (

    select
        followed.golden_id,
        in_force.golden_id as pinned_golden_id,
        in_force.attribute,
        in_force.value,
        in_force.pin_id,
        in_force.decided_by,
        in_force.decided_at,
        in_force.reason,
        followed.hops
    from followed
    inner join in_force on followed.pin_id = in_force.pin_id
    qualify row_number() over (partition by followed.pin_id order by followed.hops desc) = 1

),

final as (

    select * exclude (hops)
    from resolved
    qualify row_number() over (
        partition by golden_id, attribute order by hops, decided_at desc, pin_id desc
    ) = 1

)

select * from final
