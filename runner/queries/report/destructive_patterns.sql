-- Patterns holding a destructive operation: never auto-approved, shown for the record.
-- destructive_example is already redacted by the marts.
with classifications as (
    select * from marts.pattern_classifications
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.destructive_rule_id,
    classifications.destructive_category,
    classifications.destructive_reason,
    classifications.destructive_example,
    classifications.window_occurrence_count,
    classifications.status
from classifications
where classifications.is_destructive
order by
    classifications.window_occurrence_count desc,
    classifications.pattern_id asc
