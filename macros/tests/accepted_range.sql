{#- Generic test (dbt_utils' shape): fails on every non-null value outside
    [min_value, max_value] (either bound may be omitted; `inclusive` false excludes them). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- set conditions = [] -%}
    {%- if min_value is not none -%}
        {%- do conditions.append(column_name ~ (' < ' if inclusive else ' <= ') ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do conditions.append(column_name ~ (' > ' if inclusive else ' >= ') ~ max_value) -%}
    {%- endif %}

    select *
    from {{ model }}
    where {{ column_name }} is not null
        and ({{ conditions | join(' or ') if conditions else 'false' }})

{% endtest %}
