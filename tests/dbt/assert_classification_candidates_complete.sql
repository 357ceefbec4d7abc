-- Every pattern that occurs at least var hook_patterns_min_window_occurrences times, in
-- at least var hook_patterns_min_sessions sessions, in the analysis window is classified
-- (nothing is lost between the fact table and the mart).
with

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

window_candidates as (

    select
        pattern_occurrences.pattern_id,
        count(*) as window_occurrence_count
    from pattern_occurrences
    where pattern_occurrences.started_at >= {{ analysis_window_start_at() }}
        and pattern_occurrences.started_at < {{ analysis_window_end_at() }}
    group by pattern_occurrences.pattern_id
    having count(*) >= {{ var('hook_patterns_min_window_occurrences') }}
        and count(distinct pattern_occurrences.session_id) >= {{ var('hook_patterns_min_sessions') }}

),

missing_found as (

    select window_candidates.*
    from window_candidates
    left join classifications
        on window_candidates.pattern_id = classifications.pattern_id
    where classifications.pattern_id is null

)

select * from missing_found
