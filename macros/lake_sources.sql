{#- The raw source on engines that read it from the lake.

    On DuckDB, `runner ingest` writes raw.hook_events into the warehouse file itself, so
    there is nothing to do. On Spark the raw events are Parquet files in the lake,
    partitioned by event date (`runner ingest --lake DIR` writes them):
        <lake>/hook_events/event_date=YYYY-MM-DD/*.parquet
    and raw.hook_events is an external table over that folder, declared here with the
    raw contract's columns and its partitions re-read on every run (on-run-start). It is
    dropped and declared again each time, so a new lake location takes effect; dropping
    an external table (one with a LOCATION) leaves its files alone. -#}

{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- set lake = var('hook_patterns_lake_path', env_var('RUNNER_LAKE_DIR', 'data/lake')) | string -%}
    {%- set location = lake.rstrip('/') ~ '/hook_events' -%}
    {%- do run_query('create database if not exists raw') -%}
    {%- do run_query('drop table if exists raw.hook_events') -%}
    {%- do run_query("
        create table raw.hook_events (
            event_id string,
            event_type string,
            source_app string,
            session_id string,
            workflow_id string,
            `timestamp` string,
            payload string,
            tool_name string,
            chat_history string,
            source_row_id bigint,
            processed int,
            processed_at string,
            created_at string,
            _source string,
            _source_line bigint,
            _batch_id string,
            _ingested_at timestamp_ntz,
            _row_hash string,
            _load_error string,
            event_date string
        )
        using parquet
        partitioned by (event_date)
        location '" ~ location ~ "'
    ") -%}
    {%- do run_query('msck repair table raw.hook_events') -%}
{%- endmacro %}
