"""`runner report` against a small warehouse of literal rows (the documented mart columns).

The numbers in the report must be exactly what the literal rows imply; the HTML page must
be self-contained and render its charts in a real browser (headless Chromium).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.config import Settings
from runner.outcome import StepOutcome
from runner.quality.params import Severity
from runner.quality.results import CheckResult, CheckSummary
from runner.report import write_report
from runner.sync import SyncSummary
from tests.contracts_yaml import FAMILY_HEAD_DEFAULTS, mart_ddl

RUN_DATE = "2026-03-10"
CHROMIUM_INSTALL = "apt-get update -qq && apt-get install -y -qq chromium"

STAGING_DDL = """
create table staging.stg_raw__hook_events (
    event_id varchar, event_type varchar, source_app varchar, session_id varchar,
    workflow_id varchar, event_at timestamp, tool_name varchar, tool_input json,
    tool_response json, tool_use_id varchar, cwd varchar, is_success boolean,
    reported_duration_ms bigint, is_tool_event boolean, source varchar, source_line bigint,
    batch_id varchar, ingested_at timestamp, quarantine_reason varchar
)
"""
OCCURRENCES_DDL = """
create table marts.fct_pattern_occurrences (
    occurrence_id varchar, pattern_id varchar, tool_sequence varchar, pattern_length integer,
    session_id varchar, segment_id varchar, start_step_index integer, started_at timestamp,
    ended_at timestamp, occurrence_date date, duration_ms double, is_destructive boolean,
    destructive_rule_id varchar, destructive_category varchar, destructive_reason varchar
)
"""
CLASSIFICATIONS_DDL = mart_ddl("pattern_classifications", FAMILY_HEAD_DEFAULTS)

# (event_id, session_id, event_at, quarantine_reason): 5 valid events in 2 sessions in the
# window, one the day before, a quarantined duplicate in the window, an unparseable
# timestamp (no event time) and a future timestamp (outside the window).
EVENTS = [
    ("e1", "s1", "2026-03-10 01:00:00", None),
    ("e2", "s1", "2026-03-10 01:00:05", None),
    ("e3", "s1", "2026-03-10 01:00:09", None),
    ("e4", "s2", "2026-03-10 23:59:59", None),
    ("e5", "s2", "2026-03-10 00:00:00", None),
    ("e6", "s3", "2026-03-09 12:00:00", None),
    ("e1", "s1", "2026-03-10 01:00:00", "duplicate_event_id"),
    ("e7", "s4", None, "unparseable_timestamp"),
    ("e8", "s4", "2026-04-01 00:00:00", "future_timestamp"),
]

# (pattern_id, sequence, window count, all-time count, confidence, savings, status,
#  first_seen_at, destructive example or None)
PATTERNS = [
    ("p1", "Read→Edit", 20, 20, 0.97, 500.0, "pending", "2026-03-10 02:00:00", None),
    (
        "p2",
        "Bash(pytest)→Read→Edit",
        300,
        900,
        0.999,
        9000.0,
        "auto-approved",
        "2026-03-01 08:00:00",
        None,
    ),
    (
        "p3",
        "Bash(rm)→Bash(git push)",
        3,
        3,
        0.5,
        1200.0,
        "auto-rejected",
        "2026-03-10 05:00:00",
        "rm -rf <script>alert(1)</script> && PASSWORD=*** git push",
    ),
    ("p4", "Grep→Read", 7, 40, 0.6, 50.0, "auto-rejected", "2026-02-20 10:00:00", None),
    ("p5", "Glob→Read", 30, 45, 0.96, 500.0, "pending", "2026-03-09 23:59:59", None),
]
EXPECTED_TOP_ORDER = ["p2", "p3", "p5", "p1", "p4"]

# (pattern_id, occurrence_date, count): 2026-03-09 has 2 occurrences of 2 patterns,
# 2026-03-10 has 4 occurrences of 2 patterns.
OCCURRENCES = [
    ("p5", "2026-03-09", 1),
    ("p4", "2026-03-09", 1),
    ("p1", "2026-03-10", 3),
    ("p2", "2026-03-10", 1),
]


def build_warehouse(path: Path, *, with_rows: bool = True, marts: bool = True) -> Path:
    """The tables `runner report` reads, with literal rows in the documented columns."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        con.execute(STAGING_DDL)
        if marts:
            con.execute("create schema marts")
            con.execute(OCCURRENCES_DDL)
            con.execute(CLASSIFICATIONS_DDL)
        if not with_rows:
            return path
        for event_id, session_id, event_at, reason in EVENTS:
            con.execute(
                "insert into staging.stg_raw__hook_events "
                "(event_id, event_type, session_id, event_at, tool_name, quarantine_reason, "
                "ingested_at) values (?, 'PreToolUse', ?, ?, 'Read', ?, '2026-03-11 02:00:00')",
                [event_id, session_id, event_at, reason],
            )
        if marts:
            _insert_marts(con)
    return path


