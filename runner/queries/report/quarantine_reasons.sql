-- Quarantined rows per reason: in the window (by event time) and without any event time.
with hook_events as (
    select * from staging.stg_raw__hook_events
),

reasons_counted as (
    select
        hook_events.quarantine_reason as reason,
        count(*) filter (
            where hook_events.event_at >= $window_start_at
            and hook_events.event_at < $window_end_at
        ) as rows_in_window,
        count(*) filter (where hook_events.event_at is null) as rows_without_timestamp
    from hook_events
    where hook_events.quarantine_reason is not null
    group by hook_events.quarantine_reason
)

select * from reasons_counted
where rows_in_window > 0 or rows_without_timestamp > 0
order by rows_in_window desc, rows_without_timestamp desc, reason asc
