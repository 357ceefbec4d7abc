{#-
    The vars that change with every run: the day analysed, the window length and the
    tested-through watermark (macros/window.sql, macros/test_scope.sql).

    dbt re-parses the whole project whenever `--vars` differ from the previous
    invocation's (12.7 s from dbt's start to its first node against 3.2 to 4.5 s after a
    partial parse, on the busy 2-core machine), and the run date changes every day. So the runner passes these vars
    in the environment variable RUNNER_RUN_VARS (a JSON object, runner/dbt_invocation.py)
    and leaves `--vars` to the settings that stay the same from run to run. They are
    read only while dbt executes, never while it parses: the parse does not depend on
    them and stays reusable. Without RUNNER_RUN_VARS (plain `dbt`, the unit tests and
    their `overrides`) the var is read as usual.
-#}
{% macro run_var(name, default=none) -%}
    {%- if execute -%}
        {%- set from_runner = fromjson(env_var('RUNNER_RUN_VARS', '{}')) -%}
        {%- if name in from_runner -%}
            {{ return(from_runner[name]) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(var(name, default)) }}
{%- endmacro %}
