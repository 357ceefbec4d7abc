"""`runner ingest` from the application's databases: SQLite files and PostgreSQL.

The fixtures create hook_events with the application's DDL (DESIGN.md), read through
the DuckDB scanner extensions from the installed wheels; PostgreSQL is the real server on
127.0.0.1:5432 (one fresh database per test, from the `pg_url` fixture).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from runner.cli import app
from runner.errors import RunnerError
from runner.ingest import ingest_source
from runner.sources.conform import CONTENT_COLUMNS
from tests.support.app_databases import PG_DDL, SQLITE_DDL

INSERT_COLUMNS = CONTENT_COLUMNS
CONTENT = ", ".join(f'"{c}"' for c in CONTENT_COLUMNS)


def event(n: int) -> dict[str, Any]:
    """One event; the microseconds and the non-ASCII text must survive every source."""
    tool = ["Bash", "Read", "Edit"][n % 3]
    return {
        "event_id": f"evt-{n:04d}",
        "event_type": "PreToolUse" if n % 2 else "PostToolUse",
        "source_app": "adw_wf-75ba1f95",
        "session_id": f"5b0c1f2e-0000-4000-8000-{n // 10:012d}",
        "workflow_id": None,
        "timestamp": f"2025-03-01 10:{n % 60:02d}:07.{n * 1001 % 1_000_000:06d}",
        "payload": json.dumps({"tool_name": tool, "tool_input": {"command": f"echo ü{n}"}}),
        "tool_name": tool,
        "chat_history": None if n % 4 else json.dumps([{"role": "user", "content": "go"}]),
    }


def sqlite_db(path: Path, events: Sequence[dict[str, Any]] = ()) -> str:
    with sqlite3.connect(path) as con:
        con.execute(SQLITE_DDL)
    add_sqlite(path, events)
    return f"sqlite:///{path}"


def add_sqlite(path: Path, events: Sequence[dict[str, Any]]) -> None:
    placeholders = ", ".join("?" for _ in INSERT_COLUMNS)
    with sqlite3.connect(path) as con:
        con.executemany(
            f"insert into hook_events ({', '.join(INSERT_COLUMNS)}) values ({placeholders})",
            [[e[c] for c in INSERT_COLUMNS] for e in events],
        )


def pg_db(url: str, events: Sequence[dict[str, Any]] = ()) -> str:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(PG_DDL)
    add_pg(url, events)
    return url


def add_pg(url: str, events: Sequence[dict[str, Any]]) -> None:
    placeholders = ", ".join("%s" for _ in INSERT_COLUMNS)
    with psycopg.connect(url, autocommit=True) as con, con.cursor() as cur:
        cur.executemany(
            f"insert into hook_events ({', '.join(INSERT_COLUMNS)}) values ({placeholders})",
            [[e[c] for c in INSERT_COLUMNS] for e in events],
        )


def raw_rows(warehouse: Path, columns: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select {columns} from raw.hook_events order by event_id").fetchall()


def high_water(warehouse: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select source, high_water_id from runner.ingest_state").fetchall()


def raw_row_count(warehouse: Path) -> int:
    """Rows in raw.hook_events, 0 when ingest never created the table."""
    if not warehouse.exists():
        return 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'raw' and table_name = 'hook_events'"
        ).fetchone()
        if exists == (0,):
            return 0
        row = con.execute("select count(*) from raw.hook_events").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def warehouse(workdir: Path) -> Path:
    return workdir / "warehouse.duckdb"


def run_cli(cli: Any, source: str, warehouse: Path) -> Any:
    return cli.invoke(app, ["ingest", "--source", source, "--warehouse", str(warehouse)])


def test_sqlite_reads_only_rows_above_the_high_water_mark(
    cli: Any, workdir: Path, warehouse: Path
) -> None:
    db = workdir / "app.db"
    url = sqlite_db(db, [event(n) for n in range(1, 6)])

    first = run_cli(cli, url, warehouse)
    add_sqlite(db, [event(n) for n in range(6, 9)])
    second = ingest_source(url, warehouse)
    third = ingest_source(url, warehouse)

    assert first.exit_code == 0, first.output
    assert "read 5 rows: inserted 5 events" in first.output
    assert (second.rows_read, second.rows_inserted) == (3, 3)
    assert (third.rows_read, third.rows_inserted) == (0, 0)
    assert high_water(warehouse) == [(f"sqlite:///{db.resolve()}", 8)]
    rows = raw_rows(warehouse, "event_id, source_row_id, _source_line, processed, _source")
    assert [r[:3] for r in rows][-1] == ("evt-0008", 8, 8)
    assert {r[3] for r in rows} == {0}
    assert {r[4] for r in rows} == {f"sqlite:///{db.resolve()}"}


@pytest.mark.postgres
def test_postgres_reads_only_rows_above_the_high_water_mark(
    cli: Any, pg_url: str, warehouse: Path
) -> None:
    pg_db(pg_url, [event(n) for n in range(1, 6)])

    first = run_cli(cli, pg_url, warehouse)
    add_pg(pg_url, [event(n) for n in range(6, 10)])
    second = ingest_source(pg_url, warehouse)
    third = ingest_source(pg_url, warehouse)

    assert first.exit_code == 0, first.output
    assert "read 5 rows: inserted 5 events" in first.output
    assert (second.rows_read, second.rows_inserted) == (4, 4)
    assert (third.rows_read, third.rows_inserted) == (0, 0)
    assert high_water(warehouse) == [(pg_url, 9)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute("select count(*), max(source_row_id) from raw.hook_events")
        assert stored.fetchone() == (9, 9)


@pytest.mark.postgres
def test_jsonl_sqlite_and_postgres_give_identical_raw_content(workdir: Path, pg_url: str) -> None:
    events = [event(n) for n in range(1, 13)]
    jsonl = workdir / "events.jsonl"
    # The JSONL export writes ISO timestamps with a 'T'; canonical text must still match.
    jsonl.write_text(
        "".join(
            json.dumps({**e, "timestamp": e["timestamp"].replace(" ", "T")}) + "\n" for e in events
        )
    )
    sources = {
        "jsonl": str(jsonl),
        "sqlite": sqlite_db(workdir / "app.db", events),
        "postgres": pg_db(pg_url, events),
    }

    contents = {}
    for kind, source in sources.items():
        summary = ingest_source(source, workdir / f"{kind}.duckdb")
        assert summary.rows_inserted == len(events)
        contents[kind] = raw_rows(workdir / f"{kind}.duckdb", f"{CONTENT}, _row_hash")

    assert contents["jsonl"] == contents["sqlite"] == contents["postgres"]
    assert contents["postgres"][0][5] == "2025-03-01 10:01:07.001001"


@pytest.mark.postgres
def test_one_warehouse_fed_by_file_and_database_keeps_one_copy(
    workdir: Path, pg_url: str, warehouse: Path
) -> None:
    events = [event(n) for n in range(1, 4)]
    jsonl = workdir / "events.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in events))
    ingest_source(str(jsonl), warehouse)

    from_pg = ingest_source(pg_db(pg_url, events), warehouse)

    assert (from_pg.rows_read, from_pg.rows_inserted, from_pg.rows_skipped_duplicates) == (3, 0, 3)


def test_an_empty_sqlite_table_is_a_normal_run(cli: Any, workdir: Path, warehouse: Path) -> None:
    result = run_cli(cli, sqlite_db(workdir / "app.db"), warehouse)

    assert result.exit_code == 0, result.output
    assert "read 0 rows: inserted 0 events" in result.output
    assert raw_row_count(warehouse) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from runner.ingest_batches").fetchone() == (1,)


def test_password_is_never_shown(cli: Any, pg_url: str, warehouse: Path) -> None:
    """Trust auth ignores the password, so the run succeeds and its output is checked."""
    pg_db(pg_url, [event(1)])
    with_password = pg_url.replace("postgres@", "postgres:s3cret-pw@")

    result = run_cli(cli, with_password, warehouse)

    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output
    assert "postgres:***@" in result.output
    assert raw_rows(warehouse, "distinct _source") == [(with_password.replace("s3cret-pw", "***"),)]


def _sqlite_without_table(workdir: Path) -> str:
    with sqlite3.connect(workdir / "other.db") as con:
        con.execute("create table something_else (id integer)")
    return f"sqlite:///{workdir / 'other.db'}"


def _not_a_sqlite_file(workdir: Path) -> str:
    (workdir / "notes.db").write_text("this is not a database\n" * 100)
    return f"sqlite:///{workdir / 'notes.db'}"


@pytest.mark.parametrize(
    ("make_source", "message"),
    [
        (lambda w: f"sqlite:///{w / 'missing.db'}", "does not exist"),
        (_sqlite_without_table, "has no hook_events table"),
        (_not_a_sqlite_file, "file is not a database"),
        (lambda w: "postgresql://postgres:hunter2@127.0.0.1:1/x", "cannot connect to PostgreSQL"),
        (lambda w: "oracle://scott:hunter2@db/app", "unknown source scheme"),
    ],
    ids=["sqlite-missing", "sqlite-no-table", "sqlite-not-a-db", "pg-unreachable", "scheme"],
)
def test_bad_database_sources_exit_1_and_write_nothing(
    cli: Any, workdir: Path, warehouse: Path, make_source: Any, message: str
) -> None:
    result = run_cli(cli, make_source(workdir), warehouse)

    assert result.exit_code == 1
    assert message in result.output
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2  # the error line and its hint
    assert raw_row_count(warehouse) == 0


@pytest.mark.postgres
def test_postgres_without_hook_events_exits_1(cli: Any, pg_url: str, warehouse: Path) -> None:
    result = run_cli(cli, pg_url, warehouse)

    assert result.exit_code == 1
    assert "has no hook_events table" in result.output
    assert raw_row_count(warehouse) == 0


def test_a_failing_database_read_rolls_back(workdir: Path, warehouse: Path) -> None:
    """The high-water mark and the rows move together: a failed read moves neither."""
    db = workdir / "app.db"
    url = sqlite_db(db, [event(1)])
    ingest_source(url, warehouse)
    add_sqlite(db, [event(2), event(3)])
    with sqlite3.connect(db) as con:  # SQLite stores bytes that are not UTF-8 as given
        con.execute("update hook_events set payload = cast(x'7bff7d' as text) where id = 3")

    with pytest.raises(RunnerError, match="Invalid unicode"):
        ingest_source(url, warehouse)

    assert raw_row_count(warehouse) == 1
    assert high_water(warehouse)[0][1] == 1
