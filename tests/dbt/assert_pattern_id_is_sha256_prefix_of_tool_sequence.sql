{{ config(tags=['core']) }}

-- The review UI identifies a pattern by the first 16 hex characters of sha256 of its
-- tool sequence (DESIGN.md): every occurrence must carry exactly that id. Only the
-- sessions new since the last tested build are read (macros/test_scope.sql).
--
-- An occurrence's id is a function of its sequence, so the hash is checked once per
-- distinct (pattern_id, tool_sequence) pair (about a third of the occurrences at 2M
-- events), and the occurrences of a failing pair are listed.

with

occurrences_in_scope as (

    select
        occurrence_id,
        pattern_id,
        tool_sequence
    from {{ ref('fct_pattern_occurrences') }}
    where {{ untested_sessions_only() }}

),

pairs_distinct as (

    select distinct
        pattern_id,
        tool_sequence
    from occurrences_in_scope

),

pairs_failing as (

    select
        pattern_id,
        tool_sequence
    from pairs_distinct
    where pattern_id is distinct from {{ pattern_hash('tool_sequence') }}
        or length(pattern_id) <> 16
        or not {{ regex_matches('pattern_id', "'^[0-9a-f]{16}$'") }}

)

select
    occurrences_in_scope.occurrence_id,
    occurrences_in_scope.pattern_id,
    occurrences_in_scope.tool_sequence
from occurrences_in_scope
inner join pairs_failing
    on occurrences_in_scope.pattern_id is not distinct from pairs_failing.pattern_id
    and occurrences_in_scope.tool_sequence is not distinct from pairs_failing.tool_sequence
