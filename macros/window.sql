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
    {%- set raw = run_var('hook_patterns_run_date') | string | trim -%}
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
    {%- set hours = run_var('hook_patterns_window_hours') | int -%}
    {%- if hours <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var hook_patterns_window_hours must be a positive integer, got '"
            ~ run_var('hook_patterns_window_hours') ~ "'"
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

{#-
    The evidence window: the var hook_patterns_evidence_days days that end at
    window_end_at (never shorter than the analysis window). The day's window decides
    which patterns are candidates; their confidence is tested on the evidence window, so
    one quiet day does not flip a habit's status.
-#}
{% macro analysis_evidence_days_value() -%}
    {%- set days = var('hook_patterns_evidence_days') | int -%}
    {%- if days <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var hook_patterns_evidence_days must be a positive integer, got '"
            ~ var('hook_patterns_evidence_days') ~ "'"
        ) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}

{#- Inclusive start of the evidence window: window_end_at minus the longer of
    evidence_days days and window_hours hours. -#}
{% macro analysis_evidence_start_at() -%}
    {%- set window_end = analysis_run_date_value() + modules.datetime.timedelta(days=1) -%}
    {%- set evidence_hours = [analysis_evidence_days_value() * 24, analysis_window_hours_value()] | max -%}
    {%- set evidence_start = window_end - modules.datetime.timedelta(hours=evidence_hours) -%}
    cast('{{ evidence_start.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
