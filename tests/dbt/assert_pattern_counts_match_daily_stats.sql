-- Every count of pattern_classifications equals what it summarises: the all-time
-- occurrences and sessions are the daily rollup's rows dated before the window end (the
-- window end is a midnight), and the window's occurrences and sessions are a recount of
-- the occurrences that started inside the window. assert_daily_stats_match_occurrences
-- checks the rollup itself against the occurrences.

with

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

daily_stats as (

    select * from {{ ref('int_pattern_daily_stats') }}

),

windows_listed as (

    select
        min(classifications.window_start_at) as window_start_at,
        max(classifications.window_end_at) as window_end_at
    from classifications

),

pattern_occurrences as (

    -- only the occurrences inside some classified window are read
    select * from {{ ref('fct_pattern_occurrences') }}
    where started_at >= (select windows_listed.window_start_at from windows_listed)
        and started_at < (select windows_listed.window_end_at from windows_listed)

),

days_summed as (

    select
        classifications.pattern_id,
        sum(daily_stats.occurrence_count) as occurrence_count,
        sum(daily_stats.new_session_count) as session_count
    from classifications
    inner join daily_stats
        on classifications.pattern_id = daily_stats.pattern_id
        and daily_stats.occurrence_date < cast(classifications.window_end_at as date)
    group by classifications.pattern_id

),

window_recounted as (

    select
        classifications.pattern_id,
        count(*) as window_occurrence_count,
        count(distinct pattern_occurrences.session_id) as window_session_count
    from classifications
    inner join pattern_occurrences
        on classifications.pattern_id = pattern_occurrences.pattern_id
        and pattern_occurrences.started_at >= classifications.window_start_at
        and pattern_occurrences.started_at < classifications.window_end_at
    group by classifications.pattern_id

),

mismatches_found as (

    select
        classifications.pattern_id,
        classifications.occurrence_count,
        days_summed.occurrence_count as summed_occurrence_count,
        classifications.session_count,
        days_summed.session_count as summed_session_count,
        classifications.window_occurrence_count,
        window_recounted.window_occurrence_count as recounted_window_occurrence_count,
        classifications.window_session_count,
        window_recounted.window_session_count as recounted_window_session_count
    from classifications
    left join days_summed
        on classifications.pattern_id = days_summed.pattern_id
    left join window_recounted
        on classifications.pattern_id = window_recounted.pattern_id
    where classifications.occurrence_count <> coalesce(days_summed.occurrence_count, 0)
        or classifications.session_count <> coalesce(days_summed.session_count, 0)
        or classifications.window_occurrence_count
            <> coalesce(window_recounted.window_occurrence_count, 0)
        or classifications.window_session_count
            <> coalesce(window_recounted.window_session_count, 0)

)

select * from mismatches_found
