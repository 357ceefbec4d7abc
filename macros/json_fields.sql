{#- Several fields of a JSON object read in one typed parse (issue 22: the payload is
    parsed once). `fields` is a list of [path, kind]: path a JSONPath of object keys
    ('$.a' or '$.a.b'), kind 'json' (the value as JSON) or 'text' (strings unquoted, other
    values as their JSON text). Read a field with json_field(record, fields, path): SQL
    null when absent or JSON null, as json_get / json_get_text give. A path may not be
    both a field and the parent of another field. -#}
{% macro json_get_fields(expr, fields) -%}
    {{ return(adapter.dispatch('json_get_fields', 'hook_patterns')(expr, fields)) }}
{%- endmacro %}

{#- Elsewhere: the json_get_paths list of the same paths (one pass where the engine can). -#}
{% macro default__json_get_fields(expr, fields) -%}
    {%- set paths = [] -%}
    {%- for field in fields -%}{%- do paths.append(field[0]) -%}{%- endfor -%}
    {{ hook_patterns.json_get_paths(expr, paths) }}
{%- endmacro %}

{#- DuckDB: from_json into a struct of the fields (VARCHAR for text, JSON for json), one
    parse of the document; nothing of it is re-parsed to read a field as text. Object keys
    match exactly, the first of duplicated keys wins, and a value of another shape than
    the struct expects (a string where an object is read through) is null, as with
    json_extract. -#}
{% macro duckdb__json_get_fields(expr, fields) -%}
    from_json({{ expr }}, '{{ hook_patterns.json_fields_type(fields) }}')
{%- endmacro %}

{#- The from_json structure of `fields`, as JSON text. -#}
{% macro json_fields_type(fields) -%}
    {%- set tree = {} -%}
    {%- for field in fields -%}
        {%- set keys = field[0][2:].split('.') -%}
        {%- set node = namespace(value=tree) -%}
        {%- for key in keys -%}
            {%- if loop.last -%}
                {%- if key in node.value -%}
                    {{ exceptions.raise_compiler_error('json_get_fields: ' ~ field[0] ~ ' read twice or through') }}
                {%- endif -%}
                {%- do node.value.update({key: 'JSON' if field[1] == 'json' else 'VARCHAR'}) -%}
            {%- else -%}
                {%- if key not in node.value -%}{%- do node.value.update({key: {}}) -%}{%- endif -%}
                {%- if node.value[key] is string -%}
                    {{ exceptions.raise_compiler_error(
                        'json_get_fields: ' ~ field[0] ~ ' read through a field'
                    ) }}
                {%- endif -%}
                {%- set node.value = node.value[key] -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(tojson(tree)) }}
{%- endmacro %}

{#- Field `path` of a json_get_fields record. -#}
{% macro json_field(record, fields, path) -%}
    {{ return(adapter.dispatch('json_field', 'hook_patterns')(record, fields, path)) }}
{%- endmacro %}

{% macro default__json_field(record, fields, path) -%}
    {%- set found = namespace(position=none, kind=none) -%}
    {%- for field in fields -%}
        {%- if field[0] == path -%}
            {%- set found.position = loop.index -%}{%- set found.kind = field[1] -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found.position is none -%}
        {{ exceptions.raise_compiler_error('json_field: ' ~ path ~ ' is not a field') }}
    {%- endif -%}
    {%- if found.kind == 'json' -%}
        {{ hook_patterns.json_item(record, found.position) }}
    {%- else -%}
        {{ hook_patterns.json_item_text(record, found.position) }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__json_field(record, fields, path) -%}
    {%- set known = [] -%}
    {%- for field in fields -%}{%- do known.append(field[0]) -%}{%- endfor -%}
    {%- if path not in known -%}
        {{ exceptions.raise_compiler_error('json_field: ' ~ path ~ ' is not a field') }}
    {%- endif -%}
    {{ record }}{% for key in path[2:].split('.') %}['{{ key }}']{% endfor %}
{%- endmacro %}


{#- A CTE referenced several times that is cheaper to compute again than to store: each
    reference reads only the columns it needs (`with x as {{ not_materialized() }} (...)`).
    DuckDB materializes such CTEs by default; Spark takes no hint. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}


{#- A 64-bit hash of `expr`, to find the few repeated values of a column in a narrow
    aggregate before comparing them exactly (collisions only add candidates). -#}
{% macro lookup_hash(expr) -%}
    {{ return(adapter.dispatch('lookup_hash', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__lookup_hash(expr) -%}
    xxhash64({{ expr }})
{%- endmacro %}

{% macro duckdb__lookup_hash(expr) -%}
    hash({{ expr }})
{%- endmacro %}
