-- From one pattern to its sessions and the (redacted) commands of each occurrence,
-- the most recent first. Choose the pattern with a var, e.g.:
--   RUNNER_WAREHOUSE=:memory: dbt compile --select pattern_drilldown \
--     --vars '{hook_patterns_drilldown_pattern_id: 0123456789abcdef}'
-- then run the compiled SQL (dbt prints it; also in
-- target/compiled/hook_patterns/analyses/pattern_drilldown.sql) in DuckDB on any
-- warehouse file: its tables are named schema.table, without the file's name.

{%- set pattern_id = var('hook_patterns_drilldown_pattern_id', 'replace-with-a-pattern-id') %}

with

classifications as (

    select * from {{ ref('pattern_classifications') }}

),

pattern_occurrences as (

    select * from {{ ref('fct_pattern_occurrences') }}

),

occurrence_calls as (

    select * from {{ ref('pattern_occurrence_calls') }}
    where pattern_id = '{{ pattern_id }}'

),

occurrences_listed as (

    select
        classifications.pattern_id,
        classifications.tool_sequence,
        classifications.status,
        classifications.status_reason,
        pattern_occurrences.session_id,
        pattern_occurrences.segment_id,
        pattern_occurrences.start_step_index,
        pattern_occurrences.started_at,
        pattern_occurrences.duration_ms,
        pattern_occurrences.started_at >= classifications.window_start_at as is_in_window,
        occurrence_calls.commands,
        pattern_occurrences.is_destructive,
        pattern_occurrences.destructive_rule_id,
        count(*) over (partition by pattern_occurrences.session_id) as occurrences_in_session
    from classifications
    inner join pattern_occurrences
        on classifications.pattern_id = pattern_occurrences.pattern_id
        and pattern_occurrences.started_at < classifications.window_end_at
    inner join occurrence_calls
        on pattern_occurrences.occurrence_id = occurrence_calls.occurrence_id
    where classifications.pattern_id = '{{ pattern_id }}'

)

select * from occurrences_listed
order by started_at desc, segment_id asc, start_step_index asc
