{#- One row per tool call, with its signature, redacted command text and destructive
    flag. Signatures follow the review UI's `Tool(qualifier)` convention; the rules
    for Bash programs live in the seed `tool_signature_rules`, the destructive rules
    in the seed `destructive_rules`. -#}

{%- set unwrap_passes = 2 -%}
{#- SQL statements read per command (or tool input); later ones are not checked. -#}
{%- set sql_statements_read = 50 -%}

{{ config(**session_incremental_config()) }}

with

tool_calls as (

    select * from {{ ref('int_tool_calls_paired') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_calls_paired')) }}
    {%- endif %}

),

{# the same calls, read again for their inputs only: one CTE read twice would be
    materialized with every column of every call #}
call_inputs as (

    select
        tool_name,
        tool_input
    from {{ ref('int_tool_calls_paired') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_calls_paired')) }}
    {%- endif %}

),

signature_rules as (

    select
        program,
        nullif(alias, '') as alias,
        coalesce(cast(keep_subcommand as boolean), false) as keep_subcommand,
        nullif(unwrap_regex, '') as unwrap_regex,
        nullif(script_regex, '') as script_regex
    from {{ ref('tool_signature_rules') }}

),

destructive_rules as (

    select
        rule_id,
        cast(priority as integer) as priority,
        category,
        tool_pattern,
        reads,
        match_regex,
        nullif(unless_regex, '') as unless_regex,
        reason
    from {{ ref('destructive_rules') }}

),

{# Most calls repeat an input seen before (`git status`, the same file read again), so
    the input JSON is parsed once per distinct (tool, input), and the regex work (Bash
    unwrapping, secret redaction, destructive rules) runs once per distinct command,
    file path or matched text; the results are joined back to the calls at the end. #}
inputs_distinct as (

    select distinct
        tool_name,
        tool_input
    from call_inputs

),

inputs_parsed as (

    select
        tool_name,
        tool_input,
        {{ json_get_paths('tool_input', ['$.command', '$.file_path', '$.notebook_path']) }} as input_items
    from inputs_distinct

),

inputs_extracted as (

    select
        tool_name,
        tool_input,
        case
            when tool_name = 'Bash' then {{ json_item_text('input_items', 1) }}
        end as raw_command,
        coalesce(
            {{ json_item_text('input_items', 2) }},
            {{ json_item_text('input_items', 3) }}
        ) as raw_file_path
    from inputs_parsed

),

commands_distinct as (

    select distinct raw_command
    from inputs_extracted
    where raw_command is not null

),

{# What each command runs (macros/shell_reading.sql): the marked text holds the code it
    executes with the SQL it sends between ⟦ and ⟧; the text it only carries (messages,
    comments, search patterns, heredocs written to files) is blanked. #}
commands_marked as (

    select
        raw_command,
        {{ shell_marked_text('raw_command') }} as marked_command
    from commands_distinct

),

commands_read as (

    select
        raw_command,
        {{ shell_executed_text('marked_command') }} as executed_text,
        {{ shell_sql_text('marked_command') }} as sql_text
    from commands_marked

),

commands_stripped as (

    select
        raw_command,
        {{ bash_strip_prefixes('raw_command') }} as command_core
    from commands_distinct

),

commands_split as (

    select
        *,
        {{ bash_first_word('command_core') }} as program_0,
        {{ bash_rest_after_first_word('command_core') }} as rest_0
    from commands_stripped

),

{#- `python -m pytest`, `npx jest`, `uv run pytest`, `bash -c "cd web && npm test"`: the
    seed's unwrap_regex says which programs only launch the next one; it is peeled off
    with the prefixes of the command it launches (twice, for `uv run python -m x`). -#}
{%- for pass in range(1, unwrap_passes + 1) %}
{%- set previous = 'commands_split' if pass == 1 else 'programs_unwrapped_' ~ (pass - 1) %}
{%- set previous_program = previous ~ '.program_' ~ (pass - 1) %}
{%- set previous_rest = previous ~ '.rest_' ~ (pass - 1) %}
{%- set unwrapped = regex_replace_first(previous_rest, 'signature_rules.unwrap_regex', "''") %}
{%- set launched = bash_strip_prefixes(unwrapped) %}

programs_unwrapped_{{ pass }} as (

    select
        {{ previous }}.*,
        case
            when {{ regex_matches(previous_rest, 'signature_rules.unwrap_regex') }}
                then {{ bash_first_word(launched) }}
            else {{ previous_program }}
        end as program_{{ pass }},
        case
            when {{ regex_matches(previous_rest, 'signature_rules.unwrap_regex') }}
                then {{ bash_rest_after_first_word(launched) }}
            else {{ previous_rest }}
        end as rest_{{ pass }}
    from {{ previous }}
    left join signature_rules
        on {{ previous_program }} = signature_rules.program

),
{%- endfor %}

{#- The qualifier after the program: what an interpreter runs (the seed's script_regex:
    `python server.py` -> `server.py`, `python -c` -> `-c`), else the subcommand for the
    programs whose seed row keeps it. -#}
{%- set final_rest = 'programs_unwrapped_' ~ unwrap_passes ~ '.rest_' ~ unwrap_passes %}

programs_named as (

    select
        programs_unwrapped_{{ unwrap_passes }}.*,
        coalesce(signature_rules.alias, programs_unwrapped_{{ unwrap_passes }}.program_{{ unwrap_passes }})
            as program,
        coalesce(
            {{ bash_script_name(final_rest, 'signature_rules.script_regex') }},
            case
                when signature_rules.keep_subcommand
                    then {{ bash_subcommand(final_rest) }}
            end
        ) as subcommand
    from programs_unwrapped_{{ unwrap_passes }}
    left join signature_rules
        on programs_unwrapped_{{ unwrap_passes }}.program_{{ unwrap_passes }} = signature_rules.program

),

commands_signed as (

    select
        raw_command,
        program,
        subcommand,
        {{ redact_secrets('raw_command') }} as command
    from programs_named

),

file_paths_distinct as (

    select distinct raw_file_path
    from inputs_extracted
    where raw_file_path is not null

),

file_paths_redacted as (

    select
        raw_file_path,
        {{ redact_secrets('raw_file_path') }} as file_path
    from file_paths_distinct

),

inputs_signed as (

    select
        inputs_extracted.tool_name,
        inputs_extracted.tool_input,
        commands_signed.program,
        commands_signed.subcommand,
        commands_signed.command,
        file_paths_redacted.file_path,
        case
            when inputs_extracted.tool_name <> 'Bash' then inputs_extracted.tool_name
            when commands_signed.program is null then 'Bash'
            when commands_signed.subcommand is null then 'Bash(' || commands_signed.program || ')'
            else 'Bash(' || commands_signed.program || ' ' || commands_signed.subcommand || ')'
        end as tool_signature,
        case
            when inputs_extracted.tool_name = 'Bash' then inputs_extracted.raw_command
            when inputs_extracted.raw_file_path is not null then inputs_extracted.raw_file_path
            else cast(inputs_extracted.tool_input as {{ dbt.type_string() }})
        end as match_text,
        case
            when inputs_extracted.tool_name = 'Bash' then 'command'
            when inputs_extracted.raw_file_path is not null then 'file_path'
            else 'input'
        end as match_kind
    from inputs_extracted
    left join commands_signed
        on inputs_extracted.raw_command = commands_signed.raw_command
    left join file_paths_redacted
        on inputs_extracted.raw_file_path = file_paths_redacted.raw_file_path

),

{# Regex patterns that come from a table are compiled per row, so the rules run once
    per distinct (tool, text) rather than once per call, and only the rules whose
    tool_pattern fits the tool and whose `reads` fits the text are tried. A call is read
    as up to three kinds of text: `shell` (what a Bash command executes), `sql` (each
    statement it sends to a database client; for tools other than Bash with no file
    path, such as an MCP database tool, the tool input split on `;`) and `file_path`
    (the file a Write/Edit/NotebookEdit call touches). On DuckDB the rules' patterns are
    also written into the SQL as literals (macros/destructive_rules.sql), so each one is
    compiled once instead of once per text-rule pair. #}
texts_to_match as (

    select distinct
        tool_name,
        match_text,
        match_kind
    from inputs_signed
    where match_text is not null

),

texts_read as (

    select
        texts_to_match.tool_name,
        texts_to_match.match_text,
        'shell' as text_kind,
        commands_read.executed_text as read_text
    from texts_to_match
    inner join commands_read
        on texts_to_match.match_text = commands_read.raw_command
    where texts_to_match.match_kind = 'command'

    union all

    select
        texts_to_match.tool_name,
        texts_to_match.match_text,
        'sql_text' as text_kind,
        commands_read.sql_text as read_text
    from texts_to_match
    inner join commands_read
        on texts_to_match.match_text = commands_read.raw_command
    where texts_to_match.match_kind = 'command'

    union all

    select
        tool_name,
        match_text,
        'sql_text' as text_kind,
        {{ sql_text_without_literals('match_text') }} as read_text
    from texts_to_match
    where match_kind = 'input'

    union all

    select
        tool_name,
        match_text,
        'file_path' as text_kind,
        match_text as read_text
    from texts_to_match
    where match_kind = 'file_path'

),

{# SQL rules judge one statement at a time (a DELETE's WHERE must be in that DELETE):
    the SQL text is split on `;`, up to sql_statements_read statements per text. #}
statement_positions as (

    {{ integer_rows('statement_position', 1, sql_statements_read + 1) }}

),

texts_split as (

    select
        tool_name,
        match_text,
        text_kind,
        read_text
    from texts_read
    where text_kind <> 'sql_text'

    union all

    select
        texts_read.tool_name,
        texts_read.match_text,
        'sql' as text_kind,
        {{ sql_statement('texts_read.read_text', 'statement_positions.statement_position') }} as read_text
    from texts_read
    cross join statement_positions
    where
        texts_read.text_kind = 'sql_text'
        and {{ regex_matches('texts_read.read_text', "'[^;\s]'") }}

),

texts_checked as (

    select *
    from texts_split
    where {{ regex_matches('read_text', "'[^;\s]'") }}

),

rules_by_tool as (

    select
        tools.tool_name,
        destructive_rules.rule_id,
        destructive_rules.priority,
        destructive_rules.category,
        destructive_rules.reads,
        destructive_rules.match_regex,
        destructive_rules.unless_regex,
        destructive_rules.reason
    from (select distinct tool_name from texts_checked) as tools
    inner join destructive_rules
        on {{ regex_matches('tools.tool_name', 'destructive_rules.tool_pattern') }}

),

destructive_matches as (

    select
        texts_checked.tool_name,
        texts_checked.match_text,
        rules_by_tool.rule_id,
        rules_by_tool.category,
        rules_by_tool.reason,
        row_number() over (
            partition by texts_checked.tool_name, texts_checked.match_text
            order by rules_by_tool.priority, rules_by_tool.rule_id
        ) as match_rank
    from texts_checked
    inner join rules_by_tool
        on texts_checked.tool_name = rules_by_tool.tool_name
        and texts_checked.text_kind = rules_by_tool.reads
        and {{ destructive_rule_matches(
            'texts_checked.read_text',
            'rules_by_tool.match_regex',
            'rules_by_tool.unless_regex',
            ref('destructive_rules')
        ) }}

),

first_destructive_matches as (

    select *
    from destructive_matches
    where match_rank = 1

),

inputs_classified as {{ cte_materialized() }} (

    select
        inputs_signed.*,
        first_destructive_matches.rule_id as destructive_rule_id,
        first_destructive_matches.category as destructive_category,
        first_destructive_matches.reason as destructive_reason
    from inputs_signed
    left join first_destructive_matches
        on inputs_signed.tool_name = first_destructive_matches.tool_name
        and inputs_signed.match_text = first_destructive_matches.match_text

),

final as (

    select
        tool_calls.tool_call_id,
        tool_calls.session_id,
        tool_calls.tool_name,
        inputs_classified.tool_signature,
        inputs_classified.program as bash_program,
        inputs_classified.subcommand as bash_subcommand,
        inputs_classified.command,
        inputs_classified.file_path,
        tool_calls.tool_use_id,
        tool_calls.started_at,
        tool_calls.ended_at,
        tool_calls.duration_ms,
        tool_calls.reported_duration_ms,
        tool_calls.is_success,
        tool_calls.has_pre,
        tool_calls.has_post,
        tool_calls.pre_event_id,
        tool_calls.post_event_id,
        tool_calls.event_ids,
        tool_calls.cwd,
        inputs_classified.destructive_rule_id is not null as is_destructive,
        inputs_classified.destructive_rule_id,
        inputs_classified.destructive_category,
        inputs_classified.destructive_reason,
        tool_calls.session_loaded_at,
        tool_calls.session_load_date
    from tool_calls
    left join inputs_classified
        on tool_calls.tool_name = inputs_classified.tool_name
        and tool_calls.tool_input is not distinct from inputs_classified.tool_input

)

select * from final
