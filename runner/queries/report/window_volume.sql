-- Valid events, sessions and quarantined rows whose event time falls in the window.
-- Rows without a usable event time (invalid JSON, unparseable timestamp) belong to no
-- window; they are counted on their own, all time, so they are never silently lost.
with hook_events as (
    select * from staging.stg_raw__hook_events
),

events_counted as (
    select
        count(*) filter (
            where hook_events.quarantine_reason is null
            and hook_events.event_at >= $window_start_at
            and hook_events.event_at < $window_end_at
        ) as events,
        count(distinct hook_events.session_id) filter (
            where hook_events.quarantine_reason is null
            and hook_events.event_at >= $window_start_at
            and hook_events.event_at < $window_end_at
        ) as sessions,
        count(*) filter (
            where hook_events.quarantine_reason is not null
            and hook_events.event_at >= $window_start_at
            and hook_events.event_at < $window_end_at
        ) as quarantined_in_window,
        count(*) filter (
            where hook_events.quarantine_reason is not null
            and hook_events.event_at is null
        ) as quarantined_without_timestamp
    from hook_events
)

select * from events_counted
