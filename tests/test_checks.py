"""`runner check`: the great-expectations suites over literal warehouse tables.

Each test writes a small DuckDB warehouse by hand (raw.hook_events and the two marts,
with the documented columns), so the checks are tested independently of the dbt models.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.config import Settings

#: Two days ago, so the whole window lies in the past whenever the tests run.
RUN_DATE = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
WINDOW_START = dt.datetime.combine(RUN_DATE, dt.time())
WINDOW_END = WINDOW_START + dt.timedelta(days=1)

RAW_COLUMNS = {
    "event_id": "varchar",
    "event_type": "varchar",
    "source_app": "varchar",
    "session_id": "varchar",
    "workflow_id": "varchar",
    "timestamp": "varchar",
    "payload": "varchar",
    "tool_name": "varchar",
    "chat_history": "varchar",
    "source_row_id": "bigint",
    "processed": "integer",
    "processed_at": "varchar",
    "created_at": "varchar",
    "_source": "varchar",
    "_source_line": "bigint",
    "_batch_id": "varchar",
    "_ingested_at": "timestamp",
    "_row_hash": "varchar",
    "_load_error": "varchar",
}


def tool_events(
    sessions: int = 20, calls: int = 10, start: dt.datetime = WINDOW_START
) -> list[dict]:
    """Balanced Pre/Post pairs spread over the window (latest event late in the day)."""
    rows: list[dict] = []
    for s in range(sessions):
        at = start + dt.timedelta(hours=1 + s * 22 / sessions)
        for c in range(calls):
            tool = ("Read", "Edit", "Bash")[c % 3]
            for event_type in ("PreToolUse", "PostToolUse"):
                at += dt.timedelta(seconds=5)
                rows.append(
                    {
                        "event_id": f"evt-{s}-{c}-{event_type}",
                        "event_type": event_type,
                        "session_id": f"session-{s}",
                        # Both shapes sources write: naive UTC text and ISO 8601 with `Z`.
                        "timestamp": at.isoformat(sep=" ") if s % 2 else f"{at.isoformat()}Z",
                        "payload": json.dumps({"tool_name": tool, "session_id": f"session-{s}"}),
                        "tool_name": tool,
                    }
                )
    return rows


def pattern(pattern_id: str, occurrences: int = 3, **overrides: Any) -> dict:
    """A valid pattern_classifications row."""
    return {
        "pattern_id": pattern_id,
        "tool_sequence": "Read→Edit",
        "run_date": RUN_DATE,
        "window_start_at": WINDOW_START,
        "window_end_at": WINDOW_END,
        "occurrence_count": occurrences,
        "confidence_score": 0.97,
        "estimated_savings_usd": 12.5,
        "is_destructive": False,
        "status": "pending",
        **overrides,
    }


@dataclass
class Warehouse:
    events: list[dict] = field(default_factory=tool_events)
    patterns: list[dict] = field(
        default_factory=lambda: [pattern("aaaa", 3), pattern("bbbb", 2, status="auto-rejected")]
    )

    def occurrences(self) -> list[tuple[str, dt.datetime]]:
        """Fact rows agreeing with each pattern's occurrence_count (one after the window)."""
        rows = [
            (p["pattern_id"], WINDOW_START + dt.timedelta(hours=i + 1))
            for p in self.patterns
            for i in range(p["occurrence_count"])
        ]
        return [*rows, ("aaaa", WINDOW_END + dt.timedelta(hours=1))]

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        con.execute("create schema raw; create schema marts")
        con.execute(
            "create table raw.hook_events ("
            + ", ".join(f'"{c}" {t}' for c, t in RAW_COLUMNS.items())
            + ")"
        )
        raw_rows = pd.DataFrame(
            [
                {c: None for c in RAW_COLUMNS} | {"_batch_id": "batch-1", "_source_line": line} | e
                for line, e in enumerate(self.events, start=1)
            ],
            columns=list(RAW_COLUMNS),
        )
        con.register("raw_rows", raw_rows)
        con.execute("insert into raw.hook_events by name select * from raw_rows")
        con.execute(
            "create table marts.pattern_classifications (pattern_id varchar, tool_sequence "
            "varchar, run_date date, window_start_at timestamp, window_end_at timestamp, "
            "occurrence_count bigint, confidence_score double, estimated_savings_usd double, "
            "is_destructive boolean, status varchar)"
        )
        for p in self.patterns:
            con.execute(
                "insert into marts.pattern_classifications by name select "
                + ", ".join(f"${k} as {k}" for k in p),
                p,
            )
        con.execute(
            "create table marts.fct_pattern_occurrences (pattern_id varchar, started_at timestamp)"
        )
        con.executemany(
            "insert into marts.fct_pattern_occurrences values (?, ?)", self.occurrences()
        )
        con.close()
        return path


