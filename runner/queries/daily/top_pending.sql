-- The pending families a reviewer should look at first: highest expected value
-- (estimated savings × confidence) first, ties by window count, then pattern id.
-- Once the mart ranks its review queue itself (expected_value_usd, review_rank), read
-- those columns here instead, so the summary, the report and the UI agree.
with classifications as (
    select * from marts.pattern_classifications
    where is_family_head and status = 'pending'
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.occurrence_count,
    classifications.session_count,
    classifications.confidence_score,
    classifications.estimated_savings_usd,
    classifications.estimated_savings_usd
    * classifications.confidence_score as expected_value_usd,
    classifications.first_seen_at >= classifications.window_start_at as is_new
from classifications
order by
    expected_value_usd desc nulls last,
    classifications.window_occurrence_count desc,
    classifications.pattern_id asc
limit $top_n
