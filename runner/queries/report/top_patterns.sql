-- The families worth automating first (their heads): highest estimated savings, ties by
-- window count.
with classifications as (
    select * from marts.pattern_classifications
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.window_occurrence_count,
    classifications.occurrence_count,
    classifications.confidence_score,
    classifications.estimated_savings_usd,
    classifications.status,
    classifications.first_seen_at >= $window_start_at as is_new
from classifications
where classifications.is_family_head
order by
    classifications.estimated_savings_usd desc nulls last,
    classifications.window_occurrence_count desc,
    classifications.pattern_id asc
limit $top_n
