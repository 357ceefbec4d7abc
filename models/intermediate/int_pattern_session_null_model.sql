{#-
    Expected window count of every candidate pattern under the null model "the order of
    the tool calls inside each session is random": each session keeps its own calls (its
    make-up, its segments' sizes); only their order is left to chance. This is the null
    of a permutation test that shuffles the calls inside each session (SPEck, ProMiSe),
    computed in closed form. The rules are documented in int_pattern_session_null_model.yml.
-#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

tool_steps as (

    -- the steps from the window start on (as int_pattern_null_model)
    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_window_start_at() }}

),

pattern_signatures as (

    select * from {{ ref('int_pattern_window_signatures') }}

),

candidates as (

    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        window_patterns.window_occurrence_count
    from window_patterns
    where window_patterns.is_candidate

),

steps_in_window as (

    select
        tool_steps.session_id,
        tool_steps.segment_id,
        tool_steps.tool_signature,
        tool_steps.call_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap

),

session_signatures_counted as (

    -- c(u, s): the calls of session u with signature s (a collapsed step counts its calls)
    select
        steps_in_window.session_id,
        steps_in_window.tool_signature,
        sum(steps_in_window.call_count) as signature_call_count
    from steps_in_window
    group by steps_in_window.session_id, steps_in_window.tool_signature

),

sessions_counted as (

    -- n(u): the calls of session u in the window
    select
        session_signatures_counted.session_id,
        sum(session_signatures_counted.signature_call_count) as session_call_count
    from session_signatures_counted
    group by session_signatures_counted.session_id

),

segments_counted as (

    select
        steps_in_window.session_id,
        steps_in_window.segment_id,
        sum(steps_in_window.call_count) as segment_call_count
    from steps_in_window
    group by steps_in_window.session_id, steps_in_window.segment_id

),

pattern_lengths_listed as (

    select distinct candidates.pattern_length
    from candidates

),

session_start_positions_counted as (

    -- N_k(u): the call positions of session u where a length-k pattern can start,
    -- summed over its segments (an occurrence never crosses a segment boundary)
    select
        segments_counted.session_id,
        pattern_lengths_listed.pattern_length,
        sum(
            greatest(segments_counted.segment_call_count - pattern_lengths_listed.pattern_length + 1, 0)
        ) as start_position_count
    from segments_counted
    cross join pattern_lengths_listed
    group by segments_counted.session_id, pattern_lengths_listed.pattern_length

),

pattern_steps_numbered as (

    -- earlier_use_count: how many earlier positions of the pattern have the same
    -- signature (A→B→A draws its second A from one call fewer)
    select
        pattern_signatures.*,
        row_number() over (
            partition by pattern_signatures.pattern_id, pattern_signatures.tool_signature
            order by pattern_signatures.step_position
        ) - 1 as earlier_use_count
    from pattern_signatures

),

session_factors_computed as (

    -- One row per (pattern, position, session holding the position's signature): the
    -- chance that the call drawn there has that signature, drawing the session's calls
    -- without replacement. When repeated calls collapse into one step, a middle
    -- position is a run of one or more calls of its signature (the pattern's next step
    -- is the first different call): its factor is f / (1 − f'), f' being the chance
    -- that the next call repeats the signature.
    select
        pattern_steps_numbered.pattern_id,
        pattern_steps_numbered.pattern_length,
        pattern_steps_numbered.step_position,
        session_signatures_counted.session_id,
        {%- set draw_share -%}
            cast(
                session_signatures_counted.signature_call_count - pattern_steps_numbered.earlier_use_count
                as double
            )
            / (sessions_counted.session_call_count - pattern_steps_numbered.step_position + 1)
        {%- endset %}
        {%- set repeat_share -%}
            cast(
                session_signatures_counted.signature_call_count - pattern_steps_numbered.earlier_use_count - 1
                as double
            )
            / (sessions_counted.session_call_count - pattern_steps_numbered.step_position)
        {%- endset %}
        case
            when session_signatures_counted.signature_call_count <= pattern_steps_numbered.earlier_use_count
                or sessions_counted.session_call_count < pattern_steps_numbered.pattern_length
                then 0.0
            {%- if collapse %}
            when pattern_steps_numbered.step_position > 1
                and pattern_steps_numbered.step_position < pattern_steps_numbered.pattern_length
                then case
                    when {{ repeat_share }} >= 1.0 then 0.0
                    else ({{ draw_share }}) / (1.0 - ({{ repeat_share }}))
                end
            {%- endif %}
            else {{ draw_share }}
        end as draw_factor
    from pattern_steps_numbered
    inner join session_signatures_counted
        on pattern_steps_numbered.tool_signature = session_signatures_counted.tool_signature
    inner join sessions_counted
        on session_signatures_counted.session_id = sessions_counted.session_id

),

session_probabilities_multiplied as (

    -- P_u(pattern): the product of the factors, in position order (so every run gives
    -- the same last bit), for the sessions that hold every one of the pattern's
    -- signatures; in any other session the pattern cannot occur by chance
    select
        session_factors_computed.pattern_id,
        min(session_factors_computed.pattern_length) as pattern_length,
        session_factors_computed.session_id,
        {%- for position in range(1, max_length + 1) %}
        coalesce(max(case when session_factors_computed.step_position = {{ position }}
            then session_factors_computed.draw_factor end), 1.0)
        {{- ' *' if not loop.last }}
        {%- endfor %} as sequence_probability
    from session_factors_computed
    group by session_factors_computed.pattern_id, session_factors_computed.session_id
    having count(*) = min(session_factors_computed.pattern_length)
        and min(session_factors_computed.draw_factor) > 0

),

expected_counts_summed as (

    select
        session_probabilities_multiplied.pattern_id,
        count(*) as null_session_count,
        -- an exact decimal sum: the same last bit whatever the order of the sessions
        cast(sum(cast(
            session_start_positions_counted.start_position_count
            * session_probabilities_multiplied.sequence_probability
            as decimal(38, 18)
        )) as double) as expected_count
    from session_probabilities_multiplied
    inner join session_start_positions_counted
        on session_probabilities_multiplied.session_id = session_start_positions_counted.session_id
        and session_probabilities_multiplied.pattern_length = session_start_positions_counted.pattern_length
    group by session_probabilities_multiplied.pattern_id

),

final as (

    select
        candidates.pattern_id,
        candidates.window_occurrence_count,
        cast(coalesce(expected_counts_summed.null_session_count, 0) as bigint) as null_session_count,
        cast(coalesce(expected_counts_summed.expected_count, 0.0) as double) as expected_count,
        cast({{ poisson_upper_tail(
            'candidates.window_occurrence_count',
            'coalesce(expected_counts_summed.expected_count, 0.0)'
        ) }} as double) as p_value
    from candidates
    left join expected_counts_summed
        on candidates.pattern_id = expected_counts_summed.pattern_id

)

select * from final
