{#- The draws of int_pattern_session_null_model, for a pattern position (`steps`:
    step_position, earlier_use_count) in a session (`counts`: signature_call_count of the
    position's signature; `sessions`: session_call_count). -#}

{#- The chance that a call drawn there has the position's signature, drawing the
    session's calls without replacement: f = (c − earlier uses) / (n − position + 1).
    When repeated calls collapse into one step, a middle position is a run of one or
    more calls of its signature (the pattern's next step is the first different call):
    its factor is f / (1 − f′), f′ the chance that the next call repeats the signature. -#}
{% macro session_draw_share(steps, counts, sessions) -%}
    cast({{ counts }}.signature_call_count - {{ steps }}.earlier_use_count as double)
    / ({{ sessions }}.session_call_count - {{ steps }}.step_position + 1)
{%- endmacro %}
{% macro session_middle_factor(steps, counts, sessions, collapse) -%}
    {%- if collapse -%}
    case
        when cast({{ counts }}.signature_call_count - {{ steps }}.earlier_use_count - 1 as double)
            >= {{ sessions }}.session_call_count - {{ steps }}.step_position then 0.0
        else ({{ session_draw_share(steps, counts, sessions) }})
            / (1.0 - cast({{ counts }}.signature_call_count - {{ steps }}.earlier_use_count - 1 as double)
                / ({{ sessions }}.session_call_count - {{ steps }}.step_position))
    end
    {%- else -%}
    {{ session_draw_share(steps, counts, sessions) }}
    {%- endif -%}
{%- endmacro %}

{#- A (session, signature) pair of dense codes packed in one BIGINT (sessions below 2^32):
    the per-session rows of the null model join their counts on one integer. -#}
{% macro session_signature_key(session_code, signature_code) -%}
    (cast({{ signature_code }} as bigint) * 4294967296 + {{ session_code }})
{%- endmacro %}

{#- The columns of int_session_null_inputs the sums read, of `inputs` (a relation or
    CTE name): the current inputs and the previous ones are read alike. -#}
{% macro session_null_input_columns(inputs) -%}
    {%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
    {{ inputs }}.session_id,
    {{ inputs }}.tool_signature,
    {{ inputs }}.signature_call_count,
    {{ inputs }}.session_call_count,
    {%- for length in range(1, max_length + 1) %}
    {{ inputs }}.start_position_count_{{ length }},
    {%- endfor %}
    {{ inputs }}.session_inputs_hash
{%- endmacro %}

{#- The inputs the stored sums of int_pattern_session_null_sums were computed from
    (int_session_null_inputs_applied, the copy the previous run left), or none when there
    is none yet. Read without a ref: that model runs after the sums, so that the sums read
    the previous run's copy. -#}
{% macro session_null_previous_inputs() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=this.database, schema=this.schema, identifier='int_session_null_inputs_applied'
    )) }}
{%- endmacro %}

{#- The config of int_pattern_session_null_sums. Where rows can be deleted (DuckDB), it
    is incremental: a run writes a row per candidate (delete+insert on pattern_id), and
    the post-hook deletes the rows it did not write (patterns that are no longer
    candidates, whose sums the run did not bring up to date). Spark can only overwrite
    partitions: there it is a table computed whole. -#}
{% macro session_null_sums_config() -%}
    {{ return(adapter.dispatch('session_null_sums_config', 'hook_patterns')()) }}
{%- endmacro %}

{% macro default__session_null_sums_config() -%}
    {#- rendered when the hook runs -#}
    {%- set prune -%}{% raw %}
        delete from {{ this }} where sums_version <> '{{ invocation_id }}'
    {% endraw %}{%- endset -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'pattern_id',
        'on_schema_change': 'fail',
        'post_hook': [prune],
    }) }}
{%- endmacro %}

{% macro spark__session_null_sums_config() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}
