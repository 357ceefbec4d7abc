{{ config(tags=['core']) }}

-- Invariant of the n-gram unpivot: a segment with n mined steps holds exactly
-- max(0, n - L + 1) occurrences of each length L in the configured range.

{%- set min_length = var('hook_patterns_min_pattern_length') | int -%}
{%- set max_length = var('hook_patterns_max_pattern_length') | int %}

with

steps as (

    -- per segment, so only the sessions new since the last tested build
    -- (macros/test_scope.sql)
    select * from {{ ref('int_tool_steps_sequenced') }}
    where {{ untested_sessions_only() }}

),

occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}
    where {{ untested_sessions_only() }}

),

segment_step_counts as (

    select
        segment_id,
        count(*) as step_count
    from steps
    where not is_beyond_step_cap
    group by segment_id

),

lengths as (

    {{ integer_rows('pattern_length', min_length, max_length + 1) }}

),

expected_counts as (

    select
        segment_step_counts.segment_id,
        lengths.pattern_length,
        greatest(segment_step_counts.step_count - lengths.pattern_length + 1, 0) as expected_count
    from segment_step_counts
    cross join lengths

),

actual_counts as (

    select
        segment_id,
        pattern_length,
        count(*) as actual_count
    from occurrences
    group by segment_id, pattern_length

),

final as (

    select
        expected_counts.segment_id,
        expected_counts.pattern_length,
        expected_counts.expected_count,
        coalesce(actual_counts.actual_count, 0) as actual_count
    from expected_counts
    left join actual_counts
        on expected_counts.segment_id = actual_counts.segment_id
        and expected_counts.pattern_length = actual_counts.pattern_length
    where expected_counts.expected_count <> coalesce(actual_counts.actual_count, 0)

)

select * from final
