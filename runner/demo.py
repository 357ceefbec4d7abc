"""`runner demo`: the daily job on generated sample data, and what it found."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console
from rich.table import Table

from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.daily import run_daily
from runner.errors import RunnerError
from runner.sample import SampleOptions, generate_sample


def run_demo(settings: Settings, *, sample: Path, console: Console, out: Console) -> None:
    """Generate the sample (once), run the daily job on it, and show what was found."""
    if not sample.exists():
        console.print(f"generating the sample data set in {sample} …")
        summary = generate_sample(sample, SampleOptions(end_date=settings.run_date))
        console.print(summary.describe())
    # everything else (lake, config file, dbt vars, …) as the user configured it
    demo_settings = dataclasses.replace(settings, source=str(sample))
    daily = run_daily(demo_settings, console=console)
    out.print(daily.describe())
    show_findings(settings.warehouse, out)
    if not daily.success:
        raise RunnerError(daily.failure_message(), daily.failure_hint())


def show_findings(warehouse: Path, out: Console, *, limit: int = 10) -> None:
    """What the daily summary above does not show: the families decided without a
    reviewer (the review queue lists the pending ones), then the destructive catches.

    Each family appears once: a destructive family is only among the catches.
    """
    with warehouse_db.connect(warehouse, read_only=True) as con:
        decided = con.sql(
            f"""
            select tool_sequence, occurrence_count, round(estimated_savings_usd, 2), status,
                   regexp_replace(status_reason, '^' || status || ': ', '') as reason
            from marts.pattern_classifications
            where is_family_head and status <> 'pending' and not is_destructive
            order by status = 'auto-approved' desc, estimated_savings_usd desc, pattern_id
            limit {int(limit)}
            """
        ).fetchall()
        destructive = con.sql(
            f"""
            select tool_sequence, destructive_rule_id, destructive_example
            from marts.pattern_classifications
            where is_destructive and is_family_head
            order by occurrence_count desc, pattern_id
            limit {int(limit)}
            """
        ).fetchall()

    # one line per family, like the review queue above: a cron log or a pipe is 80
    # columns, where a table's reason column would wrap over five lines
    out.print("\n[bold]Decided without a reviewer[/] (auto-approved first, then by savings):")
    for number, (sequence, seen, saved, status, reason) in enumerate(decided, start=1):
        out.print(  # the text is data, not markup
            f"  {number}. {sequence}: {status} ({seen} seen, ${saved:,.0f} savings): {reason}",
            markup=False,
        )
    catches = Table("tool sequence", "rule", "example (redacted)", title="Destructive catches")
    for row in destructive:
        catches.add_row(*(str(v) for v in row))
    out.print(catches)
