{#- JSON access. Every model reads JSON through these macros, so another engine only
    needs its own implementations here. Paths are JSONPath strings like '$.a.b'. -#}

{% macro json_is_valid(expr) -%}
    {{ return(adapter.dispatch('json_is_valid', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__json_is_valid(expr) -%}
    json_valid({{ expr }})
{%- endmacro %}

{% macro duckdb__json_is_valid(expr) -%}
    coalesce(json_valid({{ expr }}), false)
{%- endmacro %}

{% macro spark__json_is_valid(expr) -%}
    coalesce(try_parse_json({{ expr }}) is not null, false)
{%- endmacro %}


{#- The JSON value at `path`, as JSON; SQL null when absent or JSON null. -#}
{% macro json_get(expr, path) -%}
    {{ return(adapter.dispatch('json_get', 'hook_patterns')(expr, path)) }}
{%- endmacro %}

{% macro default__json_get(expr, path) -%}
    json_extract({{ expr }}, '{{ path }}')
{%- endmacro %}

{% macro duckdb__json_get(expr, path) -%}
    nullif(json_extract(cast({{ expr }} as json), '{{ path }}'), 'null'::json)
{%- endmacro %}

{% macro spark__json_get(expr, path) -%}
    nullif(to_json(variant_get(try_parse_json({{ expr }}), '{{ path }}')), 'null')
{%- endmacro %}


{#- The value at `path` as text (strings unquoted); null when absent or JSON null. -#}
{% macro json_get_text(expr, path) -%}
    {{ return(adapter.dispatch('json_get_text', 'hook_patterns')(expr, path)) }}
{%- endmacro %}

{% macro default__json_get_text(expr, path) -%}
    json_extract_string({{ expr }}, '{{ path }}')
{%- endmacro %}

{% macro duckdb__json_get_text(expr, path) -%}
    json_extract_string(cast({{ expr }} as json), '{{ path }}')
{%- endmacro %}

{% macro spark__json_get_text(expr, path) -%}
    variant_get(try_parse_json({{ expr }}), '{{ path }}', 'string')
{%- endmacro %}


{#- True when the JSON object has the key at `path` (with any value, null included). -#}
{% macro json_has_path(expr, path) -%}
    {{ return(adapter.dispatch('json_has_path', 'hook_patterns')(expr, path)) }}
{%- endmacro %}

{% macro default__json_has_path(expr, path) -%}
    (json_extract({{ expr }}, '{{ path }}') is not null)
{%- endmacro %}

{% macro duckdb__json_has_path(expr, path) -%}
    coalesce(json_exists(cast({{ expr }} as json), '{{ path }}'), false)
{%- endmacro %}

{% macro spark__json_has_path(expr, path) -%}
    coalesce(variant_get(try_parse_json({{ expr }}), '{{ path }}') is not null, false)
{%- endmacro %}


{#- Text to JSON, for values that are JSON text already. -#}
{% macro to_json(expr) -%}
    {{ return(adapter.dispatch('to_json', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__to_json(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__to_json(expr) -%}
    cast({{ expr }} as json)
{%- endmacro %}

{#- Spark: JSON stays text; the readers below parse it. -#}
{% macro spark__to_json(expr) -%}
    {{ expr }}
{%- endmacro %}


{#- Several paths of one JSON document read in one pass: DuckDB parses the document
    once per call of json_extract, so a model that reads many paths of a big payload
    reads them all at once. The result is a list; read its items with json_item,
    json_item_text and json_item_exists (1-based, in the order of `paths`). -#}
{% macro json_get_paths(expr, paths) -%}
    {{ return(adapter.dispatch('json_get_paths', 'hook_patterns')(expr, paths)) }}
{%- endmacro %}

{% macro default__json_get_paths(expr, paths) -%}
    {%- set items = [] -%}
    {%- for path in paths -%}
        {%- do items.append("json_extract(" ~ expr ~ ", '" ~ path ~ "')") -%}
    {%- endfor -%}
    array[{{ items | join(', ') }}]
{%- endmacro %}

{#- DuckDB: text or JSON alike; text is parsed once here (a cast to json first would
    parse it twice). -#}
{% macro duckdb__json_get_paths(expr, paths) -%}
    json_extract({{ expr }}, ['{{ paths | join("', '") }}'])
{%- endmacro %}

{#- Spark: an array of VARIANT values, one per path, read from the parsed document
    (Spark evaluates the common try_parse_json once per row). -#}
{% macro spark__json_get_paths(expr, paths) -%}
    {%- set items = [] -%}
    {%- for path in paths -%}
        {%- do items.append("variant_get(try_parse_json(" ~ expr ~ "), '" ~ path ~ "')") -%}
    {%- endfor -%}
    array({{ items | join(', ') }})
{%- endmacro %}

{#- Item `position` of a json_get_paths list, as JSON; SQL null when absent or JSON null. -#}
{% macro json_item(items, position) -%}
    {{ return(adapter.dispatch('json_item', 'hook_patterns')(items, position)) }}
{%- endmacro %}

{% macro default__json_item(items, position) -%}
    {{ items }}[{{ position }}]
{%- endmacro %}

{% macro duckdb__json_item(items, position) -%}
    nullif({{ items }}[{{ position }}], 'null'::json)
{%- endmacro %}

{#- Spark: the item as JSON text ('null' for a JSON null, which becomes SQL null). -#}
{% macro spark__json_item(items, position) -%}
    nullif(to_json(element_at({{ items }}, {{ position }})), 'null')
{%- endmacro %}

{#- Item `position` of a json_get_paths list as text (strings unquoted); null when
    absent or JSON null. -#}
{% macro json_item_text(items, position) -%}
    {{ return(adapter.dispatch('json_item_text', 'hook_patterns')(items, position)) }}
{%- endmacro %}

{% macro default__json_item_text(items, position) -%}
    json_extract_string({{ items }}[{{ position }}], '$')
{%- endmacro %}

{% macro spark__json_item_text(items, position) -%}
    case
        when to_json(element_at({{ items }}, {{ position }})) <> 'null'
            then variant_get(element_at({{ items }}, {{ position }}), '$', 'string')
    end
{%- endmacro %}

{#- True when item `position` of a json_get_paths list exists (with any value, null included). -#}
{% macro json_item_exists(items, position) -%}
    {{ return(adapter.dispatch('json_item_exists', 'hook_patterns')(items, position)) }}
{%- endmacro %}

{% macro default__json_item_exists(items, position) -%}
    ({{ items }}[{{ position }}] is not null)
{%- endmacro %}

{% macro spark__json_item_exists(items, position) -%}
    (element_at({{ items }}, {{ position }}) is not null)
{%- endmacro %}


{#- True when `expr`, already known to be valid JSON, is an object (not an array, string,
    number, boolean or null). Valid JSON starting with a brace is an object, so no second
    parse is needed. -#}
{% macro json_is_object(expr) -%}
    {{ return(adapter.dispatch('json_is_object', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__json_is_object(expr) -%}
    coalesce(left(ltrim({{ expr }}), 1) = '{', false)
{%- endmacro %}

{#- DuckDB: starts_with first, so the usual payload is not copied by ltrim. -#}
{% macro duckdb__json_is_object(expr) -%}
    coalesce(starts_with({{ expr }}, '{') or left(ltrim({{ expr }}), 1) = '{', false)
{%- endmacro %}
