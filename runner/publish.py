"""The published copy of the marts: the DuckDB file analysts open, never the warehouse.

DuckDB lets one process write a file, and only when no other process has it open,
even read-only: an analyst's notebook on the warehouse would stop the next build. So
after each successful build the runner copies what analysts read into a file of its
own, and analysts open that one.

The copy is written to a temporary file in the same folder and renamed over the
previous one, so it appears whole or not at all: a reader never sees a half-written
file, and a connection still open on the previous copy keeps reading that one (the
rename does not touch an open file) while new connections get the new one. Nothing an
analyst holds can block a build or a publish.

What it holds: every table of ``marts`` and ``reference`` (the rules the seeds hold),
and the views of ``marts``. A view is copied as a table of its rows, except those of
``VIEWS_KEPT``, which stay views over copies of the tables they read (under the same
``schema.table`` names, which is how the project's views name them; see
docs/ARCHITECTURE.md). Of a table that is copied only because a kept view reads it
(``intermediate.int_tool_steps_sequenced``), only the columns the view reads are copied:
at 10M events the publish took 20.9 to 25.5 s before and 16.4 to 17.3 s after, the copy 1.29 GB
before and 1.18 GB after (benchmarks/README.md, session 13). The file is made read-only
(mode 0444).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from runner import warehouse as warehouse_db
from runner.errors import RunnerError

#: Schemas whose tables are copied whole.
SCHEMAS = ("marts", "reference")
#: Schemas whose views are copied.
VIEW_SCHEMAS = ("marts",)
#: Views that stay views in the copy: as a table, `pattern_occurrence_calls` would copy
#: each call into every n-gram that covers it (about twice the size of the rest of the
#: copy, and five times the time, on the demo's data). The others are small once
#: materialized (`quarantined_events` holds the quarantined rows only, where its view
#: reads every staged event).
VIEWS_KEPT = frozenset({"pattern_occurrence_calls"})
#: The aliases of the warehouse and of the new copy inside the publishing connection.
_SOURCE = "warehouse"
_COPY = "published_copy"
#: The warehouse's schemas (docs/ARCHITECTURE.md): no name the copy's catalog may take.
_WAREHOUSE_SCHEMAS = frozenset({"raw", "reference", "staging", "intermediate", "marts", "runner"})


@dataclass
class PublishResult:
    path: Path
    tables: int
    views: int
    size_bytes: int
    seconds: float

    def describe(self) -> str:
        views = "1 view" if self.views == 1 else f"{self.views} views"
        return (
            f"published {self.tables} tables and {views} to {self.path} "
            f"({self.size_bytes / 1e6:.1f} MB, {self.seconds:.1f} s)"
        )


def publish_marts(warehouse: Path, published: Path) -> PublishResult:
    """Copy the marts into a new file, then rename it over ``published`` in one step."""
    started = time.monotonic()
    _require_usable_name(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(published)
    temporary = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    _remove(temporary)
    try:
        tables, views = _write_copy(warehouse, temporary)
        temporary.chmod(0o444)
        # A write-ahead log left by a connection that wrote to the old copy would be
        # replayed into the new one by the next open: it goes first.
        _remove(published.with_name(published.name + ".wal"))
        os.replace(temporary, published)
    finally:
        _remove(temporary)
    return PublishResult(
        published, tables, views, published.stat().st_size, time.monotonic() - started
    )


def _write_copy(warehouse: Path, temporary: Path) -> tuple[int, int]:
    with duckdb.connect(config=warehouse_db.WAREHOUSE_CONFIG) as con:
        con.execute("set enable_progress_bar = false")
        # under an alias of its own: a catalog named after the file could shadow a schema
        quoted = str(temporary).replace("'", "''")  # attach takes no parameters
        con.execute(f"attach '{quoted}' as {_COPY}")
        con.execute(f"use {_COPY}")
        _attach_warehouse(con, warehouse)
        tables = _tables(con, SCHEMAS)
        views = _views(con)
        kept = {(schema, name): sql for schema, name, sql in views if name in VIEWS_KEPT}
        # what the kept views read beyond the copied schemas, and the columns they read
        read_only_by_views: dict[tuple[str, str], list[str]] = {}
        for (schema, name), sql in kept.items():
            for table, columns in _columns_read(con, schema, name, sql).items():
                if table not in tables:
                    known = read_only_by_views.setdefault(table, [])
                    known += [c for c in columns if c not in known]
        shapes = {view: _relation_columns(con, *view) for view in kept}
        copied = set(tables) | set(read_only_by_views)
        for schema in sorted({schema for schema, _ in copied} | {s for s, _, _ in views}):
            con.execute(f'create schema if not exists "{schema}"')
        for schema, name in sorted(tables):
            con.execute(f'create table "{schema}"."{name}" as from {_SOURCE}."{schema}"."{name}"')
        for (schema, name), columns in sorted(read_only_by_views.items()):
            listed = ", ".join(_quoted(column) for column in columns)
            con.execute(
                f'create table "{schema}"."{name}" as '
                f'select {listed} from {_SOURCE}."{schema}"."{name}"'
            )
        for schema, name, _ in views:
            if (schema, name) not in kept:
                con.execute(
                    f'create table "{schema}"."{name}" as from {_SOURCE}."{schema}"."{name}"'
                )
        con.execute(f"detach {_SOURCE}")
        for (schema, name), sql in kept.items():
            con.execute(sql)  # schema.table names, the warehouse detached: they bind to the copies
            if _relation_columns(con, schema, name, _COPY) != shapes[(schema, name)]:
                raise RunnerError(
                    f"cannot publish the view {schema}.{name}: over the columns copied for it "
                    "it has other columns than in the warehouse",
                    "keep it out of runner.publish.VIEWS_KEPT, so that it is copied as a table",
                )
        con.execute(f"checkpoint {_COPY}")
        con.execute("use memory")
        con.execute(f"detach {_COPY}")
    return len(copied) + len(views) - len(kept), len(kept)


def _require_usable_name(published: Path) -> None:
    """DuckDB names a file's catalog after it (``marts.duckdb`` → ``marts``), and a catalog
    named like a schema in it makes ``marts.pattern_classifications`` ambiguous."""
    catalog = published.name.lstrip(".").split(".")[0]
    if catalog in _WAREHOUSE_SCHEMAS:
        raise RunnerError(
            f"the published copy {published} would open as a catalog named {catalog!r}, "
            f"like the schema {catalog} in it, and every {catalog}.… name would be ambiguous",
            "give it another name (--published, RUNNER_PUBLISHED), e.g. analytics.duckdb",
        )


def _attach_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    if not warehouse.is_file():
        raise RunnerError(f"warehouse {warehouse} does not exist", warehouse_db.BUILD_HINT)
    try:
        quoted = str(warehouse).replace("'", "''")  # attach takes no parameters
        con.execute(f"attach '{quoted}' as {_SOURCE} (read_only)")
    except duckdb.Error as exc:
        if (in_use := warehouse_db.in_use_message(warehouse, str(exc))) is not None:
            raise RunnerError(in_use, warehouse_db.IN_USE_HINT) from None
        raise


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and list_contains(?, schema_name) order by all",
        [_SOURCE, list(schemas)],
    ).fetchall()
    return [(str(schema), str(name)) for schema, name in rows]


def _views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    rows = con.execute(
        "select schema_name, view_name, sql from duckdb_views() "
        "where database_name = ? and not internal and list_contains(?, schema_name) "
        "order by all",
        [_SOURCE, list(VIEW_SCHEMAS)],
    ).fetchall()
    return [(str(schema), str(name), str(sql)) for schema, name, sql in rows]


def _view_prefix(schema: str, name: str) -> str:
    """How duckdb_views() begins the definition of a plain view."""
    return f"CREATE VIEW {schema}.{name} AS "


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _relation_columns(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, catalog: str = _SOURCE
) -> list[tuple[str, str]]:
    """A table's or view's (column, type) pairs, in order."""
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, name],
    ).fetchall()
    return [(str(column), str(kind)) for column, kind in rows]


def _columns_read(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, create_view_sql: str
) -> dict[tuple[str, str], list[str]]:
    """The tables a view's query reads, each with the columns it reads (table order).

    A column is read when the query names it (DuckDB's parse of the view: select lists,
    filters, join keys, USING columns) or when DuckDB's plan of the query scans it (a
    ``*`` that reaches the view's output scans them all).
    """
    tables, names = _tables_read(con, schema, name, create_view_sql)
    scanned = _columns_scanned(con, create_view_sql.removeprefix(_view_prefix(schema, name)))
    read = {}
    for table in sorted(tables):
        wanted = names | scanned.get(table, set())
        columns = _relation_columns(con, *table)
        read[table] = [column for column, _ in columns if column.lower() in wanted]
    return read


def _columns_scanned(con: duckdb.DuckDBPyConnection, query: str) -> dict[tuple[str, str], set[str]]:
    """The columns DuckDB's plan of ``query`` (bound in the warehouse) scans, per table."""
    con.execute(f"use {_SOURCE}")
    try:
        plan = json.loads(con.execute(f"explain (format json) {query}").fetchall()[0][1])
    finally:
        con.execute(f"use {_COPY}")
    scanned: dict[tuple[str, str], set[str]] = {}
    for node in _objects(plan):
        info = node.get("extra_info")
        if isinstance(info, dict) and isinstance(info.get("Table"), str):
            parts = info["Table"].replace('"', "").split(".")
            if len(parts) == 3 and parts[0] == _SOURCE:
                columns = {str(c).lower() for c in info.get("Projections", [])}
                scanned.setdefault((parts[1], parts[2]), set()).update(columns)
    return scanned


