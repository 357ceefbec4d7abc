"""The application's own `hook_events` tables (DESIGN.md), as tests create them.

SQLite in development, PostgreSQL in production: the DDL the application uses, so tests
read sources exactly like the real ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import psycopg

from runner.contracts import HOOK_EVENTS_COLUMNS

SQLITE_DDL = """
create table hook_events (
    id integer primary key autoincrement,
    event_id text unique not null,
    event_type text not null,
    source_app text,
    session_id text,
    workflow_id text,
    timestamp text not null,
    payload text not null,
    tool_name text,
    chat_history text,
    processed integer default 0,
    processed_at timestamp,
    created_at timestamp default current_timestamp
)
"""
PG_DDL = """
create table hook_events (
    id serial primary key,
    event_id text unique not null,
    event_type text not null,
    source_app text,
    session_id text,
    workflow_id text,
    timestamp timestamp without time zone not null,
    payload text not null,
    tool_name text,
    chat_history text,
    processed integer default 0,
    processed_at timestamp,
    created_at timestamp default now()
)
"""


def _values(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> list[list[Any]]:
    return [[row.get(column) for column in columns] for row in rows]


def create_sqlite_source(path: Path, rows: Iterable[dict[str, Any]]) -> str:
    """A SQLite file holding `rows` (dicts keyed by hook_events columns); its URL."""
    columns = HOOK_EVENTS_COLUMNS
    with sqlite3.connect(path) as con:
        con.execute(SQLITE_DDL)
        con.executemany(
            f"insert into hook_events ({', '.join(columns)}) "
            f"values ({', '.join('?' for _ in columns)})",
            _values(rows, columns),
        )
    return f"sqlite:///{path}"


def create_postgres_source(url: str, rows: Iterable[dict[str, Any]]) -> str:
    """The `hook_events` table in the (empty) PostgreSQL database at `url`; the URL."""
    columns = HOOK_EVENTS_COLUMNS
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(PG_DDL)
        with con.cursor() as cur:
            cur.executemany(
                f"insert into hook_events ({', '.join(columns)}) "
                f"values ({', '.join('%s' for _ in columns)})",
                _values(rows, columns),
            )
    return url