@pytest.fixture
def check(workdir: Path, cli: CliRunner) -> Callable[..., tuple[int, dict, str]]:
    """Write the warehouse, run `runner check` through the CLI, return (exit, results, output)."""

    def run(warehouse: Warehouse | None, *args: str) -> tuple[int, dict, str]:
        if warehouse is not None:
            warehouse.write(workdir / "data" / "warehouse.duckdb")
        result = cli.invoke(app, ["check", "--run-date", RUN_DATE.isoformat(), *args])
        results_path = workdir / "reports" / "checks" / RUN_DATE.isoformat() / "results.json"
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        return result.exit_code, results, result.output

    return run


def failed(results: dict) -> dict[str, str]:
    return {f["expectation"]: f["severity"] for f in results["failed"]}


def test_clean_warehouse_passes_and_writes_results_and_data_docs(check, workdir: Path) -> None:
    code, results, output = check(Warehouse())
    assert code == 0, output
    assert results["success"] is True
    assert failed(results) == {}
    checks = {r["expectation"]: r for r in results["results"]}
    assert {"event_type_known", "no_destructive_auto_approved", "source_fresh"} <= set(checks)
    assert {r["severity"] for r in results["results"]} == {"error", "warning"}
    assert checks["pre_post_balanced"]["observed_value"] == 0.0
    day_dir = workdir / "reports" / "checks" / RUN_DATE.isoformat()
    assert (day_dir / "data_docs" / "index.html").is_file()
    assert results["data_docs"] == str((day_dir / "data_docs" / "index.html").resolve()) or (
        Path(results["data_docs"]).resolve() == (day_dir / "data_docs" / "index.html").resolve()
    )
    # GX writes only into the report dir: no gx/ or great_expectations/ in the cwd.
    assert sorted(p.name for p in workdir.iterdir()) == ["data", "reports"]


def test_destructive_auto_approved_pattern_fails_the_run(check) -> None:
    warehouse = Warehouse()
    warehouse.patterns.append(pattern("cccc", 1, is_destructive=True, status="auto-approved"))
    code, results, output = check(warehouse)
    assert code == 1
    assert "error-level data-quality checks failed" in output
    assert failed(results) == {"no_destructive_auto_approved": "error"}
    entry = next(
        r for r in results["results"] if r["expectation"] == "no_destructive_auto_approved"
    )
    assert entry["details"]["partial_unexpected_index_list"][0]["pattern_id"] == "cccc"


def test_confidence_outside_unit_interval_fails(check) -> None:
    warehouse = Warehouse()
    warehouse.patterns[0]["confidence_score"] = 1.3
    code, results, _ = check(warehouse)
    assert code == 1
    assert failed(results) == {"confidence_score_in_unit_interval": "error"}


def test_occurrence_count_disagreeing_with_fact_table_fails(check) -> None:
    warehouse = Warehouse()
    occurrences = warehouse.occurrences
    warehouse.occurrences = lambda: occurrences()[1:]  # type: ignore[method-assign]
    code, results, _ = check(warehouse)
    assert code == 1
    assert failed(results) == {"occurrence_count_matches_fact_table": "error"}


def corrupt(events: list[dict], every: int) -> list[dict]:
    """Break every `every`-th event: unknown type, broken JSON, bad or future timestamp.

    The broken timestamps stay in the window's ingest batch, so the window-scoped
    source suite still sees them.
    """
    for i, event in enumerate(events[::every]):
        kind = i % 4
        if kind == 0:
            event["event_type"] = "Bogus"
        elif kind == 1:
            event["payload"] = "{not json"
        elif kind == 2:
            event["timestamp"] = "yesterday-ish"
        else:
            event["timestamp"] = "2999-01-01T00:00:00+02:00"
    return events


def test_a_handful_of_bad_raw_rows_passes(check) -> None:
    events = corrupt(tool_events(), every=400)  # 1 bad row in 400
    code, results, output = check(Warehouse(events=events))
    assert code == 0, output
    entry = next(r for r in results["results"] if r["expectation"] == "event_type_known")
    assert entry["success"] and entry["observed_value"]["unexpected_count"] == 1


