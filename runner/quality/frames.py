"""Warehouse tables → the small pandas DataFrames the suites validate.

GX 1.x gives wrong results through its SQLAlchemy route on DuckDB, so GX only ever sees
pandas. What we fetch is chosen so that a big warehouse stays cheap:

- **Raw events, row level.** Only the rows of the analysis window are fetched. A row
  whose own timestamp can't place it (unparseable, or in the future) is placed where it
  stands in its source: at the time of the last good row before it in the same batch and
  file. So every broken row is checked once, in the window it arrived with, and a day's
  share of bad rows is not inflated by the bad rows of the other days in the same file.
  Timestamps are parsed (exactly as staging does) in one pass into a temp table, and
  only for rows whose text date is near the window or the present: a growing history
  costs a cheap scan, not a regex per row.
  The expensive per-row tests (JSON validity) run in DuckDB on the chosen rows only and
  come back as narrow boolean columns, so payload text never leaves the database. Above
  ``max_source_rows`` the chosen rows are a repeatable reservoir sample: the row
  expectations are ``mostly`` shares, which a uniform sample estimates well.
- **Raw events, window level.** Counts, the Pre/Post balance and freshness are
  aggregated in DuckDB over the whole window (never sampled): one row. Temp tables are
  allowed on a read-only connection and vanish with it.

The marts are not fetched: their rules are dbt tests, run by every `runner build`
(docs/ARCHITECTURE.md, "Where each rule is checked").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from runner import warehouse as warehouse_db
from runner.dbt_macros import project_macros
from runner.errors import RunnerError
from runner.quality.params import CheckWindow, Thresholds

INGEST_HINT = "run `runner ingest --source …` first, then `runner build`"

#: The columns of raw.hook_events the checks read.
REQUIRED_COLUMNS = (
    "event_id",
    "event_type",
    "session_id",
    "timestamp",
    "payload",
    "tool_name",
    "_batch_id",
    "_load_error",
)

#: Text to naive UTC or null: staging's own macro (macros/timestamps.sql), rendered here.
PARSE_TIMESTAMP_SQL = project_macros("timestamps.sql")["duckdb__parse_utc_timestamp"]('"timestamp"')

#: The text timestamp's date prefix: a cheap bound on when a row can fall. UTC offsets are
#: at most ±14 h, so a row whose text date is D lies in [D - 14 h, D + 38 h) UTC: rows
#: dated outside [first day - 1, last day] can't fall in a range of days.
PREFIX_DATE_SQL = """try_cast(left(trim("timestamp"), 10) as date)"""

#: One pass over raw.hook_events: the rows that can matter for this run, timestamps parsed
#: exactly like staging. Everything else is dated days away from the window and the
#: present (or has no date prefix, and is parsed too), so it needs no parsing at all.
EVENTS_TIMED_SQL = f"""
create or replace temp table check_events_timed as
with raw_hook_events_dated as (
    select
        rowid as raw_rowid,
        nullif(trim(event_type), '') as event_type,
        coalesce(_batch_id, '') as batch_id,
        coalesce(_source, '') as source,
        _source_line as source_line,
        "timestamp",
        {PREFIX_DATE_SQL} as prefix_date,
    from raw.hook_events
)
select
    raw_rowid,
    event_type,
    batch_id,
    source,
    source_line,
    {PARSE_TIMESTAMP_SQL} as event_at,
from raw_hook_events_dated
where prefix_date is null
    or prefix_date between $scan_from and $scan_to
    or prefix_date >= $future_scan_from
"""

SOURCE_POPULATION_SQL = """
with events_placed as (
    select
        check_events_timed.raw_rowid,
        check_events_timed.event_at,
        case
            when check_events_timed.event_at <= $future_limit_at
                then check_events_timed.event_at
            else last_value(
                case
                    when check_events_timed.event_at <= $future_limit_at
                        then check_events_timed.event_at
                end ignore nulls
            ) over (
                partition by check_events_timed.batch_id, check_events_timed.source
                order by check_events_timed.source_line
                rows between unbounded preceding and 1 preceding
            )
        end as placed_at
    from check_events_timed
)
select events_placed.raw_rowid, events_placed.event_at
from events_placed
where events_placed.placed_at >= $start_at and events_placed.placed_at < $end_at
"""

#: The per-row contract tests, computed for the chosen rows only (payload stays in DuckDB).
SOURCE_EVENTS_SQL = """
with raw_hook_events as (
    select rowid as raw_rowid, * from raw.hook_events
),
events_chosen as (
    select
        nullif(trim(raw_hook_events.event_id), '') as event_id,
        nullif(trim(raw_hook_events.event_type), '') as event_type,
        left(raw_hook_events."timestamp", 64) as raw_timestamp,
        check_source_population.event_at,
        nullif(trim(raw_hook_events.session_id), '') as session_id,
        nullif(trim(raw_hook_events.tool_name), '') as tool_name_column,
        raw_hook_events.payload,
        raw_hook_events._load_error is null
            and coalesce(json_valid(raw_hook_events.payload), false) as is_valid_json,
    from raw_hook_events
    inner join check_source_population
        on check_source_population.raw_rowid = raw_hook_events.raw_rowid
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
        case
            when is_valid_json then nullif(trim(json_extract_string(payload, '$.tool_name')), '')
        end
    ) as tool_name,
    coalesce(event_type in ('PreToolUse', 'PostToolUse'), false) as is_tool_event,
    is_valid_json,
