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

A publish after the first one starts from a file copy of the previous copy, not from
nothing, and brings each table up to date: a table whose columns are as they were and
that has a ``session_id`` column has only the rows of its changed sessions replaced (a
session is changed when its row count or the sum of its rows' 64-bit hashes differs
between the warehouse and the copy, so nothing is trusted about how the build ran); any
other table is copied whole again. After the update every table must hold as many rows
as the warehouse's, else the publish starts again from nothing. A daily build changes
the sessions that received events, a small part of the big tables, and rewriting the
rest cost most of the publish (benchmarks/README.md, session 14).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
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


#: An update deletes the old rows of the changed sessions, and DuckDB keeps deleted rows
#: in their row groups: a table whose deleted rows (earlier ones and this update's)
#: would pass this share of its rows is copied whole instead, so the copy never grows
#: far beyond what a copy from nothing holds.
DELETED_SHARE_LIMIT = 0.1
#: A copy whose free blocks pass this share of its blocks after an update (space the
#: tables copied whole left behind), and hold more than FREE_BYTES_LIMIT, is written
#: again from nothing.
FREE_BLOCK_SHARE_LIMIT = 0.25
FREE_BYTES_LIMIT = 64 * 2**20


@dataclass
class PublishResult:
    path: Path
    tables: int
    views: int
    size_bytes: int
    seconds: float
    #: None when the copy was written from nothing; else how many sessions' rows the
    #: update replaced, over all session tables.
    sessions_updated: int | None = None

    def describe(self) -> str:
        views = "1 view" if self.views == 1 else f"{self.views} views"
        how = (
            ""
            if self.sessions_updated is None
            else f", updated: {self.sessions_updated:,} changed sessions"
        )
        return (
            f"published {self.tables} tables and {views} to {self.path} "
            f"({self.size_bytes / 1e6:.1f} MB, {self.seconds:.1f} s{how})"
        )


class _UpdateFailed(Exception):
    """The previous copy cannot be brought up to date: write one from nothing."""


