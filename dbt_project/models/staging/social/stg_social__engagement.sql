with

source as (

    select * from {{ source('raw', 'social_engagement') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('platform, event_id') }}

),

renamed as (

    select
        ---------- ids
        lower(trim(platform)) || ':' || event_id as engagement_id,
        lower(trim(platform)) || ':' || user_id as profile_id,
        lower(trim(platform)) as platform,
        user_id,
        event_id,

        ---------- event
        nullif(lower(trim(event_type)), '') as event_type,
        {{ utc_timestamp('occurred_at') }} as occurred_at,
        nullif("text", '') as event_text,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
