"""Every step result is a StepOutcome, and `runner daily` and the report read nothing else.

runner/outcome.py: success, a one-line description, failures and warnings. The results
are built here as their services build them, failing ones included, so a result type
that drops a failure (or words it over several lines) fails here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runner.dbt_invocation import DbtResult, NodeOutcome
from runner.notify import ChannelOutcome, NotifySummary
from runner.outcome import StepOutcome
from runner.quality.results import CheckResult, CheckSummary
from runner.report import summarize_steps
from runner.sync import SyncSummary


def _check_result(expectation: str, severity: str, success: bool) -> CheckResult:
    return CheckResult(
        suite="source",
        expectation=expectation,
        expectation_type="expect_column_values_to_not_be_null",
        column="session_id",
        description="rows need a session",
        severity="error" if severity == "error" else "warning",
        success=success,
        observed_value=12,
        details={},
    )


def _outcomes(tmp_path: Path) -> dict[str, tuple[StepOutcome, bool, list[str], list[str]]]:
    """name → (outcome, expected success, expected failures, expected warnings)."""
    dbt = DbtResult(
        command="build",
        success=False,
        outcomes=[
            NodeOutcome("model.x.a", "a", "model", "success"),
            NodeOutcome("test.x.t", "not_null_a_id", "test", "fail", "Got 3 results,\n\nfail"),
            NodeOutcome("test.x.w", "freshness_a", "test", "warn", "Got 1 result"),
        ],
    )
    checks = CheckSummary(
        run_date=dt.date(2026, 11, 22),
        results=[
            _check_result("session_id not null", "error", False),
            _check_result("session_id mostly set", "warning", False),
            _check_result("event_id unique", "error", True),
        ],
        json_path=tmp_path / "results.json",
        data_docs_path=tmp_path / "index.html",
        source_population=40,
        source_sampled=False,
    )
    notify = NotifySummary(
        pending_count=3,
        outcomes=[
            ChannelOutcome("json://localhost/ok", 3, ok=True),
            ChannelOutcome("json://localhost/down", 3, ok=False, error="connection refused"),
        ],
    )
    sync = SyncSummary(target="sqlite:///a.db", dry_run=False, inserted=2, updated=1)
    return {
        "build": (
            dbt,
            False,
            ["dbt test not_null_a_id: Got 3 results, fail"],
            ["dbt test freshness_a: Got 1 result"],
        ),
        "checks": (
            checks,
            False,
            ["source: session_id not null (rows need a session): observed 12"],
            ["source: session_id mostly set (rows need a session): observed 12"],
        ),
        "notify": (notify, False, ["json://localhost/down: connection refused"], []),
        "sync": (sync, True, [], []),
    }


@pytest.mark.parametrize("name", ["build", "checks", "notify", "sync"])
def test_each_step_result_reports_through_the_protocol(tmp_path: Path, name: str) -> None:
    outcome, success, failures, warnings = _outcomes(tmp_path)[name]
    assert outcome.success is success
    assert outcome.failures == failures
    assert outcome.warnings == warnings
    assert outcome.description and "\n" not in outcome.description


def test_descriptions_say_what_failed(tmp_path: Path) -> None:
    found = {name: item[0].description for name, item in _outcomes(tmp_path).items()}
    assert found["build"] == "1 dbt node(s) failed: not_null_a_id"
    assert found["checks"].startswith("checks 2026-11-22: 1 passed, 1 warning(s), 1 error(s)")
    assert found["notify"] == (
        "notify: 3 pending pattern(s); 1 of 2 channel(s) got a message, "
        "1 failed (retried next run): json://localhost/down"
    )
    assert found["sync"].startswith("synced 3 patterns to sqlite:///a.db")


@dataclass
class BareOutcome:
    """Only the protocol: the report must not need anything more."""

    success: bool
    description: str
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def test_the_report_reads_any_step_outcome_and_notes() -> None:
    steps = summarize_steps(
        {
            "lint": BareOutcome(False, "lint: 2 problems", ["a.sql: too long"], ["b.sql: tabs"]),
            "archive": BareOutcome(True, "archived 3 files"),
            "blocked": "the sync did not run",
        }
    )
    assert [(s["step"], s["status"], s["summary"]) for s in steps] == [
        ("lint", "failed", "lint: 2 problems"),
        ("archive", "ok", "archived 3 files"),
        ("blocked", "note", "the sync did not run"),
    ]
    assert (steps[0]["failures"], steps[0]["warnings"]) == (["a.sql: too long"], ["b.sql: tabs"])
    assert steps[0]["details"] == {}  # the protocol's members are not repeated as details
