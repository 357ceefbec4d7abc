
{#- The raw rows an incremental run of staging reads (a select of the raw columns, plus
    `session_key` and `event_key` = the trimmed session and event ids, and `is_rebuilt`):
    the rows of every changed session and the new rows without a session (is_rebuilt), and
    the rows of other sessions that share an event id with them (read only to rank
    duplicates against all history). `raw` is the raw relation. -#}
{% macro staging_rows_in_scope(raw) -%}
    {{ return(adapter.dispatch('staging_rows_in_scope', 'hook_patterns')(raw)) }}
{%- endmacro %}

{#- DuckDB rebuilds sessions. The filters compare the raw columns themselves
    (`session_id in (…)`): ids are trimmed only on the rows trim could change (an edge
    space, or any non-ASCII character: macro may_have_edge_space), so history is never
    trimmed row by row. The changed sessions' rows are bounded below by their earliest
    load, a literal, so DuckDB skips older row groups on their min/max statistics
    instead of reading every payload ever loaded. Only the event-id lookup for ranking
    duplicates reads all history, and only its key columns. -#}
{% macro duckdb__staging_rows_in_scope(raw) -%}
    {%- set watermark = hook_patterns.session_watermark() -%}
    {%- set changed_sessions_sql -%}
        select distinct nullif(trim(new_row.session_id), '') as session_key
        from {{ raw }} as new_row
        where new_row._ingested_at > ({{ watermark }})
    {%- endset -%}
    {#- the columns staging reads: a raw table may carry more (the PostgreSQL source's) -#}
    {%- set columns = hook_patterns.staging_raw_columns() -%}
    {%- set raw_row_columns -%}
        raw_row.{{ columns | join(', raw_row.') }}
    {%- endset -%}
    {%- set rank_columns = [] -%}
    {%- for column in columns -%}
        {%- if column in ['event_id', 'session_id', '_source', '_source_line', '_batch_id', '_ingested_at'] -%}
            {%- do rank_columns.append('raw_row.' ~ column) -%}
        {%- else -%}
            {%- do rank_columns.append('null as ' ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set rank_columns = rank_columns | join(', ') -%}
    {#- The earliest load of a changed session's rows, as a literal: a pure optimisation
        (every row of a changed session is loaded at or after it) that lets DuckDB skip
        older row groups on their min/max statistics. When every changed session is new,
        that is the new rows alone. -#}
    {%- set earliest_load_query -%}
        with changed_sessions as ({{ changed_sessions_sql }})
        select coalesce(min(first_load), ({{ watermark }}))
        from (
            select min(old_row._ingested_at) as first_load
            from {{ raw }} as old_row
            where old_row.session_id in (select changed_sessions.session_key from changed_sessions)
            union all
            select min(old_row._ingested_at) as first_load
            from {{ raw }} as old_row
            where {{ hook_patterns.may_have_edge_space('old_row.session_id') }}
                and nullif(trim(old_row.session_id), '') in (
                    select changed_sessions.session_key from changed_sessions
                )
        ) as first_loads
    {%- endset -%}
    {%- if execute -%}
        {%- set earliest_load = run_query(earliest_load_query).columns[0].values()[0] -%}
        {%- set since_earliest_load = "raw_row._ingested_at >= cast('" ~ earliest_load ~ "' as timestamp)" -%}
        {%- set before_earliest_load = "raw_row._ingested_at < cast('" ~ earliest_load ~ "' as timestamp)" -%}
    {%- else -%}
        {%- set since_earliest_load = 'true' -%}
        {%- set before_earliest_load = 'false' -%}
    {%- endif %}
    with

    changed_sessions as (

        {{ changed_sessions_sql }}

    ),

    -- not materialized: read twice (the event keys project only their column)
    rebuilt_rows as not materialized (

        select {{ raw_row_columns }}
        from {{ raw }} as raw_row
        where {{ since_earliest_load }}
            and raw_row.session_id in (select changed_sessions.session_key from changed_sessions)

        union all

        select {{ raw_row_columns }}
        from {{ raw }} as raw_row
        where {{ since_earliest_load }}
            and {{ hook_patterns.may_have_edge_space('raw_row.session_id') }}
            and nullif(trim(raw_row.session_id), '') in (
                select changed_sessions.session_key from changed_sessions
            )

        union all

        select {{ raw_row_columns }}
        from {{ raw }} as raw_row
        where raw_row._ingested_at > ({{ watermark }})
            and nullif(trim(raw_row.session_id), '') is null

    ),

    rebuilt_event_keys as (

        select distinct nullif(trim(rebuilt_rows.event_id), '') as event_key
        from rebuilt_rows

    ),

    -- materialized: the exclusion of the rebuilt rows below must run on the rows found
    -- here, not be pushed under the lookup onto every raw row
    same_event_id_rows as materialized (

        -- only the columns duplicates are ranked by: these rows are not rebuilt
        select {{ rank_columns }}
        from {{ raw }} as raw_row
        where raw_row.event_id in (select rebuilt_event_keys.event_key from rebuilt_event_keys)

        union all

        select {{ rank_columns }}
        from {{ raw }} as raw_row
        where {{ hook_patterns.may_have_edge_space('raw_row.event_id') }}
            and nullif(trim(raw_row.event_id), '') in (
                select rebuilt_event_keys.event_key from rebuilt_event_keys
            )

    )

    select
        rebuilt_rows.*,
        nullif(trim(rebuilt_rows.session_id), '') as session_key,
        nullif(trim(rebuilt_rows.event_id), '') as event_key,
        true as is_rebuilt
    from rebuilt_rows

    union all

    -- the other sessions' rows with a rebuilt row's event id (the rebuilt rows are above;
    -- a row loaded before the earliest one rebuilt is never one of them, and the cheap
    -- tests come first: DuckDB skips the rest of an `or` for the rows they decide)
    select
        same_event_id_rows.*,
        nullif(trim(same_event_id_rows.session_id), '') as session_key,
        nullif(trim(same_event_id_rows.event_id), '') as event_key,
        false as is_rebuilt
    from same_event_id_rows
    where {{ before_earliest_load | replace('raw_row.', 'same_event_id_rows.') }}
        or (
            (
                same_event_id_rows._ingested_at <= ({{ watermark }})
                or nullif(trim(same_event_id_rows.session_id), '') is not null
            )
            and not coalesce(
                nullif(trim(same_event_id_rows.session_id), '') in (
                    select changed_sessions.session_key from changed_sessions
                ),
                false
            )
        )
{%- endmacro %}

{#- The raw columns staging reads. -#}
{% macro staging_raw_columns() -%}
    {{ return([
        'event_id', 'event_type', 'source_app', 'session_id', 'workflow_id', 'timestamp',
        'payload', 'tool_name', '_source', '_source_line', '_batch_id', '_ingested_at',
        '_load_error',
    ]) }}
{%- endmacro %}

{#- True for every string that trim() could change, and for a few more: a leading or
    trailing ASCII space, or any character beyond ASCII (trim also removes the Unicode
    space separators). Two prefix/suffix tests and a length comparison (DuckDB's strlen
    counts bytes): far cheaper than trimming every row of history. -#}
{% macro may_have_edge_space(expression) -%}
    ({{ expression }} like ' %' or {{ expression }} like '% '
        or length({{ expression }}) <> strlen({{ expression }}))
{%- endmacro %}

{#- Spark rebuilds whole load-date partitions: the dates of the changed sessions (their
    first load) and of the new rows without a session, then every session first loaded
    on one of those dates, and the rows of other sessions with the same event ids. -#}
{% macro spark__staging_rows_in_scope(raw) -%}
    {%- set changed_sessions -%}
        select nullif(trim(new_row.session_id), '')
        from {{ raw }} as new_row
        where new_row._ingested_at > ({{ hook_patterns.session_watermark() }})
    {%- endset -%}
    {%- set rebuilt_dates -%}
        select cast(min(session_row._ingested_at) as date)
        from {{ raw }} as session_row
        where nullif(trim(session_row.session_id), '') in ({{ changed_sessions }})
        group by nullif(trim(session_row.session_id), '')
        union
        select cast(new_row._ingested_at as date)
        from {{ raw }} as new_row
        where new_row._ingested_at > ({{ hook_patterns.session_watermark() }})
            and nullif(trim(new_row.session_id), '') is null
    {%- endset -%}
    {%- set is_rebuilt -%}
        coalesce(
            session_key in ({{ changed_sessions }})
            or session_key in (
                select built.session_id from {{ this }} as built
                where built.session_load_date in ({{ rebuilt_dates }})
            )
            or (session_key is null and cast(_ingested_at as date) in ({{ rebuilt_dates }})),
            false
        )
    {%- endset %}
    with

    raw_keyed as (

        select
            *,
            nullif(trim(session_id), '') as session_key,
            nullif(trim(event_id), '') as event_key
        from {{ raw }}

    ),

    rows_flagged as (

        select
            *,
            {{ is_rebuilt }} as is_rebuilt
        from raw_keyed

    ),

    rebuilt_event_keys as (

        select nullif(trim(rows_flagged.event_id), '') as event_key
        from rows_flagged
        where rows_flagged.is_rebuilt

    )

    select *
    from rows_flagged
    where is_rebuilt
        or nullif(trim(event_id), '') in (select rebuilt_event_keys.event_key from rebuilt_event_keys)
{%- endmacro %}
