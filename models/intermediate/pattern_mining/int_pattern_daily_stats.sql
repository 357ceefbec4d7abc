{#-
    The additive statistics of every pattern's occurrences, per first load of their
    sessions and per occurrence date: what int_pattern_all_time_totals sums instead of
    reading every occurrence ever mined. Incremental by first load
    (macros/incremental_rollups.sql): a run rebuilds the loads that hold a changed session, so
    its cost follows the new data.
-#}

{{ config(**rollup_incremental_config()) }}

{#- The inputs, passed to the macro as relations rather than import CTEs: the occurrences
    are read twice, each time with its own columns, and DuckDB materialises a CTE that is
    read twice (every row of fct_pattern_occurrences, held in memory). -#}
{%- set occurrences_in_scope = rollup_occurrences_in_scope(
    occurrences=ref('fct_pattern_occurrences'),
    sessions_loaded=ref('int_sessions_loaded'),
) %}

with

pattern_occurrences as (

    {{ occurrences_in_scope | indent(4) }}

),

session_occurrences as (

    {{ occurrences_in_scope | indent(4) }}

),

session_firsts_found as (

    -- the date a session first shows the pattern: the session is counted there only, so
    -- summing days up to any date counts each session once (min() of the session's
    -- load columns only carries them: a session has one of each)
    select
        session_occurrences.pattern_id,
        session_occurrences.session_id,
        min(session_occurrences.session_first_loaded_at) as session_first_loaded_at,
        min(session_occurrences.occurrence_date) as first_occurrence_date
    from session_occurrences
    group by session_occurrences.pattern_id, session_occurrences.session_id

),

occurrences_summed as (

    select
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_first_loaded_at,
        pattern_occurrences.occurrence_date,
        min(pattern_occurrences.session_load_date) as session_load_date,
        count(*) as occurrence_count,
        count(pattern_occurrences.duration_ms) as timed_occurrence_count,
        -- whole microseconds: an integer sum is the same whatever order it is added in
        sum(cast(round(pattern_occurrences.duration_ms * 1000) as bigint)) as duration_us_sum,
        sum(case when pattern_occurrences.is_destructive then 1 else 0 end)
            as destructive_occurrence_count,
        min(pattern_occurrences.started_at) as first_seen_at,
        max(pattern_occurrences.started_at) as last_seen_at,
        max(pattern_occurrences.session_loaded_at) as session_loaded_at
    from pattern_occurrences
    group by
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_first_loaded_at,
        pattern_occurrences.occurrence_date

),

first_sessions_counted as (

    select
        session_firsts_found.pattern_id,
        session_firsts_found.session_first_loaded_at,
        session_firsts_found.first_occurrence_date as occurrence_date,
        count(*) as new_session_count
    from session_firsts_found
    group by
        session_firsts_found.pattern_id,
        session_firsts_found.session_first_loaded_at,
        session_firsts_found.first_occurrence_date

),

final as (

    select
        occurrences_summed.pattern_id,
        occurrences_summed.session_first_loaded_at,
        occurrences_summed.occurrence_date,
        occurrences_summed.session_load_date,
        cast(occurrences_summed.occurrence_count as bigint) as occurrence_count,
        cast(coalesce(first_sessions_counted.new_session_count, 0) as bigint) as new_session_count,
        cast(occurrences_summed.timed_occurrence_count as bigint) as timed_occurrence_count,
        cast(occurrences_summed.duration_us_sum as bigint) as duration_us_sum,
        cast(occurrences_summed.destructive_occurrence_count as bigint) as destructive_occurrence_count,
        occurrences_summed.first_seen_at,
        occurrences_summed.last_seen_at,
        occurrences_summed.session_loaded_at
    from occurrences_summed
    left join first_sessions_counted
        on occurrences_summed.pattern_id = first_sessions_counted.pattern_id
        and occurrences_summed.session_first_loaded_at = first_sessions_counted.session_first_loaded_at
        and occurrences_summed.occurrence_date = first_sessions_counted.occurrence_date

)

select * from final
