-- Activity per UTC day over the trend period ending on run_date, from the first day
-- with any activity: the days before the data begins are not padded with zeros (they
-- would read as quiet days); a quiet day between active ones is shown as zero.
with hook_events as (
    select * from staging.stg_raw__hook_events
),

occurrences as (
    select * from marts.fct_pattern_occurrences
),

trend_days as (
    select cast(series.day_at as date) as activity_date
    from generate_series(
        cast($trend_start_date as timestamp),
        cast($run_date as timestamp),
        interval 1 day
    ) as series (day_at)
),

events_per_day as (
    select
        cast(hook_events.event_at as date) as activity_date,
        count(*) filter (where hook_events.quarantine_reason is null) as events,
        count(distinct hook_events.session_id) filter (
            where hook_events.quarantine_reason is null
        ) as sessions,
        count(*) filter (where hook_events.quarantine_reason is not null) as quarantined
    from hook_events
    where
        hook_events.event_at >= cast($trend_start_date as timestamp)
        and hook_events.event_at < cast($run_date as timestamp) + interval 1 day
    group by cast(hook_events.event_at as date)
),

occurrences_per_day as (
    select
        occurrences.occurrence_date as activity_date,
        count(*) as occurrences,
        count(distinct occurrences.pattern_id) as distinct_patterns
    from occurrences
    where occurrences.occurrence_date between $trend_start_date and $run_date
    group by occurrences.occurrence_date
),

days_joined as (
    select
        trend_days.activity_date,
        coalesce(events_per_day.events, 0) as events,
        coalesce(events_per_day.sessions, 0) as sessions,
        coalesce(events_per_day.quarantined, 0) as quarantined,
        coalesce(occurrences_per_day.occurrences, 0) as occurrences,
        coalesce(occurrences_per_day.distinct_patterns, 0) as distinct_patterns
    from trend_days
    left join events_per_day
        on trend_days.activity_date = events_per_day.activity_date
    left join occurrences_per_day
        on trend_days.activity_date = occurrences_per_day.activity_date
),

first_active_day as (
    select min(days_joined.activity_date) as activity_date
    from days_joined
    where days_joined.events > 0 or days_joined.quarantined > 0 or days_joined.occurrences > 0
)

select days_joined.* from days_joined
inner join first_active_day
    on days_joined.activity_date >= first_active_day.activity_date
order by days_joined.activity_date
