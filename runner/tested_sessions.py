"""How far the session-incremental models are already tested (macros/test_scope.sql).

After a `runner build` in which every node passed, every row of the session-incremental
models up to their watermark (the newest ``session_loaded_at``) has been tested. The
runner records that watermark in ``runner.tested_through`` and passes it to the next
build as the dbt var ``hook_patterns_tested_through``, so the data tests of those models
read only the sessions rebuilt since. A build that fails records nothing: its rows stay
untested and the next build checks them again.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from runner import bookkeeping, paths
from runner import warehouse as warehouse_db

#: The dbt var the tests read.
VAR = "hook_patterns_tested_through"


def session_incremental_relations(manifest: Path | None = None) -> list[tuple[str, str]] | None:
    """(schema, table) of this project's incremental models, from dbt's manifest.

    None when there is no manifest yet (no build has run from this checkout).
    """
    manifest = manifest or paths.PROJECT_DIR / "target" / "manifest.json"
    try:
        nodes = json.loads(manifest.read_text())["nodes"].values()
    except (OSError, ValueError, KeyError):
        return None
    return sorted(
        (node["schema"], node["alias"])
        for node in nodes
        if node["resource_type"] == "model"
        and node["package_name"] == "hook_patterns"
        and node["config"].get("materialized") == "incremental"
    )


def tested_through(warehouse: Path) -> dt.datetime | None:
    """The recorded watermark, when it still describes the warehouse; None means test all.

    It is ignored when any incremental model's table is missing: dbt rebuilds such a
    table whole, and its rows must be tested again.
    """
    relations = session_incremental_relations()
    if not relations or not warehouse.is_file():
        return None
    with warehouse_db.connect(warehouse, read_only=True) as con:
        if warehouse_db.missing_tables(con, ["runner.tested_through", *_names(relations)]):
            return None
        row = con.execute(
            "select tested_through from runner.tested_through order by recorded_at desc limit 1"
        ).fetchone()
    return row[0] if row else None


def record_tested_through(warehouse: Path, run_date: dt.date) -> dt.datetime | None:
    """Record the watermark of the models a fully passing build has just tested."""
    relations = session_incremental_relations()
    if not relations:
        return None
    with warehouse_db.connect(warehouse) as con:
        if warehouse_db.missing_tables(con, _names(relations)):
            return None
        maxima = " union all ".join(
            f'select max(session_loaded_at) as loaded_at from "{schema}"."{table}"'
            for schema, table in relations
        )
        row = con.execute(f"select min(loaded_at) from ({maxima})").fetchone()
        watermark = row[0] if row else None
        if watermark is None:  # nothing built yet: nothing to skip next time
            return None
        bookkeeping.create_tables(con)
        con.execute(
            "insert into runner.tested_through values (?, ?, ?)",
            [watermark, dt.datetime.now(dt.UTC).replace(tzinfo=None), run_date],
        )
    return watermark


def _names(relations: list[tuple[str, str]]) -> list[str]:
    return [f"{schema}.{table}" for schema, table in relations]
