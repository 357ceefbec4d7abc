-- Valid events, sessions and quarantined rows whose event time falls in the window.
-- Rows without a usable event time (invalid JSON, unparseable timestamp) belong to no
-- window; they are counted on their own, all time, so they are never silently lost.
with hook_events as (
    select * from staging.stg_raw__hook_events
),

events_flagged as (
    select
        hook_events.session_id,
        hook_events.quarantine_reason is not null as is_quarantined,
        hook_events.event_at is null as is_without_timestamp,
        coalesce(
            hook_events.event_at >= $window_start_at
            and hook_events.event_at < $window_end_at,
            false
        ) as is_in_window
    from hook_events
),

events_counted as (
    select
        count(*) filter (
            where events_flagged.is_in_window and not events_flagged.is_quarantined
        ) as events,
        count(distinct events_flagged.session_id) filter (
            where events_flagged.is_in_window and not events_flagged.is_quarantined
        ) as sessions,
        count(*) filter (
            where events_flagged.is_in_window and events_flagged.is_quarantined
        ) as quarantined_in_window,
        count(*) filter (
            where events_flagged.is_without_timestamp and events_flagged.is_quarantined
        ) as quarantined_without_timestamp
    from events_flagged
)

select * from events_counted
