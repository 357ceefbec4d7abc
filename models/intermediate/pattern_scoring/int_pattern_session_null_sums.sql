{#-
    Expected evidence-window count of every candidate pattern of the day under the null
    model "the order of the tool calls inside each session is random": Σ over the
    sessions u of the evidence window of N_k(u) · P_u, as an exact decimal. Each session
    keeps its own calls (its make-up, its segments' sizes); only their order is left to
    chance. This is the null of a permutation test that shuffles the calls inside each
    session (SPEck, ProMiSe), computed in closed form. The rules are documented in
    int_pattern_session_null_model.yml; int_pattern_session_null_model reads the sums.

    Incremental (DuckDB): the sums are kept from one run to the next. A run compares
    its inputs (int_session_null_inputs) with those the stored sums were computed from
    (int_session_null_inputs_applied, the copy the previous run left), session by
    session, and computes
      - for a candidate with a stored sum: that sum, plus the share of every session
        whose inputs are new or changed, minus the old share of every session that
        changed or left the window;
      - for a new candidate: the share of every session.
    Decimal sums add and subtract exactly, so the result is bit-identical to computing
    every session again. Stored sums count only when the copy names the run that wrote
    them (a run that stopped between the two models computes everything again).
-#}

{{ config(**session_null_sums_config()) }}

{%- set max_length = var('hook_patterns_max_pattern_length') | int -%}
{%- set collapse = (var('hook_patterns_collapse_repeated_steps') | string | lower) in ['true', '1', 'yes'] -%}
{%- set previous_inputs = session_null_previous_inputs() if is_incremental() else none -%}
{#- the kinds of per-session rows: a new or changed session's current inputs (every
    candidate reads them, +1), a changed or departed session's previous inputs (the
    stored candidates subtract them, -1), an unchanged session's inputs (only the new
    candidates read them, +1) -#}
{%- set current_changed, previous_changed, current_unchanged = 1, 2, 3 -%}

with

evidence_counts as (

    -- one row per candidate of the day
    select * from {{ ref('int_pattern_evidence_counts') }}

),

window_patterns as (

    select * from {{ ref('int_pattern_window_counts') }}

),

pattern_signatures as (

    select * from {{ ref('int_pattern_window_signatures') }}

),

current_inputs as (

    select * from {{ ref('int_session_null_inputs') }}

),
{%- if previous_inputs %}

previous_inputs as (

    select * from {{ previous_inputs }}

),

{%- endif %}

sessions_compared as (

    -- one row per session and kind of row: on a full build every session's current
    -- inputs; on an incremental one, the sessions compared by the hash of their inputs
    {%- if previous_inputs %}
    select
        coalesce(current_sessions.session_id, previous_sessions.session_id) as session_id,
        case
            when previous_sessions.session_id is null then {{ current_changed }}
            when current_sessions.session_id is null then {{ previous_changed }}
            when current_sessions.session_inputs_hash = previous_sessions.session_inputs_hash
                then {{ current_unchanged }}
            else {{ current_changed }}
        end as row_kind
    from (
        select distinct
            current_inputs.session_id,
            current_inputs.session_inputs_hash
        from current_inputs
    ) as current_sessions
    full outer join (
        select distinct
            previous_inputs.session_id,
            previous_inputs.session_inputs_hash
        from previous_inputs
    ) as previous_sessions
        on current_sessions.session_id = previous_sessions.session_id

    union all

    -- a changed session's previous inputs, beside its current ones (above)
    select
        current_sessions.session_id,
        {{ previous_changed }} as row_kind
    from (
        select distinct
            current_inputs.session_id,
            current_inputs.session_inputs_hash
        from current_inputs
    ) as current_sessions
    inner join (
        select distinct
            previous_inputs.session_id,
            previous_inputs.session_inputs_hash
        from previous_inputs
    ) as previous_sessions
        on current_sessions.session_id = previous_sessions.session_id
    where current_sessions.session_inputs_hash <> previous_sessions.session_inputs_hash
    {%- else %}
    select distinct
        current_inputs.session_id,
        {{ current_changed }} as row_kind
    from current_inputs
    {%- endif %}

),
{%- if previous_inputs %}

stored_sums as (

    -- the stored sums, when they are those of the previous inputs (the copy names the
    -- run whose sums it was made after), and when fewer sessions changed than not: an
    -- update reads a changed session twice (its old and new inputs), so past that
    -- (a backfill of another date, a new var) computing everything is cheaper
    select stored.*
    from {{ this }} as stored
    where stored.sums_version = (select max(previous_inputs.sums_version) from previous_inputs)
        and (
            select count(case when sessions_compared.row_kind <> {{ current_unchanged }} then 1 end)
                <= count(case when sessions_compared.row_kind = {{ current_unchanged }} then 1 end)
            from sessions_compared
        )

),
{%- endif %}

