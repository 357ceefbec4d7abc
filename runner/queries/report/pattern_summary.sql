-- The day's classified patterns: new ones were first seen inside the window, updated
-- ones existed before it (their all-time metrics moved on). Statuses and savings count
-- families (their heads): a pattern another explains is no row of the review queue.
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
        count(*) filter (where classifications.is_family_head) as families,
        count(*) filter (
            where classifications.is_family_head and classifications.is_destructive
        ) as destructive_patterns,
        count(*) filter (
            where classifications.is_family_head and classifications.status = 'auto-approved'
        ) as auto_approved,
        count(*) filter (
            where classifications.is_family_head and classifications.status = 'pending'
        ) as pending,
        count(*) filter (
            where classifications.is_family_head and classifications.status = 'auto-rejected'
        ) as auto_rejected,
        coalesce(sum(classifications.estimated_savings_usd) filter (
            where classifications.is_family_head
        ), 0) as estimated_savings_usd
    from classifications
)

select * from patterns_summarized
