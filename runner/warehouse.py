"""The DuckDB warehouse: opening it, and checking that a step's tables are there.

One configuration and one set of errors for every step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from runner.errors import RunnerError

#: Extensions load only from the installed wheels (see runner.sources.databases), never
#: from the network: DuckDB must not try to install or autoload anything by itself.
WAREHOUSE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

BUILD_HINT = "run `runner ingest --source …` and `runner build` first"
BUSY_HINT = (
    "another process (a runner or dbt run, a DuckDB shell) may be writing it; "
    "retry when it has finished"
)
IN_USE_HINT = (
    "close that connection (a DuckDB shell, a notebook, a dbt run) or wait for it to end, "
    "then run again; analysts read the published copy of the marts, never the warehouse"
)

#: DuckDB's words for a file locked by another process; its advice to open the file
#: read-only instead is no help to a step that writes.
_LOCK_HELD = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def in_use_message(path: Path | str, error_text: str) -> str | None:
    """One line naming the process that holds ``path``, if ``error_text`` is DuckDB's lock error.

    Used for the runner's own connections and for dbt's, whose failure arrives as a
    traceback of several hundred lines with DuckDB's message at its end.
    """
    found = _LOCK_HELD.search(error_text)
    if found is None:
        return None
    program = Path(found["program"].strip()).name
    return f"warehouse {path} is in use by another process ({program}, PID {found['pid']})"


def connect(
    path: Path, *, read_only: bool = False, missing_hint: str = BUILD_HINT
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file.

    Read-only opens never create a file: a missing warehouse is an error that says what
    to run first. A file held by another process is an error too, not a traceback.
    """
    if read_only and not path.is_file():
        raise RunnerError(f"warehouse {path} does not exist", missing_hint)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=WAREHOUSE_CONFIG)
    except duckdb.Error as exc:
        if (in_use := in_use_message(path, str(exc))) is not None:
            raise RunnerError(in_use, IN_USE_HINT) from None
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise RunnerError(f"cannot open warehouse {path}: {first_line}", BUSY_HINT) from None


def missing_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[str]:
    """Those of ``tables`` ("schema.table", tables or views) the warehouse lacks."""
    return [table for table in tables if _columns(con, table) is None]


def require_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Iterable[str] = (),
    *,
    hint: str,
    stale_hint: str | None = None,
) -> None:
    """Raise RunnerError unless ``table`` ("schema.table") is there with ``columns``.

    ``hint`` says what creates the table; ``stale_hint`` (default: ``hint``) what to do
    about a table from an older version that lacks some columns.
    """
    present = _columns(con, table)
    if present is None:
        raise RunnerError(f"warehouse {_path(con)} has no {table}", hint)
    missing = [column for column in columns if column.lower() not in present]
    if missing:
        raise RunnerError(
            f"{table} in warehouse {_path(con)} lacks column(s) {', '.join(missing)}",
            stale_hint or hint,
        )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The (lower-case) columns of "schema.table"; None when there is no such table."""
    schema, name = table.split(".")
    rows = con.execute(
        "select lower(column_name) from information_schema.columns "
        "where lower(table_schema) = lower(?) and lower(table_name) = lower(?)",
        [schema, name],
    ).fetchall()
    return {str(column) for (column,) in rows} or None


def _path(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "select coalesce(path, database_name) from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row else "?"


def require_writable(path: Path) -> None:
    """Fail now, in one line, if another process holds the warehouse.

    A DuckDB connection anywhere else, even a read-only one, stops dbt from opening the
    file for writing; found before the run starts, it costs no step.
    """
    if path.is_file():
        connect(path).close()


def query_file_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    params: Mapping[str, Any],
    *,
    what: str,
    hint: str | None = None,
) -> list[dict[str, Any]]:
    """Run the SQL file ``path`` with those of ``params`` it names (``$name``); its rows
    as dicts. A failing query is one line: "<what> <file stem> failed: <DuckDB's first
    line>", with ``hint``."""
    sql = path.read_text()
    used = {key: params[key] for key in set(re.findall(r"\$(\w+)", sql))}
    try:
        cursor = con.execute(sql, used or None)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise RunnerError(f"{what} {path.stem} failed: {first_line}", hint) from exc
    columns = [description[0] for description in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
