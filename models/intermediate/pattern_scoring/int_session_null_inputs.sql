{#- What the session null model reads of each session of the evidence window, one row
    per (session, signature): c(u, s), n(u) and N_k(u) for every pattern length k, and a
    hash of all of them (session_inputs_hash, the same on every row of the session).
    int_pattern_session_null_sums keeps its sums from one run to the next and recomputes
    only the sessions whose hash changed; the rules are documented in
    int_session_null_inputs.yml. -#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}

with

signature_counts as (

    select * from {{ ref('int_session_signature_counts') }}

),

tool_steps as (

    -- the steps from the evidence window's start on
    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_evidence_start_at() }}

),

steps_in_evidence_window as (

    select
        tool_steps.session_id,
        tool_steps.segment_id,
        tool_steps.call_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap

),

segments_counted as (

    select
        steps_in_evidence_window.session_id,
        steps_in_evidence_window.segment_id,
        sum(steps_in_evidence_window.call_count) as segment_call_count
    from steps_in_evidence_window
    group by steps_in_evidence_window.session_id, steps_in_evidence_window.segment_id

),

sessions_start_positions_counted as (

    -- N_k(u), one column per pattern length k: the call positions of session u where a
    -- length-k pattern can start, summed over its segments (an occurrence never crosses
    -- a segment boundary)
    select
        segments_counted.session_id,
        {%- for length in range(1, max_length + 1) %}
        cast(sum(greatest(segments_counted.segment_call_count - {{ length }} + 1, 0)) as bigint)
            as start_position_count_{{ length }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from segments_counted
    group by segments_counted.session_id

),

inputs_joined as (

    select
        signature_counts.session_id,
        signature_counts.tool_signature,
        signature_counts.signature_call_count,
        signature_counts.session_call_count,
        {%- for length in range(1, max_length + 1) %}
        sessions_start_positions_counted.start_position_count_{{ length }},
        {%- endfor %}
        -- one row's part of the session's hash: its signature's count, and (on every
        -- row alike) n(u) and the N_k(u)
        cast({{ lookup_hash(
            "signature_counts.tool_signature || '|' || cast(signature_counts.signature_call_count as "
            ~ dbt.type_string() ~ ")"
        ) }} as decimal(38, 0)) as row_hash,
        cast(signature_counts.session_call_count as {{ dbt.type_string() }})
        {%- for length in range(1, max_length + 1) %}
        || '|'
        || cast(sessions_start_positions_counted.start_position_count_{{ length }} as {{ dbt.type_string() }})
        {%- endfor %} as session_counts_text
    from signature_counts
    inner join sessions_start_positions_counted
        on signature_counts.session_id = sessions_start_positions_counted.session_id

),

sessions_hashed as (

    select
        session_id,
        cast(sum(row_hash) as {{ dbt.type_string() }})
        || '|' || min(session_counts_text) as session_inputs_hash
    from inputs_joined
    group by session_id

),

final as (

    select
        inputs_joined.session_id,
        inputs_joined.tool_signature,
        inputs_joined.signature_call_count,
        inputs_joined.session_call_count,
        {%- for length in range(1, max_length + 1) %}
        inputs_joined.start_position_count_{{ length }},
        {%- endfor %}
        sessions_hashed.session_inputs_hash
    from inputs_joined
    inner join sessions_hashed
        on inputs_joined.session_id = sessions_hashed.session_id

)

select * from final
