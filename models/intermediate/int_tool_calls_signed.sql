{#- One row per tool call, with its signature, redacted command text and destructive
    flag. Signatures follow the review UI's `Tool(qualifier)` convention; the rules
    for Bash programs live in the seed `tool_signature_rules`, the destructive rules
    in the seed `destructive_rules`. -#}

{%- set unwrap_passes = 2 -%}

with

tool_calls as (

    select * from {{ ref('int_tool_calls_paired') }}

),

signature_rules as (

    select
        program,
        nullif(alias, '') as alias,
        coalesce(cast(keep_subcommand as boolean), false) as keep_subcommand,
        nullif(unwrap_regex, '') as unwrap_regex
    from {{ ref('tool_signature_rules') }}

),

destructive_rules as (

    select
        rule_id,
        cast(priority as integer) as priority,
        category,
        tool_pattern,
        match_regex,
        nullif(unless_regex, '') as unless_regex,
        reason
    from {{ ref('destructive_rules') }}

),

inputs_extracted as (

    select
        *,
        case
            when tool_name = 'Bash' then {{ json_get_text('tool_input', '$.command') }}
        end as raw_command,
        coalesce(
            {{ json_get_text('tool_input', '$.file_path') }},
            {{ json_get_text('tool_input', '$.notebook_path') }}
        ) as raw_file_path
    from tool_calls

),

commands_stripped as (

    select
        *,
        {{ bash_strip_prefixes('raw_command') }} as command_core
    from inputs_extracted

),

commands_split as (

    select
        *,
        {{ bash_first_word('command_core') }} as program_0,
        {{ bash_rest_after_first_word('command_core') }} as rest_0
    from commands_stripped

),

{#- `python -m pytest`, `npx jest`, `uv run pytest`: the seed's unwrap_regex says which
    programs only launch the next one; it is peeled off (twice, for `uv run python -m x`). -#}
{%- for pass in range(1, unwrap_passes + 1) %}
{%- set previous = 'commands_split' if pass == 1 else 'programs_unwrapped_' ~ (pass - 1) %}
{%- set previous_program = previous ~ '.program_' ~ (pass - 1) %}
{%- set previous_rest = previous ~ '.rest_' ~ (pass - 1) %}
{%- set launched = regex_replace_first(previous_rest, 'signature_rules.unwrap_regex', "''") %}

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

programs_named as (

    select
        programs_unwrapped_{{ unwrap_passes }}.*,
        coalesce(signature_rules.alias, programs_unwrapped_{{ unwrap_passes }}.program_{{ unwrap_passes }})
            as program,
        case
            when signature_rules.keep_subcommand
                then {{ bash_subcommand('programs_unwrapped_' ~ unwrap_passes ~ '.rest_' ~ unwrap_passes) }}
        end as subcommand
    from programs_unwrapped_{{ unwrap_passes }}
    left join signature_rules
        on programs_unwrapped_{{ unwrap_passes }}.program_{{ unwrap_passes }} = signature_rules.program

),

signatures_built as (

    select
        *,
        case
            when tool_name <> 'Bash' then tool_name
            when program is null then 'Bash'
            when subcommand is null then 'Bash(' || program || ')'
            else 'Bash(' || program || ' ' || subcommand || ')'
        end as tool_signature,
        case
            when tool_name = 'Bash' then raw_command
            when raw_file_path is not null then raw_file_path
            else cast(tool_input as varchar)
        end as match_text
    from programs_named

),

{# Regex patterns that come from a table are compiled per row, so the rules run once
    per distinct (tool, text) rather than once per call, and only the rules whose
    tool_pattern fits the tool are tried. #}
texts_to_match as (

    select distinct
        tool_name,
        match_text
    from signatures_built
    where match_text is not null

),

rules_by_tool as (

    select
        tools.tool_name,
        destructive_rules.rule_id,
        destructive_rules.priority,
        destructive_rules.category,
        destructive_rules.match_regex,
        destructive_rules.unless_regex,
        destructive_rules.reason
    from (select distinct tool_name from texts_to_match) as tools
    inner join destructive_rules
        on {{ regex_matches('tools.tool_name', 'destructive_rules.tool_pattern') }}

),

destructive_matches as (

    select
        texts_to_match.tool_name,
        texts_to_match.match_text,
        rules_by_tool.rule_id,
        rules_by_tool.category,
        rules_by_tool.reason,
        row_number() over (
            partition by texts_to_match.tool_name, texts_to_match.match_text
            order by rules_by_tool.priority, rules_by_tool.rule_id
        ) as match_rank
    from texts_to_match
    inner join rules_by_tool
        on texts_to_match.tool_name = rules_by_tool.tool_name
        and {{ regex_matches('texts_to_match.match_text', 'rules_by_tool.match_regex') }}
        and not coalesce(
            {{ regex_matches('texts_to_match.match_text', 'rules_by_tool.unless_regex') }},
            false
        )

),

first_destructive_matches as (

    select *
    from destructive_matches
    where match_rank = 1

),

final as (

    select
        signatures_built.tool_call_id,
        signatures_built.session_id,
        signatures_built.tool_name,
        signatures_built.tool_signature,
        signatures_built.program as bash_program,
        signatures_built.subcommand as bash_subcommand,
        {{ redact_secrets('signatures_built.raw_command') }} as command,
        {{ redact_secrets('signatures_built.raw_file_path') }} as file_path,
        signatures_built.tool_use_id,
        signatures_built.started_at,
        signatures_built.ended_at,
        signatures_built.duration_ms,
        signatures_built.reported_duration_ms,
        signatures_built.is_success,
        signatures_built.has_pre,
        signatures_built.has_post,
        signatures_built.pre_event_id,
        signatures_built.post_event_id,
        signatures_built.event_ids,
        signatures_built.cwd,
        first_destructive_matches.rule_id is not null as is_destructive,
        first_destructive_matches.rule_id as destructive_rule_id,
        first_destructive_matches.category as destructive_category,
        first_destructive_matches.reason as destructive_reason
    from signatures_built
    left join first_destructive_matches
        on signatures_built.tool_name = first_destructive_matches.tool_name
        and signatures_built.match_text = first_destructive_matches.match_text

)

select * from final
