"""The Parquet lake: raw.hook_events as files, partitioned by event date, for Spark.

Layout (what macros/lake_sources.sql declares on Spark)::

    <lake>/hook_events/event_date=YYYY-MM-DD/data_0.parquet
    <lake>/hook_events/event_date=unknown/…     (timestamp that does not start with a date)

The warehouse's raw.hook_events stays the source of truth (ingest deduplicates there);
the lake mirrors it. After each ingest only the partitions holding the batch's rows are
rewritten, each from everything the warehouse holds for that date, so re-running gives
the same files. A partition is written beside the lake and renamed into place, so a
reader never sees half a partition, and a failed export leaves the lake as it was.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from runner.errors import RunnerError

TABLE_FOLDER = "hook_events"
UNKNOWN_DATE = "unknown"
#: The partition of a raw row: the date its timestamp text starts with.
EVENT_DATE_SQL = (
    "coalesce(strftime(try_cast(left(trim(\"timestamp\"), 10) as date), '%Y-%m-%d'), "
    f"'{UNKNOWN_DATE}')"
)


@dataclass(frozen=True)
class LakeExport:
    """What one export wrote."""

    lake: Path
    partitions: tuple[str, ...]
    rows: int

    def describe(self) -> str:
        if not self.partitions:
            return f"lake {self.lake}: up to date"
        return (
            f"lake {self.lake}: rewrote {len(self.partitions)} event-date partition(s), "
            f"{self.rows} rows"
        )


def export_raw_events(
    con: duckdb.DuckDBPyConnection, lake: Path, *, batch_id: str | None = None
) -> LakeExport:
    """Write the event dates of ``batch_id`` (every date when the lake has no table yet,
    or when ``batch_id`` is None) from raw.hook_events into ``lake``."""
    table_dir = lake / TABLE_FOLDER
    staging = lake / f".staging-{uuid.uuid4().hex}"
    try:
        dates = _dates(con, batch_id if table_dir.is_dir() else None)
        if not dates:
            table_dir.mkdir(parents=True, exist_ok=True)
            return LakeExport(lake, (), 0)
        staging.mkdir(parents=True)
        con.execute("create or replace temporary table lake_dates (event_date varchar)")
        con.executemany("insert into lake_dates values (?)", [(d,) for d in dates])
        row = con.execute(
            f"""
            copy (
                select *, {EVENT_DATE_SQL} as event_date
                from raw.hook_events
                where {EVENT_DATE_SQL} in (select event_date from lake_dates)
            ) to '{_sql_path(staging)}' (format parquet, partition_by (event_date))
            """
        ).fetchone()
        rows = int(row[0]) if row else 0
        table_dir.mkdir(parents=True, exist_ok=True)
        for event_date in dates:
            _swap_in(staging / f"event_date={event_date}", table_dir / f"event_date={event_date}")
    except (OSError, duckdb.Error) as exc:
        raise RunnerError(
            f"could not write the lake at {lake}: {exc}",
            "the lake is as it was before this export; fix the folder and re-run the ingest "
            "(already loaded rows are skipped, their partitions rewritten)",
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return LakeExport(lake, tuple(dates), rows)


def _dates(con: duckdb.DuckDBPyConnection, batch_id: str | None) -> list[str]:
    where = "where _batch_id = ?" if batch_id else ""
    params = [batch_id] if batch_id else []
    found = con.execute(
        f"select distinct {EVENT_DATE_SQL} from raw.hook_events {where} order by 1", params
    ).fetchall()
    return [str(r[0]) for r in found]


def _swap_in(new: Path, final: Path) -> None:
    """Put the freshly written partition in place of the old one, by renames."""
    old = final.with_name(f".old-{uuid.uuid4().hex}-{final.name}")
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
