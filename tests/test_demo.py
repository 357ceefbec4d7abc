"""`runner demo` runs the daily job with the user's settings, only the source swapped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from rich.console import Console

from runner import demo
from runner.config import Settings
from runner.daily import DailySummary


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
