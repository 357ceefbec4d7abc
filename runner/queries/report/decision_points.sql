-- One point per family head (the rows a reviewer decides on) for the savings chart:
-- all-time occurrences and the savings the auto-approve rule reads, with the status.
with classifications as (
    select * from marts.pattern_classifications
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.occurrence_count,
    classifications.session_count,
    classifications.estimated_savings_usd,
    classifications.confidence_score,
    classifications.status
from classifications
where
    classifications.is_family_head
    and classifications.occurrence_count is not null
    and classifications.estimated_savings_usd is not null
order by classifications.pattern_id
