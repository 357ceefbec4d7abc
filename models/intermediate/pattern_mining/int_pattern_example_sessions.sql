{#-
    The example sessions of the candidate patterns of the analysis window: up to var
    hook_patterns_example_sessions sessions, the most recent first. Ranks the daily
    rollup int_pattern_recent_sessions (each day's top sessions), never every session a
    common pattern was ever seen in.
-#}

{%- set window_end_date = 'cast(' ~ analysis_window_end_at() ~ ' as date)' %}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}
    where is_candidate

),

recent_sessions as (

    select * from {{ ref('int_pattern_recent_sessions') }}

),

sessions_ranked as (

    -- a session's last occurrence before the window end is its latest day's; the top
    -- sessions of all time are among each day's top ones
    select
        recent_sessions.pattern_id,
        recent_sessions.session_id,
        max(recent_sessions.last_seen_at) as session_last_seen_at,
        row_number() over (
            partition by recent_sessions.pattern_id
            order by max(recent_sessions.last_seen_at) desc, recent_sessions.session_id
        ) as session_order
    from recent_sessions
    inner join window_patterns
        on recent_sessions.pattern_id = window_patterns.pattern_id
    where recent_sessions.occurrence_date < {{ window_end_date }}
    group by recent_sessions.pattern_id, recent_sessions.session_id

),

example_sessions_listed as (

    -- most recent session first, then by id; at most var hook_patterns_example_sessions
    select
        sessions_ranked.pattern_id,
        {{ json_string_array_agg('sessions_ranked.session_id', 'sessions_ranked.session_order') }}
            as example_sessions
    from sessions_ranked
    where sessions_ranked.session_order <= {{ var('hook_patterns_example_sessions') }}
    group by sessions_ranked.pattern_id

),

final as (

    select
        example_sessions_listed.pattern_id,
        example_sessions_listed.example_sessions
    from example_sessions_listed

)

select * from final