def _insert_marts(con: duckdb.DuckDBPyConnection) -> None:
    for pattern_id, day, count in OCCURRENCES:
        for index in range(count):
            con.execute(
                "insert into marts.fct_pattern_occurrences "
                "(occurrence_id, pattern_id, occurrence_date, is_destructive) "
                "values (?, ?, ?, false)",
                [f"{pattern_id}-{day}-{index}", pattern_id, day],
            )
    for pid, sequence, window_n, total_n, confidence, savings, status, first, example in PATTERNS:
        con.execute(
            "insert into marts.pattern_classifications (pattern_id, tool_sequence, run_date, "
            "window_start_at, window_end_at, window_occurrence_count, occurrence_count, "
            "confidence_score, estimated_savings_usd, status, first_seen_at, is_destructive, "
            "destructive_rule_id, destructive_category, destructive_example) values "
            "(?, ?, ?, '2026-03-10 00:00:00', '2026-03-11 00:00:00', ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)",
            [
                pid,
                sequence,
                RUN_DATE,
                window_n,
                total_n,
                confidence,
                savings,
                status,
                first,
                example is not None,
                "rm_recursive" if example else None,
                "filesystem" if example else None,
                example,
            ],
        )


def run_report(cli: CliRunner, warehouse: Path, report_dir: Path, *extra: str) -> Any:
    return cli.invoke(
        app,
        [
            "report",
            "--warehouse",
            str(warehouse),
            "--run-date",
            RUN_DATE,
            "--report-dir",
            str(report_dir),
            *extra,
        ],
    )


@pytest.fixture
def report_dir(workdir: Path, cli: CliRunner) -> Path:
    """The report written by the CLI for the literal warehouse."""
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output
    return workdir / "reports"


def test_json_numbers_follow_from_the_data(report_dir: Path) -> None:
    doc = json.loads((report_dir / RUN_DATE / "report.json").read_text())

    assert doc["run_date"] == RUN_DATE
    assert doc["window"] == {
        "start_at": "2026-03-10T00:00:00Z",
        "end_at": "2026-03-11T00:00:00Z",
        "hours": 24,
    }
    assert doc["is_empty"] is False
    assert doc["volume"] == {"events": 5, "sessions": 2}
    assert doc["quarantine"]["rows_in_window"] == 1
    assert doc["quarantine"]["rows_without_timestamp"] == 1
    assert {
        r["reason"]: (r["rows_in_window"], r["rows_without_timestamp"])
        for r in doc["quarantine"]["by_reason"]
    } == {"duplicate_event_id": (1, 0), "unparseable_timestamp": (0, 1)}

    patterns = doc["patterns"]
    assert patterns["total"] == 5
    assert (patterns["new"], patterns["updated"]) == (2, 3)
    assert patterns["by_status"] == {"auto-approved": 1, "pending": 2, "auto-rejected": 2}
    assert patterns["destructive"] == 1
    assert patterns["estimated_savings_usd"] == pytest.approx(11250.0)

    assert [row["pattern_id"] for row in doc["top_patterns"]] == EXPECTED_TOP_ORDER
    assert [row["is_new"] for row in doc["top_patterns"]] == [False, True, False, True, False]
    [destructive] = doc["destructive_patterns"]
    assert (destructive["pattern_id"], destructive["destructive_rule_id"]) == ("p3", "rm_recursive")

    trend = {row["activity_date"]: row for row in doc["trend"]["rows"]}
    assert len(trend) == 14 and min(trend) == "2026-02-25" and max(trend) == RUN_DATE
    assert (trend[RUN_DATE]["events"], trend[RUN_DATE]["quarantined"]) == (5, 1)
    assert (trend[RUN_DATE]["occurrences"], trend[RUN_DATE]["distinct_patterns"]) == (4, 2)
    assert (trend["2026-03-09"]["events"], trend["2026-03-09"]["occurrences"]) == (1, 2)
    assert trend["2026-03-01"]["events"] == 0
    assert doc["steps"] == [] and doc["problems"] == []


