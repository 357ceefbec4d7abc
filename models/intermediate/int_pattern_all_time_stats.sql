{#-
    All-time statistics (every occurrence that started before the window end) of the
    candidate patterns of the analysis window: counts, durations, savings, destructive
    evidence and example sessions.
-#}

with

window_patterns as (

    -- candidates only: they are the patterns classified. The others (most of the
    -- window's patterns, seen once) would multiply the groups for nothing.
    select * from {{ ref('int_pattern_window_counts') }}
    where is_candidate

),

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}

),

tool_calls as (

    select * from {{ ref('int_tool_calls_signed') }}

),

occurrences_bounded as (

    select pattern_occurrences.*
    from pattern_occurrences
    inner join window_patterns
        on pattern_occurrences.pattern_id = window_patterns.pattern_id
    where pattern_occurrences.started_at < {{ analysis_window_end_at() }}

),

occurrences_aggregated as (

    select
        occurrences_bounded.pattern_id,
        count(*) as occurrence_count,
        count(distinct occurrences_bounded.session_id) as session_count,
        -- Summed as whole microseconds: an integer sum does not depend on the order in
        -- which parallel threads combine it, so every rebuild gives the same average.
        avg(cast(round(occurrences_bounded.duration_ms * 1000) as bigint)) / 1000.0
            as avg_duration_ms,
        {{ quantile_cont('occurrences_bounded.duration_ms', 0.5) }} as p50_duration_ms,
        {{ quantile_cont('occurrences_bounded.duration_ms', 0.9) }} as p90_duration_ms,
        min(occurrences_bounded.started_at) as first_seen_at,
        max(occurrences_bounded.started_at) as last_seen_at,
        max(case when occurrences_bounded.is_destructive then 1 else 0 end) = 1
            as is_destructive
    from occurrences_bounded
    group by occurrences_bounded.pattern_id

),

destructive_occurrences_ranked as (

    -- the most recent destructive occurrence is the pattern's evidence
    select
        occurrences_bounded.pattern_id,
        occurrences_bounded.session_id,
        occurrences_bounded.destructive_rule_id,
        occurrences_bounded.destructive_category,
        occurrences_bounded.destructive_reason,
        occurrences_bounded.segment_id,
        occurrences_bounded.start_step_index,
        occurrences_bounded.pattern_length,
        row_number() over (
            partition by occurrences_bounded.pattern_id
            order by occurrences_bounded.started_at desc, occurrences_bounded.occurrence_id desc
        ) as evidence_order
    from occurrences_bounded
    where occurrences_bounded.is_destructive

),

destructive_evidence_picked as (

    select *
    from destructive_occurrences_ranked
    where evidence_order = 1

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

sessions_ranked as (

    select
        occurrences_bounded.pattern_id,
        occurrences_bounded.session_id,
        max(occurrences_bounded.started_at) as session_last_seen_at,
        row_number() over (
            partition by occurrences_bounded.pattern_id
            order by max(occurrences_bounded.started_at) desc, occurrences_bounded.session_id
        ) as session_order
    from occurrences_bounded
    group by occurrences_bounded.pattern_id, occurrences_bounded.session_id

),

example_sessions_listed as (

    -- most recent session first, then by id; at most var hook_patterns_example_sessions
    select
        sessions_ranked.pattern_id,
        {{ json_string_array_agg('sessions_ranked.session_id', 'sessions_ranked.session_order') }}
            as example_sessions
    from sessions_ranked
    where sessions_ranked.session_order <= {{ var('hook_patterns_example_sessions') }}
    group by sessions_ranked.pattern_id

),

final as (

    select
        occurrences_aggregated.pattern_id,
        cast(occurrences_aggregated.occurrence_count as bigint) as occurrence_count,
        cast(occurrences_aggregated.session_count as bigint) as session_count,
        cast(occurrences_aggregated.avg_duration_ms as double) as avg_duration_ms,
        cast(occurrences_aggregated.p50_duration_ms as double) as p50_duration_ms,
        cast(occurrences_aggregated.p90_duration_ms as double) as p90_duration_ms,
        -- average time per execution x executions x cost per hour; 0 without durations
        cast(
            coalesce(occurrences_aggregated.avg_duration_ms, 0) / 3600000.0
            * occurrences_aggregated.occurrence_count
            * {{ var('hook_patterns_cost_per_hour_usd') }}
        as double) as estimated_savings_usd,
        occurrences_aggregated.is_destructive,
        destructive_evidence_picked.destructive_rule_id,
        destructive_evidence_picked.destructive_category,
        destructive_evidence_picked.destructive_reason,
        destructive_examples_picked.destructive_example,
        coalesce(example_sessions_listed.example_sessions, '[]') as example_sessions,
        occurrences_aggregated.first_seen_at,
        occurrences_aggregated.last_seen_at
    from occurrences_aggregated
    left join destructive_evidence_picked
        on occurrences_aggregated.pattern_id = destructive_evidence_picked.pattern_id
    left join destructive_examples_picked
        on occurrences_aggregated.pattern_id = destructive_examples_picked.pattern_id
    left join example_sessions_listed
        on occurrences_aggregated.pattern_id = example_sessions_listed.pattern_id

)

select * from final
