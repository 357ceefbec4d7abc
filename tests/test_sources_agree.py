"""The same events read from a JSONL export, a SQLite file and PostgreSQL give the same marts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.sample import SampleOptions, generate_sample
from tests.support.app_databases import create_postgres_source, create_sqlite_source

RUN_DATE = "2026-11-22"
MART_COLUMNS = """
    pattern_id, tool_sequence, window_occurrence_count, window_session_count, occurrence_count,
    session_count, round(avg_duration_ms, 6), expected_count, confidence_score,
    estimated_savings_usd, is_destructive, destructive_rule_id, status, status_reason,
    pattern_context, example_sessions
"""


def marts(warehouse: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select {MART_COLUMNS} from marts.pattern_classifications order by pattern_id"
        ).fetchall()


def ingest_and_build(cli: CliRunner, source: str, warehouse: Path) -> list[tuple[Any, ...]]:
    for args in (
        ["ingest", "--source", source, "--warehouse", str(warehouse)],
        ["build", "--run-date", RUN_DATE, "--warehouse", str(warehouse)],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 0, result.output
    return marts(warehouse)


@pytest.mark.slow
def test_jsonl_sqlite_and_postgres_give_identical_marts(tmp_path: Path, pg_url: str) -> None:
    export = tmp_path / "hook_events.jsonl"
    # The application's tables can't hold every defect (unique event_id, typed timestamps),
    # so this compares clean data; quarantine of bad rows is tested elsewhere.
    generate_sample(
        export,
        SampleOptions(sessions=25, days=1, seed=21, end_date=dt.date(2026, 11, 22), bad_rows=False),
    )
    records = [json.loads(line) for line in export.read_text().splitlines()]
    cli = CliRunner()

    from_jsonl = ingest_and_build(cli, str(export), tmp_path / "jsonl.duckdb")
    sqlite_url = create_sqlite_source(tmp_path / "app.db", records)
    from_sqlite = ingest_and_build(cli, sqlite_url, tmp_path / "sqlite.duckdb")
    postgres_url = create_postgres_source(pg_url, records)
    from_postgres = ingest_and_build(cli, postgres_url, tmp_path / "postgres.duckdb")

    assert len(from_jsonl) > 50
    assert from_sqlite == from_jsonl
    assert from_postgres == from_jsonl