from events_chosen
order by event_id
"""

#: Rows dated before the scanned range: only read when nothing was found in it, and
#: then only its last three text dates (enough for ±14 h offsets), so freshness stays
#: exact and cheap.
OLDER_LATEST_SQL = f"""
with raw_hook_events_dated as (
    select "timestamp", {PREFIX_DATE_SQL} as prefix_date from raw.hook_events
),
older_events as (
    select * from raw_hook_events_dated where prefix_date < $scan_from
)
select max({PARSE_TIMESTAMP_SQL})
from older_events
where older_events.prefix_date >= (select max(prefix_date) from older_events) - 2
"""

SOURCE_WINDOW_SQL = """
with window_counted as (
    select
        count(*) as window_event_count,
        count(*) filter (where event_type = 'PreToolUse') as pre_tool_use_count,
        count(*) filter (where event_type = 'PostToolUse') as post_tool_use_count,
    from check_events_timed
    where event_at >= $start_at and event_at < $end_at
),
latest_found as (
    select coalesce(max(event_at), cast($older_latest_at as timestamp)) as latest_event_at
    from check_events_timed
    where event_at < $end_at
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
    con = warehouse_db.connect(warehouse, read_only=True, missing_hint=INGEST_HINT)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def require_source_table(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with the command to run when the raw table or one of its columns is missing."""
    warehouse_db.require_table(con, "raw.hook_events", REQUIRED_COLUMNS, hint=INGEST_HINT)


def fetch_frames(
    con: duckdb.DuckDBPyConnection, window: CheckWindow, thresholds: Thresholds
) -> Frames:
    """Run the queries of the module docstring and return their DataFrames."""
    window_params = {"start_at": window.start_at, "end_at": window.end_at}
    _execute(con, EVENTS_TIMED_SQL, _scan_range(window))
    population, sampled = _choose_source_rows(con, window, thresholds.max_source_rows)
    source_events = _query(con, SOURCE_EVENTS_SQL, {"future_limit_at": window.future_limit_at})
    return Frames(
        by_name={
            "source_events": source_events,
            "source_window": _query(
                con,
                SOURCE_WINDOW_SQL,
                window_params | {"older_latest_at": _older_latest_event(con, window)},
            ),
        },
        source_population=population,
        source_sampled=sampled,
    )


def _scan_range(window: CheckWindow) -> dict[str, Any]:
    """Date-prefix bounds of the rows worth parsing: around the window and around now."""
    margin = dt.timedelta(days=1)
    return {
        "scan_from": window.start_at.date() - margin,
        "scan_to": window.end_at.date() + margin,
        "future_scan_from": window.future_limit_at.date() - margin,
    }


def _choose_source_rows(
    con: duckdb.DuckDBPyConnection, window: CheckWindow, max_rows: int
) -> tuple[int, bool]:
    """Fill temp table check_source_population; sample it when larger than ``max_rows``."""
    params = {
        "start_at": window.start_at,
        "end_at": window.end_at,
        "future_limit_at": window.future_limit_at,
    }
    _execute(
        con,
        f"create or replace temp table check_source_population as {SOURCE_POPULATION_SQL}",
        params,
    )
    row = con.execute("select count(*) from check_source_population").fetchone()
    population = int(row[0]) if row else 0
    if population <= max_rows:
        return population, False
    _execute(
        con,
        "create or replace temp table check_source_population as "
        "select * from check_source_population "
        f"using sample reservoir({int(max_rows)} rows) repeatable (42)",
        {},
    )
    return population, True


def _older_latest_event(con: duckdb.DuckDBPyConnection, window: CheckWindow) -> Any:
    """The latest event before the scanned range, read only when that range has none."""
    found = con.execute(
        "select count(*) from check_events_timed where event_at < $end_at",
        {"end_at": window.end_at},
    ).fetchone()
    if found and found[0]:
        return None
    row = con.execute(OLDER_LATEST_SQL, {"scan_from": _scan_range(window)["scan_from"]}).fetchone()
    return row[0] if row else None


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    try:
        con.execute(sql, params)
    except duckdb.Error as exc:
        raise _shape_error(exc) from exc


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run one query; a SQL error means the tables don't have the documented shape."""
    try:
        return con.execute(sql, params).df()
    except duckdb.Error as exc:
        raise _shape_error(exc) from exc


def _shape_error(exc: duckdb.Error) -> RunnerError:
    """A SQL error here means a table doesn't have the documented shape."""
    return RunnerError(
        f"data-quality query failed: {str(exc).splitlines()[0]}",
        "the warehouse tables may be from an older version: run `runner build`",
    )
