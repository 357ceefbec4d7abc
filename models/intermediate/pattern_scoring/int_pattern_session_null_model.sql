{#-
    Expected evidence-window count of every candidate pattern of the day under the null
    model "the order of the tool calls inside each session is random": each session keeps
    its own calls (its make-up, its segments' sizes); only their order is left to chance.
    The day's window decides the candidates; the counts, observed and expected, cover the
    evidence window (var hook_patterns_evidence_days days ending with it). This is the null
    of a permutation test that shuffles the calls inside each session (SPEck, ProMiSe),
    computed in closed form. The rules are documented in int_pattern_session_null_model.yml.
-#}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}

with

evidence_counts as (

    -- one row per candidate of the day
    select * from {{ ref('int_pattern_evidence_counts') }}

),

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

tool_steps as (

    -- the steps from the evidence window's start on
    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_evidence_start_at() }}

),

pattern_signatures as (

    select * from {{ ref('int_pattern_window_signatures') }}

),

signature_counts as (

    select * from {{ ref('int_session_signature_counts') }}

),

candidates as (

    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        evidence_counts.evidence_occurrence_count
    from window_patterns
    inner join evidence_counts
        on window_patterns.pattern_id = evidence_counts.pattern_id
    where window_patterns.is_candidate

),

steps_in_evidence_window as (

    select
        tool_steps.session_id,
        tool_steps.segment_id,
        tool_steps.tool_signature,
        tool_steps.call_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap

),

session_signatures_counted as (

    -- c(u, s): the calls of session u with signature s
    select
        signature_counts.session_id,
        signature_counts.tool_signature,
        signature_counts.signature_call_count
    from signature_counts

),

sessions_counted as (

    -- n(u): the calls of session u in the evidence window
    select distinct
        signature_counts.session_id,
        signature_counts.session_call_count
    from signature_counts

),

segments_counted as (

    select
        steps_in_evidence_window.session_id,
        steps_in_evidence_window.segment_id,
        sum(steps_in_evidence_window.call_count) as segment_call_count
    from steps_in_evidence_window
    group by steps_in_evidence_window.session_id, steps_in_evidence_window.segment_id

),

pattern_lengths_listed as (

    select distinct candidates.pattern_length
    from candidates

),

session_start_positions_counted as (

    -- N_k(u): the call positions of session u where a length-k pattern can start,
    -- summed over its segments (an occurrence never crosses a segment boundary)
    select
        segments_counted.session_id,
        pattern_lengths_listed.pattern_length,
        sum(
            greatest(segments_counted.segment_call_count - pattern_lengths_listed.pattern_length + 1, 0)
        ) as start_position_count
    from segments_counted
    cross join pattern_lengths_listed
    group by segments_counted.session_id, pattern_lengths_listed.pattern_length

),

pattern_steps_numbered as (

    -- earlier_use_count: how many earlier positions of the pattern have the same
    -- signature (A→B→A draws its second A from one call fewer)
    select
        pattern_signatures.*,
        row_number() over (
            partition by pattern_signatures.pattern_id, pattern_signatures.tool_signature
            order by pattern_signatures.step_position
        ) - 1 as earlier_use_count
    from pattern_signatures

),

patterns_pivoted as (

    select
        pattern_steps_numbered.pattern_id,
        min(pattern_steps_numbered.pattern_length) as pattern_length,
        {%- for position in range(1, max_length + 1) %}
        max(case when pattern_steps_numbered.step_position = {{ position }}
            then pattern_steps_numbered.tool_signature end) as signature_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from pattern_steps_numbered
    group by pattern_steps_numbered.pattern_id

),

