{#-
    Groups the day's candidates into families, so that one habit is one row in the
    review queue: follows the links of int_pattern_family_explainers to their end, and
    adds the extension rule. The rules are documented in int_pattern_families.yml.
-#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set max_extension_share = var('hook_patterns_family_max_extension_share') -%}
{%- set min_extension_surprise_p = var('hook_patterns_family_min_extension_surprise_p') -%}
{#- each resolution pass follows one more link; a chain is at most two links per length -#}
{%- set resolution_passes = 2 * max_length -%}

with

explainers_chosen as (

    select * from {{ ref('int_pattern_family_explainers') }}

),

markov_surprise as (

    select * from {{ ref('int_pattern_markov_surprise') }}

),

{#- Follow the links to the end: head(p) = head(explained_by(p)). Each link either
    lengthens the pattern or moves a repetition to its cycle, whose representative never
    links back to its own repetitions, so chains end within 2 links per length. -#}
{{ follow_links('explainers_chosen', 'explained_by_pattern_id', 'cycle_coverage_heads', resolution_passes) }},

sub_patterns_listed as (

    -- the prefix and the suffix of every candidate of 3+ steps, one row each (so the
    -- habits below are found by an equi-join)
    select
        explainers_chosen.pattern_id,
        explainers_chosen.pattern_length,
        explainers_chosen.window_occurrence_count,
        explainers_chosen.prefix_sequence as sub_sequence
    from explainers_chosen
    where explainers_chosen.pattern_length >= 3

    union all

    select
        explainers_chosen.pattern_id,
        explainers_chosen.pattern_length,
        explainers_chosen.window_occurrence_count,
        explainers_chosen.suffix_sequence as sub_sequence
    from explainers_chosen
    where explainers_chosen.pattern_length >= 3

),

extensions_ranked as (

    -- A family head of k steps that only adds a step to a shorter habit (its prefix or
    -- suffix) is explained by that habit's family when it holds a small share of the
    -- habit's occurrences and its count is what the habit and its neighbour predict
    -- (the surprise of int_pattern_markov_surprise is not significant): `W→Glob`,
    -- a planted workflow W followed by whatever came next, is W's, not a habit.
    select
        sub_patterns_listed.pattern_id,
        habit_heads.family_head_pattern_id as explained_by_pattern_id,
        row_number() over (
            partition by sub_patterns_listed.pattern_id
            order by habits.window_occurrence_count desc, habits.pattern_id asc
        ) as extension_rank
    from sub_patterns_listed
    inner join cycle_coverage_heads as own_heads
        on sub_patterns_listed.pattern_id = own_heads.pattern_id
        and own_heads.family_head_pattern_id = sub_patterns_listed.pattern_id
    inner join markov_surprise
        on sub_patterns_listed.pattern_id = markov_surprise.pattern_id
    inner join explainers_chosen as habits
        on sub_patterns_listed.sub_sequence = habits.tool_sequence
    inner join cycle_coverage_heads as habit_heads
        on habits.pattern_id = habit_heads.pattern_id
    inner join explainers_chosen as habit_head_patterns
        on habit_heads.family_head_pattern_id = habit_head_patterns.pattern_id
    where sub_patterns_listed.window_occurrence_count
        < {{ max_extension_share }} * habits.window_occurrence_count
        and markov_surprise.surprise_p_value > {{ min_extension_surprise_p }}
        -- links only go to shorter heads, so they never loop
        and habit_head_patterns.pattern_length < sub_patterns_listed.pattern_length

),

explainers_extended as (

    select
        explainers_chosen.pattern_id,
        coalesce(explainers_chosen.explained_by_pattern_id, extensions_ranked.explained_by_pattern_id)
            as explained_by_pattern_id,
        coalesce(
            explainers_chosen.explained_reason,
            case when extensions_ranked.explained_by_pattern_id is not null then 'extends_pattern' end
        ) as explained_reason
    from explainers_chosen
    left join extensions_ranked
        on explainers_chosen.pattern_id = extensions_ranked.pattern_id
        and extensions_ranked.extension_rank = 1

),

{{ follow_links('explainers_extended', 'explained_by_pattern_id', 'family_heads', resolution_passes) }},

families_counted as (

    select
        family_heads.family_head_pattern_id,
        count(*) as family_pattern_count
    from family_heads
    group by family_heads.family_head_pattern_id

),

final as (

    select
        explainers_chosen.pattern_id,
        explainers_chosen.tool_sequence,
        explainers_chosen.pattern_length,
        explainers_chosen.period_length,
        explainers_chosen.is_periodic,
        explainers_chosen.cycle_key,
        explainers_extended.explained_by_pattern_id,
        explainers_extended.explained_reason,
        explainers_chosen.explained_coverage_share,
        family_heads.family_head_pattern_id,
        family_heads.family_head_pattern_id = explainers_chosen.pattern_id as is_family_head,
        cast(coalesce(families_counted.family_pattern_count, 0) as bigint) as family_pattern_count
    from explainers_chosen
    inner join explainers_extended
        on explainers_chosen.pattern_id = explainers_extended.pattern_id
    inner join family_heads
        on explainers_chosen.pattern_id = family_heads.pattern_id
    left join families_counted
        on explainers_chosen.pattern_id = families_counted.family_head_pattern_id

)

select * from final
