{{ config(tags=['core']) }}

-- The review UI identifies a pattern by the first 16 hex characters of sha256 of its
-- tool sequence (DESIGN.md): every occurrence must carry exactly that id. Only the
-- sessions new since the last tested build are read (macros/test_scope.sql).

select
    occurrence_id,
    pattern_id,
    tool_sequence
from {{ ref('fct_pattern_occurrences') }}
where {{ untested_sessions_only() }}
    and (
        pattern_id <> {{ pattern_hash('tool_sequence') }}
        or length(pattern_id) <> 16
        or not {{ regex_matches('pattern_id', "'^[0-9a-f]{16}$'") }}
    )
