"""`runner check`: the great-expectations suites over literal warehouse tables.

Each test writes raw.hook_events by hand (as `runner ingest` creates it), so the checks
are tested independently of ingest and of the dbt models.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.config import Settings
from runner.sources.conform import RAW_COLUMNS, RAW_TABLE_DDL

#: Two days ago, so the whole window lies in the past whenever the tests run.
RUN_DATE = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
WINDOW_START = dt.datetime.combine(RUN_DATE, dt.time())


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


@dataclass
class Warehouse:
    events: list[dict] = field(default_factory=tool_events)

    def write(self, path: Path) -> Path:
        """raw.hook_events as `runner ingest` creates it, holding ``events``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        con.execute(RAW_TABLE_DDL)
        raw_rows = pd.DataFrame(
            [
                {c: None for c in RAW_COLUMNS} | {"_batch_id": "batch-1", "_source_line": line} | e
                for line, e in enumerate(self.events, start=1)
            ],
            columns=list(RAW_COLUMNS),
        )
        con.register("raw_rows", raw_rows)
        con.execute("insert into raw.hook_events by name select * from raw_rows")
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
    assert {"event_type_known", "payload_is_json", "source_fresh"} <= set(checks)
    # the marts' rules are dbt tests (tests/test_dbt_project.py), not checked twice
    assert {r["suite"] for r in results["results"]} == {"source.hook_events", "source.window"}
    assert {r["severity"] for r in results["results"]} == {"error", "warning"}
    assert checks["pre_post_balanced"]["observed_value"] == 0.0
    day_dir = workdir / "reports" / "checks" / RUN_DATE.isoformat()
    assert (day_dir / "data_docs" / "index.html").is_file()
    assert results["data_docs"] == str((day_dir / "data_docs" / "index.html").resolve()) or (
        Path(results["data_docs"]).resolve() == (day_dir / "data_docs" / "index.html").resolve()
    )
    # GX writes only into the report dir: no gx/ or great_expectations/ in the cwd.
    assert sorted(p.name for p in workdir.iterdir()) == ["data", "reports"]


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
    code, results, output = check(Warehouse(events=[]))
    assert code == 0, output
    assert failed(results) == {"events_in_window": "warning", "source_fresh": "warning"}


def test_missing_warehouse_or_tables_tell_what_to_run(check, workdir: Path) -> None:
    code, _, output = check(None)
    assert code == 1 and "runner ingest" in output
    path = workdir / "data" / "warehouse.duckdb"
    Warehouse().write(path)
    with duckdb.connect(str(path)) as con:
        con.execute("alter table raw.hook_events drop column _load_error")
    code, _, output = check(None)
    assert code == 1 and "lacks column(s) _load_error" in output and "runner ingest" in output


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
    for event in events[::2]:
        event["payload"] = "{not json"  # and one failed error check
    code, results, _ = check(Warehouse(events=events))
    assert code == 1
    assert failed(results) == {
        "pre_post_balanced": "warning",
        "source_fresh": "warning",
        "payload_is_json": "error",
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
    assert outcome_of["payload_is_json"] == "failed"
    assert {outcome_of[r["expectation"]] for r in results["results"] if r["success"]} == {"passed"}
    assert "2 warnings" in html and "1 error" in html
