{#-
    The day's candidates counted over the evidence window (macros/window.sql): the
    observed counts their confidence tests. The day's window decides which patterns are
    candidates; the longer evidence window keeps one quiet day from flipping a status.
-#}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}
    where started_at >= {{ analysis_evidence_start_at() }}
        and started_at < {{ analysis_window_end_at() }}

),

candidates as (

    select window_patterns.pattern_id
    from window_patterns
    where window_patterns.is_candidate

),

occurrences_counted as (

    select
        pattern_occurrences.pattern_id,
        count(*) as evidence_occurrence_count,
        count(distinct pattern_occurrences.session_id) as evidence_session_count
    from pattern_occurrences
    inner join candidates
        on pattern_occurrences.pattern_id = candidates.pattern_id
    group by pattern_occurrences.pattern_id

),

final as (

    select
        occurrences_counted.pattern_id,
        {{ analysis_evidence_start_at() }} as evidence_start_at,
        {{ analysis_window_end_at() }} as evidence_end_at,
        cast(occurrences_counted.evidence_occurrence_count as bigint) as evidence_occurrence_count,
        cast(occurrences_counted.evidence_session_count as bigint) as evidence_session_count
    from occurrences_counted

)

select * from final
