{#- One row per pattern with at least one occurrence that started in the analysis window. -#}

with

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

occurrences_windowed as (

    select
        pattern_occurrences.pattern_id,
        pattern_occurrences.tool_sequence,
        pattern_occurrences.pattern_length,
        pattern_occurrences.occurrence_id,
        pattern_occurrences.session_id,
        pattern_occurrences.segment_id,
        pattern_occurrences.start_step_index,
        pattern_occurrences.started_at,
        pattern_occurrences.duration_ms
    from pattern_occurrences
    where pattern_occurrences.started_at >= {{ analysis_window_start_at() }}
        and pattern_occurrences.started_at < {{ analysis_window_end_at() }}

),

occurrences_counted as (

    select
        occurrences_windowed.pattern_id,
        min(occurrences_windowed.tool_sequence) as tool_sequence,
        min(occurrences_windowed.pattern_length) as pattern_length,
        count(*) as window_occurrence_count,
        count(distinct occurrences_windowed.session_id) as window_session_count,
        -- Whole microseconds, so the average does not depend on parallel summation order.
        avg(cast(round(occurrences_windowed.duration_ms * 1000) as bigint)) / 1000.0
            as window_avg_duration_ms,
        -- p50 and p90 in one aggregate, which collects the values once
        {{ quantiles_cont('occurrences_windowed.duration_ms', [0.5, 0.9]) }} as window_duration_quantiles,
        min(occurrences_windowed.started_at) as window_first_seen_at,
        max(occurrences_windowed.started_at) as window_last_seen_at,
        -- the first occurrence (by start, then id) is the pattern's example: the null
        -- model reads the pattern's signatures from its steps
        {{ agg_first_by(
            record_of({
                'segment_id': 'occurrences_windowed.segment_id',
                'start_step_index': 'occurrences_windowed.start_step_index',
            }),
            record_of({
                'started_at': 'occurrences_windowed.started_at',
                'occurrence_id': 'occurrences_windowed.occurrence_id',
            }),
        ) }} as example_occurrence
    from occurrences_windowed
    group by occurrences_windowed.pattern_id

),

final as (

    select
        occurrences_counted.pattern_id,
        occurrences_counted.tool_sequence,
        cast(occurrences_counted.pattern_length as integer) as pattern_length,
        {{ analysis_run_date() }} as run_date,
        {{ analysis_window_start_at() }} as window_start_at,
        {{ analysis_window_end_at() }} as window_end_at,
        cast(occurrences_counted.window_occurrence_count as bigint) as window_occurrence_count,
        cast(occurrences_counted.window_session_count as bigint) as window_session_count,
        cast(occurrences_counted.window_avg_duration_ms as double) as window_avg_duration_ms,
        cast({{ list_element('occurrences_counted.window_duration_quantiles', 1) }} as double)
            as window_p50_duration_ms,
        cast({{ list_element('occurrences_counted.window_duration_quantiles', 2) }} as double)
            as window_p90_duration_ms,
        occurrences_counted.window_occurrence_count >= {{ var('hook_patterns_min_window_occurrences') }}
            and occurrences_counted.window_session_count >= {{ var('hook_patterns_min_sessions') }}
            as is_candidate,
        occurrences_counted.window_first_seen_at,
        occurrences_counted.window_last_seen_at,
        {{ record_get('occurrences_counted.example_occurrence', 'segment_id') }} as example_segment_id,
        {{ record_get('occurrences_counted.example_occurrence', 'start_step_index') }}
            as example_start_step_index
    from occurrences_counted

)

select * from final
