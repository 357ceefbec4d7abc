-- The day's classified patterns: new ones were first seen inside the window, updated
-- ones existed before it (their all-time metrics moved on).
with classifications as (
    select * from marts.pattern_classifications
),

patterns_summarized as (
    select
        count(*) as patterns,
        count(*) filter (
            where classifications.first_seen_at >= $window_start_at
        ) as new_patterns,
        count(*) filter (
            where classifications.first_seen_at < $window_start_at
        ) as updated_patterns,
        count(*) filter (where classifications.is_destructive) as destructive_patterns,
        count(*) filter (where classifications.status = 'auto-approved') as auto_approved,
        count(*) filter (where classifications.status = 'pending') as pending,
        count(*) filter (where classifications.status = 'auto-rejected') as auto_rejected,
        coalesce(sum(classifications.estimated_savings_usd), 0) as estimated_savings_usd
    from classifications
)

select * from patterns_summarized
