{#- One row per raw record: parsed, typed, and tagged with the first quarantine rule it
    fails (null when valid). Nothing is dropped here; downstream models filter on
    `quarantine_reason is null`.
    Incremental by session (macros/staging_scope.sql): a run re-reads the raw rows of the
    sessions that received new rows, and the rows that share an event id with them, so
    duplicates are still ranked against everything ever loaded. -#}

{{ config(**session_incremental_config()) }}

{#- the payload fields read below, parsed in one typed pass (macros/json_fields.sql); the
    tool response's is_error / error are read from it only where is_success needs them -#}
{%- set payload_fields = [
    ['$.tool_name', 'text'], ['$.tool_input', 'json'], ['$.tool_response', 'json'],
    ['$.tool_result', 'json'], ['$.tool_use_id', 'text'], ['$.context.cwd', 'text'],
    ['$.cwd', 'text'], ['$.success', 'text'], ['$.duration_ms', 'text'],
] -%}

{%- set known_event_types = [
    'PreToolUse', 'PostToolUse', 'UserPromptSubmit', 'Stop', 'SubagentStop',
    'PreCompact', 'SessionStart', 'SessionEnd', 'Notification',
] -%}

{%- set response_is_error -%}
    try_cast({{ json_get_text('response_field', '$.is_error') }} as boolean)
{%- endset %}

with

rows_in_scope as {% if not is_incremental() %}{{ not_materialized() }} {% endif %}(

    -- the raw rows read, with their trimmed session and event ids and whether this run rebuilds
    -- them (macros/staging_scope.sql): an incremental run also reads the other sessions'
    -- rows with a rebuilt row's event id, only to rank duplicates against all history.
    -- A full build reads the raw table once per use instead of storing it, payloads
    -- included: the session loads and the event keys read only their narrow columns
    {%- if is_incremental() %}
    {{ staging_rows_in_scope(source('raw', 'hook_events')) | indent(4) }}
    {%- else %}
    select
        *,
        nullif(trim(session_id), '') as session_key,
        nullif(trim(event_id), '') as event_key,
        true as is_rebuilt
    from {{ source('raw', 'hook_events') }}
    {%- endif %}

),

session_loads as (

    -- every row of a session carries the session's latest and earliest load: aggregated
    -- per session and joined back, as duplicates are ranked among the rows of the
    -- duplicated event ids only (below), since a window over every row would sort the
    -- whole table, payloads included, for a few thousand keys (issue 22)
    select
        session_key,
        max(_ingested_at) as last_ingested_at,
        min(_ingested_at) as first_ingested_at
    from rows_in_scope
    where session_key is not null
    group by session_key

),

event_keys as (

    -- only the columns duplicates are ranked by
    select
        event_key,
        _ingested_at,
        _batch_id,
        _source,
        _source_line
    from rows_in_scope

),

duplicated_key_hashes as (

    -- the ids that occur more than once, found by a 64-bit hash of each (a narrow
    -- aggregate); a hash collision only adds a candidate, ranked alone below
    select {{ lookup_hash('event_key') }} as event_key_hash
    from event_keys
    where event_key is not null
    group by {{ lookup_hash('event_key') }}
    having count(*) > 1

),

duplicates_ranked as (

    select
        event_keys.*,
        row_number() over (
            partition by event_keys.event_key
            order by
                event_keys._ingested_at, event_keys._batch_id, event_keys._source,
                event_keys._source_line
        ) as event_id_rank
    from event_keys
    inner join duplicated_key_hashes
        on {{ lookup_hash('event_keys.event_key') }} = duplicated_key_hashes.event_key_hash
    where event_keys.event_key is not null

),

-- the copies after the first of each duplicated id; a raw row is one line (or row) of
-- one source in one batch, so (batch, source, line) names it (the lineage columns'
-- not-null tests only warn: null-safe comparisons) and the join adds no row
later_copies as (

    select distinct
        event_key,
        _ingested_at,
        _batch_id,
        _source,
        _source_line
    from duplicates_ranked
    where event_id_rank > 1

),

sessions_versioned as (

    select
        rows_in_scope.*,
        cast(
            case
                when rows_in_scope.session_key is null then rows_in_scope._ingested_at
                else session_loads.last_ingested_at
            end as timestamp
        ) as session_loaded_at,
        cast(
            case
                when rows_in_scope.session_key is null then rows_in_scope._ingested_at
                else session_loads.first_ingested_at
            end as date
        ) as session_load_date,
        later_copies.event_key is not null as is_later_copy
    from rows_in_scope
    left join session_loads
        on rows_in_scope.session_key = session_loads.session_key
    left join later_copies
        on rows_in_scope.event_key = later_copies.event_key
        and rows_in_scope._ingested_at is not distinct from later_copies._ingested_at
        and rows_in_scope._batch_id is not distinct from later_copies._batch_id
        and rows_in_scope._source is not distinct from later_copies._source
        and rows_in_scope._source_line is not distinct from later_copies._source_line

),

payloads_checked as (

    select
        *,
        _load_error is null and {{ json_is_valid('payload') }} as is_valid_json
    from sessions_versioned

),

payloads_shaped as (

    select
        *,
        is_valid_json and {{ json_is_object('payload') }} as is_object_payload
    from payloads_checked

),

payloads_parsed as (

    select
        *,
        case
            when is_object_payload then {{ json_get_fields('payload', payload_fields) }}
        end as payload_fields
    from payloads_shaped

),

fields_extracted as (

    select
        event_key as event_id,
        nullif(trim(event_type), '') as event_type,
        nullif(trim(source_app), '') as source_app,
        session_key as session_id,
        nullif(trim(workflow_id), '') as workflow_id,
        {{ parse_utc_timestamp('timestamp') }} as event_at,
        coalesce(
            nullif(trim(tool_name), ''),
            nullif(trim({{ json_field('payload_fields', payload_fields, '$.tool_name') }}), '')
        ) as tool_name,
        {{ json_field('payload_fields', payload_fields, '$.tool_input') }} as tool_input,
        -- the response itself is not kept (raw.hook_events' payload holds it): only
        -- whether there is one, and its is_error / error below
        coalesce(
            {{ json_field('payload_fields', payload_fields, '$.tool_response') }},
            {{ json_field('payload_fields', payload_fields, '$.tool_result') }}
        ) is not null as has_tool_response,
        {{ json_field('payload_fields', payload_fields, '$.tool_response') }} as response_field,
        nullif({{ json_field('payload_fields', payload_fields, '$.tool_use_id') }}, '') as tool_use_id,
        coalesce(
            nullif({{ json_field('payload_fields', payload_fields, '$.context.cwd') }}, ''),
            nullif({{ json_field('payload_fields', payload_fields, '$.cwd') }}, '')
        ) as cwd,
        try_cast(
            {{ json_field('payload_fields', payload_fields, '$.success') }} as boolean
        ) as reported_success,
        try_cast(
            {{ json_field('payload_fields', payload_fields, '$.duration_ms') }} as double
        ) as reported_duration_ms,
        is_valid_json,
        is_object_payload,
        payload as raw_payload,
        _load_error as load_error,
        _source as source,
        _source_line as source_line,
        _batch_id as batch_id,
        _ingested_at as ingested_at,
        session_loaded_at,
        session_load_date,
        is_later_copy,
        is_rebuilt
    from payloads_parsed

),

success_derived as (

    select
        *,
        coalesce(event_type in ('PreToolUse', 'PostToolUse'), false) as is_tool_event,
        case
            when event_type <> 'PostToolUse' then null
            when reported_success is not null then reported_success
            -- the tool response's is_error, then whether it has an error key: read only
            -- for the Post events that report no success
            when {{ response_is_error }} is not null then not {{ response_is_error }}
            when coalesce({{ json_has_path('response_field', '$.error') }}, false) then false
            when has_tool_response then true
        end as is_success
    from fields_extracted

),

quarantine_decided as (

    select
        *,
        case
            when not is_valid_json then 'invalid_json'
            when not is_object_payload then 'payload_not_object'
            when event_id is null then 'missing_event_id'
            when is_later_copy then 'duplicate_event_id'
            when event_type is null
                or event_type not in ('{{ known_event_types | join("', '") }}')  -- noqa: LT05
                then 'unknown_event_type'
            when session_id is null then 'missing_session_id'
            when event_at is null then 'unparseable_timestamp'
            when event_at > {{ timestamp_add_minutes(
                    run_started_at_utc(), var('hook_patterns_future_tolerance_minutes')
                ) }}
                then 'future_timestamp'
            when is_tool_event and tool_name is null then 'missing_tool_name'
        end as quarantine_reason
    from success_derived

),

final as (

    select
        event_id,
        event_type,
        source_app,
        session_id,
        workflow_id,
        event_at,
        tool_name,
        tool_input,
        tool_use_id,
        cwd,
        is_success,
        reported_duration_ms,
        is_tool_event,
        source,
        source_line,
        batch_id,
        ingested_at,
        quarantine_reason,
        -- the raw text is only kept where nobody could parse it: quarantined rows
        case when quarantine_reason is not null then raw_payload end as raw_payload,
        case when quarantine_reason is not null then load_error end as load_error,
        session_loaded_at,
        session_load_date
    from quarantine_decided
    where is_rebuilt

)

select * from final
