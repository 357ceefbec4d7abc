"""The `runner` command line: thin commands over the service modules.

Each command resolves its settings (CLI > RUNNER_* environment > runner.toml > defaults),
calls one service function and prints its summary. Known failures raise RunnerError,
which becomes a one-line message and exit code 1; usage errors exit 2 (typer's default).
SIGTERM and SIGINT stop a command whole (runner/stopping.py): one line, and exit code
128 + the signal number (143, 130).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from runner import config, paths, stopping
from runner.consoles import LogConsole
from runner.errors import RunnerError

app = typer.Typer(
    name="runner",
    help=(
        "Mine AI-agent hook events for repeated tool sequences and sync the classified "
        "patterns to the review UI's pattern_approvals table."
    ),
    epilog=(
        "Settings: command line > RUNNER_* environment > runner.toml > defaults. "
        "Exit codes: 0 success, 1 the run failed (the message says why), 2 usage error, "
        "143 or 130 stopped by SIGTERM or SIGINT (the dbt child is stopped too; run the same "
        "command again)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
# Piped into a cron log, a line stays one line, however long (runner/consoles.py).
console = LogConsole(stderr=True)
out = LogConsole()

F = TypeVar("F", bound=Callable[..., Any])


class Shape(StrEnum):
    """Record shapes the sample generator writes."""

    table = "table"
    claude = "claude"


def handles_errors(func: F) -> F:
    """Turn RunnerError into one line on stderr and exit 1, a stop into one line and 128+N.

    Once SIGTERM or SIGINT has come, whatever ends the command is the stop: a C call may
    have turned it into its own error (DuckDB's "Query interrupted"), and a command that
    finished anyway still exits as stopped, for the supervisor that asked.
    """
    command = func.__name__.removesuffix("_cmd").replace("_", "-")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with stopping.stop_on_signals():
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                if (stop := stopping.requested()) is None:
                    _fail(exc)
                    raise
                _stopped(stop, command)
            if (stop := stopping.requested()) is not None:
                _stopped(stop, command)
            return result

    return wrapper  # type: ignore[return-value]


def _stopped(stop: stopping.Stopped, command: str) -> None:
    console.print(escape(stopping.stop_message(stop, command)), highlight=False, soft_wrap=True)
    raise typer.Exit(stop.exit_code) from None


def _fail(exc: BaseException) -> None:
    """A RunnerError becomes its message, its hint and exit 1; anything else goes on."""
    if isinstance(exc, RunnerError):
        # escaped: messages quote paths and commands, whose brackets are not markup
        console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        if exc.hint:
            console.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


# --- shared options ---------------------------------------------------------------
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="RUNNER_CONFIG",
        help="Config file (TOML).",
        show_default="runner.toml if present",
    ),
]
WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        envvar="RUNNER_WAREHOUSE",
        help="DuckDB warehouse file.",
        show_default=str(paths.DEFAULT_WAREHOUSE),
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        envvar="RUNNER_SOURCE",
        help="Events to load: a .jsonl/.parquet path or glob, sqlite:///file.db or postgresql://…",
    ),
]
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target",
        envvar="RUNNER_TARGET",
        help="pattern_approvals database: sqlite:///file.db or postgresql://…",
        show_default=paths.DEFAULT_TARGET,
    ),
]
RunDateOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--run-date",
        envvar="RUNNER_RUN_DATE",
        formats=["%Y-%m-%d"],
        help="Day to analyse (UTC).",
        show_default="yesterday",
    ),
]
WindowOpt = Annotated[
    int | None,
    typer.Option(
        "--window-hours",
        envvar="RUNNER_WINDOW_HOURS",
        min=1,
        help="Length of the analysis window, ending at the midnight after --run-date.",
        show_default="24",
    ),
]
ChannelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--channel",
        envvar="RUNNER_CHANNELS",
        help="Apprise URL to notify (slack://…, mailto://…, json://…); repeat for several.",
    ),
]
ReviewUrlOpt = Annotated[
    str | None,
    typer.Option("--review-url", envvar="RUNNER_REVIEW_URL", help="Base URL of the review UI."),
]
LakeOpt = Annotated[
    str | None,
    typer.Option(
        "--lake",
        envvar="RUNNER_LAKE_DIR",
        help="Parquet lake of the raw events (event_date partitions), read by --target spark: "
        "a folder, or for build on a cluster a URL (s3a://…, abfss://…).",
    ),
]

PublishedOpt = Annotated[
    Path | None,
    typer.Option(
        "--published",
        envvar="RUNNER_PUBLISHED",
        help="The read-only copy of the marts that analysts open, replaced whole after each "
        "successful build (analysts' connections there never block a build).",
        show_default="<warehouse name>_published.duckdb beside the warehouse",
    ),
]


class DbtTarget(StrEnum):
    """The outputs of profiles.yml."""

    duckdb = "duckdb"
    spark = "spark"


ReportDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--report-dir",
        envvar="RUNNER_REPORT_DIR",
        help="Folder for reports.",
        show_default="reports",
    ),
]


@app.command("generate-sample")
@handles_errors
def generate_sample_cmd(
    out_file: Annotated[
        Path, typer.Option("--out", help="File to write: .jsonl or .parquet.")
    ] = paths.DEFAULT_SAMPLE,
    sessions: Annotated[int, typer.Option(min=1, help="Number of agent sessions.")] = 200,
    days: Annotated[int, typer.Option(min=1, help="Days of activity, ending at --end-date.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: same seed and options, same file.")] = 42,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Last day with events.", show_default="yesterday (UTC)"
        ),
    ] = None,
    shape: Annotated[
        Shape,
        typer.Option(
            help="Record shape: 'table' (hook_events rows) or 'claude' (Claude Code hook JSON)."
        ),
    ] = Shape.table,
    noise_only: Annotated[
        bool, typer.Option(help="Random tool calls only, no planted workflows.")
    ] = False,
    bad_rows: Annotated[bool, typer.Option(help="Mix in a small share of malformed rows.")] = True,
    destroy_order: Annotated[
        bool,
        typer.Option(
            help="Shuffle the tool calls inside each session: same calls, same timestamps,"
            " same Pre/Post pairs, no order (the null data for calibration tests)."
        ),
    ] = False,
) -> None:
    """Write realistic synthetic hook events, deterministic per seed.

    Sessions look like real ones: a long tail of tool calls (from 20 sessions on, one
    has well over 1,000), pauses of hours, midnight crossings, uneven days. Each session
    belongs to a project with its own files, commands and scripts, and has its own
    habits: its tool mix, a few commands of its own, runs of one tool (Read, Read, Read)
    and long Grep/Read alternations. Bash commands are compound and sometimes carry
    secrets or destructive operations. Five planted workflows recur among them; the
    summary gives their exact occurrence counts (as a build with the default vars finds
    them). --bad-rows adds about 0.7 % malformed records, one kind after another, for
    staging to quarantine.

    --destroy-order permutes the tool calls inside every session: each call's content
    moves to another call's time slot with both its Pre and Post, timestamps and other
    events stay where they are. No workflow survives but by chance: a confidence score
    should find nothing there. --noise-only leaves the planted workflows out and
    destroys the order of the noise as well (sessions differ in make-up, not in order).

    The file is streamed, so 10 million events need little memory.

    Example: runner generate-sample --out data/sample/events.parquet --sessions 2000 --days 7
    """
    from runner.sample import SampleOptions, generate_sample

    options = SampleOptions(
        sessions=sessions,
        days=days,
        seed=seed,
        end_date=end_date.date() if end_date else config.default_run_date(),
        shape=shape.value,
        noise_only=noise_only,
        bad_rows=bad_rows,
        destroy_order=destroy_order,
    )
    summary = generate_sample(out_file, options)
    out.print(summary.describe())


@app.command("shuffle-sessions")
@handles_errors
def shuffle_sessions_cmd(
    in_file: Annotated[
        Path, typer.Option("--in", help="Hook events to read: .jsonl or .parquet, either shape.")
    ],
    out_file: Annotated[Path, typer.Option("--out", help="File to write, same format.")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed and input, same file.")] = 0,
) -> None:
    """Destroy the order of the tool calls inside every session of a file.

    Each call's content (tool, input, result) moves to another call's time slot of the
    same session, its Pre and Post together; timestamps, ids and other events stay
    where they are. Per session the calls, timestamps and Pre/Post pairs are the same,
    only their order is gone: data with no workflow left but by chance, to check that a
    confidence score finds nothing there. Works on real exports as on generated
    samples (generate-sample --destroy-order does the same while generating).

    Example: runner shuffle-sessions --in data/week.jsonl --out /tmp/week-shuffled.jsonl --seed 1
    """
    from runner.sample import shuffle_within_sessions

    out.print(shuffle_within_sessions(in_file, out_file, seed).describe())


@app.command()
@handles_errors
def ingest(
    source: SourceOpt = None,
    warehouse: WarehouseOpt = None,
    lake: LakeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Load new events into the warehouse, incrementally and without duplicates.

    With --lake DIR the raw events are also written there as Parquet, one folder per event
    date (DIR/hook_events/event_date=YYYY-MM-DD/), the source of `runner build --target
    spark`. Only the dates that changed are rewritten, each swapped in whole; a lake that
    missed a run (or is new) catches up, and re-running an ingest leaves it as it is.
    """
    from runner.ingest import ingest_source

    settings = config.resolve(config=config_file, warehouse=warehouse, source=source, lake=lake)
    if not settings.source:
        raise RunnerError(
            "no source given", "pass --source, set RUNNER_SOURCE, or set source in runner.toml"
        )
    summary = ingest_source(settings.source, settings.warehouse, lake=settings.lake)
    out.print(summary.describe())


@app.command()
@handles_errors
def build(
    run_date: RunDateOpt = None,
    window_hours: WindowOpt = None,
    warehouse: WarehouseOpt = None,
    config_file: ConfigOpt = None,
    select: Annotated[str | None, typer.Option(help="dbt node selection, e.g. 'marts'.")] = None,
    unit_tests: Annotated[
        bool, typer.Option(help="Also run the models' dbt unit tests (CI runs them always).")
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            help="Rebuild the incremental models from every raw event (after editing a seed "
            "or a session var)."
        ),
    ] = False,
    target: Annotated[
        DbtTarget,
        typer.Option(
            "--target",
            help="dbt target: duckdb (the warehouse file) or spark (the spark output of "
            "profiles.yml over --lake: a local SparkSession unless you point it at a cluster; "
            "needs the spark extra and Java 17+). No RUNNER_* variable: RUNNER_TARGET is the "
            "pattern_approvals database.",
        ),
    ] = DbtTarget.duckdb,
    lake: LakeOpt = None,
    published: PublishedOpt = None,
) -> None:
    """Run `dbt build` (seeds, models, data tests) for the analysis window.

    The session-level models are incremental: only sessions with new events are
    recomputed. With --target spark the same project runs on Spark, reading the raw
    events from the Parquet lake that `runner ingest --lake` writes; its tables and
    metastore go to RUNNER_SPARK_DIR (default: a `spark` folder beside the warehouse).

    A successful DuckDB build of the whole project (no --select) then publishes the
    marts to the read-only copy analysts open (--published).

    Example: runner build --target spark --lake data/lake --run-date 2026-11-23
    """
    from runner.build import build_warehouse
    from runner.dbt_invocation import FULL_REFRESH_HINT

    settings = config.resolve(
        config=config_file,
        warehouse=warehouse,
        run_date=run_date,
        window_hours=window_hours,
        lake=lake,
        published=published,
    )
    if target is DbtTarget.duckdb:
        from runner.warehouse import require_writable

        require_writable(settings.warehouse)  # one line now, not dbt's traceback later
    with stopping.activity(f"build {settings.run_date}"):
        result = build_warehouse(
            settings,
            select=select,
            unit_tests=unit_tests,
            full_refresh=full_refresh,
            dbt_target=target.value,
            console=console,
        )
    if not result.success:
        raise RunnerError(
            f"dbt build failed: {len(result.failed_nodes)} node(s) failed",
            FULL_REFRESH_HINT
            if result.needs_full_refresh
            else "see the failures above; the previous marts stay in place until a build succeeds",
        )
    if target is DbtTarget.duckdb and select is None:
        from runner.publish import publish_marts

        with stopping.activity("publish"):
            published_copy = publish_marts(settings.warehouse, settings.published_path)
        out.print(published_copy.describe(), highlight=False)


