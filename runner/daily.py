"""`runner daily`: ingest → build → check → sync → notify → report, for cron.

Every step is idempotent on its own (ingest deduplicates, the marts are derived from
the facts, the sync upserts, notifications are logged per pattern and channel), so the
job can always be re-run. On top of that the job remembers which days finished in
``runner.daily_runs``; a run after a failure or a missed day catches up on every day
since the last finished one (up to ``MAX_CATCH_UP_DAYS``) before the requested day,
and says how many days it builds. It refuses to catch up when the warehouse holds no
event in any of those days: the source has most likely stopped, and finishing a week
of empty days would hide it.
A run stopped by SIGTERM or SIGINT logs the step it was in as ``stopped`` and runs no
further step (runner/stopping.py); its day is not finished, so the next run redoes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from runner import bookkeeping, stopping
from runner import warehouse as warehouse_db
from runner.build import build_warehouse
from runner.checks import run_checks
from runner.config import Settings
from runner.consoles import LogConsole
from runner.errors import RunnerError
from runner.findings import Findings, read_findings
from runner.ingest import ingest_source
from runner.notify import notify_reviewers
from runner.outcome import StepOutcome
from runner.publish import publish_marts
from runner.report import write_report
from runner.sync import sync_approvals
from runner.targets import parse_target, require_folder

#: A run never replays more than this many missed days before the requested one (so it
#: builds at most MAX_CATCH_UP_DAYS + 1 days); older gaps need `--run-date`.
MAX_CATCH_UP_DAYS = 7


@dataclass
class StepResult:
    name: str
    status: str  # ok | warning | failed | skipped | stopped (by SIGTERM or SIGINT)
    seconds: float
    detail: str = ""
    run_date: dt.date | None = None
    #: Each warning's own text (a warn-level check or dbt test), for the summary's end.
    warnings: list[str] = field(default_factory=list)


@dataclass
class DailySummary:
    run_id: str
    run_dates: list[dt.date]
    steps: list[StepResult] = field(default_factory=list)
    #: The review queue as the last day built left it (None when no day was built).
    findings: Findings | None = None
    #: Why ``findings`` could not be read, if it could not.
    findings_error: str = ""

    @property
    def success(self) -> bool:
        return not any(step.status in {"failed", "stopped"} for step in self.steps)

    def failed(self) -> list[StepResult]:
        return [step for step in self.steps if step.status in {"failed", "stopped"}]

    def failure_message(self) -> str:
        failed = self.failed()
        if not failed:
            return ""
        first = failed[0]
        day = f" for {first.run_date}" if first.run_date else ""
        others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"daily run failed at {first.name}{day}: {first.detail}{others}"

    def failure_hint(self) -> str:
        return "fix the cause and run `runner daily` again: it resumes from the last finished day"

    def warnings(self) -> list[str]:
        """Every step's warnings, each prefixed with its step (and day, when catching up)."""
        found = []
        for step in self.steps:
            day = f" {step.run_date}" if step.run_date and len(self.run_dates) > 1 else ""
            found += [f"{step.name}{day}: {text}" for text in step.warnings]
        return found

    def describe(self) -> str:
        """The steps, the verdict, then what was found and each warning's text.

        Rich markup: the texts from the data (tool sequences, check descriptions) are
        escaped, as they may hold brackets.
        """
        days = ", ".join(d.isoformat() for d in self.run_dates)
        lines = [f"[bold]runner daily[/] {self.run_id} for {days}:"]
        for step in self.steps:
            colour = {"ok": "green", "warning": "yellow", "failed": "red"}.get(step.status, "dim")
            day = f" {step.run_date}" if step.run_date and len(self.run_dates) > 1 else ""
            lines.append(
                f"  [{colour}]{step.status:>7}[/] {step.name}{day} ({step.seconds:.1f} s)"
                + (f" — {escape(step.detail)}" if step.detail else "")
            )
        warnings = self.warnings()
        verdict = "[green]success[/]" if self.success else "[red]failed[/]"
        if warnings:
            verdict += f" with {len(warnings)} warning{'s' if len(warnings) > 1 else ''}"
        lines.append(verdict)
        if self.findings is not None:
            last = f" ({self.run_dates[-1]})" if len(self.run_dates) > 1 else ""
            lines.append(f"[bold]review queue{last}[/]")
            lines += [escape(line) for line in self.findings.describe_lines()]
        elif self.findings_error:
            lines.append(f"[yellow]review queue not read:[/] {escape(self.findings_error)}")
        if warnings:
            lines.append(f"[yellow]warnings ({len(warnings)}):[/]")
            lines += [f"  {escape(text)}" for text in warnings]
        return "\n".join(lines)


