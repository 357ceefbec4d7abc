{#- Generic test (dbt_utils' shape): fails on every row where `expression` is not true.
    `where` in the test config narrows the rows checked. Usable on a model or a column:
      data_tests:
        - expression_is_true:
            arguments:
              expression: "ended_at >= started_at" -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
