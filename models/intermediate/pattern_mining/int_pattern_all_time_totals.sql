{#-
    All-time counts, durations and savings (every occurrence that started before the
    window end) of the candidate patterns of the analysis window. Counts and sums add up
    the daily rollups (int_pattern_daily_stats); only the quantiles read occurrences, and
    only the candidates' timed ones.
-#}

{%- set window_end_date = 'cast(' ~ analysis_window_end_at() ~ ' as date)' %}

with

window_patterns as (

    -- candidates only: they are the patterns classified. The others (most of the
    -- window's patterns, seen once) would multiply the groups for nothing.
    select * from {{ ref('int_pattern_window_counts') }}
    where is_candidate

),

daily_stats as (

    select * from {{ ref('int_pattern_daily_stats') }}

),

timed_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}
    where duration_ms is not null

),

days_summed as (

    -- the window end is a midnight, so "started before it" is "on an earlier date";
    -- a session counts on the date it first shows the pattern, so it counts once
    select
        daily_stats.pattern_id,
        sum(daily_stats.occurrence_count) as occurrence_count,
        sum(daily_stats.new_session_count) as session_count,
        sum(daily_stats.timed_occurrence_count) as timed_occurrence_count,
        sum(daily_stats.duration_us_sum) as duration_us_sum,
        sum(daily_stats.destructive_occurrence_count) > 0 as is_destructive,
        min(daily_stats.first_seen_at) as first_seen_at,
        max(daily_stats.last_seen_at) as last_seen_at
    from daily_stats
    inner join window_patterns
        on daily_stats.pattern_id = window_patterns.pattern_id
    where daily_stats.occurrence_date < {{ window_end_date }}
    group by daily_stats.pattern_id

),

durations_summarised as (

    -- quantiles do not add up across days: they read the candidates' durations (p50
    -- and p90 in one aggregate, which collects the values once)
    select
        timed_occurrences.pattern_id,
        {{ quantiles_cont('timed_occurrences.duration_ms', [0.5, 0.9]) }} as duration_quantiles
    from timed_occurrences
    inner join window_patterns
        on timed_occurrences.pattern_id = window_patterns.pattern_id
    where timed_occurrences.started_at < {{ analysis_window_end_at() }}
    group by timed_occurrences.pattern_id

),

occurrences_aggregated as (

    select
        days_summed.pattern_id,
        days_summed.occurrence_count,
        days_summed.session_count,
        -- the mean of the whole microseconds, as avg() of them gives
        case
            when days_summed.timed_occurrence_count > 0
                then cast(days_summed.duration_us_sum as double)
                    / days_summed.timed_occurrence_count / 1000.0
        end as avg_duration_ms,
        {{ list_element('durations_summarised.duration_quantiles', 1) }} as p50_duration_ms,
        {{ list_element('durations_summarised.duration_quantiles', 2) }} as p90_duration_ms,
        days_summed.first_seen_at,
        days_summed.last_seen_at,
        days_summed.is_destructive
    from days_summed
    left join durations_summarised
        on days_summed.pattern_id = durations_summarised.pattern_id

),

final as (

    select
        occurrences_aggregated.pattern_id,
        cast(occurrences_aggregated.occurrence_count as bigint) as occurrence_count,
        cast(occurrences_aggregated.session_count as bigint) as session_count,
        cast(occurrences_aggregated.avg_duration_ms as double) as avg_duration_ms,
        cast(occurrences_aggregated.p50_duration_ms as double) as p50_duration_ms,
        cast(occurrences_aggregated.p90_duration_ms as double) as p90_duration_ms,
        -- the median time per execution x executions x cost per hour; 0 without
        -- durations. The median, not the mean: one call left running for hours (a dev
        -- server) would otherwise rank a pattern first on a single occurrence.
        cast(
            coalesce(occurrences_aggregated.p50_duration_ms, 0) / 3600000.0
            * occurrences_aggregated.occurrence_count
            * {{ var('hook_patterns_cost_per_hour_usd') }}
        as double) as estimated_savings_usd,
        occurrences_aggregated.is_destructive,
        occurrences_aggregated.first_seen_at,
        occurrences_aggregated.last_seen_at
    from occurrences_aggregated

)

select * from final
