{#-
    Expected evidence-window count of every candidate pattern of the day under the null
    model "the order of the tool calls inside each session is random", and its p-value.
    The expected counts are int_pattern_session_null_sums', kept from one run to the next
    and brought up to date session by session. The rules are documented in
    int_pattern_session_null_model.yml.
-#}

with

evidence_counts as (

    -- one row per candidate of the day
    select * from {{ ref('int_pattern_evidence_counts') }}

),

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

null_sums as (

    select * from {{ ref('int_pattern_session_null_sums') }}

),

candidates as (

    select
        window_patterns.pattern_id,
        evidence_counts.evidence_occurrence_count
    from window_patterns
    inner join evidence_counts
        on window_patterns.pattern_id = evidence_counts.pattern_id
    where window_patterns.is_candidate

),

final as (

    select
        candidates.pattern_id,
        candidates.evidence_occurrence_count,
        cast(coalesce(null_sums.null_session_count, 0) as bigint) as null_session_count,
        -- the exact decimal sum, rounded once
        cast(coalesce(null_sums.expected_count_sum, 0) as double) as expected_count,
        cast({{ poisson_upper_tail(
            'candidates.evidence_occurrence_count',
            'coalesce(cast(null_sums.expected_count_sum as double), 0.0)'
        ) }} as double) as p_value
    from candidates
    left join null_sums
        on candidates.pattern_id = null_sums.pattern_id

)

select * from final
