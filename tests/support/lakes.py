"""The rows of a Parquet lake and of the warehouse it copies, for comparing the two."""

from __future__ import annotations

from pathlib import Path

import duckdb

from runner import lake as lake_module


def lake_rows(lake: Path) -> list[tuple[object, ...]]:
    """(event date, event id, batch, row hash, line) of every row of the lake, sorted."""
    with duckdb.connect() as con:
        return sorted(
            con.sql(
                f"select event_date, event_id, _batch_id, _row_hash, _source_line "
                f"from read_parquet('{lake}/hook_events/*/*.parquet', hive_partitioning = true, "
                "hive_types = {'event_date': varchar})"
            ).fetchall(),
            key=repr,
        )


def warehouse_rows(warehouse: Path) -> list[tuple[object, ...]]:
    """The same columns of raw.hook_events, the event date computed as the lake's export does."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(
            con.sql(
                f"select {lake_module.EVENT_DATE_SQL}, event_id, _batch_id, _row_hash, "
                "_source_line from raw.hook_events"
            ).fetchall(),
            key=repr,
        )