@contextmanager
def exclusive_lock(warehouse: Path) -> Iterator[None]:
    """Stop overlapping runs on one warehouse. The OS drops the lock if we die."""
    lock_path = warehouse.parent / f".{warehouse.name}.daily.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            raise RunnerError(
                f"another `runner daily` is already running on {warehouse} ({holder})",
                "wait for it to finish; the lock is released as soon as it exits",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _record(warehouse: Path, run_id: str, step: StepResult, started: dt.datetime) -> None:
    """Log a step in the warehouse. Short-lived connection: dbt needs the file next."""
    with warehouse_db.connect(warehouse) as con:
        bookkeeping.create_tables(con)
        con.execute(
            "insert into runner.daily_runs values (?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                step.run_date,
                step.name,
                step.status,
                started,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                step.detail,
            ],
        )


def last_finished_day(warehouse: Path) -> dt.date | None:
    if not warehouse.exists():
        return None
    with warehouse_db.connect(warehouse, read_only=True) as con:
        if warehouse_db.missing_tables(con, ["runner.daily_runs"]):
            return None
        row = con.sql(
            "select max(run_date) from runner.daily_runs where step = 'day' and status = 'ok'"
        ).fetchone()
    return row[0] if row else None


def days_to_run(requested: dt.date, last_finished: dt.date | None) -> list[dt.date]:
    """The requested day, preceded by the days missed since the last finished one."""
    if last_finished is None or last_finished >= requested - dt.timedelta(days=1):
        return [requested]
    first = max(
        last_finished + dt.timedelta(days=1), requested - dt.timedelta(days=MAX_CATCH_UP_DAYS)
    )
    return [first + dt.timedelta(days=i) for i in range((requested - first).days + 1)]


def catch_up_message(days: list[dt.date], last_finished: dt.date | None) -> str:
    """How many days the run builds, and which missed days it leaves to --run-date."""
    text = f"catching up on {len(days)} days: {days[0]} … {days[-1]}"
    if last_finished is None:
        return text
    skipped = (days[0] - last_finished).days - 1
    if skipped <= 0:
        return f"{text} (the last finished day is {last_finished})"
    older = f"{last_finished + dt.timedelta(days=1)} … {days[0] - dt.timedelta(days=1)}"
    return (
        f"{text}; the {skipped} older missed day(s), {older}, are not built "
        f"(at most {MAX_CATCH_UP_DAYS} days before the requested one): "
        "build them with `runner daily --run-date`"
    )