candidates as (

    -- pattern_code: a dense integer per candidate, the key of the per-session rows below
    select
        window_patterns.pattern_id,
        {%- if previous_inputs %}
        stored_sums.pattern_id is not null as is_stored,
        {%- else %}
        false as is_stored,
        {%- endif %}
        row_number() over (order by window_patterns.pattern_id) as pattern_code
    from window_patterns
    inner join evidence_counts
        on window_patterns.pattern_id = evidence_counts.pattern_id
    {%- if previous_inputs %}
    left join stored_sums
        on window_patterns.pattern_id = stored_sums.pattern_id
    {%- endif %}
    where window_patterns.is_candidate

),

row_kinds as (

    -- the kinds of per-session rows, their sign, and which candidates read them
    select
        {{ current_changed }} as row_kind, 1 as row_sign, true as for_stored, true as for_new
    union all
    select
        {{ previous_changed }} as row_kind, -1 as row_sign, true as for_stored, false as for_new
    union all
    select
        {{ current_unchanged }} as row_kind, 1 as row_sign, false as for_stored, true as for_new

),

candidate_row_kinds as (

    -- the kinds of per-session rows each candidate reads, and their sign
    select
        candidates.pattern_code,
        row_kinds.row_kind,
        row_kinds.row_sign
    from candidates
    inner join row_kinds
        on (candidates.is_stored and row_kinds.for_stored)
        or (not candidates.is_stored and row_kinds.for_new)

),

sessions_needed as (

    -- the kinds some candidate reads
    select sessions_compared.*
    from sessions_compared
    where sessions_compared.row_kind in (select candidate_row_kinds.row_kind from candidate_row_kinds)

),

session_inputs as (

    -- the inputs of each needed (session, kind): the current ones, or the previous ones
    select
        sessions_needed.row_kind,
        {{ session_null_input_columns('current_inputs') }}
    from current_inputs
    inner join sessions_needed
        on current_inputs.session_id = sessions_needed.session_id
    where sessions_needed.row_kind <> {{ previous_changed }}
    {%- if previous_inputs %}

    union all

    select
        sessions_needed.row_kind,
        {{ session_null_input_columns('previous_inputs') }}
    from previous_inputs
    inner join sessions_needed
        on previous_inputs.session_id = sessions_needed.session_id
    where sessions_needed.row_kind = {{ previous_changed }}
    {%- endif %}

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

    -- n(u) and N_k(u) of each (session, kind), with its dense code
    select
        sessions_listed.*,
        row_number() over (order by sessions_listed.session_id, sessions_listed.row_kind) as session_code
    from (
        select distinct
            session_inputs.session_id,
            session_inputs.row_kind,
            session_inputs.session_call_count,
            {%- for length in range(1, max_length + 1) %}
            session_inputs.start_position_count_{{ length }}
            {{- ',' if not loop.last }}
            {%- endfor %}
        from session_inputs
    ) as sessions_listed

),

session_signatures_counted as (

    -- c(u, s): the calls of session u with signature s, for the candidates' signatures,
    -- beside n(u); keyed by (u, s) packed in one BIGINT
    select
        {{ session_signature_key('sessions_coded.session_code', 'signatures_coded.signature_code') }}
            as session_signature_key,
        sessions_coded.session_code,
        sessions_coded.row_kind,
        signatures_coded.signature_code,
        session_inputs.signature_call_count,
        session_inputs.session_call_count
    from session_inputs
    inner join signatures_coded
        on session_inputs.tool_signature = signatures_coded.tool_signature
    inner join sessions_coded
        on session_inputs.session_id = sessions_coded.session_id
        and session_inputs.row_kind = sessions_coded.row_kind

),

