{#-
    Expected evidence-window count of every candidate pattern of the day under the null
    model "the order of the tool calls inside each session is random", and its p-value:
    the sums of int_pattern_session_null_sums over the buckets of the evidence window's
    sessions, each at its current fingerprint. The rules are documented in
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

session_buckets as (

    select * from {{ ref('int_session_evidence_buckets') }}

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

current_buckets as (

    select distinct
        session_buckets.evidence_bucket,
        session_buckets.bucket_fingerprint
    from session_buckets

),

expected_counts_summed as (

    select
        null_sums.pattern_id,
        sum(null_sums.null_session_count) as null_session_count,
        -- decimal sums of the buckets: exact, whatever their order
        cast(sum(null_sums.expected_count_sum) as double) as expected_count
    from null_sums
    inner join current_buckets
        on null_sums.evidence_bucket = current_buckets.evidence_bucket
        and null_sums.bucket_fingerprint = current_buckets.bucket_fingerprint
    group by null_sums.pattern_id

),

final as (

    select
        candidates.pattern_id,
        candidates.evidence_occurrence_count,
        cast(coalesce(expected_counts_summed.null_session_count, 0) as bigint) as null_session_count,
        cast(coalesce(expected_counts_summed.expected_count, 0.0) as double) as expected_count,
        cast({{ poisson_upper_tail(
            'candidates.evidence_occurrence_count',
            'coalesce(expected_counts_summed.expected_count, 0.0)'
        ) }} as double) as p_value
    from candidates
    left join expected_counts_summed
        on candidates.pattern_id = expected_counts_summed.pattern_id

)

select * from final
