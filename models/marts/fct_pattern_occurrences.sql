{#- One row per occurrence of a contiguous n-gram of steps in a segment, for every
    length from hook_patterns_min_pattern_length to hook_patterns_max_pattern_length.
    The n-grams are read with lead() over the steps of a segment, then unpivoted: one
    select per length, kept where the n-gram's last step exists.
    The calls, events and commands an occurrence covers are not copied here (a call
    would be copied into up to 14 occurrences): the view pattern_occurrence_calls reads
    them from the steps. -#}

{%- set min_length = var('hook_patterns_min_pattern_length') | int -%}
{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{#- the step columns read at every offset; each is one more lead() per offset, so the
    destructive evidence travels as one record that is null when the step is not
    destructive, and only the first step's start is read -#}
{%- set carried = ['tool_signature', 'activity_ended_at', 'destructive_evidence'] -%}

{{ config(**session_incremental_config()) }}

with

steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}
    {%- if is_incremental() %}
    where {{ session_rebuild_filter(ref('int_tool_steps_sequenced')) }}
    {%- endif %}

),

mined_steps as (

    select
        session_id,
        segment_id,
        step_index,
        tool_signature,
        started_at,
        coalesce(ended_at, started_at) as activity_ended_at,
        session_loaded_at,
        session_load_date,
        case
            when is_destructive then {{ record_of({
                'rule_id': 'destructive_rule_id',
                'category': 'destructive_category',
                'reason': 'destructive_reason',
            }) }}
        end as destructive_evidence
    from steps
    where not is_beyond_step_cap

),

following_steps_found as (

    select
        session_id,
        segment_id,
        step_index,
        started_at,
        session_loaded_at,
        session_load_date,
        {%- for column in carried %}
        {{ column }} as {{ column }}_0,
        {%- endfor %}
        {%- for offset in range(1, max_length) %}
        {%- set last_offset = loop.last %}
        {%- for column in carried %}
        lead({{ column }}, {{ offset }}) over segment_steps as {{ column }}_{{ offset }}
        {{- ',' if not (last_offset and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from mined_steps
    window segment_steps as (partition by segment_id order by step_index)

),

n_grams_unpivoted as (

    {%- for length in range(min_length, max_length + 1) %}
    {%- set last = length - 1 %}

    select
        session_id,
        segment_id,
        step_index as start_step_index,
        {{ length }} as pattern_length,
        {{ suffixed_names('tool_signature', length) | join(" || '→' || ") }} as tool_sequence,
        started_at,
        activity_ended_at_{{ last }} as ended_at,
        {{ suffixed_names('destructive_evidence', length) | join(' is not null or ') }} is not null
            as is_destructive,
        -- the first destructive step of the n-gram gives the evidence
        coalesce({{ suffixed_names('destructive_evidence', length) | join(', ') }}) as destructive_evidence,
        session_loaded_at,
        session_load_date
    from following_steps_found
    where tool_signature_{{ last }} is not null
    {% if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

occurrences_identified as (

    select
        {{ hash_key(['segment_id', 'start_step_index', 'pattern_length']) }} as occurrence_id,
        {{ pattern_hash('tool_sequence') }} as pattern_id,
        tool_sequence,
        cast(pattern_length as integer) as pattern_length,
        session_id,
        segment_id,
        cast(start_step_index as integer) as start_step_index,
        started_at,
        ended_at,
        cast(started_at as date) as occurrence_date,
        {{ timestamp_diff_ms('started_at', 'ended_at') }} as duration_ms,
        is_destructive,
        {{ record_get('destructive_evidence', 'rule_id') }} as destructive_rule_id,
        {{ record_get('destructive_evidence', 'category') }} as destructive_category,
        {{ record_get('destructive_evidence', 'reason') }} as destructive_reason,
        session_loaded_at,
        session_load_date
    from n_grams_unpivoted

),

final as (

    select * from occurrences_identified

)

select * from final
