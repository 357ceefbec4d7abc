-- Destructive operations caught on the analysed day, by rule: which rule matched, why it
-- is destructive, how many candidate patterns it kept from auto-approval, and one
-- redacted example. A destructive pattern is always auto-rejected, whatever its numbers.
-- The rules are the seed `destructive_rules` (reference schema).
-- Compile: RUNNER_WAREHOUSE=:memory: dbt compile --select destructive_catches
-- (no warehouse needed), then run the printed SQL in DuckDB on any warehouse file.

with

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

destructive_rules as (

    select * from {{ ref('destructive_rules') }}

),

catches_by_rule as (

    select
        classifications.destructive_rule_id,
        count(*) as patterns_caught,
        sum(classifications.occurrence_count) as occurrences,
        max(classifications.estimated_savings_usd) as largest_savings_forgone_usd,
        min(classifications.destructive_example) as example_command,
        min(classifications.tool_sequence) as example_tool_sequence
    from classifications
    where classifications.is_destructive
    group by classifications.destructive_rule_id

),

catches_described as (

    select
        catches_by_rule.destructive_rule_id,
        destructive_rules.category,
        destructive_rules.reason,
        destructive_rules.match_regex,
        catches_by_rule.patterns_caught,
        catches_by_rule.occurrences,
        catches_by_rule.largest_savings_forgone_usd,
        catches_by_rule.example_command,
        catches_by_rule.example_tool_sequence
    from catches_by_rule
    left join destructive_rules
        on catches_by_rule.destructive_rule_id = destructive_rules.rule_id

)

select * from catches_described
order by patterns_caught desc, destructive_rule_id asc
