{#- One row per tool call: a PreToolUse paired with its PostToolUse.

    Events are paired inside a partition of (session, tool, tool_use_id):
    - with a tool_use_id (Claude Code's own hook JSON) the partition is that one call;
    - without one (the application's hook_events) the partition is every event of that
      session and tool, and a Pre pairs with the event right after it when that is a Post.
    Events are ordered by time, then by their position in the source (source,
    source_line), which keeps a Pre before its Post when both carry the same
    timestamp, then by event_id.
    A Pre with no Post is a call with no end; a Post with no Pre is a call that starts
    and ends at the Post. -#}

{{ config(**session_incremental_config()) }}

with

hook_events as (

    select * from {{ ref('stg_raw__hook_events') }}

),

tool_events as (

    select
        event_id,
        event_type,
        session_id,
        tool_name,
        tool_use_id,
        event_at,
        tool_input,
        cwd,
        is_success,
        reported_duration_ms,
        source,
        source_line,
        session_loaded_at,
        session_load_date
    from hook_events
    where quarantine_reason is null
        and is_tool_event
        {%- if is_incremental() %}
        and {{ session_rebuild_filter(ref('stg_raw__hook_events')) }}
        {%- endif %}

),

neighbours_found as (

    select
        *,
        lead(event_type) over call_order as next_event_type,
        lead(event_id) over call_order as next_event_id,
        lead(event_at) over call_order as next_event_at,
        lead(tool_input) over call_order as next_tool_input,
        lead(cwd) over call_order as next_cwd,
        lead(is_success) over call_order as next_is_success,
        lead(reported_duration_ms) over call_order as next_reported_duration_ms,
        lag(event_type) over call_order as previous_event_type
    from tool_events
    window call_order as (
        partition by session_id, tool_name, coalesce(tool_use_id, '')
        order by event_at, source, source_line, event_id
    )

),

pre_events_paired as (

    select
        event_id as tool_call_id,
        session_id,
        tool_name,
        tool_use_id,
        true as has_pre,
        next_event_type = 'PostToolUse' as has_post,
        event_id as pre_event_id,
        case when next_event_type = 'PostToolUse' then next_event_id end as post_event_id,
        event_at as started_at,
        case when next_event_type = 'PostToolUse' then next_event_at end as ended_at,
        coalesce(
            tool_input,
            case when next_event_type = 'PostToolUse' then next_tool_input end
        ) as tool_input,
        coalesce(cwd, case when next_event_type = 'PostToolUse' then next_cwd end) as cwd,
        case when next_event_type = 'PostToolUse' then next_is_success end as is_success,
        case
            when next_event_type = 'PostToolUse' then next_reported_duration_ms
        end as reported_duration_ms,
        session_loaded_at,
        session_load_date
    from neighbours_found
    where event_type = 'PreToolUse'

),

orphan_post_events as (

    select
        event_id as tool_call_id,
        session_id,
        tool_name,
        tool_use_id,
        false as has_pre,
        true as has_post,
        cast(null as {{ dbt.type_string() }}) as pre_event_id,
        event_id as post_event_id,
        event_at as started_at,
        event_at as ended_at,
        tool_input,
        cwd,
        is_success,
        reported_duration_ms,
        session_loaded_at,
        session_load_date
    from neighbours_found
    where event_type = 'PostToolUse'
        and coalesce(previous_event_type, '') <> 'PreToolUse'

),

tool_calls_unioned as (

    select * from pre_events_paired
    union all
    select * from orphan_post_events

),

final as (

    select
        tool_call_id,
        session_id,
        tool_name,
        tool_use_id,
        tool_input,
        started_at,
        ended_at,
        case
            when has_pre and has_post then {{ timestamp_diff_ms('started_at', 'ended_at') }}
        end as duration_ms,
        reported_duration_ms,
        is_success,
        coalesce(has_pre, false) as has_pre,
        coalesce(has_post, false) as has_post,
        pre_event_id,
        post_event_id,
        {{ list_without_nulls(['pre_event_id', 'post_event_id']) }} as event_ids,
        cwd,
        session_loaded_at,
        session_load_date
    from tool_calls_unioned

)

select * from final
