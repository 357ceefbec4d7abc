{#- Lists (arrays). -#}

{#- A list literal from expressions, without its null elements. -#}
{% macro list_without_nulls(exprs) -%}
    {{ return(adapter.dispatch('list_without_nulls', 'hook_patterns')(exprs)) }}
{%- endmacro %}

{% macro default__list_without_nulls(exprs) -%}
    filter(array({{ exprs | join(', ') }}), x -> x is not null)
{%- endmacro %}

{% macro duckdb__list_without_nulls(exprs) -%}
    list_filter([{{ exprs | join(', ') }}], x -> x is not null)
{%- endmacro %}


{#- A list literal from expressions, nulls kept. -#}
{% macro list_of(exprs) -%}
    {{ return(adapter.dispatch('list_of', 'hook_patterns')(exprs)) }}
{%- endmacro %}

{% macro default__list_of(exprs) -%}
    array({{ exprs | join(', ') }})
{%- endmacro %}

{% macro duckdb__list_of(exprs) -%}
    [{{ exprs | join(', ') }}]
{%- endmacro %}


{#- Aggregate: the values (nulls kept) as a list in `order_by` order. -#}
{% macro agg_list_ordered(expr, order_by) -%}
    {{ return(adapter.dispatch('agg_list_ordered', 'hook_patterns')(expr, order_by)) }}
{%- endmacro %}

{% macro duckdb__agg_list_ordered(expr, order_by) -%}
    list({{ expr }} order by {{ order_by }})
{%- endmacro %}

{#- Spark: collect (key, value) pairs, sort by key, keep the values (nulls kept, since
    the pair itself is never null). -#}
{% macro spark__agg_list_ordered(expr, order_by) -%}
    transform(
        array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ expr }}))),
        pair -> pair.v
    )
{%- endmacro %}


{#- Aggregate: lists concatenated in `order_by` order. -#}
{% macro agg_list_concat_ordered(expr, order_by) -%}
    {{ return(adapter.dispatch('agg_list_concat_ordered', 'hook_patterns')(expr, order_by)) }}
{%- endmacro %}

{% macro duckdb__agg_list_concat_ordered(expr, order_by) -%}
    flatten(list({{ expr }} order by {{ order_by }}))
{%- endmacro %}

{% macro spark__agg_list_concat_ordered(expr, order_by) -%}
    flatten(transform(
        array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ expr }}))),
        pair -> pair.v
    ))
{%- endmacro %}


{#- Aggregate: `value` of the row with the smallest `order_by` (rows where either is null are skipped). -#}
{% macro agg_first_by(value, order_by) -%}
    {{ return(adapter.dispatch('agg_first_by', 'hook_patterns')(value, order_by)) }}
{%- endmacro %}

{% macro default__agg_first_by(value, order_by) -%}
    min_by({{ value }}, {{ order_by }})
{%- endmacro %}

{% macro duckdb__agg_first_by(value, order_by) -%}
    arg_min({{ value }}, {{ order_by }})
{%- endmacro %}


{#- Aggregate: `value` of the row with the largest `order_by` (rows where either is null are skipped). -#}
{% macro agg_last_by(value, order_by) -%}
    {{ return(adapter.dispatch('agg_last_by', 'hook_patterns')(value, order_by)) }}
{%- endmacro %}

{% macro default__agg_last_by(value, order_by) -%}
    max_by({{ value }}, {{ order_by }})
{%- endmacro %}

{% macro duckdb__agg_last_by(value, order_by) -%}
    arg_max({{ value }}, {{ order_by }})
{%- endmacro %}


{#- Aggregate: true when any value is true. -#}
{% macro agg_bool_or(expr) -%}
    {{ return(adapter.dispatch('agg_bool_or', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__agg_bool_or(expr) -%}
    bool_or({{ expr }})
{%- endmacro %}


{#- Jinja helper: ['col_0', 'col_1', …] for `count` suffixes (column names of lead() offsets). -#}
{% macro suffixed_names(column, count) -%}
    {%- set names = [] -%}
    {%- for i in range(count) -%}{%- do names.append(column ~ '_' ~ i) -%}{%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- The element of a list at a 1-based position (null past its end). -#}
{% macro list_element(expr, position) -%}
    {{ return(adapter.dispatch('list_element', 'hook_patterns')(expr, position)) }}
{%- endmacro %}

{% macro default__list_element(expr, position) -%}
    element_at({{ expr }}, {{ position }})
{%- endmacro %}

{% macro duckdb__list_element(expr, position) -%}
    list_extract({{ expr }}, {{ position }})
{%- endmacro %}


{#- Number of elements of a list. -#}
{% macro list_length(expr) -%}
    {{ return(adapter.dispatch('list_length', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__list_length(expr) -%}
    size({{ expr }})
{%- endmacro %}

{% macro duckdb__list_length(expr) -%}
    len({{ expr }})
{%- endmacro %}


{#- A record (struct) of named values, so several columns travel as one through window
    functions: `record_of({'a': 'expr_a', 'b': 'expr_b'})`; read a field with record_get. -#}
{% macro record_of(fields) -%}
    {{ return(adapter.dispatch('record_of', 'hook_patterns')(fields)) }}
{%- endmacro %}

{% macro default__record_of(fields) -%}
    {%- set parts = [] -%}
    {%- for name, expr in fields.items() -%}{%- do parts.append(name ~ ' := ' ~ expr) -%}{%- endfor -%}
    struct_pack({{ parts | join(', ') }})
{%- endmacro %}

{% macro spark__record_of(fields) -%}
    {%- set parts = [] -%}
    {%- for name, expr in fields.items() -%}{%- do parts.append("'" ~ name ~ "', " ~ expr) -%}{%- endfor -%}
    named_struct({{ parts | join(', ') }})
{%- endmacro %}

{% macro record_get(expr, field) -%}
    {{ return(adapter.dispatch('record_get', 'hook_patterns')(expr, field)) }}
{%- endmacro %}

{% macro default__record_get(expr, field) -%}
    struct_extract({{ expr }}, '{{ field }}')
{%- endmacro %}

{% macro spark__record_get(expr, field) -%}
    {{ expr }}.{{ field }}
{%- endmacro %}
