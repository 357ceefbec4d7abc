{#-
    Incremental models rebuild whole sessions.

    Everything from staging to fct_pattern_occurrences is computed per session (pairing,
    signatures, segments, n-grams), so a daily run only needs the sessions that received
    new events: it recomputes every row of those sessions and replaces their old rows.
    Each of these models carries two columns for this:

      session_loaded_at  the latest _ingested_at among the session's raw rows: the
                         session's version. A model's max(session_loaded_at) is its
                         watermark: upstream rows above it belong to changed sessions.
      session_load_date  the date of the session's first _ingested_at. It never changes
                         once the session exists, so it can partition a table.

    How the old rows are replaced depends on what the engine supports:
      DuckDB  delete+insert on session_id: the changed sessions' rows are deleted, then
              their new rows inserted.
      Spark   insert_overwrite of session_load_date partitions: every partition holding a
              changed session is rebuilt whole, with all of its sessions.
    Rows without a session (quarantined in staging) are their own unit: they belong to
    the partition of their own load date.

    A change to a seed or to a var that shapes sessions (segment gap, pattern lengths…)
    does not touch old sessions: rebuild with `runner build --full-refresh`.
-#}

{#- The column whose values an incremental run replaces whole: the session itself where
    the engine can delete rows (delete+insert), its load-date partition where it can only
    overwrite partitions (insert_overwrite). -#}
{% macro session_rebuild_unit() -%}
    {{ return(adapter.dispatch('session_rebuild_unit', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__session_rebuild_unit() -%}
    {{ return('session_id') }}
{%- endmacro %}

{% macro spark__session_rebuild_unit() -%}
    {{ return('session_load_date') }}
{%- endmacro %}


{#- The config of a session-incremental model: `{{ config(**session_incremental_config()) }}`. -#}
{% macro session_incremental_config() -%}
    {{ return(adapter.dispatch('session_incremental_config', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__session_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': hook_patterns.session_rebuild_unit(),
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro spark__session_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [hook_patterns.session_rebuild_unit()],
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}


{#- The model's own watermark: the newest session version it holds, as an expression
    to put in parentheses. When dbt executes the model, the query runs first and its
    value is written into the SQL as a literal: a filter `session_loaded_at > <literal>` lets the
    engine skip the old row groups of a table on their min/max statistics, which it
    cannot do for a subquery. -#}
{% macro session_watermark() -%}
    {%- set watermark_query -%}
        select coalesce(max(session_loaded_at), cast('1900-01-01' as timestamp)) from {{ this }}
    {%- endset -%}
    {%- if execute -%}
        {%- set watermark = run_query(watermark_query).columns[0].values()[0] -%}
        cast('{{ watermark }}' as timestamp)
    {%- else -%}
        {{ watermark_query }}
    {%- endif -%}
{%- endmacro %}


{#- Filter on the rows of `upstream` (a relation with session_id, session_loaded_at and
    session_load_date, read without an alias) that an incremental run must rebuild.
    `unit` is the column whose values are replaced whole (default:
    session_rebuild_unit()). -#}
{% macro session_rebuild_filter(upstream, unit=none) -%}
    {%- set unit = unit or hook_patterns.session_rebuild_unit() -%}
    {%- if unit == 'session_id' -%}
    {#- every row of a session carries the session's version, so the rows of the
        changed sessions are the rows above the watermark: no lookup of the ids -#}
    session_loaded_at > ({{ hook_patterns.session_watermark() }})
    {%- else -%}
    {{ unit }} in (
        select changed.{{ unit }}
        from {{ upstream }} as changed
        where changed.session_loaded_at > ({{ hook_patterns.session_watermark() }})
    )
    {%- endif -%}
{%- endmacro %}
