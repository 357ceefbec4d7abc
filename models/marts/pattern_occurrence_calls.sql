{#- The tool calls, hook events and redacted commands of each occurrence, in order: the
    lists of its steps, concatenated. A view: the lists are assembled when read, so the
    fact table does not copy a call into every n-gram that covers it. Filter it on
    occurrence_id or pattern_id; a whole scan assembles every occurrence. -#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}

{{ config(materialized='view') }}

with

pattern_occurrences as (

    -- schema.table without the database: a view binds where it lives, so a copied
    -- warehouse file, or one attached under another name, still reads
    select * from {{ ref('fct_pattern_occurrences').include(database=false) }}

),

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced').include(database=false) }}

),

step_offsets as (

    {{ integer_rows('step_offset', 0, max_length) }}

),

occurrence_steps_listed as (

    -- one row per step the occurrence covers: an equi-join on (segment, step), where a
    -- range join would compare every step of long segments
    select
        pattern_occurrences.occurrence_id,
        pattern_occurrences.pattern_id,
        pattern_occurrences.session_id,
        pattern_occurrences.segment_id,
        pattern_occurrences.start_step_index + step_offsets.step_offset as step_index
    from pattern_occurrences
    inner join step_offsets
        on step_offsets.step_offset < pattern_occurrences.pattern_length

),

occurrence_calls_listed as (

    select
        occurrence_steps_listed.occurrence_id,
        occurrence_steps_listed.pattern_id,
        occurrence_steps_listed.session_id,
        {{ agg_list_concat_ordered('tool_steps.tool_call_ids', 'tool_steps.step_index') }}
            as tool_call_ids,
        {{ agg_list_concat_ordered('tool_steps.event_ids', 'tool_steps.step_index') }}
            as event_ids,
        {{ agg_list_concat_ordered('tool_steps.commands', 'tool_steps.step_index') }}
            as commands
    from occurrence_steps_listed
    inner join tool_steps
        on occurrence_steps_listed.segment_id = tool_steps.segment_id
        and occurrence_steps_listed.step_index = tool_steps.step_index
    -- pattern and session depend on the occurrence; as group keys, a filter on them
    -- reaches the fact table before any list is assembled
    group by
        occurrence_steps_listed.occurrence_id,
        occurrence_steps_listed.pattern_id,
        occurrence_steps_listed.session_id

)

select * from occurrence_calls_listed
