-- One point per classified pattern for the confidence-versus-occurrences chart.
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
order by classifications.pattern_id
