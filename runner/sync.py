"""`runner sync-approvals`: copy marts.pattern_classifications into pattern_approvals.

One sync is one transaction on the target: it creates the tables if they are missing,
upserts every family head of the classified patterns, and commits, or leaves the target
exactly as it was.
The review UI writes the same table at the same time, so the rules that protect a
reviewer's decision live in the upsert statement itself (see approvals_schema), and SQLite
takes its write lock up front (BEGIN IMMEDIATE) with a busy timeout and retries.

The counts in the summary come from comparing each mart row with the stored row inside
the transaction, with the same comparison the upsert's WHERE makes; a dry run makes the
same comparison on a read-only connection and stops there.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import struct
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from runner import approvals_schema as schema
from runner import warehouse as warehouse_db
from runner.errors import RunnerError
from runner.outcome import first_line
from runner.redaction import redact_secrets
from runner.targets import Target, connect, describe_db_error, parse_target, require_folder

MART = "marts.pattern_classifications"
MART_STATUSES = ("pending", "auto-approved", "auto-rejected")
#: Only the mart's family heads are synced (int_pattern_families).
QUEUE_COLUMN = "is_family_head"
MAX_EXAMPLE_SESSIONS = 10
#: Rows read from the warehouse and written to the target per round trip.
BATCH_SIZE = 500
#: Attempts when SQLite stays locked past its busy timeout, or PostgreSQL reports a
#: deadlock or serialization failure; each attempt starts the transaction afresh.
ATTEMPTS = 4
#: Lines of per-pattern detail a dry run prints.
DETAIL_LIMIT = 50

#: Test hook, read only here: after this many rows are written, print a line to stderr and
#: sleep RUNNER_SYNC_PAUSE_SECONDS (default 60) inside the open transaction, so a test can
#: kill the process or write as a reviewer at that moment. Unset in normal use.
PAUSE_AFTER_ROWS_ENV = "RUNNER_SYNC_PAUSE_AFTER_ROWS"
PAUSE_SECONDS_ENV = "RUNNER_SYNC_PAUSE_SECONDS"

_REBUILD_HINT = "run `runner build` first"
_DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error, duckdb.Error)


@dataclass
class SyncSummary:
    """What a sync did (or, for a dry run, would do) to pattern_approvals.

    A :class:`runner.outcome.StepOutcome` that always succeeded: a sync that fails
    raises RunnerError and rolls back instead of returning.
    """

    target: str
    dry_run: bool
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows whose decision belongs to a reviewer; their metrics may still be refreshed.
    protected: int = 0
    protected_refreshed: int = 0
    created_table: bool = False
    details: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.protected

    @property
    def success(self) -> bool:
        return True

    @property
    def description(self) -> str:
        return first_line(self.describe())

    @property
    def failures(self) -> list[str]:
        return []

    @property
    def warnings(self) -> list[str]:
        return []

    def add_detail(self, line: str) -> None:
        if len(self.details) <= DETAIL_LIMIT:
            self.details.append(line)

    def describe(self) -> str:
        counts = (
            f"{self.inserted} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.protected} protected by a human decision"
            + (
                f" ({self.protected_refreshed} with refreshed metrics)"
                if self.protected_refreshed
                else ""
            )
        )
        if not self.dry_run:
            created = "created pattern_approvals; " if self.created_table else ""
            return f"synced {self.total} patterns to {self.target}: {created}{counts}"
        lines = [f"dry run, nothing written to {self.target}"]
        if self.created_table:
            lines.append(
                "pattern_approvals does not exist: it would be created, with pattern_review_history"
            )
        lines.append(f"would write {self.total} patterns: {counts}")
        lines += self.details[:DETAIL_LIMIT]
        if len(self.details) > DETAIL_LIMIT:
            lines.append("… (more rows not shown)")
        return "\n".join(lines)


def sync_approvals(warehouse: Path | str, target: str, *, dry_run: bool = False) -> SyncSummary:
    """Upsert the classified patterns into the target's pattern_approvals, all or nothing."""
    parsed = parse_target(target)
    require_folder(parsed)  # before reading the warehouse: a mistyped path fails at once
    with _open_mart(Path(warehouse)) as mart:
        try:
            if dry_run:
                return _run(mart, parsed, write=False)
            retrying = Retrying(
                retry=retry_if_exception(_is_transient),
                stop=stop_after_attempt(ATTEMPTS),
                wait=wait_exponential(multiplier=0.5, max=5),
                reraise=True,
            )
            return retrying(_run, mart, parsed, write=True)
        except _DB_ERRORS as exc:
            raise _failure(exc, parsed, dry_run) from None


