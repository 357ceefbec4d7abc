-- The day's classified patterns: new ones were first seen inside the window, updated
-- ones existed before it (their all-time metrics moved on).
with classifications as (
    select * from marts.pattern_classifications
),

patterns_summarized as (
    select
        count(*) as patterns,
        count_if(classifications.first_seen_at >= $window_start_at) as new_patterns,
        count_if(classifications.first_seen_at < $window_start_at) as updated_patterns,
        count_if(classifications.is_destructive) as destructive_patterns,
        count_if(classifications.status = 'auto-approved') as auto_approved,
        count_if(classifications.status = 'pending') as pending,
        count_if(classifications.status = 'auto-rejected') as auto_rejected,
        coalesce(sum(classifications.estimated_savings_usd), 0) as estimated_savings_usd
    from classifications
)

select * from patterns_summarized
