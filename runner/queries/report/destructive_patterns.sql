-- Patterns holding a destructive operation: never auto-approved, shown for the record
-- with their evidence: how many of the pattern's occurrences (all time, before the
-- window end) hold the operation. destructive_example is already redacted by the marts.
with classifications as (
    select * from marts.pattern_classifications
),

occurrences as (
    select * from marts.fct_pattern_occurrences
),

occurrences_counted as (
    select
        occurrences.pattern_id,
        count(*) as occurrences,
        count(*) filter (where occurrences.is_destructive) as destructive_occurrences
    from occurrences
    inner join classifications
        on occurrences.pattern_id = classifications.pattern_id
    where
        classifications.is_destructive
        and occurrences.started_at < classifications.window_end_at
    group by occurrences.pattern_id
)

select
    classifications.pattern_id,
    classifications.tool_sequence,
    classifications.is_family_head,
    classifications.destructive_rule_id,
    classifications.destructive_category,
    classifications.destructive_reason,
    classifications.destructive_example,
    classifications.window_occurrence_count,
    classifications.occurrence_count,
    coalesce(occurrences_counted.destructive_occurrences, 0) as destructive_occurrences,
    coalesce(occurrences_counted.occurrences, 0) as counted_occurrences,
    classifications.status,
    classifications.status_reason
from classifications
left join occurrences_counted
    on classifications.pattern_id = occurrences_counted.pattern_id
where classifications.is_destructive
order by
    classifications.window_occurrence_count desc,
    classifications.pattern_id asc
