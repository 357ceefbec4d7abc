{#-
    One row per session: when its raw rows were first and last loaded. The first load
    never changes, so the rollups (int_pattern_daily_stats, int_pattern_recent_sessions)
    group sessions by it: an incremental run rebuilds only the loads that hold a changed
    session, usually the latest ingest batches.
-#}

{{ config(**session_incremental_config()) }}

with

hook_events as (

    select * from {{ ref('stg_raw__hook_events') }}
    where session_id is not null
    {%- if is_incremental() %}
        and {{ session_rebuild_filter(ref('stg_raw__hook_events')) }}
    {%- endif %}

),

final as (

    select
        session_id,
        min(ingested_at) as session_first_loaded_at,
        max(session_loaded_at) as session_loaded_at,
        min(session_load_date) as session_load_date
    from hook_events
    group by session_id

)

select * from final
