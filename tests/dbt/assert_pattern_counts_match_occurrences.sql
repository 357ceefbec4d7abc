-- Every count of pattern_classifications equals the rows of fct_pattern_occurrences it
-- summarises: all-time = started before the window end, window = started inside it.
with

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

occurrences_recounted as (

    -- a matched occurrence is counted by its pattern_id (the join key, read anyway): its
    -- occurrence_id would be one more text column read for every occurrence ever mined
    select
        classifications.pattern_id,
        count(pattern_occurrences.pattern_id) as occurrence_count,
        count(distinct pattern_occurrences.session_id) as session_count,
        count(case
            when pattern_occurrences.started_at >= classifications.window_start_at
                then pattern_occurrences.pattern_id
        end) as window_occurrence_count
    from classifications
    left join pattern_occurrences
        on classifications.pattern_id = pattern_occurrences.pattern_id
        and pattern_occurrences.started_at < classifications.window_end_at
    group by classifications.pattern_id

),

mismatches_found as (

    select
        classifications.pattern_id,
        classifications.occurrence_count,
        occurrences_recounted.occurrence_count as recounted_occurrence_count,
        classifications.session_count,
        occurrences_recounted.session_count as recounted_session_count,
        classifications.window_occurrence_count,
        occurrences_recounted.window_occurrence_count as recounted_window_occurrence_count
    from classifications
    inner join occurrences_recounted
        on classifications.pattern_id = occurrences_recounted.pattern_id
    where classifications.occurrence_count <> occurrences_recounted.occurrence_count
        or classifications.session_count <> occurrences_recounted.session_count
        or classifications.window_occurrence_count <> occurrences_recounted.window_occurrence_count

)

select * from mismatches_found
