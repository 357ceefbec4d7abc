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
