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

{# One pass over the events makes both kinds of call: a Pre (paired with the event
    after it when that is a Post) and an orphan Post (one whose previous event is not a
    Pre). Two selects from neighbours_found would make DuckDB materialize it, every
    event with every column. #}
neighbours_read as (

    select
        *,
        event_type = 'PreToolUse' as is_pre,
        next_event_type = 'PostToolUse' as is_paired
    from neighbours_found
    where event_type = 'PreToolUse'
        or (event_type = 'PostToolUse' and coalesce(previous_event_type, '') <> 'PreToolUse')

),

tool_calls_unioned as (

    select
        event_id as tool_call_id,
        session_id,
        tool_name,
        tool_use_id,
        is_pre as has_pre,
        case when is_pre then is_paired else true end as has_post,
        case when is_pre then event_id end as pre_event_id,
        case
            when not is_pre then event_id
            when is_paired then next_event_id
        end as post_event_id,
        event_at as started_at,
        case
            when not is_pre then event_at
            when is_paired then next_event_at
        end as ended_at,
        case
            when not is_pre then tool_input
            else coalesce(tool_input, case when is_paired then next_tool_input end)
        end as tool_input,
        case
            when not is_pre then cwd
            else coalesce(cwd, case when is_paired then next_cwd end)
        end as cwd,
        case
            when not is_pre then is_success
            when is_paired then next_is_success
        end as is_success,
        case
            when not is_pre then reported_duration_ms
            when is_paired then next_reported_duration_ms
        end as reported_duration_ms,
        session_loaded_at,
        session_load_date
    from neighbours_read

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
