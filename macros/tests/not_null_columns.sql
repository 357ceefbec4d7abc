{#- Generic test, on a model: fails on every row where one of `columns` is null; each
    failing row names its null columns (null_columns). One scan for all of a model's
    required columns: a `not_null` test per column is a dbt node each, and at this
    project's sizes dbt's own work per node (compiling, logging, a connection round
    trip: about 30 ms) costs more than the scan.
      data_tests:
        - not_null_columns:
            arguments:
              columns: [session_id, started_at] -#}
{% test not_null_columns(model, columns) %}

select
    concat_ws(
        ', ',
        {%- for column in columns %}
        case when {{ column }} is null then '{{ column }}' end{{ ',' if not loop.last }}
        {%- endfor %}
    ) as null_columns
from {{ model }}
where
    {%- for column in columns %}
    {{ 'or ' if not loop.first }}{{ column }} is null
    {%- endfor %}

{% endtest %}
