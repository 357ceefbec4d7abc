"""The Parquet lake: raw.hook_events as files, partitioned by event date, for Spark.

Layout (what macros/lake_sources.sql declares on Spark)::

    <lake>/hook_events/event_date=YYYY-MM-DD/data_0.parquet
    <lake>/hook_events/event_date=unknown/data_0.parquet   (timestamp not starting with a date)

Each file holds exactly the columns of raw.hook_events (the partition column lives in the
folder name only). The warehouse's raw.hook_events stays the source of truth (ingest
deduplicates there) and the lake mirrors it:

- An export compares, per event date, which ingest batches and how many rows of each the
  warehouse and the lake hold, and rewrites only the dates that differ, each from
  everything the warehouse holds for that date. After a normal ingest these are the dates
  the new batch touched; re-running an ingest that loads nothing rewrites nothing; and a
  lake that is new, deleted, or left behind by a failed export catches up on the next run.
- Rows are written in a fixed order, so a rewritten partition is byte-for-byte the file
  that the same rows gave before.
- New partitions are written to a hidden work folder in the lake and renamed into place,
  so a reader never sees half a partition (only, during the rename, none). A failed
  export puts back the partitions it had already replaced: the lake is as it was.
- Dates the warehouse does not hold are left alone. One warehouse writes a lake; two
  ingests never overlap, because the export runs while ingest holds the warehouse's lock.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from runner.errors import RunnerError

TABLE_FOLDER = "hook_events"
UNKNOWN_DATE = "unknown"
#: Prefix of the work folders an export creates in the lake (hidden from Spark and Hive,
#: which skip names starting with "." or "_"); leftovers of a killed export are removed.
WORK_PREFIX = ".export-"
#: The partition of a raw row: the date its timestamp text starts with.
EVENT_DATE_SQL = (
    "coalesce(strftime(try_cast(left(trim(\"timestamp\"), 10) as date), '%Y-%m-%d'), "
    f"'{UNKNOWN_DATE}')"
)
#: A total order of raw rows (the row hash settles any tie), so rewrites are reproducible.
#: Ingest time first: Parquet row-group statistics then let Spark skip old rows cheaply.
ROW_ORDER = "_ingested_at, _batch_id, _source, _source_line, event_id, _row_hash"


def is_url(location: str | Path) -> bool:
    """True for a lake given as a URL (s3a://…, abfss://…, hdfs://…), not a local path."""
    return (
        isinstance(location, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", location) is not None
    )


def lake_folder(location: str | Path) -> Path:
    """The local folder of a lake that `runner ingest` writes; RunnerError for a URL."""
    if is_url(location):
        raise RunnerError(
            f"runner ingest writes the lake to a folder, and {location} is a URL",
            "pass the folder where that storage is mounted (s3fs, blobfuse, a Databricks "
            "volume, …), or write the lake locally and copy it there",
        )
    return Path(location)


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


def export_raw_events(con: duckdb.DuckDBPyConnection, lake: Path) -> LakeExport:
    """Bring ``lake`` up to date with raw.hook_events of the warehouse ``con`` is open on.

    Raises RunnerError (one line, the lake unchanged) when a partition cannot be written.
    """
    table_dir = lake / TABLE_FOLDER
    work = lake / f"{WORK_PREFIX}{uuid.uuid4().hex}"
    try:
        _remove_leftovers(lake)
        dates = stale_dates(con, lake)
        table_dir.mkdir(parents=True, exist_ok=True)
        if not dates:
            return LakeExport(lake, (), 0)
        rows = _write_partitions(con, dates, work / "new")
        _swap_in(dates, work, table_dir)
    except (OSError, duckdb.Error) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise RunnerError(
            f"could not write the lake at {lake}: {detail}",
            "the lake is as it was before this export; fix the cause and re-run the ingest, "
            "which rewrites every event date where the lake differs from the warehouse",
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return LakeExport(lake, tuple(dates), rows)


def stale_dates(con: duckdb.DuckDBPyConnection, lake: Path) -> list[str]:
    """The event dates whose partition in ``lake`` differs from the warehouse.

    A partition differs when its rows per ingest batch are not the warehouse's rows per
    batch for that date: missing, older, or partly written by something else.
    """
    files = lake / TABLE_FOLDER / "event_date=*" / "*.parquet"
    if any((lake / TABLE_FOLDER).glob("event_date=*/*.parquet")):
        lake_rows = f"""
            select event_date, _batch_id, count(*) as row_count
            from read_parquet(
                '{_sql_text(files)}', hive_partitioning = true,
                hive_types = {{'event_date': varchar}}
            )
            group by all
        """
    else:
        lake_rows = "select null::varchar, null::varchar, null::bigint where false"
    found = con.execute(
        f"""
        with warehouse_rows as (
            select {EVENT_DATE_SQL} as event_date, _batch_id, count(*) as row_count
            from raw.hook_events
            group by all
        ),
        lake_rows (event_date, _batch_id, row_count) as ({lake_rows})
        select distinct event_date
        from warehouse_rows
        full join lake_rows using (event_date, _batch_id)
        where warehouse_rows.row_count is distinct from lake_rows.row_count
            and event_date in (select event_date from warehouse_rows)
        order by event_date
        """
    ).fetchall()
    return [str(row[0]) for row in found]


def _write_partitions(con: duckdb.DuckDBPyConnection, dates: list[str], folder: Path) -> int:
    """Write every warehouse row of ``dates`` to ``folder``/event_date=…/data_0.parquet.

    One scan of raw.hook_events collects the rows; then each date gets its own COPY, so a
    file's layout (its row groups) depends only on its own rows and not on which other
    dates were written with it. Returns the number of rows written.
    """
    con.execute("create or replace temporary table lake_export_dates (event_date varchar)")
    con.executemany("insert into lake_export_dates values (?)", [(d,) for d in dates])
    con.execute(
        f"""
        create or replace temporary table lake_export_rows as
        select *, {EVENT_DATE_SQL} as event_date
        from raw.hook_events
        where {EVENT_DATE_SQL} in (select event_date from lake_export_dates)
        order by event_date
        """
    )
    rows = 0
    try:
        for event_date in dates:
            partition = folder / f"event_date={event_date}"
            partition.mkdir(parents=True)
            row = con.execute(
                f"""
                copy (
                    select * exclude (event_date)
                    from lake_export_rows
                    where event_date = '{_sql_text(event_date)}'
                    order by {ROW_ORDER}
                ) to '{_sql_text(partition / "data_0.parquet")}' (format parquet)
                """
            ).fetchone()
            rows += int(row[0]) if row else 0
    finally:
        con.execute("drop table if exists lake_export_rows")
        con.execute("drop table if exists lake_export_dates")
    return rows


def _swap_in(dates: list[str], work: Path, table_dir: Path) -> None:
    """Rename each new partition into ``table_dir``, moving the old one aside first.

    On failure the partitions already replaced get their old version back, then the
    error propagates.
    """
    aside = work / "old"
    aside.mkdir()
    replaced: list[tuple[Path, Path | None]] = []
    try:
        for event_date in dates:
            name = f"event_date={event_date}"
            final = table_dir / name
            old = aside / name if final.exists() else None
            if old is not None:
                final.rename(old)
            replaced.append((final, old))
            (work / "new" / name).rename(final)
    except OSError:
        for final, old in reversed(replaced):
            with contextlib.suppress(OSError):
                if final.exists():
                    final.rename(work / f"undone-{final.name}")
                if old is not None:
                    old.rename(final)
        raise


def _remove_leftovers(lake: Path) -> None:
    """Work folders of an export that was killed: never the only copy of anything, since
    the warehouse holds every row and any partition they took out is rewritten."""
    if lake.is_dir():
        for leftover in lake.glob(f"{WORK_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _sql_text(value: Path | str) -> str:
    """A path or text as the body of a single-quoted SQL string."""
    return str(value).replace("'", "''")