def test_latest_copies_equal_the_dated_files(report_dir: Path) -> None:
    for ext in ("json", "md", "html"):
        dated = (report_dir / RUN_DATE / f"report.{ext}").read_bytes()
        assert (report_dir / f"latest.{ext}").read_bytes() == dated


def test_markdown_has_every_section(report_dir: Path) -> None:
    markdown = (report_dir / RUN_DATE / "report.md").read_text()
    for heading in (
        "# Hook pattern report: 2026-03-10",
        "## Summary",
        "## Families by status",
        "## Top patterns by estimated savings",
        "## Destructive patterns caught",
        "## Quarantine",
        "## Trend (last 14 days)",
    ):
        assert heading in markdown
    assert "- Events: 5 in 2 sessions" in markdown
    assert "| auto-rejected | 2 |" in markdown
    assert markdown.index("Bash(pytest)→Read→Edit") < markdown.index("Glob→Read")


def test_html_is_self_contained_and_escaped(report_dir: Path) -> None:
    page = (report_dir / RUN_DATE / "report.html").read_text()

    assert page.count("<svg") == 4  # three trend charts and the scatter
    assert page.count("<circle") == 5
    assert 'role="img"' in page and "aria-labelledby" in page
    assert not re.search(r"<script\b", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert "http://" not in page and "https://" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_empty_day_gives_a_valid_report(workdir: Path, cli: CliRunner) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb", with_rows=False)
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output

    doc = json.loads((workdir / "reports" / "latest.json").read_text())
    assert doc["is_empty"] is True
    assert doc["volume"] == {"events": 0, "sessions": 0}
    assert doc["patterns"]["total"] == 0 and doc["top_patterns"] == []
    assert [row["events"] for row in doc["trend"]["rows"]] == [0] * 14
    assert "No events in the window" in (workdir / "reports" / "latest.md").read_text()
    page = (workdir / "reports" / "latest.html").read_text()
    assert "No events in the window" in page and "<circle" not in page


@pytest.mark.parametrize("warehouse_exists", [True, False], ids=["no-marts", "no-warehouse"])
def test_missing_warehouse_or_marts_says_to_build(
    workdir: Path, cli: CliRunner, warehouse_exists: bool
) -> None:
    warehouse = workdir / "warehouse.duckdb"
    if warehouse_exists:
        build_warehouse(warehouse, marts=False)
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 1
    assert "runner build" in result.output
    assert not (workdir / "reports").exists()


def test_marts_built_for_another_day_are_refused(workdir: Path, cli: CliRunner) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    result = cli.invoke(
        app,
        [
            "report",
            "--warehouse",
            str(warehouse),
            "--run-date",
            "2026-03-11",
            "--report-dir",
            str(workdir / "reports"),
        ],
    )
    assert result.exit_code == 1
    assert "runner build --run-date 2026-03-11" in " ".join(result.output.split())


def test_missing_mart_values_are_shown_as_na(workdir: Path, cli: CliRunner) -> None:
    """The contract types the columns but does not forbid nulls: no crash, no fake point."""
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.pattern_classifications set confidence_score = null, "
            "estimated_savings_usd = null where pattern_id = 'p4'"
        )
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output

    assert (
        "| 5 | `Grep→Read` | 7 | 40 | n/a | n/a |"
        in (workdir / "reports" / "latest.md").read_text()
    )
    assert (workdir / "reports" / "latest.html").read_text().count("<circle") == len(PATTERNS) - 1


