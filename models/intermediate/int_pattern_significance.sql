{#-
    Benjamini–Hochberg adjustment of the window p-values, across every pattern observed
    in the window. Patterns below the candidate threshold are untested hypotheses and
    enter with p = 1 (conservative: they raise m without claiming a discovery).
-#}

with

null_model as (

    select * from {{ ref('int_pattern_null_model') }}

),

hypotheses_listed as (

    select
        null_model.pattern_id,
        null_model.is_candidate,
        null_model.p_value,
        case when null_model.is_candidate then null_model.p_value else 1.0 end as tested_p_value
    from null_model

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
    -- the largest p-value down. Tied p-values get the same adjusted value.
    select
        hypotheses_ranked.*,
        least(1.0, min(
            hypotheses_ranked.hypothesis_count * hypotheses_ranked.tested_p_value
            / hypotheses_ranked.p_value_rank
        ) over (
            order by hypotheses_ranked.p_value_rank
            rows between current row and unbounded following
        )) as adjusted_p_value
    from hypotheses_ranked

),

final as (

    select
        p_values_adjusted.pattern_id,
        p_values_adjusted.is_candidate,
        cast(p_values_adjusted.p_value as double) as p_value,
        cast(p_values_adjusted.tested_p_value as double) as tested_p_value,
        cast(p_values_adjusted.p_value_rank as bigint) as p_value_rank,
        cast(p_values_adjusted.hypothesis_count as bigint) as hypothesis_count,
        cast(p_values_adjusted.adjusted_p_value as double) as adjusted_p_value,
        cast(greatest(0.0, least(1.0, 1.0 - p_values_adjusted.adjusted_p_value)) as double)
            as confidence_score
    from p_values_adjusted

)

select * from final