# --- the warehouse side ----------------------------------------------------------------
@contextlib.contextmanager
def _open_mart(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only, after checking the mart is there with the needed columns."""
    con = warehouse_db.connect(warehouse, read_only=True, missing_hint=_REBUILD_HINT)
    try:
        warehouse_db.require_table(
            con,
            MART,
            (*schema.SYNCED_COLUMNS, QUEUE_COLUMN),
            hint=_REBUILD_HINT,
            stale_hint="the warehouse is older than this runner: run `runner build` again",
        )
        yield con
    finally:
        con.close()


def _mart_batches(mart: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[dict[str, Any]]]:
    """The family heads of the mart in pattern_id order (a re-run writes in the same order).

    A candidate that another explains (a sub-pattern, a repetition, an extension) is not
    synced: the review UI shows each family once, through its head. A row that an
    earlier version synced and that is now explained stays as the reviewer has it.
    """
    columns = ", ".join(schema.SYNCED_COLUMNS)
    cursor = mart.execute(f"select {columns} from {MART} where {QUEUE_COLUMN} order by pattern_id")
    while rows := cursor.fetchmany(size):
        yield [dict(zip(schema.SYNCED_COLUMNS, row, strict=True)) for row in rows]


def _prepare(record: dict[str, Any]) -> dict[str, Any]:
    """A mart row as it is stored: checked, rounded, redacted, examples capped at ten.

    Rounding (confidence to 6 decimals, savings to cents) keeps float noise between two
    builds from counting as a change, which would move updated_at for nothing.
    """
    _validate(record)
    context = record["pattern_context"]
    return {
        "pattern_id": record["pattern_id"],
        "status": record["status"],
        "confidence_score": round(float(record["confidence_score"]), 6),
        "occurrence_count": int(record["occurrence_count"]),
        "estimated_savings_usd": round(float(record["estimated_savings_usd"]), 2),
        "tool_sequence": redact_secrets(record["tool_sequence"]),
        "pattern_context": None if context is None else redact_secrets(context),
        "example_sessions": _example_sessions(record["example_sessions"], record["pattern_id"]),
    }


def _validate(record: dict[str, Any]) -> None:
    """Name the bad row in the error rather than leave it to a constraint message."""
    problems = []
    if record["status"] not in MART_STATUSES:
        problems.append(f"status {record['status']!r} (expected one of {', '.join(MART_STATUSES)})")
    confidence = record["confidence_score"]
    if confidence is None or not 0 <= confidence <= 1:
        problems.append(f"confidence_score {confidence} outside 0..1")
    savings = record["estimated_savings_usd"]
    if savings is None or not math.isfinite(savings):
        problems.append(f"estimated_savings_usd {savings}")
    problems += [f"{c} null" for c in ("occurrence_count", "tool_sequence") if record[c] is None]
    if problems or not record["pattern_id"]:
        raise RunnerError(
            f"{MART} row {record['pattern_id']!r} has {'; '.join(problems) or 'no pattern_id'}; "
            "nothing was written",
            "the mart's contract tests should catch this: run `runner build` and fix what fails",
        )


def _example_sessions(raw: Any, pattern_id: str) -> str | None:
    """A JSON array of at most ten session ids."""
    if raw is None:
        return None
    try:
        sessions = raw if isinstance(raw, list) else json.loads(raw)
    except ValueError:
        sessions = None
    if not isinstance(sessions, list):
        raise RunnerError(
            f"{MART} row {pattern_id!r} has example_sessions that is not a JSON array; "
            "nothing was written",
            _REBUILD_HINT,
        )
    return json.dumps([str(s) for s in sessions[:MAX_EXAMPLE_SESSIONS]])


# --- the target side -------------------------------------------------------------------
def _run(mart: duckdb.DuckDBPyConnection, target: Target, *, write: bool) -> SyncSummary:
    """One attempt: a whole transaction that commits (write) or rolls back (dry run)."""
    summary = SyncSummary(target=target.display, dry_run=not write)
    if not write and not target.exists:
        summary.created_table = True  # no file yet: everything would be new
        _apply(mart, None, target, None, summary, write=False)
        return summary
    conn = connect(target, read_only=not write)
    try:
        cursor = conn.cursor()
        if target.dialect == "sqlite":
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        existing = schema.inspect_approvals(cursor, target.dialect)
        if existing is None:
            summary.created_table = True
            if write:
                for statement in schema.create_statements(target.dialect):
                    cursor.execute(statement)
        elif problems := existing.problems():
            raise RunnerError(
                f"{schema.APPROVALS} in {target.display} does not match the contract: "
                + "; ".join(problems),
                "the sync never alters an existing table: fix it, or choose another --target",
            )
        _apply(mart, cursor, target, existing, summary, write=write)
        conn.commit() if write else conn.rollback()
        return summary
    except BaseException:
        with contextlib.suppress(Exception):
            conn.rollback()
        raise
    finally:
        conn.close()


def _apply(
    mart: duckdb.DuckDBPyConnection,
    cursor: Any | None,
    target: Target,
    existing: schema.ExistingTable | None,
    summary: SyncSummary,
    *,
    write: bool,
) -> None:
    """Compare each mart batch with the stored rows, count, and (write) upsert it.

    ``existing`` is None when the table does not exist yet: then every row is new.
    """
    single_precision = existing.single_precision if existing else frozenset()
    upsert = schema.upsert_statement(target.dialect)
    pause_after = _pause_after_rows()
    written = 0
    for batch in _mart_batches(mart, min(BATCH_SIZE, pause_after or BATCH_SIZE)):
        rows = [_prepare(record) for record in batch]
        ids = [r["pattern_id"] for r in rows]
        stored = _stored_rows(cursor, target, ids) if existing is not None else {}
        for row in rows:
            _count(summary, row, stored.get(row["pattern_id"]), single_precision)
        if write and cursor is not None:
            cursor.executemany(upsert, [tuple(r[c] for c in schema.SYNCED_COLUMNS) for r in rows])
            written += len(rows)
            if pause_after and written - len(rows) < pause_after <= written:
                _pause(written)


def _stored_rows(cursor: Any, target: Target, pattern_ids: list[str]) -> dict[str, dict[str, Any]]:
    cursor.execute(schema.select_existing_statement(target.dialect, len(pattern_ids)), pattern_ids)
    return {
        row[0]: dict(zip(schema.EXISTING_COLUMNS, row, strict=True)) for row in cursor.fetchall()
    }


def _count(
    summary: SyncSummary,
    new: dict[str, Any],
    old: dict[str, Any] | None,
    single_precision: frozenset[str],
) -> None:
    """Classify one row exactly as the upsert will treat it, and note what changes."""
    pid = new["pattern_id"]
    if old is None:
        summary.inserted += 1
        summary.add_detail(
            f"+ new        {pid}  {new['status']:<13}  {_short(new['tool_sequence'])}"
        )
        return
    changed = [
        c
        for c in schema.METRIC_COLUMNS
        if _comparable(old[c], c, single_precision) != _comparable(new[c], c, single_precision)
    ]
    if old["status"] in schema.HUMAN_STATUSES or old["reviewed_by"] is not None:
        summary.protected += 1
        summary.protected_refreshed += bool(changed)
        refresh = f"; refresh {_changes(old, new, changed)}" if changed else ""
        reviewer = old["reviewed_by"] or "a reviewer"
        summary.add_detail(f"= protected  {pid}  {old['status']} by {reviewer} is kept{refresh}")
        return
    if old["status"] != new["status"]:
        changed.insert(0, "status")
    if not changed:
        summary.unchanged += 1
        return
    summary.updated += 1
    summary.add_detail(f"~ update     {pid}  {_changes(old, new, changed)}")


def _comparable(value: Any, column: str, single_precision: frozenset[str]) -> Any:
    """A value as the database compares it: a PostgreSQL ``real`` holds only 4 bytes."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)  # Decimal from a numeric column, int from SQLite's NUMERIC
    if column in single_precision:
        return struct.unpack("f", struct.pack("f", number))[0]
    return number


def _changes(old: dict[str, Any], new: dict[str, Any], columns: list[str]) -> str:
    shown = {"status", "confidence_score", "occurrence_count", "estimated_savings_usd"}
    return ", ".join(f"{c} {old[c]}→{new[c]}" if c in shown else f"{c} changed" for c in columns)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pause_after_rows() -> int | None:
    value = os.environ.get(PAUSE_AFTER_ROWS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _pause(written: int) -> None:
    print(f"sync paused after {written} rows ({PAUSE_AFTER_ROWS_ENV})", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "60")))


# --- failures --------------------------------------------------------------------------
def _is_transient(exc: BaseException) -> bool:
    """Worth a fresh attempt: a lock that outlasted the busy timeout, a deadlock victim."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    return isinstance(exc, psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected)


def _failure(exc: Exception, target: Target, dry_run: bool) -> RunnerError:
    """A driver error as a one-line RunnerError; the transaction is already rolled back."""
    if isinstance(exc, duckdb.Error):
        return RunnerError(f"reading {MART} failed: {str(exc).splitlines()[0]}", _REBUILD_HINT)
    what = "reading" if dry_run else "syncing to"
    message = (
        f"{what} {target.display} failed, nothing was written: {describe_db_error(exc, target)}"
    )
    if _is_transient(exc):
        return RunnerError(message, "another program kept the database locked; retry later")
    if isinstance(exc, sqlite3.IntegrityError | psycopg.IntegrityError):
        return RunnerError(
            message, "a row broke a constraint of the existing table; check its definition"
        )
    if isinstance(exc, psycopg.OperationalError):
        return RunnerError(message, "the connection failed; check the server and re-run")
    return RunnerError(message, "the transaction was rolled back; fix the cause and re-run")
