{#- One row per step position of every candidate of the analysis window: the pattern's
    signature there, read from the steps of one of its window occurrences (robust to any
    character inside a signature, which splitting tool_sequence on `→` is not). -#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

tool_steps as (

    -- every step a window occurrence covers starts at or after the occurrence
    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_window_start_at() }}

),

step_offsets as (

    {{ integer_rows('step_offset', 0, max_length) }}

),

pattern_positions_listed as (

    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        window_patterns.example_segment_id,
        window_patterns.example_start_step_index + step_offsets.step_offset as step_index,
        step_offsets.step_offset + 1 as step_position
    from window_patterns
    inner join step_offsets
        on step_offsets.step_offset < window_patterns.pattern_length
    where window_patterns.is_candidate

),

final as (

    -- an equi-join on (segment, step): a range join over long segments costs far more
    select
        pattern_positions_listed.pattern_id,
        cast(pattern_positions_listed.pattern_length as integer) as pattern_length,
        cast(pattern_positions_listed.step_position as integer) as step_position,
        tool_steps.tool_signature
    from pattern_positions_listed
    inner join tool_steps
        on pattern_positions_listed.example_segment_id = tool_steps.segment_id
        and pattern_positions_listed.step_index = tool_steps.step_index

)

select * from final
