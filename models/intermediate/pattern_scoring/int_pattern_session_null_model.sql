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

    -- pattern_code: a dense integer per candidate, the key of the per-session rows below
    select
        window_patterns.pattern_id,
        window_patterns.pattern_length,
        evidence_counts.evidence_occurrence_count,
        row_number() over (order by window_patterns.pattern_id) as pattern_code
    from window_patterns
    inner join evidence_counts
        on window_patterns.pattern_id = evidence_counts.pattern_id
    where window_patterns.is_candidate

),

signatures_coded as (

    -- Integer codes, each computed once on a small distinct set: the per-session work
    -- below (millions of rows at 2M events) joins, groups and hashes integers only.
    -- Here the signatures the candidates use (a few dozen; sessions' other signatures
    -- never enter a pattern's probability).
    select
        signatures_listed.tool_signature,
        row_number() over (order by signatures_listed.tool_signature) as signature_code
    from (
        select distinct pattern_signatures.tool_signature
        from pattern_signatures
    ) as signatures_listed

),

sessions_coded as (

    -- n(u): the calls of session u in the evidence window
    select
        sessions_listed.session_id,
        sessions_listed.session_call_count,
        row_number() over (order by sessions_listed.session_id) as session_code
    from (
        select distinct
            signature_counts.session_id,
            signature_counts.session_call_count
        from signature_counts
    ) as sessions_listed

),

session_signatures_counted as (

    -- c(u, s): the calls of session u with signature s, for the candidates' signatures,
    -- beside n(u); keyed by (u, s) packed in one BIGINT
    select
        {{ session_signature_key('sessions_coded.session_code', 'signatures_coded.signature_code') }}
            as session_signature_key,
        sessions_coded.session_code,
        signatures_coded.signature_code,
        signature_counts.signature_call_count,
        signature_counts.session_call_count
    from signature_counts
    inner join signatures_coded
        on signature_counts.tool_signature = signatures_coded.tool_signature
    inner join sessions_coded
        on signature_counts.session_id = sessions_coded.session_id

),

steps_in_evidence_window as (

    select
        tool_steps.session_id,
        tool_steps.segment_id,
        tool_steps.call_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap

),

segments_counted as (

    select
        steps_in_evidence_window.session_id,
        steps_in_evidence_window.segment_id,
        sum(steps_in_evidence_window.call_count) as segment_call_count
    from steps_in_evidence_window
    group by steps_in_evidence_window.session_id, steps_in_evidence_window.segment_id

),

sessions_start_positions_counted as (

    -- N_k(u), one column per pattern length k: the call positions of session u where a
    -- length-k pattern can start, summed over its segments (an occurrence never crosses
    -- a segment boundary)
    select
        segments_counted.session_id,
        {%- for length in range(1, max_length + 1) %}
        cast(sum(greatest(segments_counted.segment_call_count - {{ length }} + 1, 0)) as bigint)
            as start_position_count_{{ length }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from segments_counted
    group by segments_counted.session_id

),

session_last_signatures_counted as (

    -- what the last step of a pattern reads in a session: c(u, s), n(u) and N_k(u)
    select
        session_signatures_counted.session_signature_key,
        session_signatures_counted.signature_call_count,
        session_signatures_counted.session_call_count,
        {%- for length in range(1, max_length + 1) %}
        sessions_start_positions_counted.start_position_count_{{ length }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from session_signatures_counted
    inner join sessions_coded
        on session_signatures_counted.session_code = sessions_coded.session_code
    inner join sessions_start_positions_counted
        on sessions_coded.session_id = sessions_start_positions_counted.session_id

),

pattern_steps_numbered as (

    -- earlier_use_count: how many earlier positions of the pattern have the same
    -- signature (A→B→A draws its second A from one call fewer)
    select
        candidates.pattern_code,
        pattern_signatures.pattern_length,
        pattern_signatures.step_position,
        signatures_coded.signature_code,
        row_number() over (
            partition by candidates.pattern_code, signatures_coded.signature_code
            order by pattern_signatures.step_position
        ) - 1 as earlier_use_count
    from pattern_signatures
    inner join candidates
        on pattern_signatures.pattern_id = candidates.pattern_id
    inner join signatures_coded
        on pattern_signatures.tool_signature = signatures_coded.tool_signature

),

patterns_pivoted as (

    select
        pattern_steps_numbered.pattern_code,
        {%- for position in range(1, max_length + 1) %}
        max(case when pattern_steps_numbered.step_position = {{ position }}
            then pattern_steps_numbered.signature_code end) as signature_code_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from pattern_steps_numbered
    group by pattern_steps_numbered.pattern_code

),

pattern_prefixes_ranked as (

    -- prefix_rank_j: one number per distinct prefix of j steps (the pattern's first j
    -- signatures), so that patterns that start alike share the work of their common
    -- prefix below
    select
        patterns_pivoted.pattern_code,
        {%- for position in range(1, max_length + 1) %}
        dense_rank() over (
            order by
            {%- for prefix_position in range(1, position + 1) %}
                patterns_pivoted.signature_code_{{ prefix_position }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as prefix_rank_{{ position }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from patterns_pivoted

),

pattern_prefixes_keyed as (

    -- prefix_id: a prefix's rank among those of its length, and its length
    {%- for position in range(1, max_length + 1) %}
    select
        pattern_prefixes_ranked.pattern_code,
        {{ position }} as step_position,
        pattern_prefixes_ranked.prefix_rank_{{ position }} * {{ max_length + 1 }} + {{ position }}
            as prefix_id,
        {%- if position == 1 %}
        cast(null as bigint) as parent_prefix_id
        {%- else %}
        pattern_prefixes_ranked.prefix_rank_{{ position - 1 }} * {{ max_length + 1 }} + {{ position - 1 }}
            as parent_prefix_id
        {%- endif %}
    from pattern_prefixes_ranked
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

pattern_steps_keyed as (

    select
        pattern_steps_numbered.pattern_code,
        pattern_steps_numbered.pattern_length,
        pattern_steps_numbered.step_position,
        pattern_steps_numbered.signature_code,
        pattern_steps_numbered.earlier_use_count,
        pattern_prefixes_keyed.prefix_id,
        pattern_prefixes_keyed.parent_prefix_id
    from pattern_steps_numbered
    inner join pattern_prefixes_keyed
        on pattern_steps_numbered.pattern_code = pattern_prefixes_keyed.pattern_code
        and pattern_steps_numbered.step_position = pattern_prefixes_keyed.step_position

),

prefix_steps_listed as (

    -- the prefixes that longer patterns continue: every position but a pattern's last
    select distinct
        pattern_steps_keyed.prefix_id,
        pattern_steps_keyed.parent_prefix_id,
        pattern_steps_keyed.step_position,
        pattern_steps_keyed.signature_code,
        pattern_steps_keyed.earlier_use_count
    from pattern_steps_keyed
    where pattern_steps_keyed.step_position < pattern_steps_keyed.pattern_length

),

{#- Q_j(prefix, u): the chance that a call of session u starts the prefix's j steps, the
    product of the factors in position order (so every run gives the same last bit),
    prefix by prefix; a session lacking one of the signatures has no row: the pattern
    cannot occur there by chance. From j = 2 on, a prefix's rows are its parent's
    sessions (…_extended), which then look up c(u, s) and n(u) by their packed key:
    the per-session rows probe the small table of counts, and never the other way. -#}
{%- for position in range(1, max_length) %}
{%- if position > 1 %}

prefix_sessions_extended_{{ position }} as (

    select
        prefix_steps_listed.prefix_id,
        prefix_steps_listed.step_position,
        prefix_steps_listed.earlier_use_count,
        parent_prefixes.session_code,
        parent_prefixes.prefix_probability as parent_prefix_probability,
        {{ session_signature_key('parent_prefixes.session_code', 'prefix_steps_listed.signature_code') }}
            as session_signature_key
    from prefix_steps_listed
    inner join prefix_probabilities_{{ position - 1 }} as parent_prefixes
        on prefix_steps_listed.parent_prefix_id = parent_prefixes.prefix_id
    where prefix_steps_listed.step_position = {{ position }}

),
{%- endif %}

prefix_probabilities_{{ position }} as (

    {%- if position == 1 %}
    select
        prefix_steps_listed.prefix_id,
        session_signatures_counted.session_code,
        {{ session_draw_share(
            'prefix_steps_listed', 'session_signatures_counted', 'session_signatures_counted'
        ) }} as prefix_probability
    from prefix_steps_listed
    inner join session_signatures_counted
        on prefix_steps_listed.signature_code = session_signatures_counted.signature_code
    where prefix_steps_listed.step_position = 1
        and session_signatures_counted.signature_call_count > prefix_steps_listed.earlier_use_count
        and session_signatures_counted.session_call_count > prefix_steps_listed.step_position
    {%- else %}
    select
        prefix_sessions_extended.prefix_id,
        prefix_sessions_extended.session_code,
        prefix_sessions_extended.parent_prefix_probability
        * ({{ session_middle_factor(
            'prefix_sessions_extended', 'session_signatures_counted', 'session_signatures_counted', collapse
        ) }}) as prefix_probability
    from prefix_sessions_extended_{{ position }} as prefix_sessions_extended
    inner join session_signatures_counted
        on prefix_sessions_extended.session_signature_key = session_signatures_counted.session_signature_key
    where session_signatures_counted.signature_call_count > prefix_sessions_extended.earlier_use_count
        and session_signatures_counted.session_call_count > prefix_sessions_extended.step_position
    {%- endif %}

),
{%- endfor %}

prefix_probabilities as (

    {%- for position in range(1, max_length) %}
    select
        prefix_id,
        session_code,
        prefix_probability
    from prefix_probabilities_{{ position }}
    where prefix_probability > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

pattern_sessions_extended as (

    -- each pattern's rows: its parent prefix's sessions (step_position: the last one,
    -- the pattern's length)
    select
        pattern_steps_keyed.pattern_code,
        pattern_steps_keyed.step_position,
        pattern_steps_keyed.earlier_use_count,
        prefix_probabilities.prefix_probability,
        {{ session_signature_key('prefix_probabilities.session_code', 'pattern_steps_keyed.signature_code') }}
            as session_signature_key
    from pattern_steps_keyed
    inner join prefix_probabilities
        on pattern_steps_keyed.parent_prefix_id = prefix_probabilities.prefix_id
    where pattern_steps_keyed.step_position = pattern_steps_keyed.pattern_length

),

session_probabilities_multiplied as (

    -- P_u(pattern) = Q_(k−1)(prefix, u) · the draw of the last step, beside N_k(u)
    select
        pattern_sessions_extended.pattern_code,
        case pattern_sessions_extended.step_position
            {%- for length in range(1, max_length + 1) %}
            when {{ length }} then session_last_signatures_counted.start_position_count_{{ length }}
            {%- endfor %}
        end as start_position_count,
        pattern_sessions_extended.prefix_probability
        * ({{ session_draw_share(
            'pattern_sessions_extended', 'session_last_signatures_counted', 'session_last_signatures_counted'
        ) }}) as sequence_probability
    from pattern_sessions_extended
    inner join session_last_signatures_counted
        on pattern_sessions_extended.session_signature_key
        = session_last_signatures_counted.session_signature_key
    where session_last_signatures_counted.signature_call_count > pattern_sessions_extended.earlier_use_count
        and session_last_signatures_counted.session_call_count >= pattern_sessions_extended.step_position

),

expected_counts_summed as (

    select
        session_probabilities_multiplied.pattern_code,
        count(*) as null_session_count,
        -- an exact decimal sum: the same last bit whatever the order of the sessions
        cast(sum(cast(
            session_probabilities_multiplied.start_position_count
            * session_probabilities_multiplied.sequence_probability
            as decimal(38, 18)
        )) as double) as expected_count
    from session_probabilities_multiplied
    group by session_probabilities_multiplied.pattern_code

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
        on candidates.pattern_code = expected_counts_summed.pattern_code

)

select * from final