session_last_signatures_counted as (

    -- what the last step of a pattern reads in a session: c(u, s), n(u) and N_k(u)
    select
        session_signatures_counted.session_signature_key,
        session_signatures_counted.signature_call_count,
        session_signatures_counted.session_call_count,
        {%- for length in range(1, max_length + 1) %}
        sessions_coded.start_position_count_{{ length }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from session_signatures_counted
    inner join sessions_coded
        on session_signatures_counted.session_code = sessions_coded.session_code

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
{%- if previous_inputs %}

prefix_row_kinds_needed as (

    -- the kinds of per-session rows a prefix is extended on: those its patterns read
    -- (most sessions are unchanged, and only new candidates read them)
    select distinct
        pattern_steps_keyed.prefix_id,
        candidate_row_kinds.row_kind
    from pattern_steps_keyed
    inner join candidate_row_kinds
        on pattern_steps_keyed.pattern_code = candidate_row_kinds.pattern_code
    where pattern_steps_keyed.step_position < pattern_steps_keyed.pattern_length

),
{%- endif %}

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
        {%- if previous_inputs %}
        parent_prefixes.row_kind,
        {%- endif %}
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
        {%- if previous_inputs %}
        session_signatures_counted.row_kind,
        {%- endif %}
        {{ session_draw_share(
            'prefix_steps_listed', 'session_signatures_counted', 'session_signatures_counted'
        ) }} as prefix_probability
    from prefix_steps_listed
    inner join session_signatures_counted
        on prefix_steps_listed.signature_code = session_signatures_counted.signature_code
    {%- if previous_inputs %}
    inner join prefix_row_kinds_needed
        on prefix_steps_listed.prefix_id = prefix_row_kinds_needed.prefix_id
        and session_signatures_counted.row_kind = prefix_row_kinds_needed.row_kind
    {%- endif %}
    where prefix_steps_listed.step_position = 1
        and session_signatures_counted.signature_call_count > prefix_steps_listed.earlier_use_count
        and session_signatures_counted.session_call_count > prefix_steps_listed.step_position
    {%- else %}
    select
        prefix_sessions_extended.prefix_id,
        prefix_sessions_extended.session_code,
        {%- if previous_inputs %}
        prefix_sessions_extended.row_kind,
        {%- endif %}
        prefix_sessions_extended.parent_prefix_probability
        * ({{ session_middle_factor(
            'prefix_sessions_extended', 'session_signatures_counted', 'session_signatures_counted', collapse
        ) }}) as prefix_probability
    from prefix_sessions_extended_{{ position }} as prefix_sessions_extended
    inner join session_signatures_counted
        on prefix_sessions_extended.session_signature_key = session_signatures_counted.session_signature_key
    {%- if previous_inputs %}
    inner join prefix_row_kinds_needed
        on prefix_sessions_extended.prefix_id = prefix_row_kinds_needed.prefix_id
        and prefix_sessions_extended.row_kind = prefix_row_kinds_needed.row_kind
    {%- endif %}
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
        {%- if previous_inputs %}
        row_kind,
        {%- endif %}
        prefix_probability
    from prefix_probabilities_{{ position }}
    where prefix_probability > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

pattern_sessions_extended as (

    -- each pattern's rows: its parent prefix's sessions (step_position: the last one,
    -- the pattern's length); on an incremental run only the kinds of rows the pattern
    -- reads (a prefix it shares with a new candidate holds every session)
    select
        pattern_steps_keyed.pattern_code,
        {%- if previous_inputs %}
        prefix_probabilities.row_kind,
        {%- endif %}
        pattern_steps_keyed.step_position,
        pattern_steps_keyed.earlier_use_count,
        prefix_probabilities.prefix_probability,
        {{ session_signature_key('prefix_probabilities.session_code', 'pattern_steps_keyed.signature_code') }}
            as session_signature_key
    from pattern_steps_keyed
    inner join prefix_probabilities
        on pattern_steps_keyed.parent_prefix_id = prefix_probabilities.prefix_id
    {%- if previous_inputs %}
    inner join candidate_row_kinds
        on pattern_steps_keyed.pattern_code = candidate_row_kinds.pattern_code
        and prefix_probabilities.row_kind = candidate_row_kinds.row_kind
    {%- endif %}
    where pattern_steps_keyed.step_position = pattern_steps_keyed.pattern_length

),

session_probabilities_multiplied as (

    -- P_u(pattern) = Q_(k−1)(prefix, u) · the draw of the last step, beside N_k(u)
    select
        pattern_sessions_extended.pattern_code,
        {%- if previous_inputs %}
        pattern_sessions_extended.row_kind,
        {%- endif %}
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
        {%- if previous_inputs %}
        session_probabilities_multiplied.row_kind,
        {%- else %}
        {{ current_changed }} as row_kind,
        {%- endif %}
        count(*) as null_session_count,
        -- an exact decimal sum: the same last bit whatever the order of the sessions,
        -- and sums that add and subtract exactly
        sum(cast(
            session_probabilities_multiplied.start_position_count
            * session_probabilities_multiplied.sequence_probability
            as decimal(38, 18)
        )) as expected_count_sum
    from session_probabilities_multiplied
    group by
        session_probabilities_multiplied.pattern_code
        {%- if previous_inputs %},
        session_probabilities_multiplied.row_kind
        {%- endif %}

),

changes_summed as (

    -- each candidate's share of the kinds of rows it reads, signed
    select
        candidate_row_kinds.pattern_code,
        sum(candidate_row_kinds.row_sign * expected_counts_summed.null_session_count) as null_session_count,
        sum(candidate_row_kinds.row_sign * expected_counts_summed.expected_count_sum) as expected_count_sum
    from candidate_row_kinds
    inner join expected_counts_summed
        on candidate_row_kinds.pattern_code = expected_counts_summed.pattern_code
        and candidate_row_kinds.row_kind = expected_counts_summed.row_kind
    group by candidate_row_kinds.pattern_code

),

final as (

    select
        candidates.pattern_id,
        cast(
            {%- if previous_inputs %}
            coalesce(stored_sums.null_session_count, 0) +
            {%- endif %}
            coalesce(changes_summed.null_session_count, 0)
            as bigint
        ) as null_session_count,
        cast(
            {%- if previous_inputs %}
            coalesce(stored_sums.expected_count_sum, 0) +
            {%- endif %}
            coalesce(changes_summed.expected_count_sum, 0)
            as decimal(38, 18)
        ) as expected_count_sum,
        -- the run that wrote the row (the copy of the inputs names it too)
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as sums_version
    from candidates
    left join changes_summed
        on candidates.pattern_code = changes_summed.pattern_code
    {%- if previous_inputs %}
    left join stored_sums
        on candidates.pattern_id = stored_sums.pattern_id
    {%- endif %}

)

select * from final
