"""`runner check`: the data-quality suites (great-expectations) over the warehouse.

The suites guard the raw source: the contract of ``raw.hook_events`` row by row, and
the health of the analysis window (volume, Pre/Post balance, freshness). The marts'
invariants are dbt tests, run by every build (docs/ARCHITECTURE.md, "Where each rule is
checked"). A failed error-level check fails the run; warnings are reported only. Results
go to ``<report_dir>/checks/<run_date>/results.json`` and a self-contained HTML page of
them beside it (``data_docs/index.html``, runner/quality/docs.py).

How the pieces fit is described in ``runner/quality/__init__.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

from runner.config import Settings
from runner.quality.results import CheckSummary

__all__ = ["CheckSummary", "check_dir", "run_checks"]


def check_dir(settings: Settings) -> Path:
    """Where one day's check output goes: results.json and data_docs/."""
    return settings.report_dir / "checks" / settings.run_date.isoformat()


def run_checks(settings: Settings) -> CheckSummary:
    """Fetch the frames, validate every suite, write results.json and the HTML page.

    Raises RunnerError when the warehouse or one of its tables is missing; a failed
    check is not an exception but ``summary.success is False``.
    """
    started = time.perf_counter()
    # Read the warehouse before importing GX (seconds): a missing table fails fast.
    from runner.quality.frames import fetch_frames, open_warehouse, require_source_table
    from runner.quality.params import CheckWindow, Thresholds, future_tolerance_minutes

    thresholds = Thresholds.from_vars(settings.dbt_vars)
    window = CheckWindow.for_run(
        settings.run_date,
        settings.window_hours,
        future_tolerance_minutes=future_tolerance_minutes(settings.dbt_vars),
    )
    with open_warehouse(settings.warehouse) as con:
        require_source_table(con)
        frames = fetch_frames(con, window, thresholds)

    from runner.quality.docs import write_data_docs
    from runner.quality.engine import validate_suites
    from runner.quality.results import collect_results, write_results
    from runner.quality.suites import all_suites

    out_dir = check_dir(settings)
    runs = validate_suites(all_suites(thresholds), frames.by_name)
    summary = CheckSummary(
        run_date=settings.run_date,
        results=collect_results(runs),
        json_path=out_dir / "results.json",
        data_docs_path=out_dir / "data_docs" / "index.html",
        source_population=frames.source_population,
        source_sampled=frames.source_sampled,
    )
    summary.seconds = time.perf_counter() - started
    write_results(summary, window, settings.warehouse)
    write_data_docs(summary, window, settings.warehouse, summary.data_docs_path.parent)
    return summary
