{#-
    All-time statistics (every occurrence that started before the window end) of the
    candidate patterns of the analysis window: counts, durations, savings, destructive
    evidence and example sessions. Counts, sums and example sessions add up the daily
    rollups (int_pattern_daily_stats, int_pattern_recent_sessions); only the quantiles
    and the destructive evidence read occurrences, and only the candidates' ones.
-#}

{%- set window_end_date = 'cast(' ~ analysis_window_end_at() ~ ' as date)' %}

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

    -- candidates only: they are the patterns classified. The others (most of the
    -- window's patterns, seen once) would multiply the groups for nothing.
    select * from {{ ref('int_pattern_window_counts') }}
    where is_candidate

),

daily_stats as (

    select * from {{ ref('int_pattern_daily_stats') }}

),

recent_sessions as (

    select * from {{ ref('int_pattern_recent_sessions') }}

),

timed_occurrences as (

    -- two narrow reads of the occurrences (a shared CTE would be materialised whole)
    select * from {{ ref('fct_pattern_occurrences') }}
    where duration_ms is not null

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

days_summed as (

    -- the window end is a midnight, so "started before it" is "on an earlier date";
    -- a session counts on the date it first shows the pattern, so it counts once
    select
        daily_stats.pattern_id,
        sum(daily_stats.occurrence_count) as occurrence_count,
        sum(daily_stats.new_session_count) as session_count,
        sum(daily_stats.timed_occurrence_count) as timed_occurrence_count,
        sum(daily_stats.duration_us_sum) as duration_us_sum,
        sum(daily_stats.destructive_occurrence_count) > 0 as is_destructive,
        min(daily_stats.first_seen_at) as first_seen_at,
        max(daily_stats.last_seen_at) as last_seen_at
    from daily_stats
    inner join window_patterns
        on daily_stats.pattern_id = window_patterns.pattern_id
    where daily_stats.occurrence_date < {{ window_end_date }}
    group by daily_stats.pattern_id

),

durations_summarised as (

    -- quantiles do not add up across days: they read the candidates' durations (p50
    -- and p90 in one aggregate, which collects the values once)
    select
        timed_occurrences.pattern_id,
        {{ quantiles_cont('timed_occurrences.duration_ms', [0.5, 0.9]) }} as duration_quantiles
    from timed_occurrences
    inner join window_patterns
        on timed_occurrences.pattern_id = window_patterns.pattern_id
    where timed_occurrences.started_at < {{ analysis_window_end_at() }}
    group by timed_occurrences.pattern_id

),

occurrences_aggregated as (

    select
        days_summed.pattern_id,
        days_summed.occurrence_count,
        days_summed.session_count,
        -- the mean of the whole microseconds, as avg() of them gives
        case
            when days_summed.timed_occurrence_count > 0
                then cast(days_summed.duration_us_sum as double)
                    / days_summed.timed_occurrence_count / 1000.0
        end as avg_duration_ms,
        {{ list_element('durations_summarised.duration_quantiles', 1) }} as p50_duration_ms,
        {{ list_element('durations_summarised.duration_quantiles', 2) }} as p90_duration_ms,
        days_summed.first_seen_at,
        days_summed.last_seen_at,
        days_summed.is_destructive
    from days_summed
    left join durations_summarised
        on days_summed.pattern_id = durations_summarised.pattern_id

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

sessions_ranked as (

    -- a session's last occurrence before the window end is its latest day's; the top
    -- sessions of all time are among each day's top ones
    select
        recent_sessions.pattern_id,
        recent_sessions.session_id,
        max(recent_sessions.last_seen_at) as session_last_seen_at,
        row_number() over (
            partition by recent_sessions.pattern_id
            order by max(recent_sessions.last_seen_at) desc, recent_sessions.session_id
        ) as session_order
    from recent_sessions
    inner join window_patterns
        on recent_sessions.pattern_id = window_patterns.pattern_id
    where recent_sessions.occurrence_date < {{ window_end_date }}
    group by recent_sessions.pattern_id, recent_sessions.session_id

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
