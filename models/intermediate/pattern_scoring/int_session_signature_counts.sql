{#- One row per (session, signature) among the evidence window's steps (the
    var hook_patterns_evidence_days days that end with the analysis window, over which
    the candidates' confidence is tested): the calls with that signature, and all the
    session's calls in that window (a collapsed step counts its calls). The session
    null model reads these counts at every step of a pattern; as a table they are
    computed once, on every engine. -#}

with

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}
    where started_at >= {{ analysis_evidence_start_at() }}

),

steps_in_evidence_window as (

    select
        tool_steps.session_id,
        tool_steps.tool_signature,
        tool_steps.call_count
    from tool_steps
    where tool_steps.started_at < {{ analysis_window_end_at() }}
        -- steps past the per-segment cap are not mined
        and not tool_steps.is_beyond_step_cap

),

signatures_counted as (

    select
        steps_in_evidence_window.session_id,
        steps_in_evidence_window.tool_signature,
        sum(steps_in_evidence_window.call_count) as signature_call_count
    from steps_in_evidence_window
    group by steps_in_evidence_window.session_id, steps_in_evidence_window.tool_signature

),

sessions_counted as (

    -- n(u) from the (session, signature) rows, not a window over them: DuckDB turns such
    -- a window into a second aggregation of the steps
    select
        signatures_counted.session_id,
        sum(signatures_counted.signature_call_count) as session_call_count
    from signatures_counted
    group by signatures_counted.session_id

),

final as (

    select
        signatures_counted.session_id,
        signatures_counted.tool_signature,
        cast(signatures_counted.signature_call_count as bigint) as signature_call_count,
        cast(sessions_counted.session_call_count as bigint) as session_call_count
    from signatures_counted
    inner join sessions_counted
        on signatures_counted.session_id = sessions_counted.session_id

)

select * from final
