-- The candidates a family head explains (its sub-patterns, repetitions and extensions),
-- for the heads the report drills into; each says which candidate explains it and how.
with classifications as (
    select * from marts.pattern_classifications
)

select
    classifications.family_head_pattern_id,
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.explained_by_pattern_id,
    classifications.explained_reason,
    classifications.window_occurrence_count,
    classifications.occurrence_count,
    classifications.confidence_score,
    classifications.status
from classifications
where
    not classifications.is_family_head
    and list_contains($pattern_ids, classifications.family_head_pattern_id)
order by
    classifications.family_head_pattern_id asc,
    classifications.occurrence_count desc,
    classifications.pattern_id asc
