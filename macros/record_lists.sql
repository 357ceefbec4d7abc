{#- Lists of records: several columns of a group gathered in one ordered list.

    `list(x order by k)` on DuckDB buffers and sorts every group once per ordered
    aggregate; int_tool_steps_sequenced needed three of them and they cost most of its
    time. One unordered list of records whose first field is the order key, sorted once
    per group, gives every column in the same order for a fraction of that. -#}

{#- Aggregate: one record per row with the fields `{'name': 'expr', …}`, as a list in
    `order_by` order (`order_by` must be unique within a group: it is compared first,
    and only a tie would compare the other fields). -#}
{% macro agg_records_ordered(fields, order_by) -%}
    {{ return(adapter.dispatch('agg_records_ordered', 'hook_patterns')(fields, order_by)) }}
{%- endmacro %}

{% macro duckdb__agg_records_ordered(fields, order_by) -%}
    {%- set parts = ['sort_key := ' ~ order_by] -%}
    {%- for name, expr in fields.items() -%}{%- do parts.append(name ~ ' := ' ~ expr) -%}{%- endfor -%}
    list_sort(list(struct_pack({{ parts | join(', ') }})))
{%- endmacro %}

{% macro default__agg_records_ordered(fields, order_by) -%}
    {%- set parts = ["'sort_key', " ~ order_by] -%}
    {%- for name, expr in fields.items() -%}{%- do parts.append("'" ~ name ~ "', " ~ expr) -%}{%- endfor -%}
    array_sort(collect_list(named_struct({{ parts | join(', ') }})))
{%- endmacro %}


{#- The list of one field of each record of a list of records (same order). -#}
{% macro records_field(records, field) -%}
    {{ return(adapter.dispatch('records_field', 'hook_patterns')(records, field)) }}
{%- endmacro %}

{% macro duckdb__records_field(records, field) -%}
    list_transform({{ records }}, record -> record.{{ field }})
{%- endmacro %}

{% macro default__records_field(records, field) -%}
    transform({{ records }}, record -> record.{{ field }})
{%- endmacro %}


{#- `field` of the first record of a list whose boolean field `condition` is true (null
    when there is none). -#}
{% macro records_first_where(records, condition, field) -%}
    {{ return(adapter.dispatch('records_first_where', 'hook_patterns')(records, condition, field)) }}
{%- endmacro %}

{% macro duckdb__records_first_where(records, condition, field) -%}
    struct_extract(list_extract(list_filter({{ records }}, record -> record.{{ condition }}), 1), '{{ field }}')
{%- endmacro %}

{% macro default__records_first_where(records, condition, field) -%}
    element_at(filter({{ records }}, record -> record.{{ condition }}), 1).{{ field }}
{%- endmacro %}
