{#- Text literals on Spark, whose parser reads a backslash in a string literal as an
    escape (`'\d'` is `d`).

    dbt-spark's spark__escape_single_quotes escapes quotes only, so a unit-test fixture
    holding a backslash (JSON text with `\"`, a regular expression) reached Spark
    changed. This override (the root project's macros come first in dispatch) escapes
    both, and every literal built from a value goes through it. -#}
{% macro spark__escape_single_quotes(expression) -%}
    {{- expression | replace("\\", "\\\\") | replace("'", "\\'") -}}
{%- endmacro %}


{#- Seeds on Spark: rows written as SQL literals.

    dbt-spark's session method formats each value into the INSERT as '<value>' without
    escaping, so an empty cell arrives as the text 'None' and a backslash in a regular
    expression is read by Spark's parser as an escape. This override of dbt-spark's
    spark__load_csv_rows (dispatch looks in the root project first) writes a null as
    null and escapes backslashes and quotes, so the seeds' rules reach Spark exactly as
    the CSV files hold them. -#}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set column_name = agate_table.column_names[loop.index0] -%}
                    {%- set column_type = column_override.get(
                        column_name, adapter.convert_type(agate_table, loop.index0)
                    ) -%}
                    cast({{ hook_patterns.spark_value_literal(value) }} as {{ column_type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- A seed cell as a Spark SQL literal (agate gives None, booleans, Decimals or text). -#}
{% macro spark_value_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ spark__escape_single_quotes(value | string) }}'
    {%- endif -%}
{%- endmacro %}


{#- Unit-test fixtures on Spark: a list column given as text in DuckDB's list form,
    `"[c1, c2]"` (the one spelling the project's fixtures use), becomes
    `array('c1', 'c2')`, since Spark cannot cast text to an array; `null` items stay
    null. Any other value is cast as dbt-spark does. -#}
{% macro spark__safe_cast(field, type) -%}
    {%- set text = (field | string).strip() -%}
    {%- if field is string and (type | lower).startswith('array')
        and text[:2] == "'[" and text[-2:] == "]'" -%}
        {%- set items = [] -%}
        {%- for item in text[2:-2].split(',') if item.strip() -%}
            {%- do items.append('null' if item.strip() == 'null' else "'" ~ item.strip() ~ "'") -%}
        {%- endfor -%}
        cast(array({{ items | join(', ') }}) as {{ type }})
    {%- elif field is string and (type | lower).startswith(('array', 'struct', 'map')) -%}
        cast({{ field.strip('"').strip("'") }} as {{ type }})
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
