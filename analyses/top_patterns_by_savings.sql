-- Top automation candidates of the analysed day by estimated savings.
-- Savings = average duration per run × all-time occurrences × cost per hour
-- (var hook_patterns_cost_per_hour_usd); a pattern needs confidence > 0.99,
-- > 200 occurrences and > $5,000 savings to be auto-approved, and a destructive one
-- never is (status_reason says which rule applied). surprise_p_value (3+ steps) says
-- whether the whole sequence repeats more than its overlapping sub-patterns explain.
-- Compile: RUNNER_WAREHOUSE=:memory: dbt compile --select top_patterns_by_savings
-- (no warehouse needed), then run the printed SQL in DuckDB on any warehouse file.

with

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

null_model as (

    select * from {{ ref('int_pattern_null_model') }}

),

patterns_ranked as (

    select
        row_number() over (
            order by classifications.estimated_savings_usd desc, classifications.pattern_id asc
        ) as savings_rank,
        classifications.pattern_id,
        classifications.tool_sequence,
        classifications.status,
        classifications.estimated_savings_usd,
        classifications.occurrence_count,
        classifications.session_count,
        classifications.window_occurrence_count,
        classifications.expected_count,
        classifications.confidence_score,
        null_model.markov_expected_count,
        null_model.surprise_p_value,
        classifications.avg_duration_ms / 1000.0 as avg_duration_s,
        classifications.status_reason
    from classifications
    left join null_model
        on classifications.pattern_id = null_model.pattern_id

)

select * from patterns_ranked
where savings_rank <= 25
order by savings_rank
