{#- One row per session of the evidence window, with the bucket whose stored sums of the
    session null model (int_pattern_session_null_sums) hold its share, and the bucket's
    fingerprint, which says when those sums must be computed again.

    A session whose steps all lie inside the evidence window counts with all its calls,
    whatever the window: its share of a pattern's expected count stays the same from one
    run date to the next as long as the session does not change. Such sessions are
    bucketed by the dates of their first and last step. A session cut by either edge of
    the window counts only its calls inside it: its bucket is marked `edge`, and the
    window's bounds are part of its fingerprint, so a run for another date computes it
    again. The rules are documented in int_session_evidence_buckets.yml. -#}

with

tool_steps as (

    select * from {{ ref('int_tool_steps_sequenced') }}

),

sessions_in_window as (

    -- the sessions with a mined step inside the evidence window
    select distinct tool_steps.session_id
    from tool_steps
    where tool_steps.started_at >= {{ analysis_evidence_start_at() }}
        and tool_steps.started_at < {{ analysis_window_end_at() }}
        and not tool_steps.is_beyond_step_cap

),

sessions_spanned as (

    -- every mined step of those sessions, inside the window or not
    select
        tool_steps.session_id,
        min(tool_steps.started_at) as first_step_at,
        max(tool_steps.started_at) as last_step_at,
        max(tool_steps.session_loaded_at) as session_loaded_at
    from tool_steps
    inner join sessions_in_window
        on tool_steps.session_id = sessions_in_window.session_id
    where not tool_steps.is_beyond_step_cap
    group by tool_steps.session_id

),

sessions_bucketed as (

    select
        session_id,
        first_step_at,
        last_step_at,
        session_loaded_at,
        first_step_at >= {{ analysis_evidence_start_at() }}
        and last_step_at < {{ analysis_window_end_at() }} as is_inside_evidence_window,
        cast(cast(first_step_at as date) as {{ dbt.type_string() }})
        || '/' || cast(cast(last_step_at as date) as {{ dbt.type_string() }})
        || case
            when first_step_at >= {{ analysis_evidence_start_at() }}
                and last_step_at < {{ analysis_window_end_at() }} then ''
            else '/edge'
        end as evidence_bucket,
        cast({{ lookup_hash(
            "session_id || '|' || cast(session_loaded_at as " ~ dbt.type_string() ~ ")"
        ) }} as decimal(38, 0)) as session_version_hash
    from sessions_spanned

),

buckets_fingerprinted as (

    -- the bucket's sessions and their versions: equal fingerprints, equal sums
    select
        evidence_bucket,
        cast(count(*) as {{ dbt.type_string() }})
        || ':' || cast(sum(session_version_hash) as {{ dbt.type_string() }})
        || case
            when evidence_bucket not like '%/edge' then ''
            else '@' || cast({{ analysis_evidence_start_at() }} as {{ dbt.type_string() }})
                || '/' || cast({{ analysis_window_end_at() }} as {{ dbt.type_string() }})
        end as bucket_fingerprint
    from sessions_bucketed
    group by evidence_bucket

),

final as (

    select
        sessions_bucketed.session_id,
        sessions_bucketed.first_step_at,
        sessions_bucketed.last_step_at,
        sessions_bucketed.session_loaded_at,
        sessions_bucketed.is_inside_evidence_window,
        sessions_bucketed.evidence_bucket,
        buckets_fingerprinted.bucket_fingerprint
    from sessions_bucketed
    inner join buckets_fingerprinted
        on sessions_bucketed.evidence_bucket = buckets_fingerprinted.evidence_bucket

)

select * from final
