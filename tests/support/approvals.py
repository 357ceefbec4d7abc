"""The approvals table from outside: a plain client of a target database, and a sync
that pauses.

``Db`` reads and writes ``pattern_approvals`` in SQLite or PostgreSQL as the review UI
would. ``PausedSync`` runs `runner sync-approvals` in a subprocess that stops inside its
open transaction (RUNNER_SYNC_PAUSE_AFTER_ROWS), so a test can kill it or write beside it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from runner.targets import Dialect


@dataclass
class Db:
    """A plain client of a target database, standing in for the review UI."""

    dialect: Dialect
    url: str
    path: Path | None = None

    def connect(self) -> Any:
        if self.dialect == "sqlite":
            assert self.path is not None
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        return psycopg.connect(self.url, autocommit=True)

    def sql(self, statement: str) -> str:
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        conn = self.connect()
        try:
            conn.execute(self.sql(statement), params)
        finally:
            conn.close()

    def rows(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            return [tuple(r) for r in conn.execute(self.sql(statement), params).fetchall()]
        finally:
            conn.close()

    def table_exists(self, name: str = "pattern_approvals") -> bool:
        if self.dialect == "sqlite":
            query = "select count(*) from sqlite_master where type = 'table' and name = ?"
        else:
            query = "select count(*) from pg_tables where schemaname = 'public' and tablename = ?"
        return self.rows(query, (name,))[0][0] == 1

    def snapshot(self) -> list[tuple[Any, ...]] | None:
        """Every row and column of pattern_approvals, or None if the table is missing."""
        if not self.table_exists():
            return None
        return self.rows("select * from pattern_approvals order by pattern_id")

    def row(self, pattern_id: str) -> dict[str, Any]:
        conn = self.connect()
        try:
            cursor = conn.execute(
                self.sql("select * from pattern_approvals where pattern_id = ?"), (pattern_id,)
            )
            names = [d[0] for d in cursor.description]
            found = cursor.fetchone()
            assert found is not None, f"no row for {pattern_id}"
            return dict(zip(names, found, strict=True))
        finally:
            conn.close()


@dataclass
class PausedSync:
    """`runner sync-approvals` in a subprocess that pauses after ``rows`` written rows."""

    warehouse: Path
    target: str
    rows: int
    pause_seconds: float = 60
    process: subprocess.Popen[str] | None = None
    stderr: list[str] = field(default_factory=list)

    def start(self, timeout: float = 30) -> PausedSync:
        """Start the sync and return once it is paused inside its transaction."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("RUNNER_") or key == "RUNNER_TEST_PG_URL"
        }
        env.update(
            RUNNER_SYNC_PAUSE_AFTER_ROWS=str(self.rows),
            RUNNER_SYNC_PAUSE_SECONDS=str(self.pause_seconds),
        )
        command = [sys.executable, "-m", "runner.cli", "sync-approvals"]
        self.process = subprocess.Popen(
            [*command, "--warehouse", str(self.warehouse), "--target", self.target],
            cwd=self.warehouse.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        paused = threading.Event()
        threading.Thread(target=self._read_stderr, args=(paused,), daemon=True).start()
        if not paused.wait(timeout):
            self.kill()
            raise AssertionError(f"the sync never paused: {''.join(self.stderr)}")
        return self

    def _read_stderr(self, paused: threading.Event) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            if "sync paused after" in line:
                paused.set()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def finish(self, timeout: float = 60) -> str:
        """Wait for the sync to resume and exit; return its stdout. It must succeed."""
        assert self.process is not None and self.process.stdout is not None
        out = self.process.stdout.read()
        code = self.process.wait(timeout)
        assert code == 0, f"sync failed ({code}): {''.join(self.stderr)}"
        return out
