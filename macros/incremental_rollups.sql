
{#-
    The rollups (int_pattern_daily_stats, int_pattern_recent_sessions) sum many sessions
    per row, so a changed session cannot be replaced on its own. Their rows group the
    sessions by first load (int_sessions_loaded.session_first_loaded_at: one ingest
    batch), which never changes, and an incremental run rebuilds every first load that
    holds a changed session: usually the latest batches only.
      DuckDB  delete+insert on session_first_loaded_at.
      Spark   insert_overwrite of the session_load_date partitions, as its session models.
    A row's session_loaded_at is the newest version among the sessions it sums, so
    session_watermark() and the test scope work as for the session models.
    Usage: `{{ config(**rollup_incremental_config()) }}`, and
    `{{ rollup_occurrences_in_scope(<fct_pattern_occurrences>, <int_sessions_loaded>) }}`
    for the occurrences to sum. The macros take the model's inputs as arguments (import
    CTE names, or relations the model refs) and ref nothing themselves, so the model file
    shows everything it reads.
-#}
{% macro rollup_rebuild_unit() -%}
    {{ return(adapter.dispatch('rollup_rebuild_unit', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__rollup_rebuild_unit() -%}
    {{ return('session_first_loaded_at') }}
{%- endmacro %}

{% macro spark__rollup_rebuild_unit() -%}
    {{ return('session_load_date') }}
{%- endmacro %}

{% macro rollup_incremental_config() -%}
    {{ return(adapter.dispatch('rollup_incremental_config', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__rollup_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': hook_patterns.rollup_rebuild_unit(),
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro spark__rollup_incremental_config() -%}
    {{ return(hook_patterns.spark__session_incremental_config()) }}
{%- endmacro %}

{#- The occurrences a rollup reads, with their session's first load: every one on a
    full build, those of the rebuilt units on an incremental one. `occurrences` is
    fct_pattern_occurrences and `sessions_loaded` int_sessions_loaded, each an import CTE
    name or a relation. -#}
{% macro rollup_occurrences_in_scope(occurrences, sessions_loaded) -%}
    select *
    from (
        select
            fct_occurrences.*,
            sessions_loaded.session_first_loaded_at
        from {{ occurrences }} as fct_occurrences
        inner join {{ sessions_loaded }} as sessions_loaded
            on fct_occurrences.session_id = sessions_loaded.session_id
    ) as occurrences_loaded
    {%- if is_incremental() %}
    where {{ hook_patterns.rollup_rebuild_filter(sessions_loaded) }}
    {%- endif %}
{%- endmacro %}

{#- The rows to rebuild, by their session's unit: `sessions` is int_sessions_loaded (an
    import CTE name or a relation). -#}
{% macro rollup_rebuild_filter(sessions) -%}
    {{ hook_patterns.session_rebuild_filter(sessions, hook_patterns.rollup_rebuild_unit()) }}
{%- endmacro %}