def publish_marts(warehouse: Path, published: Path) -> PublishResult:
    """Copy the marts into a new file, then rename it over ``published`` in one step."""
    started = time.monotonic()
    _require_usable_name(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(published)
    temporary = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    _remove(temporary)
    try:
        tables, views, sessions_updated = _update_previous_copy(
            warehouse, published, temporary
        ) or _write_copy(warehouse, temporary)
        temporary.chmod(0o444)
        # A write-ahead log left by a connection that wrote to the old copy would be
        # replayed into the new one by the next open: it goes first.
        _remove(published.with_name(published.name + ".wal"))
        os.replace(temporary, published)
    finally:
        _remove(temporary)
    return PublishResult(
        published,
        tables,
        views,
        published.stat().st_size,
        time.monotonic() - started,
        sessions_updated,
    )


def _update_previous_copy(
    warehouse: Path, published: Path, temporary: Path
) -> tuple[int, int, int | None] | None:
    """Copy the previous copy to ``temporary`` and bring it up to date; None (and no
    ``temporary``) when there is none to start from, or it could not be brought up to
    date."""
    if not published.is_file() or published.with_name(published.name + ".wal").exists():
        return None
    shutil.copyfile(published, temporary)
    temporary.chmod(0o644)
    try:
        return _write_copy(warehouse, temporary, update=True)
    except (_UpdateFailed, duckdb.Error):
        # the previous copy is unreadable, or disagrees with the warehouse after the
        # update: the copy from nothing that follows does not depend on it
        _remove(temporary)
        return None


def _write_copy(
    warehouse: Path, temporary: Path, *, update: bool = False
) -> tuple[int, int, int | None]:
    """Write (or with ``update``, bring up to date) the copy at ``temporary``: the
    number of tables and of views, and of the sessions an update replaced (None when
    the copy was written from nothing)."""
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
        # every relation the copy holds as a table, with the columns copied (None: all)
        planned: dict[tuple[str, str], list[str] | None] = dict.fromkeys(tables)
        planned |= read_only_by_views
        planned |= {(s, n): None for s, n, _ in views if (s, n) not in kept}
        previous = _copy_relations(con) if update else {}
        for (schema, name), kind in previous.items():
            if (schema, name) not in planned:  # gone from the warehouse, or a kept view
                con.execute(f'drop {kind} "{schema}"."{name}"')
        for schema in sorted({schema for schema, _ in [*planned, *kept]}):
            con.execute(f'create schema if not exists "{schema}"')
        sessions = None
        if update:
            con.execute("create temp table all_changed_sessions (session_id varchar)")
            for (schema, name), copied_columns in sorted(planned.items()):
                _bring_up_to_date(con, schema, name, copied_columns)
            _require_same_row_counts(con, planned)
            row = con.execute(
                "select count(distinct session_id) from all_changed_sessions"
            ).fetchone()
            sessions = int(row[0]) if row else 0
        else:
            for (schema, name), copied_columns in sorted(planned.items()):
                con.execute(_create_table_sql(schema, name, copied_columns))
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
        if update:
            _require_few_free_blocks(con)
        con.execute("use memory")
        con.execute(f"detach {_COPY}")
    return len(planned), len(kept), sessions


def _create_table_sql(schema: str, name: str, columns: list[str] | None) -> str:
    listed = "*" if columns is None else ", ".join(_quoted(column) for column in columns)
    return (
        f'create or replace table "{schema}"."{name}" as '
        f'select {listed} from {_SOURCE}."{schema}"."{name}"'
    )


def _copy_relations(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """The tables and views the copy being updated holds: "table" or "view" each."""
    rows = con.execute(
        "select schema_name, table_name, 'table' from duckdb_tables() where database_name = ? "
        "union all select schema_name, view_name, 'view' from duckdb_views() "
        "where database_name = ? and not internal",
        [_COPY, _COPY],
    ).fetchall()
    return {(str(schema), str(name)): str(kind) for schema, name, kind in rows}


def _bring_up_to_date(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, columns: list[str] | None
) -> None:
    """Bring the copy's ``schema.name`` up to the warehouse's: replace the rows of its
    changed sessions (listed in ``all_changed_sessions``), or copy it whole."""
    source = _relation_columns(con, schema, name)
    wanted = source if columns is None else [c for c in source if c[0] in columns]
    held = _relation_columns(con, schema, name, _COPY)
    if held != wanted or ("session_id", "VARCHAR") not in wanted:
        con.execute(_create_table_sql(schema, name, columns))
        return
    listed = ", ".join(_quoted(column) for column, _ in wanted)
    target, origin = f'"{schema}"."{name}"', f'{_SOURCE}."{schema}"."{name}"'
    per_session = (
        "select session_id, count(*) as row_count, sum(hash({cols})::hugeint) as hashed "
        "from {table} group by session_id"
    )
    con.execute(
        f"""
        create or replace temp table changed_sessions as
        with
            source_sessions as materialized ({per_session.format(cols=listed, table=origin)}),
            copy_sessions as materialized ({per_session.format(cols=listed, table=target)})
        select session_id, sum(copy_row_count) as copy_row_count
        from (
            select session_id, 0 as copy_row_count
            from (from source_sessions except from copy_sessions)
            union all
            select session_id, row_count as copy_row_count
            from (from copy_sessions except from source_sessions)
        )
        group by session_id
        """
    )
    row = con.execute(
        f"""
        select
            (select count(*) from changed_sessions),
            (select coalesce(sum(copy_row_count), 0) from changed_sessions),
            (select count(*) from {target}),
            (select coalesce(sum(count), 0) from pragma_storage_info('{schema}.{name}')
             where column_id = 0 and segment_type <> 'VALIDITY')
        """
    ).fetchone()
    changed, deleting, live, stored = row if row else (0, 0, 0, 0)
    if (stored - live) + deleting > DELETED_SHARE_LIMIT * live:
        con.execute(_create_table_sql(schema, name, columns))
        return
    if changed:
        is_changed = (
            "exists (select 1 from changed_sessions "
            "where changed_sessions.session_id is not distinct from {table}.session_id)"
        )
        con.execute(f"delete from {target} where {is_changed.format(table=target)}")
        con.execute(
            f"insert into {target} select {listed} from {origin} "
            f"where {is_changed.format(table=origin)}"
        )
        con.execute("insert into all_changed_sessions select session_id from changed_sessions")


def _require_same_row_counts(
    con: duckdb.DuckDBPyConnection, planned: dict[tuple[str, str], list[str] | None]
) -> None:
    for schema, name in planned:
        row = con.execute(
            f'select (select count(*) from {_SOURCE}."{schema}"."{name}"), '
            f'(select count(*) from "{schema}"."{name}")'
        ).fetchone()
        if not row or row[0] != row[1]:
            raise _UpdateFailed(f"{schema}.{name}: {row}")


def _require_few_free_blocks(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "select free_blocks, total_blocks, block_size from pragma_database_size() "
        "where database_name = ?",
        [_COPY],
    ).fetchone()
    free, total, size = row if row else (0, 0, 0)
    if free > FREE_BLOCK_SHARE_LIMIT * total and free * size > FREE_BYTES_LIMIT:
        raise _UpdateFailed(f"{free} of {total} blocks free")


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
