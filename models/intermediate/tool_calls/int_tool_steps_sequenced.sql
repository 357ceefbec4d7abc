{#- One row per step of a segment. A session splits into segments where the agent was
    idle for more than `hook_patterns_segment_gap_minutes`; inside a segment,
    consecutive calls with the same signature collapse into one step when
    `hook_patterns_collapse_repeated_steps` is true. -#}

{%- set gap_minutes = var('hook_patterns_segment_gap_minutes') -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}
{%- set max_steps = var('hook_patterns_max_steps_per_segment') -%}

{{ config(**session_incremental_config()) }}

with

tool_calls as (

    select * from {{ ref('int_tool_calls_signed') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_calls_signed')) }}
    {%- endif %}

),

calls_ordered as (

    -- only the columns a step needs: every window below sorts what it carries
    select
        session_id,
        tool_call_id,
        tool_name,
        tool_signature,
        started_at,
        ended_at,
        event_ids,
        command,
        is_destructive,
        destructive_rule_id,
        destructive_category,
        destructive_reason,
        session_loaded_at,
        session_load_date,
        row_number() over (
            partition by session_id
            order by started_at, tool_call_id
        ) as session_call_number,
        {#- the latest end seen so far: a long call that overlaps later ones keeps the
            session active until it ends -#}
        max(coalesce(ended_at, started_at)) over (
            partition by session_id
            order by started_at, tool_call_id
            rows between unbounded preceding and 1 preceding
        ) as previous_activity_ended_at
    from tool_calls

),

segments_started as (

    select
        *,
        case
            when previous_activity_ended_at is null then 1
            when started_at > {{ timestamp_add_minutes('previous_activity_ended_at', gap_minutes) }} then 1
            else 0
        end as is_segment_start
    from calls_ordered

),

segments_numbered as (

    select
        *,
        sum(is_segment_start) over (
            partition by session_id
            order by session_call_number
            rows between unbounded preceding and current row
        ) as segment_number
    from segments_started

),

steps_started as (

    select
        *,
        session_id || '#' || cast(segment_number as {{ dbt.type_string() }}) as segment_id,
        {%- if collapse %}
        case
            when tool_signature = lag(tool_signature) over (
                partition by session_id, segment_number
                order by session_call_number
            ) then 0
            else 1
        end as is_step_start
        {%- else %}
        1 as is_step_start
        {%- endif %}
    from segments_numbered

),

steps_numbered as (

    select
        *,
        sum(is_step_start) over (
            partition by segment_id
            order by session_call_number
            rows between unbounded preceding and current row
        ) as step_index,
        lead(is_step_start) over (
            partition by segment_id
            order by session_call_number
        ) as next_is_step_start
    from steps_started

),

single_call_steps as (

    -- A call that starts a step and is followed by another step's start (or by nothing)
    -- is a step on its own: about 90 % of the steps. They need no aggregate; only the
    -- collapsed runs are grouped below. A single group by over every call held all its
    -- lists in memory and ran out of DuckDB's 3 GB at 10M events.
    select
        segment_id,
        step_index,
        session_id,
        segment_number,
        tool_signature,
        tool_name,
        1 as call_count,
        started_at,
        coalesce(ended_at, started_at) as ended_at,
        {{ list_of(['tool_call_id']) }} as tool_call_ids,
        event_ids,
        {{ list_of(['command']) }} as commands,
        is_destructive,
        case when is_destructive then destructive_rule_id end as destructive_rule_id,
        case when is_destructive then destructive_category end as destructive_category,
        case when is_destructive then destructive_reason end as destructive_reason,
        session_loaded_at,
        session_load_date
    from steps_numbered
    where is_step_start = 1 and coalesce(next_is_step_start, 1) = 1

),

collapsed_steps_grouped as (

    -- the same columns, in the same order, for the steps of two or more calls
    select
        segment_id,
        step_index,
        min(session_id) as session_id,
        min(segment_number) as segment_number,
        min(tool_signature) as tool_signature,
        min(tool_name) as tool_name,
        count(*) as call_count,
        min(started_at) as started_at,
        max(coalesce(ended_at, started_at)) as ended_at,
        {{ agg_list_ordered('tool_call_id', 'session_call_number') }} as tool_call_ids,
        {{ agg_list_concat_ordered('event_ids', 'session_call_number') }} as event_ids,
        {{ agg_list_ordered('command', 'session_call_number') }} as commands,
        {{ agg_bool_or('is_destructive') }} as is_destructive,
        {{ agg_first_by('destructive_rule_id', 'case when is_destructive then session_call_number end') }}
            as destructive_rule_id,
        {{ agg_first_by('destructive_category', 'case when is_destructive then session_call_number end') }}
            as destructive_category,
        {{ agg_first_by('destructive_reason', 'case when is_destructive then session_call_number end') }}
            as destructive_reason,
        min(session_loaded_at) as session_loaded_at,
        min(session_load_date) as session_load_date
    from steps_numbered
    where not (is_step_start = 1 and coalesce(next_is_step_start, 1) = 1)
    group by segment_id, step_index

),

steps_collapsed as (

    select * from single_call_steps
    union all
    select * from collapsed_steps_grouped

),

final as (

    select
        {{ hash_key(['segment_id', 'step_index']) }} as step_id,
        session_id,
        segment_id,
        segment_number,
        cast(step_index as integer) as step_index,
        tool_signature,
        tool_name,
        cast(call_count as integer) as call_count,
        started_at,
        ended_at,
        tool_call_ids,
        event_ids,
        commands,
        is_destructive,
        destructive_rule_id,
        destructive_category,
        destructive_reason,
        step_index > {{ max_steps }} as is_beyond_step_cap,
        session_loaded_at,
        session_load_date
    from steps_collapsed

)

select * from final
