"""warehouse.require_table and missing_tables: the one check that a step's tables are there.

The build, the checks, the sync, the report, the daily bookkeeping and the tested-through
watermark all ask it, so each says the same thing about a missing table or column.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from runner import warehouse as warehouse_db
from runner.errors import RunnerError


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as setup:
        setup.execute(
            "create schema marts; create schema staging;"
            "create table marts.patterns (pattern_id varchar, Status varchar);"
            "create view staging.events as select 1 as event_id"
        )
    connection = warehouse_db.connect(path, read_only=True)
    yield connection
    connection.close()


def test_a_table_with_its_columns_passes(con: duckdb.DuckDBPyConnection) -> None:
    warehouse_db.require_table(con, "marts.patterns", ["pattern_id", "status"], hint="h")
    warehouse_db.require_table(con, "MARTS.Patterns", hint="h")  # names are case-blind
    warehouse_db.require_table(con, "staging.events", ["event_id"], hint="h")  # a view too


def test_a_missing_table_names_the_warehouse_and_what_to_run(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    with pytest.raises(RunnerError) as caught:
        warehouse_db.require_table(con, "raw.hook_events", hint="run `runner ingest`")
    assert caught.value.message == f"warehouse {tmp_path / 'wh.duckdb'} has no raw.hook_events"
    assert caught.value.hint == "run `runner ingest`"


def test_missing_columns_are_listed_with_the_stale_hint(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(RunnerError) as caught:
        warehouse_db.require_table(
            con, "marts.patterns", ["pattern_id", "score", "rank"], hint="build", stale_hint="again"
        )
    assert "marts.patterns in warehouse" in caught.value.message
    assert caught.value.message.endswith("lacks column(s) score, rank")
    assert caught.value.hint == "again"


def test_missing_tables_lists_only_the_absent(con: duckdb.DuckDBPyConnection) -> None:
    found = warehouse_db.missing_tables(con, ["marts.patterns", "runner.daily_runs", "x.y"])
    assert found == ["runner.daily_runs", "x.y"]


# --- SQL files of the report and the daily summary ----------------------------------
def test_a_query_file_gets_the_parameters_it_names_and_returns_dicts(tmp_path: Path) -> None:
    query = tmp_path / "pick.sql"
    query.write_text("select $low as low, x from range(5) t(x) where x >= $low order by x")

    with duckdb.connect() as con:
        rows = warehouse_db.query_file_rows(con, query, {"low": 3, "unused": 1}, what="q")

    assert rows == [{"low": 3, "x": 3}, {"low": 3, "x": 4}]


def test_a_failing_query_file_is_one_line_naming_it(tmp_path: Path) -> None:
    query = tmp_path / "review_queue.sql"
    query.write_text("select missing_column\nfrom range(1)")

    with duckdb.connect() as con, pytest.raises(RunnerError) as caught:
        warehouse_db.query_file_rows(con, query, {}, what="report query", hint="rebuild")

    assert caught.value.message.startswith("report query review_queue failed: Binder Error")
    assert "\n" not in caught.value.message
    assert caught.value.hint == "rebuild"
