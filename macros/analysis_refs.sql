{#- Analyses are compiled to be run by hand, in DuckDB, on whichever warehouse file the
    analyst opens (data/warehouse.duckdb, a copy, a test's wh.duckdb). dbt-duckdb names the
    database after the profile's file, and a ref renders as "<file stem>"."marts"."…",
    which fails on any file of another name. In analyses a ref therefore leaves the
    database out: "marts"."…" resolves in whatever database is open. Models keep dbt's
    full names. -#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if model is defined and model.resource_type == 'analysis' -%}
        {%- do return(relation.include(database=False)) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{% endmacro %}
