{#- One row per step of a segment. A session splits into segments where the agent was
    idle for more than `hook_patterns_segment_gap_minutes`; inside a segment,
    consecutive calls with the same signature collapse into one step when
    `hook_patterns_collapse_repeated_steps` is true. -#}

{%- set gap_minutes = var('hook_patterns_segment_gap_minutes') -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}
{%- set max_steps = var('hook_patterns_max_steps_per_segment') -%}

{{ config(**session_incremental_config()) }}

{#- The order of the calls, the segments and the steps are found on narrow rows (ids,
    times and the signature): every window sorts what it carries, and the lists and
    texts of a call are joined back once, by tool_call_id, when the steps are built. #}

with

call_keys as (

    select
        session_id,
        tool_call_id,
        tool_signature,
        started_at,
        ended_at
    from {{ ref('int_tool_calls_signed') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_calls_signed')) }}
    {%- endif %}

),

tool_calls as (

    select
        tool_call_id,
        session_id,
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
        session_load_date
    from {{ ref('int_tool_calls_signed') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_calls_signed')) }}
    {%- endif %}

),

calls_ordered as (

    select
        session_id,
        tool_call_id,
        started_at,
        row_number() over call_order as session_call_number,
        {#- the latest end seen so far: a long call that overlaps later ones keeps the
            session active until it ends -#}
        max(coalesce(ended_at, started_at)) over (
            partition by session_id
            order by started_at, tool_call_id
            rows between unbounded preceding and 1 preceding
        ) as previous_activity_ended_at,
        tool_signature = lag(tool_signature) over call_order as repeats_previous_signature
    from call_keys
    window call_order as (
        partition by session_id
        order by started_at, tool_call_id
    )

),

segments_started as (

    select
        session_id,
        tool_call_id,
        session_call_number,
        repeats_previous_signature,
        case
            when previous_activity_ended_at is null then 1
            when started_at > {{ timestamp_add_minutes('previous_activity_ended_at', gap_minutes) }} then 1
            else 0
        end as is_segment_start
    from calls_ordered

),

steps_started as (

    -- a segment's first call starts a step; after it, a call with the signature of the
    -- call before it (in the same segment, so the same session) continues that step
    select
        session_id,
        tool_call_id,
        session_call_number,
        is_segment_start,
        {%- if collapse %}
        case
            when is_segment_start = 1 then 1
            when repeats_previous_signature then 0
            else 1
        end as is_step_start
        {%- else %}
        1 as is_step_start
        {%- endif %}
    from segments_started

),

segments_numbered as (

    select
        session_id,
        tool_call_id,
        session_call_number,
        is_step_start,
        sum(is_segment_start) over (
            partition by session_id
            order by session_call_number
            rows between unbounded preceding and current row
        ) as segment_number,
        {#- the next call of the session: when it starts a segment it starts a step, so
            this equals the next call of the segment's, with 1 past the segment's end -#}
        coalesce(lead(is_step_start) over (
            partition by session_id
            order by session_call_number
        ), 1) as next_is_step_start
    from steps_started

),

steps_numbered as (

    select
        tool_call_id,
        session_call_number,
        segment_number,
        sum(is_step_start) over (
            partition by session_id, segment_number
            order by session_call_number
            rows between unbounded preceding and current row
        ) as step_index,
        is_step_start = 1 and next_is_step_start = 1 as is_single_call_step
    from segments_numbered

),

calls_stepped as (

    select
        tool_calls.*,
        steps_numbered.session_call_number,
        steps_numbered.segment_number,
        steps_numbered.step_index,
        steps_numbered.is_single_call_step
    from steps_numbered
    inner join tool_calls
        on steps_numbered.tool_call_id = tool_calls.tool_call_id

),

single_call_steps as (

    -- A call that starts a step and is followed by another step's start (or by nothing)
    -- is a step on its own: about 90 % of the steps. They need no aggregate; only the
    -- collapsed runs are grouped below. A single group by over every call held all its
    -- lists in memory and ran out of DuckDB's 3 GB at 10M events.
    select
        session_id,
        segment_number,
        step_index,
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
    from calls_stepped
    where is_single_call_step

),

collapsed_steps_grouped as (

    -- the calls of each step of two or more calls, as one list of records in call
    -- order (macros/record_lists.sql)
    select
        session_id,
        segment_number,
        step_index,
        min(tool_signature) as tool_signature,
        min(tool_name) as tool_name,
        count(*) as call_count,
        min(started_at) as started_at,
        max(coalesce(ended_at, started_at)) as ended_at,
        {{ agg_records_ordered({
            'tool_call_id': 'tool_call_id',
            'event_ids': 'event_ids',
            'command': 'command',
            'is_destructive': 'is_destructive',
            'destructive_rule_id': 'destructive_rule_id',
            'destructive_category': 'destructive_category',
            'destructive_reason': 'destructive_reason',
        }, 'session_call_number') }} as calls,
        {{ agg_bool_or('is_destructive') }} as is_destructive,
        min(session_loaded_at) as session_loaded_at,
        min(session_load_date) as session_load_date
    from calls_stepped
    where not is_single_call_step
    group by session_id, segment_number, step_index

),

collapsed_steps as (

    -- the same columns, in the same order, as single_call_steps
    select
        session_id,
        segment_number,
        step_index,
        tool_signature,
        tool_name,
        call_count,
        started_at,
        ended_at,
        {{ records_field('calls', 'tool_call_id') }} as tool_call_ids,
        flatten({{ records_field('calls', 'event_ids') }}) as event_ids,
        {{ records_field('calls', 'command') }} as commands,
        is_destructive,
        {#- the step's first destructive call names its rule -#}
        {{ records_first_where('calls', 'is_destructive', 'destructive_rule_id') }} as destructive_rule_id,
        {{ records_first_where('calls', 'is_destructive', 'destructive_category') }} as destructive_category,
        {{ records_first_where('calls', 'is_destructive', 'destructive_reason') }} as destructive_reason,
        session_loaded_at,
        session_load_date
    from collapsed_steps_grouped

),

steps_collapsed as (

    select * from single_call_steps
    union all
    select * from collapsed_steps

),

steps_identified as (

    select
        *,
        session_id || '#' || cast(segment_number as {{ dbt.type_string() }}) as segment_id
    from steps_collapsed

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
    from steps_identified

)

select * from final
