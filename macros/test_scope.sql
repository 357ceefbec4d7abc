{#-
    Data tests of the session-incremental models check only the sessions that are new
    since the last fully tested build.

    An incremental run rewrites only the sessions that received new events
    (macros/incremental_sessions.sql); every other row is exactly what an earlier build wrote and
    tested. Their invariants (unique keys, relationships to the parent model, per-segment
    counts) are per session, so re-checking the old rows each day only costs time: at 3M
    events it was a third of an incremental build's test time.

    The var `hook_patterns_tested_through` (a timestamp) says up to which session version
    the rows were tested. The runner passes it (runner/tested_sessions.py): it is the watermark
    it recorded after the last `runner build` whose every node passed, so a failed build
    leaves its rows to be tested again. Without the var (plain `dbt build`, a full
    refresh, Spark) every row is tested.

    The scope applies to the rows a test reads from the tested model: a relationships
    test still looks its parent values up in the whole parent table.
-#}

{#- A predicate on `column` (a session version) that keeps only untested rows, or
    `true` when no scope is set. -#}
{% macro untested_sessions_only(column='session_loaded_at') -%}
    {%- set tested_through = run_var('hook_patterns_tested_through') -%}
    {%- if tested_through -%}
        {{ column }} > cast('{{ tested_through }}' as timestamp)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- True when `relation` is one of this project's incremental models: those rebuild by
    session and carry session_loaded_at. -#}
{% macro is_session_incremental_relation(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.package_name == project_name
            and node.config.materialized == 'incremental'
            and (node.alias or node.name) | lower == (relation.identifier or '') | lower
            and node.schema | lower == (relation.schema or '') | lower -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}


{#- dbt's hook for the `where` config of generic tests (dispatched in the dbt namespace,
    so the root project's version wins): the test's own `where`, and the untested-session
    scope when the tested model is session-incremental. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if run_var('hook_patterns_tested_through') and execute
        and is_session_incremental_relation(relation) -%}
        {%- do conditions.append(untested_sessions_only()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