def test_half_bad_raw_rows_fail(check) -> None:
    events = corrupt(tool_events(), every=2)
    code, results, _ = check(Warehouse(events=events))
    assert code == 1
    assert {
        "event_type_known",
        "payload_is_json",
        "timestamp_parses",
        "timestamp_not_in_future",
    } <= set(failed(results))


def test_warnings_do_not_fail_the_run(check) -> None:
    """One lone Pre event at the window start: unbalanced, and stale by the window end."""
    events = [
        e
        for e in tool_events(start=WINDOW_START - dt.timedelta(days=1))
        if e["event_type"] == "PreToolUse"
    ]
    events.append({**events[0], "event_id": "late-pre", "timestamp": str(WINDOW_START)})
    code, results, output = check(Warehouse(events=events))
    assert code == 0, output
    assert failed(results) == {"pre_post_balanced": "warning", "source_fresh": "warning"}
    assert "WARNING" in output


def test_empty_warehouse_day_passes(check) -> None:
    code, results, output = check(Warehouse(events=[], patterns=[]))
    assert code == 0, output
    assert failed(results) == {"events_in_window": "warning", "source_fresh": "warning"}


def test_missing_warehouse_or_tables_tell_what_to_run(check, workdir: Path) -> None:
    code, _, output = check(None)
    assert code == 1 and "runner ingest" in output
    path = workdir / "data" / "warehouse.duckdb"
    Warehouse().write(path)
    with duckdb.connect(str(path)) as con:
        con.execute("drop table marts.pattern_classifications")
    code, _, output = check(None)
    assert code == 1 and "marts.pattern_classifications" in output and "runner build" in output


def test_large_window_is_validated_on_a_sample(tmp_path: Path) -> None:
    from runner.checks import run_checks

    warehouse = Warehouse(events=corrupt(tool_events(), every=2)).write(tmp_path / "w.duckdb")
    settings = Settings(
        warehouse=warehouse,
        run_date=RUN_DATE,
        report_dir=tmp_path / "reports",
        dbt_vars={"hook_patterns_check_max_source_rows": 50},
    )
    summary = run_checks(settings)
    assert summary.source_sampled and summary.source_population == 400
    source = [r for r in summary.results if r.suite == "source.hook_events"]
    assert max(r.details.get("element_count", 0) for r in source) == 50
    assert not summary.success
    assert (
        summary.json_path == tmp_path / "reports" / "checks" / RUN_DATE.isoformat() / "results.json"
    )


def test_data_docs_work_offline_and_show_a_warning_as_a_warning(check, workdir: Path) -> None:
    """The page loads nothing from the network, and each check shows its own outcome."""
    events = [
        e
        for e in tool_events(start=WINDOW_START - dt.timedelta(days=1))
        if e["event_type"] == "PreToolUse"
    ]
    events.append({**events[0], "event_id": "late-pre", "timestamp": str(WINDOW_START)})
    warehouse = Warehouse(events=events)
    warehouse.patterns[0]["confidence_score"] = 1.3  # and one failed error check
    code, results, _ = check(warehouse)
    assert code == 1
    assert failed(results) == {
        "pre_post_balanced": "warning",
        "source_fresh": "warning",
        "confidence_score_in_unit_interval": "error",
    }
    docs_dir = workdir / "reports" / "checks" / RUN_DATE.isoformat() / "data_docs"
    html = (docs_dir / "index.html").read_text()
    # Offline: no asset (script, stylesheet, image, font) from anywhere but the page itself.
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.findall(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.I)
    assert "@import" not in html and "<script" not in html.lower()
    assert sorted(p.name for p in docs_dir.iterdir()) == ["index.html"]
    for href in re.findall(r'href="([^"#]+)"', html):
        assert (docs_dir / href).resolve().is_file(), href
    # Every check is listed with its outcome: a failed warning is a warning, not "failed".
    outcome_of = dict(
        (name, badge)
        for badge, name in re.findall(
            r'<span class="badge (\w+)">\1</span></td>\s*<td><code>(\w+)</code>', html
        )
    )
    assert set(outcome_of) == {r["expectation"] for r in results["results"]}
    assert outcome_of["pre_post_balanced"] == "warning"
    assert outcome_of["source_fresh"] == "warning"
    assert outcome_of["confidence_score_in_unit_interval"] == "failed"
    assert {outcome_of[r["expectation"]] for r in results["results"] if r["success"]} == {"passed"}
    assert "2 warnings" in html and "1 error" in html