@app.command()
@handles_errors
def check(
    warehouse: WarehouseOpt = None,
    run_date: RunDateOpt = None,
    window_hours: WindowOpt = None,
    report_dir: ReportDirOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Run the data-quality suites (great-expectations) on the raw source."""
    from runner.checks import run_checks

    settings = config.resolve(
        config=config_file,
        warehouse=warehouse,
        run_date=run_date,
        window_hours=window_hours,
        report_dir=report_dir,
    )
    summary = run_checks(settings)
    out.print(summary.describe())
    if not summary.success:
        raise RunnerError("error-level data-quality checks failed", f"see {summary.json_path}")


@app.command("sync-approvals")
@handles_errors
def sync_approvals_cmd(
    target: TargetOpt = None,
    warehouse: WarehouseOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; write nothing.")
    ] = False,
    config_file: ConfigOpt = None,
) -> None:
    """Upsert the classified patterns into pattern_approvals (SQLite or PostgreSQL)."""
    from runner.sync import sync_approvals

    settings = config.resolve(config=config_file, warehouse=warehouse, target=target)
    with stopping.activity("sync-approvals", stopping.APPROVALS_KEPT):
        summary = sync_approvals(settings.warehouse, settings.target, dry_run=dry_run)
    out.print(summary.describe())


@app.command()
@handles_errors
def notify(
    channel: ChannelOpt = None,
    review_url: ReviewUrlOpt = None,
    target: TargetOpt = None,
    warehouse: WarehouseOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Tell reviewers about patterns that became pending since the last notification."""
    from runner.notify import notify_reviewers

    settings = config.resolve(
        config=config_file,
        warehouse=warehouse,
        target=target,
        channels=channel,
        review_url=review_url,
    )
    summary = notify_reviewers(settings)
    out.print(summary.describe())
    if not summary.success:
        raise RunnerError(
            f"notification failed on: {', '.join(summary.failed_channels)}",
            "the patterns stay queued and are sent on the next run",
        )


@app.command()
@handles_errors
def report(
    report_dir: ReportDirOpt = None,
    run_date: RunDateOpt = None,
    window_hours: WindowOpt = None,
    warehouse: WarehouseOpt = None,
    review_url: ReviewUrlOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Write the daily report (JSON, Markdown and a self-contained HTML page).

    It opens with the review queue; each pattern links to its page in the review UI,
    <review-url>/<pattern_id>.
    """
    from runner.report import write_report

    settings = config.resolve(
        config=config_file,
        warehouse=warehouse,
        run_date=run_date,
        window_hours=window_hours,
        report_dir=report_dir,
        review_url=review_url,
    )
    written = write_report(settings)
    for path in written:
        out.print(f"wrote {path}")


@app.command()
@handles_errors
def daily(
    source: SourceOpt = None,
    target: TargetOpt = None,
    run_date: RunDateOpt = None,
    window_hours: WindowOpt = None,
    channel: ChannelOpt = None,
    review_url: ReviewUrlOpt = None,
    report_dir: ReportDirOpt = None,
    warehouse: WarehouseOpt = None,
    lake: LakeOpt = None,
    published: PublishedOpt = None,
    catch_up: Annotated[
        bool,
        typer.Option(
            help="Build the days missed since the last finished one before --run-date; "
            "--no-catch-up builds --run-date alone."
        ),
    ] = True,
    config_file: ConfigOpt = None,
) -> None:
    """ingest → build → check → sync → notify → report, in one command, for cron.

    A lock stops overlapping runs on the same warehouse; a warehouse that another
    process has open (even read-only) is refused at once. After a failure or a missed
    day the next run first builds the missed days, at most the 7 before --run-date, and
    says how many; older ones are left to --run-date. It refuses (exit 1) when none of
    those days has an event and none came since: the source has most likely stopped.
    Each successful build publishes the marts to the copy analysts open (--published).
    A failed error-level check stops the sync; a failed notification channel is retried
    on the next run. Exit code 0 means every step succeeded, 1 that a step
    failed (the message says which and what to do), 143 or 130 that SIGTERM or SIGINT
    stopped the run (the step it was in is logged as stopped in runner.daily_runs and
    its day is redone by the next run). With --lake (or `lake` in the
    config) the ingest also brings the Parquet lake up to date, as `runner ingest --lake`
    does, for builds on Spark; the daily build itself runs on DuckDB.

    The output ends with what the run found: the families by status, how many are new
    for review, the top five pending ones by expected value (savings times confidence), and
    the text of every warning. Piped to a log, no line is wrapped.

    Example: runner daily --config /etc/hook-patterns/runner.toml
    """
    from runner.daily import run_daily

    settings = config.resolve(
        config=config_file,
        warehouse=warehouse,
        source=source,
        target=target,
        run_date=run_date,
        window_hours=window_hours,
        channels=channel,
        review_url=review_url,
        report_dir=report_dir,
        lake=lake,
        published=published,
    )
    summary = run_daily(settings, console=console, catch_up=catch_up)
    out.print(summary.describe())
    if not summary.success:
        raise RunnerError(summary.failure_message(), summary.failure_hint())


@app.command()
@handles_errors
def demo(
    warehouse: WarehouseOpt = None,
    sample: Annotated[
        Path, typer.Option(help="Sample file to generate and load.")
    ] = paths.DEFAULT_SAMPLE,
) -> None:
    """Generate the sample data set, run the whole job on it and show what was found."""
    from runner.demo import run_demo

    settings = config.resolve(warehouse=warehouse)
    run_demo(settings, sample=sample, console=console, out=out)


def _help_paragraphs(doc: str) -> str:
    """A docstring as help text: each paragraph on one line, for rich to wrap.

    typer (rich markup mode) keeps the line breaks inside a docstring's paragraphs, and
    rich then wraps each source line again at the terminal's width: at 80 columns a
    paragraph breaks mid-sentence ("well over" / "1,000"). Paragraphs stay apart.
    """
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


for _command in app.registered_commands:
    if _command.help is None and _command.callback is not None and _command.callback.__doc__:
        _command.help = _help_paragraphs(_command.callback.__doc__)


def main() -> None:  # pragma: no cover - console-script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
