{#-
    Benjamini–Hochberg adjustment of the candidates' p-values, across every pattern
    observed in the window. Patterns below the candidate threshold are untested
    hypotheses and enter with p = 1 (conservative: they raise m without claiming a
    discovery). The p-values are those of the null model that var
    hook_patterns_null_model names: the session model tests the evidence window's
    counts, the global one the day's window.
-#}

{%- set null_model_name = var('hook_patterns_null_model') | string | lower -%}
{%- if null_model_name not in ['session', 'global'] -%}
    {{ exceptions.raise_compiler_error(
        "var hook_patterns_null_model must be 'session' or 'global', not '" ~ null_model_name ~ "'"
    ) }}
{%- endif -%}

with

global_null_model as (

    select * from {{ ref('int_pattern_global_null_model') }}

),

session_null_model as (

    select * from {{ ref('int_pattern_session_null_model') }}

),

hypotheses_listed as (

    select
        global_null_model.pattern_id,
        global_null_model.is_candidate,
        {%- if null_model_name == 'session' %}
        session_null_model.evidence_occurrence_count as observed_count,
        {{ analysis_evidence_start_at() }} as observed_since_at,
        session_null_model.expected_count,
        coalesce(session_null_model.p_value, 1.0) as p_value,
        {%- else %}
        global_null_model.window_occurrence_count as observed_count,
        {{ analysis_window_start_at() }} as observed_since_at,
        global_null_model.expected_count,
        global_null_model.p_value,
        {%- endif %}
        case
            when not global_null_model.is_candidate then 1.0
            {%- if null_model_name == 'session' %}
            else coalesce(session_null_model.p_value, 1.0)
            {%- else %}
            else global_null_model.p_value
            {%- endif %}
        end as tested_p_value
    from global_null_model
    left join session_null_model
        on global_null_model.pattern_id = session_null_model.pattern_id

),

hypotheses_ranked as (

    select
        hypotheses_listed.*,
        row_number() over (
            order by hypotheses_listed.tested_p_value, hypotheses_listed.pattern_id
        ) as p_value_rank,
        count(*) over () as hypothesis_count
    from hypotheses_listed

),

p_values_adjusted as (

    -- adjusted p_(i) = min(1, min over j >= i of m * p_(j) / j): a running minimum from
    -- the largest p-value down. Tied p-values get the same adjusted value. Only the
    -- p-values below 1 take part: they rank first, and a term with p = 1 is m / j >= 1,
    -- which the outer min(1, …) absorbs, so every other hypothesis gets 1. Most window
    -- patterns are no candidates (p = 1), so the ordered window is several times smaller.
    select
        hypotheses_ranked.pattern_id,
        least(1.0, min(
            hypotheses_ranked.hypothesis_count * hypotheses_ranked.tested_p_value
            / hypotheses_ranked.p_value_rank
        ) over (
            order by hypotheses_ranked.p_value_rank
            rows between current row and unbounded following
        )) as adjusted_p_value
    from hypotheses_ranked
    where hypotheses_ranked.tested_p_value < 1.0

),

hypotheses_adjusted as (

    select
        hypotheses_ranked.*,
        coalesce(p_values_adjusted.adjusted_p_value, 1.0) as adjusted_p_value
    from hypotheses_ranked
    left join p_values_adjusted
        on hypotheses_ranked.pattern_id = p_values_adjusted.pattern_id

),

final as (

    select
        hypotheses_adjusted.pattern_id,
        hypotheses_adjusted.is_candidate,
        cast(hypotheses_adjusted.observed_count as bigint) as observed_count,
        cast(hypotheses_adjusted.observed_since_at as timestamp) as observed_since_at,
        cast(hypotheses_adjusted.expected_count as double) as expected_count,
        cast(hypotheses_adjusted.p_value as double) as p_value,
        cast(hypotheses_adjusted.tested_p_value as double) as tested_p_value,
        cast(hypotheses_adjusted.p_value_rank as bigint) as p_value_rank,
        cast(hypotheses_adjusted.hypothesis_count as bigint) as hypothesis_count,
        cast(hypotheses_adjusted.adjusted_p_value as double) as adjusted_p_value,
        cast(greatest(0.0, least(1.0, 1.0 - hypotheses_adjusted.adjusted_p_value)) as double)
            as confidence_score
    from hypotheses_adjusted

)

select * from final
