"""The application's own hook_events table, in SQLite or PostgreSQL.

Read through DuckDB's sqlite/postgres scanner extensions, loaded from the PyPI wheels
(no network): the rows stream from the source into the INSERT … SELECT without passing
through Python (docs/ingest.md has the measurements behind this choice). Only rows with
``id`` above the high-water mark stored in runner.ingest_state are read, up to the
source's ``max(id)`` taken at the start, so a run reads a fixed, countable range.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from runner.contracts import HOOK_EVENTS_COLUMNS
from runner.errors import RunnerError
from runner.redaction import redact_url
from runner.sources.base import ReadCounts, Source
from runner.sources.conform import count_repaired, insert_records
from runner.targets import PG_CONNECT_TIMEOUT_S

ALIAS = "ingest_source_db"
TABLE = "hook_events"
#: Source columns read as they are; a missing one is read as null (never require the
#: application to change). ``id`` is required: it drives the high-water mark.
SOURCE_COLUMNS = HOOK_EVENTS_COLUMNS[1:]
EXTENSION_PACKAGES = {
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


def load_scanner(con: duckdb.DuckDBPyConnection, extension: str) -> None:
    """LOAD a scanner extension from its wheel, by file path (the network is never used)."""
    package = EXTENSION_PACKAGES[extension]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RunnerError(
            f"the DuckDB {extension} extension is not installed",
            f"install the {package.replace('_', '-')} package (it is a project dependency)",
        )
    version = duckdb.__version__
    path = Path(spec.origin).parent / "extensions" / f"v{version}" / f"{extension}.duckdb_extension"
    if not path.exists():
        raise RunnerError(
            f"the DuckDB {extension} extension for duckdb {version} is missing ({path})",
            f"install {package.replace('_', '-')}=={version}, matching duckdb",
        )
    con.execute(f"load '{path}'")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DatabaseSource(Source):
    """Incremental reads of hook_events by ``id``, shared by SQLite and PostgreSQL."""

    name: str

    def native_query(self, sql: str) -> str:
        """DuckDB SQL that runs ``sql`` inside the source database."""
        raise NotImplementedError

    def column_types(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Column name → declared type of the source's hook_events ({} when missing)."""
        raise NotImplementedError

    def text_expression(self, column: str, declared_type: str) -> str:
        """Source-side SQL rendering ``column`` as text (timestamps in ISO form)."""
        raise NotImplementedError

    def describe_failure(self, exc: duckdb.Error) -> RunnerError:
        return RunnerError(
            f"cannot read {TABLE} from {self.name}: {redact_url(str(exc).strip().splitlines()[0])}",
            "check the database and that the table has the columns in DESIGN.md",
        )

    def load(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> ReadCounts:
        try:
            return self._load(con, batch_id)
        except duckdb.Error as exc:
            raise self.describe_failure(exc) from exc

    def _load(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> ReadCounts:
        types = self.column_types(con)
        if not types:
            raise RunnerError(
                f"{self.name} has no {TABLE} table",
                "point --source at the application's database (the one with hook_events)",
            )
        if "id" not in types:
            raise RunnerError(
                f"{TABLE} in {self.name} has no id column",
                "ingest needs the autoincrement id to read only new rows",
            )
        low = self._high_water(con)
        high = self._scalar(con, f"select max(id) from {TABLE}")
        if high is None or (low is not None and int(high) <= low):
            return ReadCounts()
        in_range = f"id <= {int(high)}" + (f" and id > {low}" if low is not None else "")
        read = self._scalar(con, f"select count(*) from {TABLE} where {in_range}")
        insert_records(con, self._records(types, in_range), batch_id)
        self._save_high_water(con, int(high))
        return ReadCounts(
            rows_read=int(read or 0), rows_repaired=self._repairs(con, types, in_range)
        )

    def _repairs(self, con: duckdb.DuckDBPyConnection, types: dict[str, str], in_range: str) -> int:
        """Rows of the range whose payload the repair changes (conform.REPAIR_MACRO).

        Only the rows holding a ``\\ud`` escape (filtered in the source database) are
        read again, and mapped as the insert mapped them.
        """
        if "payload" not in types:
            return 0
        may_need_repair = " or ".join(
            self.contains_text(self.text_expression("payload", types["payload"]), escape)
            for escape in ("\\ud", "\\uD")
        )
        return count_repaired(con, self._records(types, f"{in_range} and ({may_need_repair})"))

    def contains_text(self, expression: str, text: str) -> str:
        """Source-side SQL: true when ``expression`` contains ``text`` (no pattern syntax)."""
        raise NotImplementedError

    def _scalar(self, con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
        row = con.execute(f"select * from {self.native_query(sql)}").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def _records(self, types: dict[str, str], in_range: str) -> str:
        """The conform.RECORD_COLUMNS of the rows in range, as DuckDB SQL."""
        selected = [f"{self.text_expression('id', types['id'])} as id"]
        for column in SOURCE_COLUMNS:
            expr = self.text_expression(column, types[column]) if column in types else "null"
            selected.append(f"{expr} as {_ident(column)}")
        native = f"select {', '.join(selected)} from {TABLE} where {in_range}"
        return f"""
            select
                event_id::varchar as event_id, event_type::varchar as event_type,
                source_app::varchar as source_app, session_id::varchar as session_id,
                workflow_id::varchar as workflow_id, "timestamp"::varchar as "timestamp",
                payload::varchar as payload, tool_name::varchar as tool_name,
                chat_history::varchar as chat_history, id::varchar as source_row_id,
                processed::varchar as processed, processed_at::varchar as processed_at,
                created_at::varchar as created_at,
                {_sql_string(self.name)} as _source,
                try_cast(id as bigint) as _source_line,
                null::varchar as _load_error,
                null::varchar as _hash_extra,
                null::boolean as _check_repair,
                false as _line_repaired
            from {self.native_query(native)}
        """

    def _high_water(self, con: duckdb.DuckDBPyConnection) -> int | None:
        row = con.execute(
            "select high_water_id from runner.ingest_state where source = ?", [self.name]
        ).fetchone()
        return None if row is None else int(row[0])

    def _save_high_water(self, con: duckdb.DuckDBPyConnection, high: int) -> None:
        con.execute(
            """
            insert into runner.ingest_state (source, high_water_id, updated_at)
            values (?, ?, timezone('UTC', now()))
            on conflict (source) do update
            set high_water_id = excluded.high_water_id, updated_at = excluded.updated_at
            """,
            [self.name, high],
        )


@dataclass
class SqliteSource(DatabaseSource):
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (SQLAlchemy's form)."""

    name: str
    path: Path

    @classmethod
    def from_url(cls, url: str) -> SqliteSource:
        prefix = "sqlite:///"
        if not url.lower().startswith(prefix) or len(url) == len(prefix):
            raise RunnerError(
                f"cannot read SQLite URL {redact_url(url)}",
                "write sqlite:///relative/path.db or sqlite:////absolute/path.db",
            )
        path = Path(url[len(prefix) :])
        if not path.is_file():
            raise RunnerError(
                f"SQLite database {path} does not exist",
                "check the path in --source (sqlite:///relative.db, sqlite:////absolute.db)",
            )
        return cls(name=f"{prefix}{path.resolve()}", path=path)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        load_scanner(con, "sqlite_scanner")
        # SQLite is dynamically typed: read every value as text, whatever its declared type.
        con.execute("set sqlite_all_varchar = true")
        try:
            con.execute(
                f"attach {_sql_string(str(self.path.resolve()))} as {ALIAS} "
                "(type sqlite, read_only)"
            )
            con.execute(f"select * from {self.native_query('select 1')}").fetchall()
        except duckdb.Error as exc:
            raise RunnerError(
                f"cannot open SQLite database {self.path}: {str(exc).strip().splitlines()[0]}",
                "check that the file is a SQLite database",
            ) from exc

    def native_query(self, sql: str) -> str:
        return f"sqlite_query({_sql_string(ALIAS)}, {_sql_string(sql)})"

    def column_types(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        sql = f"select name, type from pragma_table_info({_sql_string(TABLE)})"
        rows = con.execute(f"select * from {self.native_query(sql)}").fetchall()
        return {str(name).lower(): str(kind).lower() for name, kind in rows}

    def text_expression(self, column: str, declared_type: str) -> str:
        return _ident(column)

    def contains_text(self, expression: str, text: str) -> str:
        return f"instr({expression}, {_sql_string(text)}) > 0"


@dataclass
class PostgresSource(DatabaseSource):
    """``postgresql://user[:password]@host:port/db`` (``postgres://`` and ``+driver`` too)."""

    name: str
    dsn: str

    @classmethod
    def from_url(cls, url: str) -> PostgresSource:
        dsn = "postgresql://" + url.split("://", 1)[1]
        if "connect_timeout=" not in dsn:
            dsn += ("&" if "?" in dsn else "?") + f"connect_timeout={PG_CONNECT_TIMEOUT_S}"
        return cls(name=redact_url(url), dsn=dsn)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        load_scanner(con, "postgres_scanner")
        try:
            con.execute(f"attach {_sql_string(self.dsn)} as {ALIAS} (type postgres, read_only)")
            con.execute(f"select * from {self.native_query('select 1')}").fetchall()
        except duckdb.Error as exc:
            reason = redact_url(str(exc).strip().splitlines()[0])
            # The scanner repeats the DSN; the URL is in the message already.
            reason = re.sub(r'Unable to connect to Postgres at "[^"]*": ', "", reason)
            raise RunnerError(
                f"cannot connect to PostgreSQL {self.name}: {reason}",
                "check that the server is running and the host, port, user and database",
            ) from exc

    def native_query(self, sql: str) -> str:
        return f"postgres_query({_sql_string(ALIAS)}, {_sql_string(sql)})"

    def column_types(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        sql = (
            "select column_name::text, data_type::text from information_schema.columns "
            f"where table_name = {_sql_string(TABLE)} and table_schema = current_schema()"
        )
        rows = con.execute(f"select * from {self.native_query(sql)}").fetchall()
        return {str(name).lower(): str(kind).lower() for name, kind in rows}

    def text_expression(self, column: str, declared_type: str) -> str:
        """ISO text independent of the server's DateStyle; timestamptz rendered in UTC."""
        iso = "'YYYY-MM-DD HH24:MI:SS.US'"
        if declared_type == "timestamp without time zone":
            return f"to_char({_ident(column)}, {iso})"
        if declared_type == "timestamp with time zone":
            return f"to_char({_ident(column)} at time zone 'UTC', {iso})"
        return f"{_ident(column)}::text"

    def contains_text(self, expression: str, text: str) -> str:
        # strpos, not LIKE: a backslash is LIKE's escape character in PostgreSQL
        return f"strpos({expression}, {_sql_string(text)}) > 0"