def _check(
    suite: str,
    expectation: str,
    column: str | None,
    severity: Severity,
    success: bool,
    observed: Any,
) -> CheckResult:
    return CheckResult(
        suite, expectation, "expect_x", column, None, severity, success, observed, {}
    )


def test_step_summaries_and_failed_checks_are_reported(workdir: Path) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    settings = Settings(
        warehouse=warehouse, report_dir=workdir / "reports", run_date=dt.date(2026, 3, 10)
    )
    checks = CheckSummary(
        run_date=settings.run_date,
        results=[
            _check("source", "session_id not null", "session_id", "error", False, 12),
            _check("marts", "row count <b>0</b>", None, "warning", False, 0),
            _check("marts", "unique pattern_id", "pattern_id", "error", True, 0),
        ],
        json_path=workdir / "results.json",
        data_docs_path=workdir / "data_docs" / "index.html",
        source_population=40,
        source_sampled=False,
    )
    sync = SyncSummary(target="sqlite:///approvals.db", dry_run=False, inserted=2, updated=3)
    extra: dict[str, StepOutcome | str] = {
        "sync": sync,
        "checks": checks,
        "blocked": "the sync did not run: error-level data-quality checks failed",
    }
    written = write_report(settings, extra=extra)
    assert len(written) == 6

    doc = json.loads((workdir / "reports" / "latest.json").read_text())
    assert doc["problems"] == ["checks: source · session_id not null · session_id (observed 12)"]
    sync_row, checks_row, blocked = doc["steps"]
    assert sync_row == {
        "step": "sync",
        "status": "ok",
        "summary": "synced 5 patterns to sqlite:///approvals.db: 2 new, 3 updated, 0 unchanged, "
        "0 protected by a human decision",
        "failures": [],
        "warnings": [],
        "details": {
            "target": "sqlite:///approvals.db",
            "dry_run": False,
            "inserted": 2,
            "updated": 3,
            "unchanged": 0,
            "protected": 0,
            "protected_refreshed": 0,
            "created_table": False,
        },
    }
    assert (checks_row["status"], checks_row["summary"]) == ("failed", checks.description)
    assert checks_row["warnings"] == ["marts · row count <b>0</b> (observed 0)"]
    assert checks_row["details"]["source_population"] == 40
    assert (blocked["status"], blocked["summary"]) == ("note", extra["blocked"])

    markdown = (workdir / "reports" / "latest.md").read_text()
    assert "> **Attention:** some steps failed." in markdown
    assert "## Pipeline steps" in markdown
    page = (workdir / "reports" / "latest.html").read_text()
    assert 'role="alert"' in page and "session_id not null" in page
    assert "row count &lt;b&gt;0&lt;/b&gt;" in page and "<b>0" not in page


# --- the page in a real browser --------------------------------------------------------


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail(
            f"headless Chromium is needed for this test; install it with `{CHROMIUM_INSTALL}`",
            pytrace=False,
        )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_html_renders_charts_in_chromium(report_dir: Path, tmp_path: Path) -> None:
    page = (report_dir / RUN_DATE / "report.html").resolve()

    dom = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    scatter = re.search(r'<svg[^>]*id="confidence-scatter".*?</svg>', dom.stdout, re.DOTALL)
    assert scatter is not None, "the scatter chart is missing from the rendered DOM"
    assert scatter.group(0).count("<circle") == len(PATTERNS)
    assert len(re.findall(r'<rect[^>]*class="bar"', dom.stdout)) == 3 * 14

    shot = tmp_path / "shot.png"
    result = _chromium(
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        page.as_uri(),
        profile=tmp_path / "profile-shot",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000
