"""Warehouse tables → the small pandas DataFrames the suites validate.

GX 1.x gives wrong results through its SQLAlchemy route on DuckDB, so GX only ever sees
pandas. What we fetch is chosen so that a big warehouse stays cheap:

- **Raw events, row level.** Only the rows of the analysis window are fetched, plus the
  rows that cannot be placed in time (timestamp unparseable or in the future) that
  arrived in the same ingest batches as the window's rows — otherwise a broken
  timestamp could never be seen by a window-scoped check. Every expensive test (JSON
  validity, timestamp parsing) is computed in DuckDB and fetched as a narrow column, so
  the payload text never leaves the database. Above ``max_source_rows`` the population
  is replaced by a repeatable reservoir sample: the row expectations are ``mostly``
  shares, which a uniform sample estimates well.
- **Raw events, window level.** Counts, the Pre/Post balance and freshness are
  aggregated in DuckDB over the whole window (never sampled): one row.
- **Marts.** ``pattern_classifications`` is one row per candidate pattern (small). The
  occurrence-count invariant is computed per pattern in DuckDB against the fact table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from runner.errors import RunnerError
from runner.quality.params import CheckWindow, Thresholds

INGEST_HINT = "run `runner ingest --source …` first, then `runner build`"
BUILD_HINT = "run `runner build` first (it creates the staging and marts tables)"

#: Columns each table must have, and the command that creates the table.
REQUIRED_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "raw.hook_events": (
        (
            "event_id",
            "event_type",
            "session_id",
            "timestamp",
            "payload",
            "tool_name",
            "_batch_id",
            "_load_error",
        ),
        INGEST_HINT,
    ),
    "marts.pattern_classifications": (
        (
            "pattern_id",
            "run_date",
            "window_end_at",
            "occurrence_count",
            "confidence_score",
            "estimated_savings_usd",
            "is_destructive",
            "status",
        ),
        BUILD_HINT,
    ),
    "marts.fct_pattern_occurrences": (("pattern_id", "started_at"), BUILD_HINT),
}

#: Mirrors macros/timestamps.sql (duckdb__parse_utc_timestamp): naive UTC or null.
PARSE_TIMESTAMP_SQL = r"""
    case
        when regexp_matches(trim("timestamp"),
                            '\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$')
            then timezone('UTC', try_cast(
                regexp_replace(trim("timestamp"), '\s*([Zz]|[+-]\d{2}(:?\d{2})?)$', '\1')
                as timestamptz))
        else try_cast(trim("timestamp") as timestamp)
    end
"""

SOURCE_EVENTS_SQL = f"""
with raw_hook_events as (
    select * from raw.hook_events
),
events_parsed as (
    select
        nullif(trim(event_id), '') as event_id,
        nullif(trim(event_type), '') as event_type,
        left("timestamp", 64) as raw_timestamp,
        {PARSE_TIMESTAMP_SQL} as event_at,
        nullif(trim(session_id), '') as session_id,
        nullif(trim(tool_name), '') as tool_name_column,
        payload,
        coalesce(_batch_id, '') as batch_id,
        _load_error is null and coalesce(json_valid(payload), false) as is_valid_json,
    from raw_hook_events
),
window_batches as (
    select distinct events_parsed.batch_id
    from events_parsed
    where events_parsed.event_at >= $start_at and events_parsed.event_at < $end_at
),
population as (
    select events_parsed.*
    from events_parsed
    where (events_parsed.event_at >= $start_at and events_parsed.event_at < $end_at)
        or (
            (events_parsed.event_at is null or events_parsed.event_at > $future_limit_at)
            and events_parsed.batch_id in (select window_batches.batch_id from window_batches)
        )
)
select
    event_id,
    event_type,
    raw_timestamp,
    event_at,
    event_at > $future_limit_at as is_future,
    session_id,
    coalesce(
        tool_name_column,
        case when is_valid_json then nullif(trim(json_extract_string(payload, '$.tool_name')), '')
        end
    ) as tool_name,
    coalesce(event_type in ('PreToolUse', 'PostToolUse'), false) as is_tool_event,
    is_valid_json,
from population
"""

SOURCE_WINDOW_SQL = f"""
with events_parsed as (
    select event_type, {PARSE_TIMESTAMP_SQL} as event_at from raw.hook_events
),
window_counted as (
    select
        count(*) as window_event_count,
        count(*) filter (where event_type = 'PreToolUse') as pre_tool_use_count,
        count(*) filter (where event_type = 'PostToolUse') as post_tool_use_count,
    from events_parsed
    where event_at >= $start_at and event_at < $end_at
),
latest_found as (
    select max(event_at) as latest_event_at from events_parsed where event_at < $end_at
)
select
    window_counted.window_event_count,
    window_counted.pre_tool_use_count,
    window_counted.post_tool_use_count,
    case
        when greatest(window_counted.pre_tool_use_count, window_counted.post_tool_use_count) = 0
            then 0.0
        else abs(window_counted.pre_tool_use_count - window_counted.post_tool_use_count)
            / greatest(window_counted.pre_tool_use_count, window_counted.post_tool_use_count)
    end as pre_post_imbalance,
    latest_found.latest_event_at,
    date_diff('second', latest_found.latest_event_at, $end_at) / 3600.0
        as hours_since_latest_event,
