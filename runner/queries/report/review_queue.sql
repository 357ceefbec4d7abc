-- Today's review queue: the pending family heads (one review row each) in the mart's
-- review_rank order: expected value = all-time savings × confidence, so a pattern worth
-- much but barely above chance ranks below one worth a little less that is certainly
-- real. The savings are the mart's, from the median duration (p50), which a single
-- runaway call (a dev server left running for hours) cannot inflate.
with classifications as (
    select * from marts.pattern_classifications
),

review_queue as (
    select
        classifications.pattern_id,
        classifications.tool_sequence,
        classifications.status,
        classifications.status_reason,
        classifications.window_occurrence_count,
        classifications.occurrence_count,
        classifications.window_session_count,
        classifications.session_count,
        classifications.window_p50_duration_ms,
        classifications.p50_duration_ms,
        classifications.window_estimated_savings_usd as window_savings_usd,
        classifications.estimated_savings_usd as savings_usd,
        classifications.confidence_score,
        classifications.expected_value_usd,
        classifications.review_rank,
        classifications.family_pattern_count,
        classifications.example_sessions,
        classifications.first_seen_at >= $window_start_at as is_new
    from classifications
    where
        classifications.is_family_head
        and classifications.status = 'pending'
)

select * from review_queue
order by
    review_rank asc nulls last,
    window_occurrence_count desc,
    pattern_id asc
