-- The tool calls of each drilled-into pattern's example occurrences, in order: the most
-- recent occurrence of each of its most recent sessions (the marts' example_sessions
-- order), at most $max_examples per pattern and $max_calls calls per occurrence.
-- Occurrences holding a destructive operation come first: they are the evidence.
-- Commands and file paths are the marts' redacted text. A call with neither (Grep, Glob,
-- Task, an MCP tool, …) is described by its tool input, read for these calls only: the
-- report redacts every text once more before showing it.
with classifications as (
    select * from marts.pattern_classifications
    where list_contains($pattern_ids, pattern_id)
),

occurrences as (
    select * from marts.fct_pattern_occurrences
    where list_contains($pattern_ids, pattern_id)
),

-- filtered on pattern_id, as the view asks: it assembles only these occurrences' lists
occurrence_calls as (
    select * from marts.pattern_occurrence_calls
    where list_contains($pattern_ids, pattern_id)
),

tool_calls as (
    select * from intermediate.int_tool_calls_signed
),

tool_inputs as (
    select * from intermediate.int_tool_calls_paired
),

occurrences_ranked as (
    select
        occurrences.occurrence_id,
        occurrences.pattern_id,
        occurrences.session_id,
        occurrences.started_at,
        occurrences.duration_ms,
        occurrences.is_destructive,
        row_number() over (
            partition by occurrences.pattern_id, occurrences.session_id
            order by
                occurrences.is_destructive desc,
                occurrences.started_at desc,
                occurrences.occurrence_id asc
        ) as rank_in_session
    from occurrences
    inner join classifications
        on occurrences.pattern_id = classifications.pattern_id
    where occurrences.started_at < classifications.window_end_at
),

examples_chosen as (
    select
        occurrences_ranked.*,
        row_number() over (
            partition by occurrences_ranked.pattern_id
            order by
                occurrences_ranked.is_destructive desc,
                occurrences_ranked.started_at desc,
                occurrences_ranked.occurrence_id asc
        ) as example_number
    from occurrences_ranked
    where occurrences_ranked.rank_in_session = 1
    qualify example_number <= $max_examples
),

calls_unnested as (
    select
        examples_chosen.pattern_id,
        examples_chosen.example_number,
        examples_chosen.occurrence_id,
        examples_chosen.session_id,
        examples_chosen.started_at as occurrence_started_at,
        examples_chosen.duration_ms as occurrence_duration_ms,
        len(occurrence_calls.tool_call_ids) as call_count,
        unnest(occurrence_calls.tool_call_ids) as tool_call_id,
        unnest(generate_series(1, len(occurrence_calls.tool_call_ids))) as call_number
    from examples_chosen
    inner join occurrence_calls
        on examples_chosen.occurrence_id = occurrence_calls.occurrence_id
),

calls_described as (
    select
        calls_unnested.*,
        tool_calls.tool_name,
        tool_calls.command,
        tool_calls.file_path,
        tool_calls.started_at as call_started_at,
        tool_calls.duration_ms as call_duration_ms,
        tool_calls.is_success,
        tool_calls.is_destructive,
        tool_calls.destructive_rule_id
    from calls_unnested
    left join tool_calls
        on calls_unnested.tool_call_id = tool_calls.tool_call_id
),

-- call_target: what the timeline shows of a call. Its command, else its file path,
-- else what its input asked for, in a reviewer's words: a search's pattern, folder and
-- files; a sub-agent's task; a to-do list's items; else the input as compact JSON.
calls_targeted as (
    select
        calls_described.*,
        coalesce(calls_described.command, calls_described.file_path, case
            when calls_described.tool_name in ('Grep', 'Glob')
                then concat_ws(
                    ' ',
                    json_extract_string(tool_inputs.tool_input, '$.pattern'),
                    'in ' || json_extract_string(tool_inputs.tool_input, '$.path'),
                    '(' || json_extract_string(tool_inputs.tool_input, '$.glob') || ')'
                )
            when calls_described.tool_name = 'Task'
                then concat_ws(
                    ' ',
                    json_extract_string(tool_inputs.tool_input, '$.description'),
                    '(' || json_extract_string(tool_inputs.tool_input, '$.subagent_type') || ')'
                )
            when calls_described.tool_name = 'TodoWrite'
                then nullif(array_to_string(
                    json_extract_string(tool_inputs.tool_input, '$.todos[*].content'), '; '
                ), '')
            when calls_described.tool_name = 'LS'
                then json_extract_string(tool_inputs.tool_input, '$.path')
            when calls_described.tool_name = 'WebFetch'
                then json_extract_string(tool_inputs.tool_input, '$.url')
            when calls_described.tool_name = 'WebSearch'
                then json_extract_string(tool_inputs.tool_input, '$.query')
            else nullif(cast(tool_inputs.tool_input as varchar), '{}')
        end) as call_target
    from calls_described
    left join tool_inputs
        on calls_described.tool_call_id = tool_inputs.tool_call_id
)

select * from calls_targeted
where call_number <= $max_calls
order by pattern_id asc, example_number asc, call_number asc
