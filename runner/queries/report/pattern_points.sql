-- One point per classified pattern for the confidence-versus-occurrences chart
-- (a pattern without both numbers cannot be placed, and is left out).
with classifications as (
    select * from marts.pattern_classifications
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.window_occurrence_count,
    classifications.confidence_score,
    classifications.status
from classifications
where
    classifications.window_occurrence_count is not null
    and classifications.confidence_score is not null
order by classifications.pattern_id
