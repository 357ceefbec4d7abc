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
