{#-
    The most recent sessions of every pattern, per session load date and occurrence
    date: at most var hook_patterns_example_sessions per day, ranked by their last
    occurrence that day (then by session id). A pattern's example sessions before any
    date are among these rows, so int_pattern_all_time_stats never ranks every session
    a common pattern was ever seen in. Incremental by load date, like
    int_pattern_daily_stats.
-#}

{{ config(**load_date_incremental_config()) }}

with

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('fct_pattern_occurrences'), 'session_load_date') }}
    {%- endif %}

),

session_days_summed as (

    select
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_load_date,
        pattern_occurrences.occurrence_date,
        pattern_occurrences.session_id,
        max(pattern_occurrences.started_at) as last_seen_at,
        max(pattern_occurrences.session_loaded_at) as session_loaded_at
    from pattern_occurrences
    group by
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_load_date,
        pattern_occurrences.occurrence_date,
        pattern_occurrences.session_id

),

session_days_ranked as (

    select
        session_days_summed.*,
        row_number() over (
            partition by
                session_days_summed.pattern_id,
                session_days_summed.session_load_date,
                session_days_summed.occurrence_date
            order by session_days_summed.last_seen_at desc, session_days_summed.session_id asc
        ) as session_rank
    from session_days_summed

),

final as (

    select
        pattern_id,
        session_load_date,
        occurrence_date,
        session_id,
        last_seen_at,
        cast(session_rank as integer) as session_rank,
        session_loaded_at
    from session_days_ranked
    where session_rank <= {{ var('hook_patterns_example_sessions') }}

)

select * from final
