"""`runner build`: `dbt build` for the settings' window, on DuckDB or on Spark."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from runner import tested_sessions
from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.dbt_invocation import DbtResult, NodeOutcome, run_dbt
from runner.errors import RunnerError
from runner.spark_env import spark_environment

#: The dbt targets of profiles.yml.
DBT_TARGETS = ("duckdb", "spark")


def build_warehouse(
    settings: Settings,
    *,
    select: str | None = None,
    unit_tests: bool = False,
    full_refresh: bool = False,
    dbt_target: str = "duckdb",
    console: Console | None = None,
) -> DbtResult:
    """`dbt build` (seeds, models and data tests) for the settings' window.

    Unit tests check the models' logic on fixed rows, not the day's data, so scheduled
    runs leave them to CI (`make test`); ``unit_tests=True`` runs them too.
    ``full_refresh`` rebuilds the incremental models from all raw events (after a seed or
    a session var changed). ``dbt_target`` "spark" builds on Spark from ``settings.lake``.

    On DuckDB the data tests of the session-incremental models read only the sessions
    rebuilt since the last build that passed whole (runner/tested_sessions.py); such a build
    records how far it tested.
    """
    console = console or Console(stderr=True)
    extra_env: dict[str, str] = {}
    if dbt_target == "spark":
        extra_env = spark_environment(settings)
    elif dbt_target == "duckdb":
        _require_raw_events(settings.warehouse)
    else:
        raise RunnerError(
            f"unknown target {dbt_target!r}", f"choose one of {', '.join(DBT_TARGETS)}"
        )
    args = ["--select", select] if select else []
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    dbt_vars = settings.dbt_run_vars()
    tested = None
    if dbt_target == "duckdb" and not full_refresh:
        tested = tested_sessions.tested_through(settings.warehouse)
        if tested is not None:
            dbt_vars[tested_sessions.VAR] = tested.isoformat(sep=" ")
    started = time.monotonic()
    done = 0

    with console.status(f"dbt build for {settings.run_date} …") as status:

        def on_node(outcome: NodeOutcome) -> None:
            nonlocal done
            done += 1
            status.update(
                f"dbt build for {settings.run_date}: {done} nodes done, last {outcome.name}"
            )
            if outcome.status in {"error", "fail", "runtime error"}:
                # the reason is known once dbt has written run_results.json: below
                console.print(
                    f"[red]{outcome.status}[/] {outcome.resource_type} {outcome.name}",
                    highlight=False,
                )

        result = run_dbt(
            "build",
            warehouse=settings.warehouse,
            dbt_vars=dbt_vars,
            args=args,
            on_node=on_node,
            target=dbt_target,
            extra_env=extra_env,
            run_vars_in_env=not unit_tests,
        )
    for failure in result.failed_nodes:
        console.print(f"[red]{failure.status}[/] {failure.describe()}", highlight=False)
    passed = result.count("success", "pass")
    warned = result.count("warn")
    scope = f"; incremental models tested from {tested:%Y-%m-%d %H:%M:%S}" if tested else ""
    console.print(
        f"dbt build for {settings.run_date}: {passed} ok, {warned} warnings, "
        f"{len(result.failed_nodes)} failed ({time.monotonic() - started:.1f} s){scope}",
        highlight=False,
    )
    if dbt_target == "duckdb" and select is None and result.success and not result.failed_nodes:
        tested_sessions.record_tested_through(settings.warehouse, settings.run_date)
    return result


def _require_raw_events(warehouse: Path) -> None:
    """dbt would fail on every node without the source table: say what to run instead."""
    hint = "run `runner ingest --source …` first (an empty source is fine)"
    with warehouse_db.connect(warehouse, read_only=True, missing_hint=hint) as con:
        warehouse_db.require_table(con, "raw.hook_events", hint=hint)
