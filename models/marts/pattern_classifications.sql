{#-
    The day's automation candidates, scored and classified: one row per pattern that
    occurs at least var hook_patterns_min_window_occurrences times in the analysis window.
    Contract enforced: `runner sync-approvals` upserts it into pattern_approvals.
-#}

{%- set min_confidence = var('hook_patterns_auto_approve_min_confidence') -%}
{%- set min_occurrences = var('hook_patterns_auto_approve_min_occurrences') -%}
{%- set min_savings = var('hook_patterns_auto_approve_min_savings_usd') -%}
{%- set reject_below = var('hook_patterns_auto_reject_max_confidence') -%}

with

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

global_null_model as (

    select * from {{ ref('int_pattern_global_null_model') }}

),

markov_surprise as (

    select * from {{ ref('int_pattern_markov_surprise') }}

),

significance as (

    select * from {{ ref('int_pattern_significance') }}

),

all_time_stats as (

    select * from {{ ref('int_pattern_all_time_stats') }}

),

families as (

    select * from {{ ref('int_pattern_families') }}

),

candidates_joined as (

    select
        window_patterns.pattern_id,
        window_patterns.tool_sequence,
        window_patterns.pattern_length,
        window_patterns.run_date,
        window_patterns.window_start_at,
        window_patterns.window_end_at,
        window_patterns.window_occurrence_count,
        window_patterns.window_session_count,
        window_patterns.window_avg_duration_ms,
        window_patterns.window_p50_duration_ms,
        window_patterns.window_p90_duration_ms,
        significance.observed_since_at as evidence_start_at,
        significance.observed_count as evidence_occurrence_count,
        all_time_stats.occurrence_count,
        all_time_stats.session_count,
        all_time_stats.avg_duration_ms,
        all_time_stats.p50_duration_ms,
        all_time_stats.p90_duration_ms,
        significance.expected_count,
        case
            when significance.expected_count > 0
                then (significance.observed_count - significance.expected_count)
                / sqrt(significance.expected_count)
        end as z_score,
        significance.p_value,
        global_null_model.expected_count as global_expected_count,
        global_null_model.p_value as global_p_value,
        markov_surprise.surprise_p_value,
        significance.adjusted_p_value,
        significance.confidence_score,
        all_time_stats.estimated_savings_usd,
        -- the same median rule over the day's window: what the day alone is worth
        coalesce(window_patterns.window_p50_duration_ms, 0) / 3600000.0
        * window_patterns.window_occurrence_count
        * {{ var('hook_patterns_cost_per_hour_usd') }} as window_estimated_savings_usd,
        -- what reviewing the pattern is worth: its savings, discounted by the chance
        -- that it is no habit at all
        all_time_stats.estimated_savings_usd * significance.confidence_score as expected_value_usd,
        all_time_stats.is_destructive,
        all_time_stats.destructive_rule_id,
        all_time_stats.destructive_category,
        all_time_stats.destructive_reason,
        all_time_stats.destructive_example,
        all_time_stats.example_sessions,
        all_time_stats.first_seen_at,
        all_time_stats.last_seen_at,
        families.is_family_head,
        families.family_head_pattern_id,
        families.family_pattern_count,
        families.explained_by_pattern_id,
        families.explained_reason
    from window_patterns
    inner join global_null_model
        on window_patterns.pattern_id = global_null_model.pattern_id
    left join markov_surprise
        on window_patterns.pattern_id = markov_surprise.pattern_id
    inner join significance
        on window_patterns.pattern_id = significance.pattern_id
    inner join all_time_stats
        on window_patterns.pattern_id = all_time_stats.pattern_id
    inner join families
        on window_patterns.pattern_id = families.pattern_id
    where window_patterns.is_candidate

),

patterns_classified as (

    -- The order matters: destructive first (never auto-approved), then approval, then
    -- rejection for low confidence, and everything else waits for a reviewer.
    select
        candidates_joined.*,
        case
            when candidates_joined.is_destructive then 'auto-rejected'
            when candidates_joined.confidence_score > {{ min_confidence }}
                and candidates_joined.occurrence_count > {{ min_occurrences }}
                and candidates_joined.estimated_savings_usd > {{ min_savings }}
                then 'auto-approved'
            when candidates_joined.confidence_score < {{ reject_below }} then 'auto-rejected'
            else 'pending'
        end as status,
        {{ format_score('candidates_joined.confidence_score') }} as confidence_text,
        {{ format_number('candidates_joined.occurrence_count', 0) }} as occurrences_text,
        '$' || {{ format_number('candidates_joined.estimated_savings_usd', 0) }} as savings_text
    from candidates_joined

),

reasons_written as (

    select
        patterns_classified.*,
        case
            when patterns_classified.is_destructive then
                'auto-rejected: destructive operation'
                || coalesce(' `' || patterns_classified.destructive_example || '`', '')
                || ' (rule ' || coalesce(patterns_classified.destructive_rule_id, 'unknown') || ')'
            when patterns_classified.status = 'auto-approved' then
                'auto-approved: confidence ' || patterns_classified.confidence_text
                || ' > {{ min_confidence }}, '
                || patterns_classified.occurrences_text
                || ' occurrences > ' || {{ format_number(min_occurrences, 0) }} || ', '
                || patterns_classified.savings_text
                || ' savings > $' || {{ format_number(min_savings, 0) }}
            when patterns_classified.status = 'auto-rejected' then
                'auto-rejected: confidence ' || patterns_classified.confidence_text
                || ' < {{ reject_below }}, not distinguishable from chance'
            else
                'pending: ' || concat_ws(
                    '; ',
                    case when patterns_classified.confidence_score <= {{ min_confidence }} then
                        'confidence ' || patterns_classified.confidence_text
                        || ' is between {{ reject_below }} and {{ min_confidence }}'
                    end,
                    case when patterns_classified.occurrence_count <= {{ min_occurrences }} then
                        'only ' || patterns_classified.occurrences_text
                        || ' occurrences (needs > ' || {{ format_number(min_occurrences, 0) }} || ')'
                    end,
                    case when patterns_classified.estimated_savings_usd <= {{ min_savings }} then
                        'only ' || patterns_classified.savings_text
                        || ' savings (needs > $' || {{ format_number(min_savings, 0) }} || ')'
                    end
                )
        end as status_reason
    from patterns_classified

),

contexts_written as (

    -- Plain words for the reviewer. Only redacted text: signatures and redacted commands.
    select
        reasons_written.*,
        'Runs ' || cast(reasons_written.pattern_length as {{ dbt.type_string() }}) || ' steps in order: '
        || replace(reasons_written.tool_sequence, '→', ' → ') || '. '
        || 'In the analysis window (' || cast(reasons_written.window_start_at as {{ dbt.type_string() }})
        || ' to ' || cast(reasons_written.window_end_at as {{ dbt.type_string() }}) || ' UTC) it occurred '
        || {{ format_number('reasons_written.window_occurrence_count', 0) }} || ' times in '
        || {{ format_number('reasons_written.window_session_count', 0) }} || ' sessions; since '
        || cast(reasons_written.evidence_start_at as {{ dbt.type_string() }}) || ' UTC, '
        || {{ format_number('reasons_written.evidence_occurrence_count', 0) }} || ' times against '
        || {{ format_number('reasons_written.expected_count', 2) }}
        || ' expected if each session''s calls came in random order '
        || '(confidence ' || reasons_written.confidence_text || '). '
        || 'Since ' || cast(cast(reasons_written.first_seen_at as date) as {{ dbt.type_string() }})
        || ' it occurred ' || reasons_written.occurrences_text || ' times in '
        || {{ format_number('reasons_written.session_count', 0) }} || ' sessions. '
        || coalesce(
            'One run typically takes ' || {{ format_number('reasons_written.p50_duration_ms / 1000.0', 1) }}
            || ' s (median; mean ' || {{ format_number('reasons_written.avg_duration_ms / 1000.0', 1) }}
            || ' s, p90 ' || {{ format_number('reasons_written.p90_duration_ms / 1000.0', 1) }}
            || ' s); at $' || {{ format_number(var('hook_patterns_cost_per_hour_usd'), 0) }}
            || '/hour that is an estimated ' || reasons_written.savings_text || ' of agent time all time, $'
            || {{ format_number('reasons_written.window_estimated_savings_usd', 0) }} || ' in the window. ',
            'No duration was measured, so no savings are estimated. '
        )
        || case
            when reasons_written.is_destructive then
                'Contains a destructive operation'
                || coalesce(' (' || reasons_written.destructive_category || ')', '')
                || coalesce(': ' || reasons_written.destructive_reason, '')
                || coalesce(', e.g. `' || reasons_written.destructive_example || '`', '')
                || '. '
            else ''
        end
        || case
            when reasons_written.explained_by_pattern_id is not null then
                'Belongs to the family of pattern ' || reasons_written.family_head_pattern_id || ' ('
                || case reasons_written.explained_reason
                    when 'repeats_cycle' then 'it only repeats a shorter cycle'
                    when 'inside_longer_pattern' then 'nearly all its occurrences lie inside a longer pattern'
                    when 'extends_pattern' then 'it only adds a step to a shorter habit'
                    else reasons_written.explained_reason
                end
                || '), which the review queue shows instead. '
            when reasons_written.family_pattern_count > 1 then
                'Heads a family of ' || {{ format_number('reasons_written.family_pattern_count', 0) }}
                || ' candidates (its parts, repetitions and extensions). '
            else ''
        end
        || 'Decision: ' || reasons_written.status_reason || '.' as pattern_context
    from reasons_written

),

final as (

    select
        cast(contexts_written.pattern_id as {{ dbt.type_string() }}) as pattern_id,
        cast(contexts_written.tool_sequence as {{ dbt.type_string() }}) as tool_sequence,
        cast(contexts_written.pattern_length as integer) as pattern_length,
        cast(contexts_written.run_date as date) as run_date,
        cast(contexts_written.window_start_at as timestamp) as window_start_at,
        cast(contexts_written.window_end_at as timestamp) as window_end_at,
        cast(contexts_written.window_occurrence_count as bigint) as window_occurrence_count,
        cast(contexts_written.window_session_count as bigint) as window_session_count,
        cast(contexts_written.window_avg_duration_ms as double) as window_avg_duration_ms,
        cast(contexts_written.window_p50_duration_ms as double) as window_p50_duration_ms,
        cast(contexts_written.window_p90_duration_ms as double) as window_p90_duration_ms,
        cast(contexts_written.window_estimated_savings_usd as double) as window_estimated_savings_usd,
        cast(contexts_written.evidence_start_at as timestamp) as evidence_start_at,
        cast(contexts_written.evidence_occurrence_count as bigint) as evidence_occurrence_count,
        cast(contexts_written.occurrence_count as bigint) as occurrence_count,
        cast(contexts_written.session_count as bigint) as session_count,
        cast(contexts_written.avg_duration_ms as double) as avg_duration_ms,
        cast(contexts_written.p50_duration_ms as double) as p50_duration_ms,
        cast(contexts_written.p90_duration_ms as double) as p90_duration_ms,
        cast(contexts_written.expected_count as double) as expected_count,
        cast(contexts_written.z_score as double) as z_score,
        cast(contexts_written.p_value as double) as p_value,
        cast(contexts_written.global_expected_count as double) as global_expected_count,
        cast(contexts_written.global_p_value as double) as global_p_value,
        cast(contexts_written.surprise_p_value as double) as surprise_p_value,
        cast(contexts_written.adjusted_p_value as double) as adjusted_p_value,
        cast(contexts_written.confidence_score as double) as confidence_score,
        cast(contexts_written.estimated_savings_usd as double) as estimated_savings_usd,
        cast(contexts_written.expected_value_usd as double) as expected_value_usd,
        cast(contexts_written.is_destructive as boolean) as is_destructive,
        cast(contexts_written.destructive_rule_id as {{ dbt.type_string() }}) as destructive_rule_id,
        cast(contexts_written.destructive_category as {{ dbt.type_string() }}) as destructive_category,
        cast(contexts_written.destructive_reason as {{ dbt.type_string() }}) as destructive_reason,
        cast(contexts_written.destructive_example as {{ dbt.type_string() }}) as destructive_example,
        cast(contexts_written.status as {{ dbt.type_string() }}) as status,
        cast(contexts_written.status_reason as {{ dbt.type_string() }}) as status_reason,
        -- the review queue: pending family heads, the largest expected value first (ties
        -- by pattern_id, so every run gives the same order); null for every other row
        cast(case
            when contexts_written.status = 'pending' and contexts_written.is_family_head then
                row_number() over (
                    partition by contexts_written.status = 'pending' and contexts_written.is_family_head
                    order by contexts_written.expected_value_usd desc, contexts_written.pattern_id asc
                )
        end as bigint) as review_rank,
        cast(contexts_written.pattern_context as {{ dbt.type_string() }}) as pattern_context,
        cast(contexts_written.example_sessions as {{ dbt.type_string() }}) as example_sessions,
        cast(contexts_written.first_seen_at as timestamp) as first_seen_at,
        cast(contexts_written.last_seen_at as timestamp) as last_seen_at,
        cast(contexts_written.is_family_head as boolean) as is_family_head,
        cast(contexts_written.family_head_pattern_id as {{ dbt.type_string() }}) as family_head_pattern_id,
        cast(contexts_written.family_pattern_count as bigint) as family_pattern_count,
        cast(contexts_written.explained_by_pattern_id as {{ dbt.type_string() }}) as explained_by_pattern_id,
        cast(contexts_written.explained_reason as {{ dbt.type_string() }}) as explained_reason
    from contexts_written

)

select * from final
