{#- Identifiers derived from content. -#}

{#- pattern_id: the first 16 hex characters of sha256 of the tool sequence (the
    review UI's convention, DESIGN.md). -#}
{% macro pattern_hash(expr) -%}
    {{ return(adapter.dispatch('pattern_hash', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__pattern_hash(expr) -%}
    left(sha2({{ expr }}, 256), 16)
{%- endmacro %}

{% macro duckdb__pattern_hash(expr) -%}
    left(sha256({{ expr }}), 16)
{%- endmacro %}


{#- A surrogate key: md5 of the fields as text, joined by '|' (null as ''). -#}
{% macro hash_key(fields) -%}
    {{ return(adapter.dispatch('hash_key', 'hook_patterns')(fields)) }}
{%- endmacro %}

{% macro default__hash_key(fields) -%}
    {%- set parts = [] -%}
    {%- for field in fields -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    md5(concat_ws('|', {{ parts | join(', ') }}))
{%- endmacro %}
