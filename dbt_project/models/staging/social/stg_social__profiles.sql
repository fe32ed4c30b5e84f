with

source as (

    select * from {{ source('raw', 'social_profiles') }}

),

latest as (

    select * from source
    qualify {{ is_latest_version('platform, user_id') }}

),

renamed as (

    select
        ---------- ids (the warehouse-wide id is `platform:user_id`)
        lower(trim(platform)) || ':' || user_id as profile_id,
        lower(trim(platform)) as platform,
        user_id,

        ---------- profile
        nullif(handle, '') as handle,
        nullif(display_name, '') as display_name,
        nullif(email, '') as email,
        nullif(phone, '') as phone,
        nullif(location, '') as location,
        nullif(bio, '') as bio,
        cast(followers as bigint) as follower_count,
        cast(following as bigint) as following_count,
        cast(verified as boolean) as is_verified,
        nullif(profile_url, '') as profile_url,

        ---------- lifecycle
        {{ utc_timestamp('created_at') }} as created_at,

        ---------- delivery
        _source_file,
        _line_number,
        _delivery_seq

    from latest

)

select * from renamed
