{#-
    The surprise of every candidate beyond its sub-patterns: the window count an
    order-(k−2) Markov chain fitted to the window predicts from the counts of the
    candidate's prefix, suffix and middle, and the Poisson p-value of the observed count
    against it. A score for analysts and for the families' extension rule; the
    confidence is the null models'. The rules are documented in
    int_pattern_markov_surprise.yml.
-#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}

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

candidates as (

    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        window_patterns.window_occurrence_count
    from window_patterns
    where window_patterns.is_candidate

),

signatures_counted as (

    -- a one-step middle is counted in window steps: those of the global null model
    -- (steps past the per-segment cap are not mined, so they are left out)
    select
        tool_steps.tool_signature,
        count(*) as step_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap
    group by tool_steps.tool_signature

),

pattern_signatures_pivoted as (

    -- the signatures by position of the candidates of 3+ steps
    select
        candidates.pattern_id,
        candidates.pattern_length,
        {%- for position in range(1, max_length + 1) %}
        max(case when pattern_signatures.step_position = {{ position }}
            then pattern_signatures.tool_signature end) as signature_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from candidates
    inner join pattern_signatures
        on candidates.pattern_id = pattern_signatures.pattern_id
    where candidates.pattern_length >= 3
    group by candidates.pattern_id, candidates.pattern_length

),

sub_sequences_listed as (

    -- prefix s1..s(k-1), suffix s2..sk and middle s2..s(k-1) of every candidate of 3+
    -- steps (concat_ws skips the nulls: the positions outside each part)
    select
        pattern_id,
        concat_ws(
            '→',
            {%- for position in range(1, max_length + 1) %}
            case when {{ position }} < pattern_length then signature_{{ position }} end
            {{- ',' if not loop.last }}
            {%- endfor %}
        ) as prefix_sequence,
        concat_ws(
            '→',
            {%- for position in range(2, max_length + 1) %}
            signature_{{ position }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as suffix_sequence,
        concat_ws(
            '→',
            {%- for position in range(2, max_length + 1) %}
            case when {{ position }} < pattern_length then signature_{{ position }} end
            {{- ',' if not loop.last }}
            {%- endfor %}
        ) as middle_sequence
    from pattern_signatures_pivoted

),

markov_counts_estimated as (

    -- Order-(k-2) Markov expectation from the window counts of the sub-patterns (every
    -- window pattern, candidate or not): E_M = C(prefix) · C(suffix) / C(middle); a
    -- one-step middle is counted in steps.
    select
        sub_sequences_listed.pattern_id,
        cast(coalesce(prefix_patterns.window_occurrence_count, 0) as double)
            * coalesce(suffix_patterns.window_occurrence_count, 0)
            / coalesce(middle_patterns.window_occurrence_count, signatures_counted.step_count)
            as markov_expected_count
    from sub_sequences_listed
    left join window_patterns as prefix_patterns
        on sub_sequences_listed.prefix_sequence = prefix_patterns.tool_sequence
    left join window_patterns as suffix_patterns
        on sub_sequences_listed.suffix_sequence = suffix_patterns.tool_sequence
    left join window_patterns as middle_patterns
        on sub_sequences_listed.middle_sequence = middle_patterns.tool_sequence
    left join signatures_counted
        on sub_sequences_listed.middle_sequence = signatures_counted.tool_signature

),

final as (

    select
        candidates.pattern_id,
        cast(candidates.pattern_length as integer) as pattern_length,
        candidates.window_occurrence_count,
        cast(markov_counts_estimated.markov_expected_count as double) as markov_expected_count,
        cast(case
            when markov_counts_estimated.markov_expected_count is not null then
                {{ poisson_upper_tail(
                    'candidates.window_occurrence_count',
                    'markov_counts_estimated.markov_expected_count'
                ) }}
        end as double) as surprise_p_value
    from candidates
    left join markov_counts_estimated
        on candidates.pattern_id = markov_counts_estimated.pattern_id

)

select * from final