def refuse_stale_catch_up(settings: Settings, days: list[dt.date]) -> None:
    """Refuse a catch-up whose every day is empty because the source has gone stale.

    Stale: the warehouse's latest event (after this run's ingest; timestamps in the
    future do not count) is older than the first day's analysis window, so no day to
    build has any event. Days that are empty while later events exist (an outage the
    source came back from) are built as usual.
    """
    start = dt.datetime.combine(days[0] + dt.timedelta(days=1), dt.time()) - dt.timedelta(
        hours=settings.window_hours
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse_db.connect(settings.warehouse, read_only=True) as con:
        found = con.sql(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'raw' and table_name = 'hook_events'"
        ).fetchone()
        if not found or not found[0]:
            return  # nothing was ever ingested: the build says what to run
        row = con.execute(
            "select max(event_at) from ("
            "select try_cast(timestamp as timestamp) as event_at from raw.hook_events"
            ") where event_at <= ?",
            [now],
        ).fetchone()
    latest = row[0] if row else None
    if latest is not None and latest >= start:
        return
    since = f"its latest event is from {latest:%Y-%m-%d %H:%M} UTC" if latest else "it has none"
    raise RunnerError(
        f"refusing to catch up on {len(days)} empty days ({days[0]} … {days[-1]}): "
        f"the warehouse has no event in them and {since}, so the source has most likely stopped",
        "check the source (--source, RUNNER_SOURCE) and run again; if those days really "
        f"had no events, run `runner daily --run-date {days[-1]} --no-catch-up`",
    )


class _Steps:
    """Runs steps with progress lines and records each one."""

    def __init__(self, settings: Settings, summary: DailySummary, console: Console) -> None:
        self.settings = settings
        self.summary = summary
        self.console = console

    def run(self, name: str, day: dt.date | None, func: Callable[[], StepReturn]) -> StepResult:
        started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        started = time.monotonic()
        label = f"{name} {day}" if day else name
        self.console.print(f"[bold]→ {label}[/] …", highlight=False)
        left_behind = stopping.APPROVALS_KEPT if name == "sync" else stopping.WAREHOUSE_KEPT
        stop: stopping.Stopped | None = None
        warnings: list[str] = []
        with stopping.activity(label, left_behind):
            try:
                status, detail, *rest = func()
                warnings = list(rest[0]) if rest else []
            except BaseException as exc:
                # after SIGTERM/SIGINT any failure is the stop (DuckDB reports it as its own)
                stop = stopping.requested()
                if stop is not None:
                    status, detail = "stopped", f"stopped by {stop.signal_name}"
                elif isinstance(exc, RunnerError):
                    status, detail = "failed", str(exc)
                elif isinstance(exc, Exception):  # a bug or an unforeseen failure: keep the log
                    self.console.print_exception(max_frames=8)
                    status, detail = "failed", f"unexpected {type(exc).__name__}: {exc}"
                else:
                    raise

        step = StepResult(name, status, time.monotonic() - started, detail, day, warnings)
        self.summary.steps.append(step)
        colour = {"ok": "green", "warning": "yellow", "failed": "red"}.get(status, "dim")
        self.console.print(
            f"  [{colour}]{status}[/] {label} ({step.seconds:.1f} s) {detail}", highlight=False
        )
        if self.settings.warehouse.exists():
            if stop is None:
                _record(self.settings.warehouse, self.summary.run_id, step, started_at)
            else:  # the dbt child is gone already; a failure to log must not hide the stop
                with contextlib.suppress(Exception):
                    _record(self.settings.warehouse, self.summary.run_id, step, started_at)
        # stopped during the step, or signalled as it finished: no further step runs
        stopping.raise_if_requested()
        return step

    def finish_day(self, day: dt.date) -> None:
        """Mark the day finished: the next run catches up from the day after it."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        _record(
            self.settings.warehouse,
            self.summary.run_id,
            StepResult("day", "ok", 0.0, "day finished", day),
            now,
        )

    def skip(self, name: str, day: dt.date | None, why: str) -> None:
        self.summary.steps.append(StepResult(name, "skipped", 0.0, why, day))
        self.console.print(f"  [dim]skipped {name}: {why}[/]", highlight=False)


#: What a step's function returns: its status and one-line detail, and optionally the
#: text of each of its warnings.
StepReturn = tuple[str, str] | tuple[str, str, list[str]]
#: Step statuses after which the day goes on.
PASSED = {"ok", "warning"}


def run_daily(
    settings: Settings, *, console: Console | None = None, catch_up: bool = True
) -> DailySummary:
    """The job for the requested day, after the missed ones unless ``catch_up`` is False."""
    console = console or LogConsole(stderr=True)
    require_folder(parse_target(settings.target))  # a mistyped path fails now, not after the build
    with exclusive_lock(settings.warehouse):
        warehouse_db.require_writable(settings.warehouse)
        last_finished = last_finished_day(settings.warehouse)
        days = days_to_run(settings.run_date, last_finished) if catch_up else [settings.run_date]
        summary = DailySummary(run_id=uuid.uuid4().hex[:12], run_dates=days)
        steps = _Steps(settings, summary, console)
        if len(days) > 1:
            console.print(catch_up_message(days, last_finished), highlight=False)
        if not _ingest(settings, steps):
            return summary
        if len(days) > 1:
            refuse_stale_catch_up(settings, days)
        for day in days:
            if not _run_day(dataclasses.replace(settings, run_date=day), steps):
                break
        return summary


def _ingest(settings: Settings, steps: _Steps) -> bool:
    if not settings.source:
        steps.skip("ingest", None, "no source configured (--source / RUNNER_SOURCE)")
        return True

    def ingest() -> tuple[str, str]:
        result = ingest_source(settings.source or "", settings.warehouse, lake=settings.lake)
        detail = result.accounting()
        if result.rows_repaired:
            detail += f"; repaired {result.rows_repaired} events (unpaired surrogate escapes)"
        if result.lake is not None:
            detail += f"; {result.lake.describe()}"
        return "ok", detail

    return steps.run("ingest", None, ingest).status != "failed"


def _status(outcome: StepOutcome) -> StepReturn:
    """A step's status, detail and warnings, read from the outcome its service returned."""
    status = "failed" if not outcome.success else "warning" if outcome.warnings else "ok"
    return status, outcome.description, outcome.warnings


def _run_day(settings: Settings, steps: _Steps) -> bool:
    """One day's build → check → sync → notify → report. False stops the catch-up."""
    day = settings.run_date
    extra: dict[str, StepOutcome | str] = {}

    def build() -> StepReturn:
        return _status(build_warehouse(settings, console=steps.console))

    def check() -> StepReturn:
        outcome = run_checks(settings)
        extra["checks"] = outcome
        return _status(outcome)

    def sync() -> StepReturn:
        outcome = sync_approvals(settings.warehouse, settings.target, dry_run=False)
        extra["sync"] = outcome
        return _status(outcome)

    def notify() -> StepReturn:
        outcome = notify_reviewers(settings)
        extra["notify"] = outcome
        return _status(outcome)

    def publish() -> tuple[str, str]:
        return "ok", publish_marts(settings.warehouse, settings.published_path).describe()

    def report() -> tuple[str, str]:
        written = write_report(settings, extra=extra)
        return "ok", f"{len(written)} files in {settings.report_dir}"

    built = steps.run("build", day, build).status in PASSED
    if built:  # analysts' copy; a failure here fails the run but does not stop the sync
        steps.run("publish", day, publish)
    checked = built and steps.run("check", day, check).status in PASSED
    if not built:
        steps.skip("check", day, "the build failed")
    synced = checked and steps.run("sync", day, sync).status == "ok"
    if built and not checked:
        steps.skip("sync", day, "error-level data-quality checks failed")
        extra["blocked"] = "the sync did not run: error-level data-quality checks failed"
    if synced:
        steps.run("notify", day, notify)
    else:
        steps.skip("notify", day, "nothing was synced")
    if built:
        steps.run("report", day, report)
        _read_findings(settings, steps.summary)
    if synced:
        steps.finish_day(day)
    return synced


def _read_findings(settings: Settings, summary: DailySummary) -> None:
    """The review queue the day's build left, for the summary; unreadable is no failure."""
    try:
        summary.findings, summary.findings_error = read_findings(settings), ""
    except RunnerError as exc:
        summary.findings, summary.findings_error = None, str(exc)
