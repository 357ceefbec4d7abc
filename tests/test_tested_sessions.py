"""Data tests of the session-incremental models read only untested sessions.

macros/test_scope.sql and runner/tested_sessions.py: a build in which every node passed
records the models' watermark; the next build's tests of those models skip the rows at
or below it, and a failing build records nothing, so its rows are tested again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from runner import tested_sessions
from runner.cli import app
from runner.sample import SampleOptions, generate_sample
from tests.support.batches import split_in_two_batches, write_lines

RUN_DATE = "2026-11-22"
FCT = "marts.fct_pattern_occurrences"


def _build(cli: CliRunner, warehouse: Path, *extra: str) -> tuple[int, str]:
    result = cli.invoke(
        app, ["build", "--run-date", RUN_DATE, "--warehouse", str(warehouse), *extra]
    )
    return result.exit_code, result.output


def _ingest(cli: CliRunner, warehouse: Path, source: Path) -> None:
    result = cli.invoke(app, ["ingest", "--source", str(source), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output


def _recorded(warehouse: Path) -> list[dt.datetime]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select tested_through from runner.tested_through order by recorded_at"
        ).fetchall()
    return [row[0] for row in rows]


def _watermark(warehouse: Path) -> dt.datetime:
    relations = tested_sessions.session_incremental_relations()
    assert relations == [
        ("intermediate", "int_pattern_daily_stats"),
        ("intermediate", "int_pattern_recent_sessions"),
        ("intermediate", "int_sessions_loaded"),
        ("intermediate", "int_tool_calls_paired"),
        ("intermediate", "int_tool_calls_signed"),
        ("intermediate", "int_tool_steps_sequenced"),
        ("marts", "fct_pattern_occurrences"),
        ("staging", "stg_raw__hook_events"),
    ], relations
    with duckdb.connect(str(warehouse), read_only=True) as con:
        maxima = [
            con.sql(f'select max(session_loaded_at) from "{schema}"."{table}"').fetchone()
            for schema, table in relations
        ]
    return min(row[0] for row in maxima if row and row[0] is not None)


def _copy_one_occurrence(warehouse: Path, *, loaded_at: str | None = None) -> None:
    """Duplicate one row of the fact table: the unique test on occurrence_id must see it.

    ``loaded_at`` gives the row and its copy another session version (rows written by a
    build whose tests then failed); without it, the copy is as old as the row it copies.
    """
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"insert into {FCT} select * from {FCT} order by occurrence_id limit 1")
        if loaded_at:
            con.execute(
                f"update {FCT} set session_loaded_at = timestamp '{loaded_at}' "
                f"where occurrence_id = (select min(occurrence_id) from {FCT})"
            )


@pytest.mark.slow
def test_tests_skip_tested_sessions_and_keep_failed_ones(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    generate_sample(
        events,
        SampleOptions(sessions=30, days=2, seed=11, end_date=dt.date(2026, 11, 22), bad_rows=True),
    )
    first_lines, second_lines = split_in_two_batches(events, RUN_DATE)
    first = write_lines(tmp_path / "first.jsonl", first_lines)
    second = write_lines(tmp_path / "second.jsonl", second_lines)
    warehouse = tmp_path / "warehouse.duckdb"
    cli = CliRunner()

    # 1. A first build tests everything and records the watermark it reached.
    _ingest(cli, warehouse, first)
    code, output = _build(cli, warehouse)
    assert code == 0, output
    assert "tested from" not in output
    assert _recorded(warehouse) == [_watermark(warehouse)]
    first_watermark = _watermark(warehouse)

    # 2. An old row broken after it was tested is not read again: the next build, with
    #    new sessions, passes and says from where it tested; its new rows are tested.
    _copy_one_occurrence(warehouse)
    _ingest(cli, warehouse, second)
    code, output = _build(cli, warehouse)
    assert code == 0, output
    assert f"tested from {first_watermark:%Y-%m-%d %H:%M:%S}" in output
    assert _watermark(warehouse) > first_watermark
    assert _recorded(warehouse) == [first_watermark, _watermark(warehouse)]

    # 3. A row newer than the recorded watermark (as a build whose tests failed leaves
    #    it) is tested, fails the build, and nothing is recorded; the next build tests it
    #    again and fails again.
    recorded = _recorded(warehouse)
    newer = _watermark(warehouse) + dt.timedelta(seconds=1)
    _copy_one_occurrence(warehouse, loaded_at=f"{newer:%Y-%m-%d %H:%M:%S}")
    for _attempt in range(2):
        code, output = _build(cli, warehouse)
        assert code != 0, output
        assert "unique_fct_pattern_occurrences_occurrence_id" in output, output
        assert "Got 1 result" in output, output  # the reason, not only the name
        assert _recorded(warehouse) == recorded

    # 4. Plain dbt semantics are unchanged: a full refresh rebuilds and tests every row.
    code, output = _build(cli, warehouse, "--full-refresh")
    assert code == 0, output
    assert "tested from" not in output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        duplicates = con.sql(
            f"select count(*) - count(distinct occurrence_id) from {FCT}"
        ).fetchone()
    assert duplicates == (0,)


@pytest.mark.slow
def test_a_missing_model_table_means_every_row_is_tested(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    generate_sample(
        events,
        SampleOptions(sessions=10, days=1, seed=5, end_date=dt.date(2026, 11, 22)),
    )
    warehouse = tmp_path / "warehouse.duckdb"
    cli = CliRunner()
    _ingest(cli, warehouse, events)
    code, output = _build(cli, warehouse)
    assert code == 0, output
    assert tested_sessions.tested_through(warehouse) == _watermark(warehouse)

    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"drop table {FCT}")
    assert tested_sessions.tested_through(warehouse) is None
    code, output = _build(cli, warehouse)
    assert code == 0, output
    assert "tested from" not in output
