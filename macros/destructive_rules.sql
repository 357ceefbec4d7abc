{#- Whether a destructive rule matches a text: `match_regex` matches and `unless_regex`
    (when set) does not. `rules` is the relation holding the rules (the model's
    ref('destructive_rules')); the other arguments are SQL expressions of the joined row. -#}
{% macro destructive_rule_matches(text, match_regex, unless_regex, rules) -%}
    {%- set implementation = adapter.dispatch('destructive_rule_matches', 'hook_patterns') -%}
    {{ return(implementation(text, match_regex, unless_regex, rules)) }}
{%- endmacro %}

{#- The table-driven test: the patterns come from the joined row's columns. -#}
{% macro default__destructive_rule_matches(text, match_regex, unless_regex, rules) -%}
    {{ hook_patterns.regex_matches(text, match_regex) }}
        and not coalesce({{ hook_patterns.regex_matches(text, unless_regex) }}, false)
{%- endmacro %}

{#- DuckDB compiles a pattern that comes from a column once per row (at 1M events the
    table-driven test took 107 s for 468k text-rule pairs; the same patterns as literals
    0.03 s). So the seed's rows are read when the model compiles and each distinct
    (match_regex, unless_regex) becomes a `case` branch with literal patterns, taken only
    when the joined row carries exactly those patterns: a row whose patterns differ from
    the ones read (a changed seed, a unit test's given rows) falls to the `else` branch,
    which is the table-driven test, so the result is the same either way. The seed is
    read only when it is a real table (not at parse time, not in a unit test, whose
    ref() is a fixture CTE, not before the seed is built). -#}
{% macro duckdb__destructive_rule_matches(text, match_regex, unless_regex, rules) -%}
    {%- set table_driven = hook_patterns.default__destructive_rule_matches(
        text, match_regex, unless_regex, rules
    ) -%}
    {%- set rule_patterns = hook_patterns.destructive_rule_patterns(rules) -%}
    {%- if rule_patterns | length == 0 -%}
        {{ table_driven }}
    {%- else -%}
        case
            {%- for patterns in rule_patterns %}
            {%- set match_literal = hook_patterns.sql_string_literal(patterns[0]) %}
            {%- if patterns[1] is none %}
            when {{ match_regex }} = {{ match_literal }} and {{ unless_regex }} is null
                then {{ hook_patterns.regex_matches(text, match_literal) }}
            {%- else %}
            {%- set unless_literal = hook_patterns.sql_string_literal(patterns[1]) %}
            when {{ match_regex }} = {{ match_literal }} and {{ unless_regex }} = {{ unless_literal }}
                then {{ hook_patterns.regex_matches(text, match_literal) }}
                and not coalesce({{ hook_patterns.regex_matches(text, unless_literal) }}, false)
            {%- endif %}
            {%- endfor %}
            else {{ table_driven }}
        end
    {%- endif -%}
{%- endmacro %}

{#- The distinct (match_regex, unless_regex) pairs of the rules table, an empty unless as
    none; an empty list when the table cannot be read as a built table now. -#}
{% macro destructive_rule_patterns(rules) -%}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if rules.identifier is none or rules.identifier.startswith('__dbt__cte__') -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(
        database=rules.database, schema=rules.schema, identifier=rules.identifier
    ) -%}
    {%- if existing is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct match_regex, nullif(unless_regex, '') as unless_regex
        from {{ existing }}
        where match_regex is not null
        order by 1, 2
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set patterns = [] -%}
    {%- for row in rows -%}
        {%- do patterns.append([row[0], row[1]]) -%}
    {%- endfor -%}
    {{ return(patterns) }}
{%- endmacro %}

{#- A standard SQL string literal of `value` (quotes doubled; DuckDB keeps backslashes). -#}
{% macro sql_string_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
