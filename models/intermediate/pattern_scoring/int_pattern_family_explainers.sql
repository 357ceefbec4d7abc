{#-
    The first step of the families (int_pattern_families): for every candidate, its
    cycle and the candidate that directly explains it, by repetition of a cycle or by
    coverage inside a longer candidate. A table of its own, so that following the links
    to their end reads a small table (on Spark a chain of CTEs over this query would be
    expanded into every link). Rules in int_pattern_families.yml.
-#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set min_coverage = var('hook_patterns_family_min_coverage') -%}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

pattern_signatures as (

    select * from {{ ref('int_pattern_window_signatures') }}

),


candidates as (

    select
        window_patterns.pattern_id,
        window_patterns.tool_sequence,
        window_patterns.pattern_length,
        window_patterns.window_occurrence_count
    from window_patterns
    where window_patterns.is_candidate

),

step_offsets as (

    {{ integer_rows('step_offset', 0, max_length) }}

),

pattern_lengths as (

    {{ integer_rows('pattern_length', 1, max_length + 1) }}

),

candidate_signatures_pivoted as (

    select
        candidates.pattern_id,
        candidates.tool_sequence,
        candidates.pattern_length,
        candidates.window_occurrence_count,
        {%- for position in range(1, max_length + 1) %}
        max(case when pattern_signatures.step_position = {{ position }}
            then pattern_signatures.tool_signature end) as signature_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from candidates
    inner join pattern_signatures
        on candidates.pattern_id = pattern_signatures.pattern_id
    group by
        candidates.pattern_id,
        candidates.tool_sequence,
        candidates.pattern_length,
        candidates.window_occurrence_count

),

periods_found as (

    -- The primitive period d: the smallest d < k with s(i) = s(i + d) for every i, or k.
    -- Grep→Read→Grep→Read has d = 2 (its cycle is Grep→Read); Read→Edit→Bash has d = 3.
    select
        candidate_signatures_pivoted.*,
        case
            {%- for period in range(1, max_length) %}
            when candidate_signatures_pivoted.pattern_length > {{ period }}
                {%- for position in range(1, max_length - period + 1) %}
                and (
                    {{ position + period }} > candidate_signatures_pivoted.pattern_length
                    or candidate_signatures_pivoted.signature_{{ position }}
                    = candidate_signatures_pivoted.signature_{{ position + period }}
                )
                {%- endfor %}
                then {{ period }}
            {%- endfor %}
            else candidate_signatures_pivoted.pattern_length
        end as period_length
    from candidate_signatures_pivoted

),

cycles_keyed as (

    -- cycle_key names the cycle whatever step it starts from: the least of its rotations
    -- (Grep→Read and Read→Grep share one key), so a cycle's repetitions and rotations
    -- find each other
    select
        periods_found.*,
        periods_found.period_length < periods_found.pattern_length as is_periodic,
        case periods_found.period_length
            {%- for period in range(1, max_length + 1) %}
            when {{ period }} then
                {%- if period == 1 %} periods_found.signature_1
                {%- else %} least(
                {%- for rotation in range(period) %}
                    concat_ws(
                        '→',
                        {%- for step in range(period) %}
                        periods_found.signature_{{ (rotation + step) % period + 1 }}
                        {{- ',' if not loop.last }}
                        {%- endfor %}
                    ){{ ',' if not loop.last }}
                {%- endfor %}
                )
                {%- endif %}
            {%- endfor %}
        end as cycle_key
    from periods_found

),

cycle_representatives_ranked as (

    -- the cycle's representative: among the candidates that are one turn of the cycle
    -- (not periodic themselves), the most frequent
    select
        cycles_keyed.cycle_key,
        cycles_keyed.pattern_id,
        row_number() over (
            partition by cycles_keyed.cycle_key
            order by cycles_keyed.window_occurrence_count desc, cycles_keyed.pattern_id asc
        ) as representative_rank
    from cycles_keyed
    where not cycles_keyed.is_periodic

),

cycle_representatives as (

    select
        cycle_representatives_ranked.cycle_key,
        cycle_representatives_ranked.pattern_id as representative_pattern_id
    from cycle_representatives_ranked
    where cycle_representatives_ranked.representative_rank = 1

),

candidate_occurrences as (

    select
        pattern_occurrences.occurrence_id,
        pattern_occurrences.pattern_id,
        pattern_occurrences.pattern_length,
        pattern_occurrences.segment_id,
        pattern_occurrences.start_step_index
    from pattern_occurrences
    inner join candidates
        on pattern_occurrences.pattern_id = candidates.pattern_id
    where pattern_occurrences.started_at >= {{ analysis_window_start_at() }}
        and pattern_occurrences.started_at < {{ analysis_window_end_at() }}

),

covering_positions_listed as (

    -- Every place a longer occurrence covering this one could start: length L > k,
    -- starting 0 .. L − k steps earlier in the same segment. An equi-join on these keys
    -- finds the covering occurrences without a range join over long segments.
    select
        candidate_occurrences.occurrence_id,
        candidate_occurrences.pattern_id,
        candidate_occurrences.segment_id,
        candidate_occurrences.start_step_index - start_offsets.step_offset as covering_start_step_index,
        covering_lengths.pattern_length as covering_pattern_length
    from candidate_occurrences
    inner join pattern_lengths as covering_lengths
        on covering_lengths.pattern_length > candidate_occurrences.pattern_length
    inner join step_offsets as start_offsets
        on start_offsets.step_offset <= covering_lengths.pattern_length - candidate_occurrences.pattern_length

),

occurrences_covered as (

    select
        covering_positions_listed.pattern_id,
        covering_occurrences.pattern_id as covering_pattern_id,
        count(distinct covering_positions_listed.occurrence_id) as covered_occurrence_count
    from covering_positions_listed
    inner join candidate_occurrences as covering_occurrences
        on covering_positions_listed.segment_id = covering_occurrences.segment_id
        and covering_positions_listed.covering_start_step_index = covering_occurrences.start_step_index
        and covering_positions_listed.covering_pattern_length = covering_occurrences.pattern_length
    group by covering_positions_listed.pattern_id, covering_occurrences.pattern_id

),

coverage_explainers_ranked as (

    -- A non-periodic candidate is explained by the longer candidate that covers the
    -- largest share of its occurrences, if that share reaches the threshold. A cycle's
    -- representative is never explained by its own repetitions.
    select
        occurrences_covered.pattern_id,
        occurrences_covered.covering_pattern_id,
        cast(occurrences_covered.covered_occurrence_count as double)
            / explained.window_occurrence_count as coverage_share,
        row_number() over (
            partition by occurrences_covered.pattern_id
            order by
                occurrences_covered.covered_occurrence_count desc,
                covering.pattern_length desc,
                covering.window_occurrence_count desc,
                occurrences_covered.covering_pattern_id asc
        ) as explainer_rank
    from occurrences_covered
    inner join cycles_keyed as explained
        on occurrences_covered.pattern_id = explained.pattern_id
    inner join cycles_keyed as covering
        on occurrences_covered.covering_pattern_id = covering.pattern_id
    left join cycle_representatives
        on explained.pattern_id = cycle_representatives.representative_pattern_id
    where not explained.is_periodic
        and occurrences_covered.covered_occurrence_count
        >= {{ min_coverage }} * explained.window_occurrence_count
        and not (
            cycle_representatives.cycle_key is not null
            and covering.is_periodic
            and covering.cycle_key = cycle_representatives.cycle_key
        )

),

explainers_chosen as (

    select
        cycles_keyed.pattern_id,
        cycles_keyed.tool_sequence,
        cycles_keyed.pattern_length,
        cycles_keyed.period_length,
        cycles_keyed.is_periodic,
        cycles_keyed.cycle_key,
        case
            when cycles_keyed.is_periodic then cycle_representatives.representative_pattern_id
            else coverage_explainers_ranked.covering_pattern_id
        end as explained_by_pattern_id,
        case
            when cycles_keyed.is_periodic then 'repeats_cycle'
            when coverage_explainers_ranked.covering_pattern_id is not null then 'inside_longer_pattern'
        end as explained_reason,
        case
            when not cycles_keyed.is_periodic then coverage_explainers_ranked.coverage_share
        end as explained_coverage_share
    from cycles_keyed
    left join cycle_representatives
        on cycles_keyed.cycle_key = cycle_representatives.cycle_key
    left join coverage_explainers_ranked
        on cycles_keyed.pattern_id = coverage_explainers_ranked.pattern_id
        and coverage_explainers_ranked.explainer_rank = 1

),

final as (

    select
        explainers_chosen.pattern_id,
        explainers_chosen.tool_sequence,
        cast(explainers_chosen.pattern_length as integer) as pattern_length,
        cycles_keyed.window_occurrence_count,
        cast(explainers_chosen.period_length as integer) as period_length,
        explainers_chosen.is_periodic,
        explainers_chosen.cycle_key,
        explainers_chosen.explained_by_pattern_id,
        explainers_chosen.explained_reason,
        cast(explainers_chosen.explained_coverage_share as double) as explained_coverage_share,
        -- the prefix s1..s(k−1) and the suffix s2..sk, for the extension rule
        concat_ws(
            '→',
            {%- for position in range(1, max_length + 1) %}
            case
                when {{ position }} < cycles_keyed.pattern_length then cycles_keyed.signature_{{ position }}
            end
            {{- ',' if not loop.last }}
            {%- endfor %}
        ) as prefix_sequence,
        concat_ws(
            '→',
            {%- for position in range(2, max_length + 1) %}
            cycles_keyed.signature_{{ position }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as suffix_sequence
    from explainers_chosen
    inner join cycles_keyed
        on explainers_chosen.pattern_id = cycles_keyed.pattern_id

)

select * from final
