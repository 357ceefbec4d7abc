-- Today's review queue: the pending family heads (one review row each), ranked by
-- expected value = savings × confidence, so a pattern worth much but barely above chance
-- ranks below one worth a little less that is certainly real.
-- Savings here use the median duration (p50), which a single runaway call (a dev server
-- left running for hours) cannot inflate: typical duration × occurrences × cost per hour,
-- for the window and for all time. The marts' estimated_savings_usd uses the mean; once
-- they carry median-based savings and their own rank, read those columns instead (see
-- the report's README section).
with classifications as (
    select * from marts.pattern_classifications
),

queue_scored as (
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
        coalesce(classifications.window_p50_duration_ms, 0) / 3600000.0
        * classifications.window_occurrence_count
        * $cost_per_hour_usd as window_savings_usd,
        coalesce(classifications.p50_duration_ms, 0) / 3600000.0
        * classifications.occurrence_count
        * $cost_per_hour_usd as savings_usd,
        classifications.estimated_savings_usd as mean_based_savings_usd,
        classifications.confidence_score,
        coalesce(classifications.p50_duration_ms, 0) / 3600000.0
        * classifications.occurrence_count
        * $cost_per_hour_usd
        * classifications.confidence_score as expected_value_usd,
        classifications.family_pattern_count,
        classifications.example_sessions,
        classifications.first_seen_at >= $window_start_at as is_new
    from classifications
    where
        classifications.is_family_head
        and classifications.status = 'pending'
)

select * from queue_scored
order by
    expected_value_usd desc nulls last,
    window_occurrence_count desc,
    pattern_id asc
