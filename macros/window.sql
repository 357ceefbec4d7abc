{#-
    The analysis window, as SQL literals computed at compile time.

    run_date (var hook_patterns_run_date, YYYY-MM-DD, UTC) is the day analysed. The window
    is [window_end_at - window_hours, window_end_at), where window_end_at is the midnight
    after run_date. "All time" means every occurrence that started before window_end_at,
    so a build depends only on the ingested data and run_date: re-running or backfilling
    any day gives the same result whatever was built before.
    The literals are plain `cast('…' as timestamp)`, portable to every engine.
-#}

{% macro analysis_run_date_value() -%}
    {%- set raw = var('hook_patterns_run_date') | string | trim -%}
    {%- set parsed = none -%}
    {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', raw) -%}
        {%- set parsed = modules.datetime.datetime.strptime(raw, '%Y-%m-%d') -%}
    {%- endif -%}
    {%- if parsed is none -%}
        {{ exceptions.raise_compiler_error(
            "var hook_patterns_run_date must be a date YYYY-MM-DD, got '" ~ raw ~ "'"
        ) }}
    {%- endif -%}
    {{ return(parsed) }}
{%- endmacro %}

{% macro analysis_window_hours_value() -%}
    {%- set hours = var('hook_patterns_window_hours') | int -%}
    {%- if hours <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var hook_patterns_window_hours must be a positive integer, got '"
            ~ var('hook_patterns_window_hours') ~ "'"
        ) }}
    {%- endif -%}
    {{ return(hours) }}
{%- endmacro %}

{#- The day analysed, as a date literal. -#}
{% macro analysis_run_date() -%}
    cast('{{ analysis_run_date_value().strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}

{#- Exclusive end of the window: the midnight (UTC) after run_date. -#}
{% macro analysis_window_end_at() -%}
    {%- set window_end = analysis_run_date_value() + modules.datetime.timedelta(days=1) -%}
    cast('{{ window_end.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#- Inclusive start of the window: window_end_at minus window_hours. -#}
{% macro analysis_window_start_at() -%}
    {%- set window_end = analysis_run_date_value() + modules.datetime.timedelta(days=1) -%}
    {%- set window_start = window_end - modules.datetime.timedelta(hours=analysis_window_hours_value()) -%}
    cast('{{ window_start.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
