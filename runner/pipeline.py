"""The build step, and the demo that shows a new user what the job finds."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from runner import paths, test_scope
from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.errors import RunnerError
from runner.transform import DbtResult, NodeOutcome, run_dbt

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
    rebuilt since the last build that passed whole (runner/test_scope.py); such a build
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
        tested = test_scope.tested_through(settings.warehouse)
        if tested is not None:
            dbt_vars[test_scope.VAR] = tested.isoformat(sep=" ")
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
        )
    for failure in result.failures:
        console.print(
            f"[red]{failure.status}[/] {failure.resource_type} {failure.name}: "
            f"{_first_lines(failure.message)}",
            highlight=False,
        )
    passed = result.count("success", "pass")
    warned = result.count("warn")
    scope = f"; incremental models tested from {tested:%Y-%m-%d %H:%M:%S}" if tested else ""
    console.print(
        f"dbt build for {settings.run_date}: {passed} ok, {warned} warnings, "
        f"{len(result.failures)} failed ({time.monotonic() - started:.1f} s){scope}",
        highlight=False,
    )
    if dbt_target == "duckdb" and select is None and result.success and not result.failures:
        test_scope.record_tested_through(settings.warehouse, settings.run_date)
    return result


def _first_lines(message: str | None, limit: int = 600) -> str:
    """The gist of a dbt failure message: its non-blank lines, shortened."""
    text = " ".join(line.strip() for line in (message or "").splitlines() if line.strip())
    return (text[: limit - 1] + "…") if len(text) > limit else (text or "no message from dbt")


def spark_environment(
    settings: Settings, output: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Check that the lake exists and Spark can run; the environment profiles.yml reads.

    ``output`` is the `spark` output of profiles.yml (read from the project by default).
    Cheapest first: the lake (a local folder must hold `hook_events/`; a URL is the
    cluster's to read), then what runs Spark from here (runner/spark_env.py), each a
    one-line RunnerError, all before dbt starts. A local session keeps its tables and
    metastore in RUNNER_SPARK_DIR, by default ``spark/`` beside the warehouse file.
    """
    from runner.lake import TABLE_FOLDER, is_url
    from runner.spark_env import is_local_session, require_spark, spark_output

    output = output if output is not None else spark_output(paths.PROJECT_DIR)
    hint = "write it with `runner ingest --source … --lake DIR`, then pass the same --lake"
    if settings.lake is None:
        raise RunnerError(
            "the spark target reads the raw events from a lake, and no lake was given "
            "(--lake, RUNNER_LAKE_DIR or lake in runner.toml)",
            hint,
        )
    if is_url(settings.lake):
        lake = settings.lake
    elif (Path(settings.lake) / TABLE_FOLDER).is_dir():
        lake = str(Path(settings.lake).resolve())
    else:
        raise RunnerError(f"no lake at {settings.lake} (no {TABLE_FOLDER} folder in it)", hint)
    require_spark(output)
    spark_dir = Path(os.environ.get("RUNNER_SPARK_DIR") or default_spark_dir(settings.warehouse))
    if is_local_session(output):
        spark_dir.mkdir(parents=True, exist_ok=True)
    return {
        "RUNNER_LAKE_DIR": lake,
        "RUNNER_SPARK_DIR": str(spark_dir.resolve()),
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
    }


def default_spark_dir(warehouse: Path) -> Path:
    """Where Spark keeps its tables and metastore unless RUNNER_SPARK_DIR says otherwise."""
    return warehouse.parent / "spark"


def _require_raw_events(warehouse: Path) -> None:
    """dbt would fail on every node without the source table: say what to run instead."""
    hint = "run `runner ingest --source …` first (an empty source is fine)"
    with warehouse_db.connect(warehouse, read_only=True, missing_hint=hint) as con:
        found = con.sql(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'raw' and table_name = 'hook_events'"
        ).fetchone()
    if not found or not found[0]:
        raise RunnerError(f"warehouse {warehouse} has no raw.hook_events table", hint)


def run_demo(settings: Settings, *, sample: Path, console: Console, out: Console) -> None:
    """Generate the sample (once), run the daily job on it, and show what was found."""
    from runner.daily import run_daily
    from runner.sample import SampleOptions, generate_sample

    if not sample.exists():
        console.print(f"generating the sample data set in {sample} …")
        summary = generate_sample(sample, SampleOptions(end_date=settings.run_date))
        console.print(summary.describe())
    demo_settings = Settings(
        warehouse=settings.warehouse,
        source=str(sample),
        target=settings.target,
        run_date=settings.run_date,
        window_hours=settings.window_hours,
        channels=settings.channels,
        review_url=settings.review_url,
        report_dir=settings.report_dir,
        dbt_vars=settings.dbt_vars,
    )
    daily = run_daily(demo_settings, console=console)
    out.print(daily.describe())
    show_findings(settings.warehouse, out)
    if not daily.success:
        raise RunnerError(daily.failure_message(), daily.failure_hint())


def show_findings(warehouse: Path, out: Console, *, limit: int = 10) -> None:
    """Print the top patterns, the counts by status and the destructive catches."""
    with warehouse_db.connect(warehouse, read_only=True) as con:
        statuses = con.sql(
            "select status, count(*) from marts.pattern_classifications "
            "where is_family_head group by all order by 2 desc"
        ).fetchall()
        top = con.sql(
            f"""
            select tool_sequence, occurrence_count, round(confidence_score, 4),
                   round(estimated_savings_usd, 2), status
            from marts.pattern_classifications
            where is_family_head
            order by estimated_savings_usd desc, pattern_id
            limit {int(limit)}
            """
        ).fetchall()
        destructive = con.sql(
            """
            select tool_sequence, destructive_rule_id, destructive_example
            from marts.pattern_classifications
            where is_destructive and is_family_head
            order by occurrence_count desc, pattern_id
            limit 10
            """
        ).fetchall()

    out.print(
        "\n[bold]Families by status[/] (one review row each): "
        + ", ".join(f"{s} {n}" for s, n in statuses)
    )
    table = Table(
        "tool sequence",
        "occurrences",
        "confidence",
        "savings $",
        "status",
        title="Top families by estimated savings",
    )
    for row in top:
        table.add_row(*(str(v) for v in row))
    out.print(table)
    catches = Table("tool sequence", "rule", "example (redacted)", title="Destructive catches")
    for row in destructive:
        catches.add_row(*(str(v) for v in row))
    out.print(catches)