from window_counted
cross join latest_found
"""

CLASSIFICATIONS_SQL = """
select
    pattern_id,
    cast(run_date as varchar) as run_date,
    status,
    confidence_score,
    estimated_savings_usd,
    is_destructive,
    occurrence_count,
from marts.pattern_classifications
order by pattern_id
"""

OCCURRENCE_AGREEMENT_SQL = """
with pattern_classifications as (
    select * from marts.pattern_classifications
),
fct_pattern_occurrences as (
    select * from marts.fct_pattern_occurrences
),
occurrences_counted as (
    select
        pattern_classifications.pattern_id,
        count(fct_pattern_occurrences.pattern_id) as fact_occurrence_count,
    from pattern_classifications
    left join fct_pattern_occurrences
        on fct_pattern_occurrences.pattern_id = pattern_classifications.pattern_id
        and fct_pattern_occurrences.started_at
            < coalesce(pattern_classifications.window_end_at, $end_at)
    group by pattern_classifications.pattern_id
)
select
    pattern_classifications.pattern_id,
    pattern_classifications.occurrence_count,
    occurrences_counted.fact_occurrence_count,
    pattern_classifications.occurrence_count - occurrences_counted.fact_occurrence_count
        as occurrence_count_difference,
from pattern_classifications
inner join occurrences_counted
    on occurrences_counted.pattern_id = pattern_classifications.pattern_id
order by pattern_classifications.pattern_id
"""


@dataclass(frozen=True)
class Frames:
    """Everything the suites validate, keyed by the names the suites refer to."""

    by_name: dict[str, pd.DataFrame]
    #: Raw rows in the window's population, and whether a sample of them was validated.
    source_population: int
    source_sampled: bool


@contextmanager
def open_warehouse(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only: checks must never change what they check."""
    if not warehouse.exists():
        raise RunnerError(f"warehouse {warehouse} does not exist", INGEST_HINT)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise RunnerError(
            f"cannot open warehouse {warehouse}: {exc}",
            "is another runner or dbt process writing to it? retry when it has finished",
        ) from exc
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def require_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with the command to run when a table or one of its columns is missing."""
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns"
    ).fetchall()
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    for table, (columns, hint) in REQUIRED_COLUMNS.items():
        if table not in present:
            raise RunnerError(f"table {table} is missing from the warehouse", hint)
        missing = [column for column in columns if column not in present[table]]
        if missing:
            raise RunnerError(f"table {table} lacks column(s) {', '.join(missing)}", hint)


def fetch_frames(
    con: duckdb.DuckDBPyConnection, window: CheckWindow, thresholds: Thresholds
) -> Frames:
    """Run the queries of the module docstring and return their DataFrames."""
    params: dict[str, Any] = {
        "start_at": window.start_at,
        "end_at": window.end_at,
        "future_limit_at": window.future_limit_at,
    }
    window_params = {"start_at": window.start_at, "end_at": window.end_at}
    source_events, population, sampled = _source_events(con, params, thresholds.max_source_rows)
    return Frames(
        by_name={
            "source_events": source_events,
            "source_window": _query(con, SOURCE_WINDOW_SQL, window_params),
            "pattern_classifications": _query(con, CLASSIFICATIONS_SQL, {}),
            "occurrence_agreement": _query(
                con, OCCURRENCE_AGREEMENT_SQL, {"end_at": window.end_at}
            ),
        },
        source_population=population,
        source_sampled=sampled,
    )


def _source_events(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], max_rows: int
) -> tuple[pd.DataFrame, int, bool]:
    """The raw rows of the window, or a repeatable reservoir sample of them when too many."""
    population_row = con.execute(f"select count(*) from ({SOURCE_EVENTS_SQL})", params).fetchone()
    population = int(population_row[0]) if population_row else 0
    if population <= max_rows:
        return _query(con, SOURCE_EVENTS_SQL, params), population, False
    sampled_sql = (
        f"select * from ({SOURCE_EVENTS_SQL}) "
        f"using sample reservoir({int(max_rows)} rows) repeatable (42)"
    )
    return _query(con, sampled_sql, params), population, True


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run one query; a SQL error means the tables don't have the documented shape."""
    try:
        return con.execute(sql, params).df()
    except duckdb.Error as exc:
        raise RunnerError(
            f"data-quality query failed: {str(exc).splitlines()[0]}",
            "the warehouse tables may be from an older version: run `runner build`",
        ) from exc
