"""`runner ingest`: load hook events from a file or database into raw.hook_events.

EL only: records are conformed to the raw contract (docs/ARCHITECTURE.md) and
deduplicated; parsing and validation happen in dbt staging. One run is one batch and one
DuckDB transaction: it either lands completely, with its entry in runner.ingest_batches
(and, for databases, the new high-water mark in runner.ingest_state), or not at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console

from runner import warehouse as warehouse_db
from runner.lake import LakeExport, export_raw_events, lake_folder
from runner.sources import Source, open_source
from runner.sources.base import ReadCounts
from runner.sources.conform import prepare_warehouse

#: DuckDB memory limit for an ingest run (spills to disk beyond it).
MEMORY_LIMIT = "1GB"

#: Test hook, read only here: print a line to stderr and sleep this many seconds inside the
#: ingest's transaction, after every record is loaded and before the commit, so a test can
#: stop the process at that moment. Unset in normal use.
PAUSE_BEFORE_COMMIT_ENV = "RUNNER_INGEST_PAUSE_SECONDS"


@dataclass(frozen=True)
class IngestSummary:
    """What one `runner ingest` run did; every line or row read is accounted for.

    ``rows_read`` (lines of a file, blank ones included; rows of a database) =
    ``rows_inserted`` (new events and new unreadable records, all stored) +
    ``rows_skipped_duplicates`` (already loaded) + ``rows_blank`` (not stored).
    ``rows_unreadable`` of the inserted records are kept with ``_load_error`` (staging
    quarantines them); ``rows_repaired`` records were kept after their broken text was
    repaired (lone surrogate escapes written as U+FFFD).
    """

    source: str
    batch_id: str
    rows_read: int
    rows_inserted: int
    rows_skipped_duplicates: int
    rows_unreadable: int
    rows_blank: int = 0
    rows_repaired: int = 0
    unit: str = "rows"
    lake: LakeExport | None = None

    @property
    def events_inserted(self) -> int:
        """New readable records stored (the unreadable ones are counted apart)."""
        return self.rows_inserted - self.rows_unreadable

    def accounting(self) -> str:
        """One line that adds up: read = inserted + unreadable + already loaded + blank."""
        text = (
            f"read {self.rows_read} {self.unit}: inserted {self.events_inserted} events + "
            f"{self.rows_unreadable} unreadable (kept with _load_error), "
            f"skipped {self.rows_skipped_duplicates} already loaded"
        )
        if self.rows_blank:
            text += f", {self.rows_blank} blank (not stored)"
        return text

    def describe(self) -> str:
        text = f"ingested {self.source} (batch {self.batch_id})\n{self.accounting()}"
        if self.rows_repaired:
            plural = "" if self.rows_repaired == 1 else "s"
            text += (
                f"\nrepaired {self.rows_repaired} event{plural} (broken text kept as U+FFFD: "
                "lone surrogate escapes)"
            )
        if self.lake is not None:
            text += f"\n{self.lake.describe()}"
        return text


def ingest_source(source: str, warehouse: Path, *, lake: str | Path | None = None) -> IngestSummary:
    """Load the new records of ``source`` into ``warehouse`` in one transaction.

    With ``lake``, the lake is then brought up to date (runner/lake.py): the event dates
    the batch touched, and any the lake is missing, are rewritten there as Parquet, for
    engines that read the raw events from files (Spark). The warehouse commit comes first,
    so a failed export never loses a batch; the next run catches the lake up.
    """
    lake_dir = lake_folder(lake) if lake is not None else None  # before any work
    reader = open_source(source)
    batch_id = uuid.uuid4().hex
    started_at = _utc_now()
    with _connect(warehouse) as con, _progress(f"ingesting {reader.name}…"):
        reader.attach(con)  # first: an unreachable source leaves the warehouse untouched
        prepare_warehouse(con)
        con.begin()
        try:
            counts = reader.load(con, batch_id)
            summary = _finish_batch(con, reader, batch_id, started_at, counts)
            if pause := os.environ.get(PAUSE_BEFORE_COMMIT_ENV):
                print(
                    f"ingest paused before its commit ({PAUSE_BEFORE_COMMIT_ENV})",
                    file=sys.stderr,
                    flush=True,
                )
                time.sleep(float(pause))
            con.commit()
        except BaseException:
            con.rollback()
            raise
        if lake_dir is not None:
            summary = dataclasses.replace(summary, lake=export_raw_events(con, lake_dir))
    return summary


def _finish_batch(
    con: duckdb.DuckDBPyConnection,
    reader: Source,
    batch_id: str,
    started_at: dt.datetime,
    counts: ReadCounts,
) -> IngestSummary:
    """Count what landed and log the batch (inside the ingest transaction)."""
    row = con.execute(
        "select count(*), count(_load_error) from raw.hook_events where _batch_id = ?",
        [batch_id],
    ).fetchone()
    inserted, unreadable = (int(row[0]), int(row[1])) if row else (0, 0)
    summary = IngestSummary(
        source=reader.name,
        batch_id=batch_id,
        rows_read=counts.rows_read + counts.lines_blank,
        rows_inserted=inserted,
        rows_skipped_duplicates=counts.rows_read - inserted,
        rows_unreadable=unreadable,
        rows_blank=counts.lines_blank,
        rows_repaired=counts.rows_repaired,
        unit=reader.unit,
    )
    con.execute(
        """
        insert into runner.ingest_batches (
            batch_id, source, started_at, finished_at, rows_read, rows_inserted,
            rows_skipped, rows_unreadable, rows_blank, rows_repaired
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            batch_id,
            reader.name,
            started_at,
            _utc_now(),
            summary.rows_read,
            summary.rows_inserted,
            summary.rows_skipped_duplicates,
            summary.rows_unreadable,
            summary.rows_blank,
            summary.rows_repaired,
        ],
    )
    return summary


def _utc_now() -> dt.datetime:
    """Naive UTC, the convention of every timestamp column in the warehouse."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextlib.contextmanager
def _connect(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file, creating its folder; a locked file is a clear error."""
    con = warehouse_db.connect(warehouse)
    try:
        con.execute("set enable_progress_bar = false")
        # Row order in raw.hook_events carries no meaning (_source_line does), and keeping
        # it makes DuckDB insert on one thread. The limit bounds the buffer cache (DuckDB
        # spills beyond it) so RSS stays flat however large the file.
        con.execute("set preserve_insertion_order = false")
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def _progress(message: str) -> Iterator[None]:
    """A spinner on stderr while the load runs, only when stderr is a terminal."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with console.status(message):
        yield
