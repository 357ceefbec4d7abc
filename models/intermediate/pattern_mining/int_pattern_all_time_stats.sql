{#-
    All-time statistics of the candidate patterns of the analysis window, one row each:
    the counts, durations and savings (int_pattern_all_time_totals), the destructive
    evidence (int_pattern_destructive_evidence) and the example sessions
    (int_pattern_example_sessions), each computed by its own model.
-#}

with

all_time_totals as (

    select * from {{ ref('int_pattern_all_time_totals') }}

),

destructive_evidence as (

    select * from {{ ref('int_pattern_destructive_evidence') }}

),

example_sessions as (

    select * from {{ ref('int_pattern_example_sessions') }}

),

final as (

    select
        all_time_totals.pattern_id,
        all_time_totals.occurrence_count,
        all_time_totals.session_count,
        all_time_totals.avg_duration_ms,
        all_time_totals.p50_duration_ms,
        all_time_totals.p90_duration_ms,
        all_time_totals.estimated_savings_usd,
        all_time_totals.is_destructive,
        destructive_evidence.destructive_rule_id,
        destructive_evidence.destructive_category,
        destructive_evidence.destructive_reason,
        destructive_evidence.destructive_example,
        coalesce(example_sessions.example_sessions, '[]') as example_sessions,
        all_time_totals.first_seen_at,
        all_time_totals.last_seen_at
    from all_time_totals
    left join destructive_evidence
        on all_time_totals.pattern_id = destructive_evidence.pattern_id
    left join example_sessions
        on all_time_totals.pattern_id = example_sessions.pattern_id

)

select * from final
