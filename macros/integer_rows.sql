{#- The integers of range(start, stop) as rows of one column `column_name` (the step
    offsets of a pattern, the pattern lengths of the configuration…). -#}
{% macro integer_rows(column_name, start, stop) -%}
    {%- for value in range(start, stop) %}
    select {{ value }} as {{ column_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
