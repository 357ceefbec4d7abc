{#-
    The most recent sessions of every pattern, per first load of the sessions and per
    occurrence date: at most var hook_patterns_example_sessions per day, ranked by their
    last occurrence that day (then by session id). A pattern's example sessions before
    any date are among these rows, so int_pattern_example_sessions never ranks every
    session a common pattern was ever seen in. Incremental by first load, like
    int_pattern_daily_stats.
-#}

{{ config(**rollup_incremental_config()) }}

with

fct_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

sessions_loaded as (

    select * from {{ ref('int_sessions_loaded') }}

),

pattern_occurrences as (

    {{ rollup_occurrences_in_scope('fct_occurrences', 'sessions_loaded') | indent(4) }}

),

session_days_summed as (

    select
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_first_loaded_at,
        pattern_occurrences.occurrence_date,
        pattern_occurrences.session_id,
        min(pattern_occurrences.session_load_date) as session_load_date,
        max(pattern_occurrences.started_at) as last_seen_at,
        max(pattern_occurrences.session_loaded_at) as session_loaded_at
    from pattern_occurrences
    group by
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_first_loaded_at,
        pattern_occurrences.occurrence_date,
        pattern_occurrences.session_id

),

session_days_ranked as (

    select
        session_days_summed.*,
        row_number() over (
            partition by
                session_days_summed.pattern_id,
                session_days_summed.session_first_loaded_at,
                session_days_summed.occurrence_date
            order by session_days_summed.last_seen_at desc, session_days_summed.session_id asc
        ) as session_rank
    from session_days_summed

),

final as (

    select
        pattern_id,
        session_first_loaded_at,
        occurrence_date,
        session_id,
        session_load_date,
        last_seen_at,
        cast(session_rank as integer) as session_rank,
        session_loaded_at
    from session_days_ranked
    where session_rank <= {{ var('hook_patterns_example_sessions') }}

)

select * from final
