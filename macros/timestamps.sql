{#- Timestamps are naive `timestamp` values in UTC everywhere after staging. -#}

{#- Text to a UTC timestamp; null when it can't be parsed. Accepts
    '2026-11-23 14:02:11.123456' (taken as UTC), ISO 8601 with `T`, `Z`, or an offset
    ('+02:00', '+0200', ' +02:00'), which is converted to UTC. RFC 3339 allows `t` and
    `z` in lower case, and so do both engines here (the text is upper-cased first:
    neither engine's cast reads them). ISO 8601 lets a time leave out its seconds
    ('2026-11-23T01:30-05:00'); neither engine's cast reads that beside an offset, so
    ':00' is written in first. Only text that starts with a date is a timestamp: DuckDB's
    cast also reads the words 'epoch', 'infinity' and '-infinity', which no agent writes
    for the time of a tool call (1970, year 9999, year 1). -#}
{% macro parse_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
    cast({{ expr }} as timestamp)
{%- endmacro %}

{#- DuckDB: the canonical form ingest writes (UTC `YYYY-MM-DD HH:MM:SS.ffffff`, 26
    characters) is read by a fixed-format parse first, a third of the cost of the
    offset check below, which every other text still takes (an offset suffix never
    parses with that format, so both paths agree wherever the first one answers). -#}
{% macro duckdb__parse_utc_timestamp(expr) -%}
    coalesce(
    case when length({{ expr }}) = 26 then try_strptime({{ expr }}, '%Y-%m-%d %H:%M:%S.%f') end,
    case
        when not regexp_matches(trim({{ expr }}), '^\d{4}-\d{2}-\d{2}') then null
        when regexp_matches(trim({{ expr }}), '\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$')
            then timezone(
                'UTC',
                try_cast(
                    regexp_replace(
                        regexp_replace(upper(trim({{ expr }})), '\s*([Z]|[+-]\d{2}(:?\d{2})?)$', '\1'),
                        '([T ]\d{2}:\d{2})([Z+-])', '\1:00\2'
                    )
                    as timestamptz
                )
            )
        else try_cast(upper(trim({{ expr }})) as timestamp)
    end
    )
{%- endmacro %}

{#- Spark: its timestamp cast reads every accepted form, offsets included ('Z', '+02:00',
    '+0200', ' +02:00'); the session time zone is UTC (profiles.yml), so the result is
    the UTC wall time. -#}
{% macro spark__parse_utc_timestamp(expr) -%}
    case when trim({{ expr }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}' then try_cast(
        regexp_replace(upper(trim({{ expr }})), '([T ][0-9]{2}:[0-9]{2})(\\s*[Z+-])', '$1:00$2')
        as timestamp
    ) end
{%- endmacro %}


{#- The build's start time (UTC), as a timestamp literal. -#}
{% macro run_started_at_utc() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{% macro timestamp_add_minutes(ts, minutes) -%}
    {{ return(adapter.dispatch('timestamp_add_minutes', 'hook_patterns')(ts, minutes)) }}
{%- endmacro %}

{% macro default__timestamp_add_minutes(ts, minutes) -%}
    ({{ ts }} + interval '{{ minutes }}' minute)
{%- endmacro %}

{% macro duckdb__timestamp_add_minutes(ts, minutes) -%}
    ({{ ts }} + to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}


{#- Milliseconds from `start_ts` to `end_ts`, as double (null when either is null). -#}
{% macro timestamp_diff_ms(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('timestamp_diff_ms', 'hook_patterns')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__timestamp_diff_ms(start_ts, end_ts) -%}
    cast(datediff(millisecond, {{ start_ts }}, {{ end_ts }}) as double)
{%- endmacro %}

{% macro duckdb__timestamp_diff_ms(start_ts, end_ts) -%}
    cast(date_diff('microsecond', {{ start_ts }}, {{ end_ts }}) as double) / 1000.0
{%- endmacro %}

{% macro spark__timestamp_diff_ms(start_ts, end_ts) -%}
    cast(unix_micros({{ end_ts }}) - unix_micros({{ start_ts }}) as double) / 1000.0
{%- endmacro %}
