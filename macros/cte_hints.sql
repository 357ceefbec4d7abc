{#- `name as {{ cte_materialized() }} (…)`: ask the engine to compute a CTE once, as its
    own step. DuckDB takes the keyword (int_tool_calls_signed: the per-input results are
    joined to every call, measured cheaper when they are materialized first); other
    engines get nothing and plan the CTE as usual. -#}
{% macro cte_materialized() -%}
    {{ return(adapter.dispatch('cte_materialized', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__cte_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}
    materialized
{%- endmacro %}
