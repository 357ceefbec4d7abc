"""Incremental builds give exactly what a full build gives (macros/incremental_sessions.sql,
incremental_rollups.sql and staging_scope.sql).

The events arrive in two batches: the second continues sessions of the first, starts new
ones, and re-delivers an event id of the first batch with other content. Building after
each batch must leave every session-level model and the marts equal, row for row, to a
build of both batches at once, and a build with nothing new must change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.sample import SampleOptions, generate_sample
from tests.support.batches import event_day, split_in_two_batches, write_lines

RUN_DATE = "2026-11-22"
NULL_MODEL = "intermediate.int_pattern_session_null_model"
#: model -> columns compared (lineage of the load itself differs between the two runs)
COMPARED = {
    "staging.stg_raw__hook_events": (
        "* exclude (batch_id, ingested_at, session_loaded_at, session_load_date, source)"
    ),
    "intermediate.int_tool_calls_paired": "* exclude (session_loaded_at, session_load_date)",
    "intermediate.int_tool_calls_signed": "* exclude (session_loaded_at, session_load_date)",
    "intermediate.int_tool_steps_sequenced": "* exclude (session_loaded_at, session_load_date)",
    "marts.fct_pattern_occurrences": "* exclude (session_loaded_at, session_load_date)",
    NULL_MODEL: "*",
    "marts.quarantined_events": "quarantine_reason, event_id, event_type, session_id, event_at",
    "marts.pattern_classifications": "*",
}


def _run(cli: CliRunner, *args: str) -> None:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _split_in_two_batches(events: Path, first: Path, second: Path) -> int:
    """The two deliveries of tests/support/batches.py, with one event id of the first delivered
    again, with other content, in the second. Returns the sessions in both."""
    first_lines, second_lines = split_in_two_batches(events, RUN_DATE)
    redelivered = json.loads(next(line for line in first_lines if '"evt-' in line))
    redelivered["payload"] = json.dumps({"tool_name": "Read", "note": "re-delivered"})
    second_lines.append(json.dumps(redelivered))
    write_lines(first, first_lines)
    write_lines(second, second_lines)

    def sessions(batch: list[str]) -> set[str]:
        found = set()
        for line in batch:
            try:
                found.add(str(json.loads(line).get("session_id")))
            except json.JSONDecodeError:
                continue
        return found

    return len(sessions(first_lines) & sessions(second_lines))


def _snapshot(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            model: sorted(
                con.sql(f"select {columns} from {model}").fetchall(),
                key=repr,
            )
            for model, columns in COMPARED.items()
        }


@pytest.mark.slow
def test_building_batch_by_batch_equals_one_full_build(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    generate_sample(
        events,
        SampleOptions(sessions=40, days=2, seed=7, end_date=dt.date(2026, 11, 22), bad_rows=True),
    )
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    shared_sessions = _split_in_two_batches(events, first, second)
    assert shared_sessions > 5, "the second batch must continue sessions of the first"
    cli = CliRunner()

    incremental = tmp_path / "incremental.duckdb"
    _run(cli, "ingest", "--source", str(first), "--warehouse", str(incremental))
    _run(cli, "build", "--run-date", RUN_DATE, "--warehouse", str(incremental))
    after_first = _snapshot(incremental)
    _run(cli, "ingest", "--source", str(second), "--warehouse", str(incremental))
    _run(cli, "build", "--run-date", RUN_DATE, "--warehouse", str(incremental))

    full = tmp_path / "full.duckdb"
    for batch in (first, second):
        _run(cli, "ingest", "--source", str(batch), "--warehouse", str(full))
    _run(cli, "build", "--run-date", RUN_DATE, "--warehouse", str(full))

    built_incrementally, built_at_once = _snapshot(incremental), _snapshot(full)
    for model in COMPARED:
        assert len(built_incrementally[model]) > len(after_first[model]) or model in (
            "marts.quarantined_events",
            NULL_MODEL,  # one row per candidate
        ), f"{model}: the second batch added nothing"
        assert built_incrementally[model] == built_at_once[model], f"{model} differs"
    reasons = {row[0] for row in built_at_once["marts.quarantined_events"]}
    assert "duplicate_event_id" in reasons


@pytest.mark.slow
def test_a_build_with_nothing_new_changes_nothing(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    generate_sample(
        events,
        SampleOptions(sessions=15, days=1, seed=3, end_date=dt.date(2026, 11, 22), bad_rows=True),
    )
    warehouse = tmp_path / "warehouse.duckdb"
    cli = CliRunner()
    _run(cli, "ingest", "--source", str(events), "--warehouse", str(warehouse))
    _run(cli, "build", "--run-date", RUN_DATE, "--warehouse", str(warehouse))
    before = _snapshot(warehouse)
    _run(cli, "build", "--run-date", RUN_DATE, "--warehouse", str(warehouse))
    assert _snapshot(warehouse) == before


@pytest.mark.slow
def test_the_next_day_equals_a_full_build_of_that_day(tmp_path: Path) -> None:
    """Day after day: the next day's events continue sessions and start new ones, and the
    evidence window moves, so sessions leave it and others are cut by its edges. The next
    day's incremental run must give the session null model and the marts of a full build
    of that day."""
    first_day, next_day = "2026-11-21", "2026-11-22"
    config = tmp_path / "runner.toml"
    config.write_text("[vars]\nhook_patterns_evidence_days = 3\n")
    events = tmp_path / "events.jsonl"
    generate_sample(
        events, SampleOptions(sessions=160, days=4, seed=11, end_date=dt.date(2026, 11, 22))
    )
    lines = events.read_text().splitlines()
    first = write_lines(
        tmp_path / "first.jsonl", [line for line in lines if event_day(line) < next_day]
    )
    second = write_lines(
        tmp_path / "second.jsonl", [line for line in lines if event_day(line) >= next_day]
    )
    cli = CliRunner()

    incremental = tmp_path / "incremental.duckdb"
    common = ("--config", str(config), "--warehouse", str(incremental))
    _run(cli, "ingest", "--source", str(first), *common)
    _run(cli, "build", "--run-date", first_day, *common)
    first_day_model = _snapshot(incremental)[NULL_MODEL]
    _run(cli, "ingest", "--source", str(second), *common)
    _run(cli, "build", "--run-date", next_day, *common)

    full = tmp_path / "full.duckdb"
    _run(cli, "ingest", "--source", str(events), "--config", str(config), "--warehouse", str(full))
    _run(cli, "build", "--run-date", next_day, "--config", str(config), "--warehouse", str(full))

    built_incrementally, built_at_once = _snapshot(incremental), _snapshot(full)
    assert built_incrementally[NULL_MODEL] == built_at_once[NULL_MODEL]
    assert built_at_once[NULL_MODEL] != first_day_model, "the next day changed nothing"
    assert (
        built_incrementally["marts.pattern_classifications"]
        == built_at_once["marts.pattern_classifications"]
    )
