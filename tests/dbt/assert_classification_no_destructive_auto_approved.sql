-- A destructive pattern is never auto-approved, whatever its numbers (DESIGN.md).
select
    pattern_id,
    tool_sequence,
    status,
    destructive_rule_id
from {{ ref('pattern_classifications') }}
where is_destructive
    and status <> 'auto-rejected'