pattern_prefixes_keyed as (

    -- Each position's prefix (the pattern's first j signatures) as a key: patterns that
    -- start alike share the work of their common prefix below.
    {%- for position in range(1, max_length + 1) %}
    select
        patterns_pivoted.pattern_id,
        {{ position }} as step_position,
        concat_ws(
            '→'
            {%- for prefix_position in range(1, position + 1) %},
            patterns_pivoted.signature_{{ prefix_position }}
            {%- endfor %}
        ) as prefix_key,
        {%- if position == 1 %}
        cast(null as {{ dbt.type_string() }}) as parent_prefix_key
        {%- else %}
        concat_ws(
            '→'
            {%- for prefix_position in range(1, position) %},
            patterns_pivoted.signature_{{ prefix_position }}
            {%- endfor %}
        ) as parent_prefix_key
        {%- endif %}
    from patterns_pivoted
    where patterns_pivoted.pattern_length >= {{ position }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

pattern_steps_keyed as (

    select
        pattern_steps_numbered.*,
        pattern_prefixes_keyed.prefix_key,
        pattern_prefixes_keyed.parent_prefix_key
    from pattern_steps_numbered
    inner join pattern_prefixes_keyed
        on pattern_steps_numbered.pattern_id = pattern_prefixes_keyed.pattern_id
        and pattern_steps_numbered.step_position = pattern_prefixes_keyed.step_position

),

prefix_steps_listed as (

    -- the prefixes that longer patterns continue: every position but a pattern's last
    select distinct
        pattern_steps_keyed.prefix_key,
        pattern_steps_keyed.parent_prefix_key,
        pattern_steps_keyed.step_position,
        pattern_steps_keyed.tool_signature,
        pattern_steps_keyed.earlier_use_count
    from pattern_steps_keyed
    where pattern_steps_keyed.step_position < pattern_steps_keyed.pattern_length

),

{#- Q_j(prefix, u): the chance that a call of session u starts the prefix's j steps, the
    product of the factors in position order (so every run gives the same last bit),
    prefix by prefix; a session lacking one of the signatures has no row: the pattern
    cannot occur there by chance. -#}
{%- for position in range(1, max_length) %}

prefix_probabilities_{{ position }} as (

    select
        prefix_steps_listed.prefix_key,
        session_signatures_counted.session_id,
        {%- if position == 1 %}
        {{ session_draw_share('prefix_steps_listed', 'session_signatures_counted', 'sessions_counted') }}
        {%- else %}
        parent_prefixes.prefix_probability
        * ({{ session_middle_factor(
            'prefix_steps_listed', 'session_signatures_counted', 'sessions_counted', collapse
        ) }})
        {%- endif %} as prefix_probability
    from prefix_steps_listed
    {%- if position > 1 %}
    inner join prefix_probabilities_{{ position - 1 }} as parent_prefixes
        on prefix_steps_listed.parent_prefix_key = parent_prefixes.prefix_key
    inner join session_signatures_counted
        on parent_prefixes.session_id = session_signatures_counted.session_id
        and prefix_steps_listed.tool_signature = session_signatures_counted.tool_signature
    {%- else %}
    inner join session_signatures_counted
        on prefix_steps_listed.tool_signature = session_signatures_counted.tool_signature
    {%- endif %}
    inner join sessions_counted
        on session_signatures_counted.session_id = sessions_counted.session_id
    where prefix_steps_listed.step_position = {{ position }}
        and session_signatures_counted.signature_call_count > prefix_steps_listed.earlier_use_count
        and sessions_counted.session_call_count > prefix_steps_listed.step_position

),
{%- endfor %}

prefix_probabilities as (

    {%- for position in range(1, max_length) %}
    select
        prefix_key,
        session_id,
        prefix_probability
    from prefix_probabilities_{{ position }}
    where prefix_probability > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

session_probabilities_multiplied as (

    -- P_u(pattern) = Q_(k−1)(prefix, u) · the draw of the last step
    select
        pattern_steps_keyed.pattern_id,
        pattern_steps_keyed.pattern_length,
        prefix_probabilities.session_id,
        prefix_probabilities.prefix_probability
        * ({{ session_draw_share('pattern_steps_keyed', 'session_signatures_counted', 'sessions_counted') }})
            as sequence_probability
    from pattern_steps_keyed
    inner join prefix_probabilities
        on pattern_steps_keyed.parent_prefix_key = prefix_probabilities.prefix_key
    inner join session_signatures_counted
        on prefix_probabilities.session_id = session_signatures_counted.session_id
        and pattern_steps_keyed.tool_signature = session_signatures_counted.tool_signature
    inner join sessions_counted
        on prefix_probabilities.session_id = sessions_counted.session_id
    where pattern_steps_keyed.step_position = pattern_steps_keyed.pattern_length
        and session_signatures_counted.signature_call_count > pattern_steps_keyed.earlier_use_count
        and sessions_counted.session_call_count >= pattern_steps_keyed.pattern_length

),

expected_counts_summed as (

    select
        session_probabilities_multiplied.pattern_id,
        count(*) as null_session_count,
        -- an exact decimal sum: the same last bit whatever the order of the sessions
        cast(sum(cast(
            session_start_positions_counted.start_position_count
            * session_probabilities_multiplied.sequence_probability
            as decimal(38, 18)
        )) as double) as expected_count
    from session_probabilities_multiplied
    inner join session_start_positions_counted
        on session_probabilities_multiplied.session_id = session_start_positions_counted.session_id
        and session_probabilities_multiplied.pattern_length = session_start_positions_counted.pattern_length
    group by session_probabilities_multiplied.pattern_id

),

final as (

    select
        candidates.pattern_id,
        candidates.evidence_occurrence_count,
        cast(coalesce(expected_counts_summed.null_session_count, 0) as bigint) as null_session_count,
        cast(coalesce(expected_counts_summed.expected_count, 0.0) as double) as expected_count,
        cast({{ poisson_upper_tail(
            'candidates.evidence_occurrence_count',
            'coalesce(expected_counts_summed.expected_count, 0.0)'
        ) }} as double) as p_value
    from candidates
    left join expected_counts_summed
        on candidates.pattern_id = expected_counts_summed.pattern_id

)

select * from final
