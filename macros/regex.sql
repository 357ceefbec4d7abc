{#- Regular expressions. Patterns are RE2 (no lookaround); put `(?i)` in the pattern for
    a case-insensitive match. Replacements use `\1` for groups.
    Patterns and replacements are SQL expressions: a column (the seeds' rules) or a
    literal in standard SQL quoting ('it''s', backslashes as they are). Spark's Java
    regular expressions accept every RE2 pattern used here; its string literals treat a
    backslash as an escape, so spark_literal() re-quotes literals for it. -#}

{#- Spark: a standard SQL string literal re-quoted for Spark's parser (backslash and
    quote escaped); any other expression unchanged. `group_refs` turns the `\1` group
    references of a replacement into Java's `$1`. -#}
{% macro spark_literal(expr, group_refs=false) -%}
    {%- set text = expr | string | trim -%}
    {%- if text | length >= 2 and text[0] == "'" and text[-1] == "'" -%}
        {%- set value = text[1:-1] | replace("''", "'") -%}
        {%- if group_refs -%}
            {%- set value = modules.re.sub('\\\\([0-9])', '$\\1', value) -%}
        {%- endif -%}
        '{{ hook_patterns.spark__escape_single_quotes(value) }}'
    {%- else -%}
        {{ expr }}
    {%- endif -%}
{%- endmacro %}

{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'hook_patterns')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, {{ pattern }})
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, {{ hook_patterns.spark_literal(pattern) }})
{%- endmacro %}


{#- Replace every match (not just the first). -#}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'hook_patterns')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{% macro duckdb__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace(
        {{ expr }},
        {{ hook_patterns.spark_literal(pattern) }},
        {{ hook_patterns.spark_literal(replacement, group_refs=true) }}
    )
{%- endmacro %}


{#- Replace the first match only (anchored patterns). -#}
{% macro regex_replace_first(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_first', 'hook_patterns')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_first(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- Spark replaces every match: the same as the first one for the anchored patterns
    this macro is for. -#}
{% macro spark__regex_replace_first(expr, pattern, replacement) -%}
    {{ hook_patterns.spark__regex_replace_all(expr, pattern, replacement) }}
{%- endmacro %}


{#- The text of capture group `group` of the first match; '' when there is no match. -#}
{% macro regex_extract(expr, pattern, group=0) -%}
    {{ return(adapter.dispatch('regex_extract', 'hook_patterns')(expr, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_extract(expr, pattern, group=0) -%}
    regexp_extract({{ expr }}, {{ pattern }}, {{ group }})
{%- endmacro %}

{% macro spark__regex_extract(expr, pattern, group=0) -%}
    regexp_extract({{ expr }}, {{ hook_patterns.spark_literal(pattern) }}, {{ group }})
{%- endmacro %}
