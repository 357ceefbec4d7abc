-- Every occurrence lies in a segment of int_tool_steps_sequenced: the relationships test
-- of fct_pattern_occurrences.segment_id, written over distinct segments. The generic
-- test joins every occurrence to every step of its segment (segment_id is not unique in
-- the steps), about 47 rows per occurrence at 2M events; the distinct segments on both
-- sides prove the same in a fraction of the time.
--
-- Only the occurrences of the sessions new since the last tested build are read
-- (macros/test_scope.sql), like the generic tests of the session-incremental models; the
-- segments are looked up in the whole steps table.

with

occurrence_segments as (

    select distinct fct_occurrences.segment_id
    from {{ ref('fct_pattern_occurrences') }} as fct_occurrences
    where fct_occurrences.segment_id is not null
        and {{ untested_sessions_only('fct_occurrences.session_loaded_at') }}

),

step_segments as (

    select distinct tool_steps.segment_id
    from {{ ref('int_tool_steps_sequenced') }} as tool_steps

),

final as (

    select occurrence_segments.segment_id
    from occurrence_segments
    left join step_segments
        on occurrence_segments.segment_id = step_segments.segment_id
    where step_segments.segment_id is null

)

select * from final
