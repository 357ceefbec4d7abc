{#-
    Expected window count of every candidate under the null model "each step is a tool
    call drawn independently at its observed frequency in the window", and the exact
    Poisson p-value of the observed window count; a row, without them, for every other
    pattern of the window (int_pattern_significance counts it as a hypothesis with
    p = 1). The rules are documented in
    int_pattern_global_null_model.yml; the Markov surprise beyond a pattern's
    sub-patterns is int_pattern_markov_surprise.
-#}

{#- the same reading of the var as int_tool_steps_sequenced (it may come as text) -#}
{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

pattern_signatures as (

    select * from {{ ref('int_pattern_window_signatures') }}

),

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_window_start_at() }}

),

steps_in_window as (

    select
        tool_steps.segment_id,
        tool_steps.step_index,
        tool_steps.tool_signature
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        -- steps past the per-segment cap are not mined, so they are no start positions
        and not tool_steps.is_beyond_step_cap

),

signatures_counted as (

    select
        steps_in_window.tool_signature,
        count(*) as step_count
    from steps_in_window
    group by steps_in_window.tool_signature

),

signature_shares_computed as (

    select
        signatures_counted.tool_signature,
        cast(signatures_counted.step_count as double)
            / sum(signatures_counted.step_count) over () as signature_share
    from signatures_counted

),

segments_counted as (

    select
        steps_in_window.segment_id,
        count(*) as segment_step_count
    from steps_in_window
    group by steps_in_window.segment_id

),

pattern_lengths_listed as (

    select distinct window_patterns.pattern_length
    from window_patterns

),

start_positions_counted as (

    -- N_k: the positions where a length-k sequence can start, summed over segments.
    select
        pattern_lengths_listed.pattern_length,
        sum(
            greatest(segments_counted.segment_step_count - pattern_lengths_listed.pattern_length + 1, 0)
        ) as start_position_count
    from pattern_lengths_listed
    cross join segments_counted
    group by pattern_lengths_listed.pattern_length

),

pattern_steps_pivoted as (

    -- one row per candidate: its signatures' window shares, one column per position
    -- (null beyond the pattern's length)
    select
        pattern_signatures.pattern_id,
        count(*) as resolved_step_count,
        {%- for position in range(1, max_length + 1) %}
        max(case when pattern_signatures.step_position = {{ position }}
            then coalesce(signature_shares_computed.signature_share, 0.0) end) as share_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from pattern_signatures
    left join signature_shares_computed
        on pattern_signatures.tool_signature = signature_shares_computed.tool_signature
    group by pattern_signatures.pattern_id

),

step_factors_conditioned as (

    -- the draw of each position: its share, conditioned on "not the previous
    -- signature" when repeated steps are collapsed (a step never equals the one before)
    select
        pattern_steps_pivoted.*,
        pattern_steps_pivoted.share_1 as factor_1
        {%- for position in range(2, max_length + 1) %},
        {%- if collapse %}
        case
            when pattern_steps_pivoted.share_{{ position }} is null then null
            when pattern_steps_pivoted.share_{{ position - 1 }} >= 1.0 then 0.0
            else pattern_steps_pivoted.share_{{ position }}
                / (1.0 - pattern_steps_pivoted.share_{{ position - 1 }})
        end as factor_{{ position }}
        {%- else %}
        pattern_steps_pivoted.share_{{ position }} as factor_{{ position }}
        {%- endif %}
        {%- endfor %}
    from pattern_steps_pivoted

),

sequence_probabilities_multiplied as (

    -- the factors multiplied in position order, so every run gives the same last bit;
    -- positions beyond the pattern's length are null and left out (least() skips nulls)
    select
        step_factors_conditioned.*,
        least(
            {%- for position in range(1, max_length + 1) %}
            step_factors_conditioned.factor_{{ position }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as min_step_factor,
        {%- for position in range(1, max_length + 1) %}
        coalesce(case when step_factors_conditioned.factor_{{ position }} > 0
            then step_factors_conditioned.factor_{{ position }} end, 1.0)
        {{- ' *' if not loop.last }}
        {%- endfor %} as step_factor_product
    from step_factors_conditioned

),

probabilities_resolved as (

    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        window_patterns.window_occurrence_count,
        window_patterns.is_candidate,
        cast(coalesce(start_positions_counted.start_position_count, 0) as bigint)
            as start_position_count,
        -- null for the other patterns, and for a candidate whose steps could not be
        -- resolved: a not_null test on the candidates catches that.
        case
            when not window_patterns.is_candidate then null
            when sequence_probabilities_multiplied.resolved_step_count < window_patterns.pattern_length
                then null
            when sequence_probabilities_multiplied.min_step_factor <= 0 then 0.0
            else sequence_probabilities_multiplied.step_factor_product
        end as sequence_probability
    from window_patterns
    left join sequence_probabilities_multiplied
        on window_patterns.pattern_id = sequence_probabilities_multiplied.pattern_id
    left join start_positions_counted
        on window_patterns.pattern_length = start_positions_counted.pattern_length

),

expected_counts_computed as (

    select
        probabilities_resolved.*,
        probabilities_resolved.start_position_count * probabilities_resolved.sequence_probability
            as expected_count
    from probabilities_resolved

),

final as (

    select
        expected_counts_computed.pattern_id,
        expected_counts_computed.pattern_length,
        expected_counts_computed.window_occurrence_count,
        expected_counts_computed.is_candidate,
        expected_counts_computed.start_position_count,
        cast(expected_counts_computed.sequence_probability as double) as sequence_probability,
        cast(expected_counts_computed.expected_count as double) as expected_count,
        cast(case
            when expected_counts_computed.expected_count > 0
                then (
                    expected_counts_computed.window_occurrence_count - expected_counts_computed.expected_count
                )
                    / sqrt(expected_counts_computed.expected_count)
        end as double) as z_score,
        cast(case
            when expected_counts_computed.expected_count is not null then
                {{ poisson_upper_tail(
                    'expected_counts_computed.window_occurrence_count',
                    'expected_counts_computed.expected_count'
                ) }}
        end as double) as p_value
    from expected_counts_computed

)

select * from final
