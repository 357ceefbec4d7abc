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


{#- The model's own watermark: the newest session version it holds. -#}
{% macro session_watermark() -%}
    select coalesce(max(session_loaded_at), cast('1900-01-01' as timestamp)) from {{ this }}
{%- endmacro %}


{#- Filter on the rows of `upstream` (a relation with session_id, session_loaded_at and
    session_load_date) that an incremental run must rebuild. -#}
{% macro session_rebuild_filter(upstream) -%}
    {%- set unit = hook_patterns.session_rebuild_unit() -%}
    {{ unit }} in (
        select changed.{{ unit }}
        from {{ upstream }} as changed
        where changed.session_loaded_at > ({{ hook_patterns.session_watermark() }})
    )
{%- endmacro %}


{#- Staging's version of the filter, on raw rows (alias `raw_row`, with `session_key` =
    the trimmed session id and `_ingested_at`): the raw rows of every changed session,
    and the new rows without a session. `raw` is the raw relation. -#}
{% macro staging_rebuild_filter(raw) -%}
    {{ return(adapter.dispatch('staging_rebuild_filter', 'hook_patterns')(raw)) }}
{%- endmacro %}

{% macro default__staging_rebuild_filter(raw) -%}
    (
        session_key in (
            select nullif(trim(new_row.session_id), '')
            from {{ raw }} as new_row
            where new_row._ingested_at > ({{ hook_patterns.session_watermark() }})
        )
        or (session_key is null and _ingested_at > ({{ hook_patterns.session_watermark() }}))
    )
{%- endmacro %}

{#- Spark rebuilds whole load-date partitions: the dates of the changed sessions (their
    first load) and of the new rows without a session, then every session first loaded
    on one of those dates. -#}
{% macro spark__staging_rebuild_filter(raw) -%}
    {%- set changed_sessions -%}
        select nullif(trim(new_row.session_id), '')
        from {{ raw }} as new_row
        where new_row._ingested_at > ({{ hook_patterns.session_watermark() }})
    {%- endset -%}
    {%- set rebuilt_dates -%}
        select cast(min(session_row._ingested_at) as date)
        from {{ raw }} as session_row
        where nullif(trim(session_row.session_id), '') in ({{ changed_sessions }})
        group by nullif(trim(session_row.session_id), '')
        union
        select cast(new_row._ingested_at as date)
        from {{ raw }} as new_row
        where new_row._ingested_at > ({{ hook_patterns.session_watermark() }})
            and nullif(trim(new_row.session_id), '') is null
    {%- endset -%}
    (
        session_key in ({{ changed_sessions }})
        or session_key in (
            select built.session_id from {{ this }} as built
            where built.session_load_date in ({{ rebuilt_dates }})
        )
        or (session_key is null and cast(_ingested_at as date) in ({{ rebuilt_dates }}))
    )
{%- endmacro %}
