-- Every row of int_pattern_daily_stats equals a recount of the occurrences it sums (per
-- pattern, first load and occurrence date), and every such group of occurrences has its
-- row. A session counts as new on the date it first shows the pattern.
--
-- Only the first loads that hold a session new since the last tested build are recounted
-- (macros/test_scope.sql): an incremental run rebuilds exactly those loads, and every
-- other row is what an earlier build wrote and tested. Without the scope every load is.
-- With assert_pattern_counts_match_daily_stats this checks the classified counts against
-- the occurrences, without reading every occurrence ever mined on each run.

with

sessions_loaded as (

    select * from {{ ref('int_sessions_loaded') }}

),

loads_untested as (

    select distinct sessions_loaded.session_first_loaded_at
    from sessions_loaded
    where {{ untested_sessions_only('sessions_loaded.session_loaded_at') }}

),

daily_stats as (

    select * from {{ ref('int_pattern_daily_stats') }}
    where session_first_loaded_at in (
        select loads_untested.session_first_loaded_at from loads_untested
    )

),

pattern_occurrences as (

    -- a session's every version is at or after its first load, so the first filter only
    -- lets the engine skip the older occurrences on their min/max statistics
    select
        fct_occurrences.pattern_id,
        fct_occurrences.session_id,
        fct_occurrences.occurrence_date,
        fct_occurrences.started_at,
        fct_occurrences.duration_ms,
        fct_occurrences.is_destructive,
        sessions_loaded.session_first_loaded_at
    from {{ ref('fct_pattern_occurrences') }} as fct_occurrences
    inner join sessions_loaded
        on fct_occurrences.session_id = sessions_loaded.session_id
    where fct_occurrences.session_loaded_at >= (
            select min(loads_untested.session_first_loaded_at) from loads_untested
        )
        and sessions_loaded.session_first_loaded_at in (
            select loads_untested.session_first_loaded_at from loads_untested
        )

),

occurrences_recounted as (

    select
        pattern_id,
        session_first_loaded_at,
        occurrence_date,
        count(*) as occurrence_count,
        count(duration_ms) as timed_occurrence_count,
        sum(cast(round(duration_ms * 1000) as bigint)) as duration_us_sum,
        sum(case when is_destructive then 1 else 0 end) as destructive_occurrence_count,
        min(started_at) as first_seen_at,
        max(started_at) as last_seen_at
    from pattern_occurrences
    group by pattern_id, session_first_loaded_at, occurrence_date

),

session_first_dates as (

    select
        pattern_id,
        session_first_loaded_at,
        session_id,
        min(occurrence_date) as occurrence_date
    from pattern_occurrences
    group by pattern_id, session_first_loaded_at, session_id

),

new_sessions_recounted as (

    select
        pattern_id,
        session_first_loaded_at,
        occurrence_date,
        count(*) as new_session_count
    from session_first_dates
    group by pattern_id, session_first_loaded_at, occurrence_date

),

recounts_joined as (

    select
        occurrences_recounted.*,
        coalesce(new_sessions_recounted.new_session_count, 0) as new_session_count
    from occurrences_recounted
    left join new_sessions_recounted
        on occurrences_recounted.pattern_id = new_sessions_recounted.pattern_id
        and occurrences_recounted.session_first_loaded_at = new_sessions_recounted.session_first_loaded_at
        and occurrences_recounted.occurrence_date = new_sessions_recounted.occurrence_date

),

mismatches_found as (

    select
        coalesce(daily_stats.pattern_id, recounts_joined.pattern_id) as pattern_id,
        coalesce(daily_stats.session_first_loaded_at, recounts_joined.session_first_loaded_at)
            as session_first_loaded_at,
        coalesce(daily_stats.occurrence_date, recounts_joined.occurrence_date) as occurrence_date,
        daily_stats.occurrence_count,
        recounts_joined.occurrence_count as recounted_occurrence_count,
        daily_stats.new_session_count,
        recounts_joined.new_session_count as recounted_new_session_count
    from daily_stats
    full outer join recounts_joined
        on daily_stats.pattern_id = recounts_joined.pattern_id
        and daily_stats.session_first_loaded_at = recounts_joined.session_first_loaded_at
        and daily_stats.occurrence_date = recounts_joined.occurrence_date
    where daily_stats.pattern_id is null
        or recounts_joined.pattern_id is null
        or daily_stats.occurrence_count <> recounts_joined.occurrence_count
        or daily_stats.new_session_count <> recounts_joined.new_session_count
        or daily_stats.timed_occurrence_count <> recounts_joined.timed_occurrence_count
        or coalesce(daily_stats.duration_us_sum, 0) <> coalesce(recounts_joined.duration_us_sum, 0)
        or daily_stats.destructive_occurrence_count <> recounts_joined.destructive_occurrence_count
        or daily_stats.first_seen_at <> recounts_joined.first_seen_at
        or daily_stats.last_seen_at <> recounts_joined.last_seen_at

)

select * from mismatches_found
