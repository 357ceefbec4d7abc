"""`runner demo` runs the daily job with the user's settings, only the source swapped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from runner import demo
from runner.config import Settings
from runner.daily import DailySummary
from tests.support.marts import pattern, write_mart


def test_demo_keeps_every_setting_but_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lake and the config file reach the daily run (they were once dropped)."""
    sample = tmp_path / "sample"
    sample.mkdir()  # present already: the demo does not generate it again
    settings = Settings(
        warehouse=tmp_path / "wh.duckdb",
        source="somewhere/else",
        target=str(tmp_path / "approvals.db"),
        run_date=dt.date(2026, 11, 22),
        window_hours=48,
        channels=("json://localhost",),
        review_url="http://localhost:9000/review",
        report_dir=tmp_path / "reports",
        lake=str(tmp_path / "lake"),
        dbt_vars={"hook_patterns_min_occurrences": 7},
        config_file=tmp_path / "runner.toml",
    )
    seen: list[Settings] = []

    def fake_daily(given: Settings, *, console: Console) -> DailySummary:
        seen.append(given)
        return DailySummary(run_id="test", run_dates=[given.run_date])

    monkeypatch.setattr(demo, "run_daily", fake_daily)
    monkeypatch.setattr(demo, "show_findings", lambda warehouse, out: None)
    quiet = Console(file=io.StringIO())
    demo.run_demo(settings, sample=sample, console=quiet, out=quiet)

    assert len(seen) == 1
    assert seen[0].source == str(sample)
    for field in dataclasses.fields(Settings):
        if field.name != "source":
            assert getattr(seen[0], field.name) == getattr(settings, field.name), field.name
    assert seen[0].lake == str(tmp_path / "lake")
    assert seen[0].config_file == tmp_path / "runner.toml"


def test_the_findings_show_each_family_once_and_no_pending_one(tmp_path: Path) -> None:
    """The daily summary printed before the findings lists the review queue (the pending
    families) and the counts by status; the findings add the families decided without a
    reviewer, with why, and the destructive catches, each family in one place."""
    warehouse = write_mart(
        tmp_path / "wh.duckdb",
        [
            pattern("p-pending", "Read→Edit", status="pending", savings=900.0),
            pattern("p-approved", "Bash(make)→Read", status="auto-approved", savings=50.0),
            pattern("p-chance", "Task→TodoWrite", status="auto-rejected", savings=300.0),
            pattern("p-reset", "Bash(git reset)→Read", status="auto-rejected", destructive=True),
        ],
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.pattern_classifications set status_reason = status || ': ' || case "
            "pattern_id when 'p-chance' then 'confidence 0.1200 < 0.95, not distinguishable "
            "from chance' else 'a reason' end, destructive_rule_id = case when is_destructive "
            "then 'git_reset_hard' end, destructive_example = case when is_destructive "
            "then 'git reset --hard @{u}' end"
        )
    text = io.StringIO()
    demo.show_findings(warehouse, Console(file=text, width=250))
    shown = text.getvalue()

    assert "Read→Edit" not in shown  # pending: the review queue's
    decided, catches = shown.split("Destructive catches")
    assert decided.index("Bash(make)→Read") < decided.index("Task→TodoWrite")
    assert "confidence 0.1200 < 0.95, not distinguishable from chance" in decided
    assert "auto-rejected: confidence" not in decided  # the status is its own column
    assert "Bash(git reset)→Read" not in decided
    assert "Bash(git reset)→Read" in catches and "git reset --hard @{u}" in catches
