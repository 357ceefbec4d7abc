{#-
    The destructive evidence of the candidate patterns of the analysis window: the rule,
    category and reason of each one's most recent destructive occurrence before the
    window end, and the redacted text of that occurrence's first destructive tool call.
    Reads only the candidates' destructive occurrences.
-#}

{#- what the destructive evidence keeps of its occurrence -#}
{%- set evidence_fields = [
    'session_id', 'destructive_rule_id', 'destructive_category', 'destructive_reason',
    'segment_id', 'start_step_index', 'pattern_length',
] -%}
{%- set evidence_record = {} -%}
{%- for field in evidence_fields -%}
    {%- do evidence_record.update({field: 'destructive_occurrences.' ~ field}) -%}
{%- endfor %}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}
    where is_candidate

),

destructive_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}
    where is_destructive

),

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}

),

tool_calls as (

    select * from {{ ref('int_tool_calls_signed') }}

),

destructive_evidence_found as (

    -- the most recent destructive occurrence is the pattern's evidence (one aggregate,
    -- not a window ranking every destructive occurrence of every candidate)
    select
        destructive_occurrences.pattern_id,
        {{ agg_last_by(
            record_of(evidence_record),
            record_of({
                'started_at': 'destructive_occurrences.started_at',
                'occurrence_id': 'destructive_occurrences.occurrence_id',
            }),
        ) }} as evidence
    from destructive_occurrences
    inner join window_patterns
        on destructive_occurrences.pattern_id = window_patterns.pattern_id
    where destructive_occurrences.started_at < {{ analysis_window_end_at() }}
    group by destructive_occurrences.pattern_id

),

destructive_evidence_picked as (

    select
        destructive_evidence_found.pattern_id,
        {%- for field in evidence_fields %}
        {{ record_get('destructive_evidence_found.evidence', field) }} as {{ field }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from destructive_evidence_found

),

destructive_calls_listed as (

    select
        tool_calls.tool_call_id,
        tool_calls.started_at,
        tool_calls.session_id,
        -- already redacted upstream; a non-Bash call shows its signature and file path
        coalesce(
            tool_calls.command,
            tool_calls.tool_signature || ' ' || tool_calls.file_path,
            tool_calls.tool_signature
        ) as command_text
    from tool_calls
    where tool_calls.is_destructive

),

evidence_steps_listed as (

    -- the steps the evidence occurrence covers, with their tool calls
    select
        destructive_evidence_picked.pattern_id,
        destructive_evidence_picked.session_id,
        tool_steps.tool_call_ids
    from destructive_evidence_picked
    inner join tool_steps
        on destructive_evidence_picked.segment_id = tool_steps.segment_id
        and tool_steps.step_index >= destructive_evidence_picked.start_step_index
        and tool_steps.step_index
            < destructive_evidence_picked.start_step_index + destructive_evidence_picked.pattern_length

),

evidence_calls_ranked as (

    -- the first destructive call of the evidence occurrence: the one its rule comes from
    select
        evidence_steps_listed.pattern_id,
        destructive_calls_listed.command_text,
        row_number() over (
            partition by evidence_steps_listed.pattern_id
            order by destructive_calls_listed.started_at, destructive_calls_listed.tool_call_id
        ) as call_order
    from evidence_steps_listed
    inner join destructive_calls_listed
        on evidence_steps_listed.session_id = destructive_calls_listed.session_id
        and {{ list_has('evidence_steps_listed.tool_call_ids', 'destructive_calls_listed.tool_call_id') }}

),

destructive_examples_picked as (

    select
        evidence_calls_ranked.pattern_id,
        evidence_calls_ranked.command_text as destructive_example
    from evidence_calls_ranked
    where evidence_calls_ranked.call_order = 1

),

final as (

    select
        destructive_evidence_picked.pattern_id,
        destructive_evidence_picked.destructive_rule_id,
        destructive_evidence_picked.destructive_category,
        destructive_evidence_picked.destructive_reason,
        destructive_examples_picked.destructive_example
    from destructive_evidence_picked
    left join destructive_examples_picked
        on destructive_evidence_picked.pattern_id = destructive_examples_picked.pattern_id

)

select * from final