def _objects(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``tree`` (a parse or a plan), depth first."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _objects(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _objects(value)


def _tables_read(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, create_view_sql: str
) -> tuple[set[tuple[str, str]], set[str]]:
    """The ``schema.table`` names a view's query reads, and every name its column
    references use (lower case), from DuckDB's own parse of it."""
    prefix = _view_prefix(schema, name)
    row = None
    if create_view_sql.startswith(prefix):
        row = con.execute(
            "select json_serialize_sql(?)", [create_view_sql.removeprefix(prefix)]
        ).fetchone()
    tree = json.loads(row[0]) if row else {"error": True, "error_message": "not a plain view"}
    if tree.get("error"):
        raise RunnerError(
            f"cannot publish the view {schema}.{name}: {tree.get('error_message')}",
            "keep it out of runner.publish.VIEWS_KEPT, so that it is copied as a table",
        )
    found: set[tuple[str, str]] = set()
    names: set[str] = set()
    for node in _objects(tree):
        if node.get("type") == "BASE_TABLE" and node.get("schema_name"):
            found.add((str(node["schema_name"]), str(node["table_name"])))
        for key in ("column_names", "using_columns"):
            if isinstance(node.get(key), list):
                names.update(str(part).lower() for part in node[key])
    return found, names


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _remove_abandoned(published: Path) -> None:
    """Temporary copies of publishes that were killed (their process is gone)."""
    for leftover in published.parent.glob(f".{published.name}.*.tmp"):
        pid = leftover.name.removeprefix(f".{published.name}.").removesuffix(".tmp")
        if pid.isdigit() and not _alive(int(pid)):
            _remove(leftover)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
