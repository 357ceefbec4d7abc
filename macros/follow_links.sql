{#- CTEs `<name>_0` … `<name>` that follow a link column (`explained_by_pattern_id`)
    from every row of `relation` to the end of its chain: one row per pattern_id with
    its `family_head_pattern_id` (itself when it has no link). `passes` bounds the chain
    length; the caller guarantees that links never loop. -#}
{% macro follow_links(relation, link_column, name, passes) -%}
{{ name }}_0 as (

    select
        {{ relation }}.pattern_id,
        coalesce({{ relation }}.{{ link_column }}, {{ relation }}.pattern_id) as family_head_pattern_id
    from {{ relation }}

),
{%- for pass in range(1, passes + 1) %}

{{ name }}{{ '_' ~ pass if not loop.last }} as (

    select
        {{ name }}_{{ pass - 1 }}.pattern_id,
        coalesce(next_links.family_head_pattern_id, {{ name }}_{{ pass - 1 }}.family_head_pattern_id)
            as family_head_pattern_id
    from {{ name }}_{{ pass - 1 }}
    left join {{ name }}_0 as next_links
        on {{ name }}_{{ pass - 1 }}.family_head_pattern_id = next_links.pattern_id

){{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}
