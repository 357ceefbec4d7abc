"""Helpers for the sync tests: a literal mart, both target databases, a pausable sync.

``write_mart`` builds marts.pattern_classifications with the columns of its contract
(models/marts/pattern_classifications.yml), each pattern its own family head unless it
says otherwise, from a few literal patterns, so the sync is tested without dbt.
``PausedSync`` runs `runner sync-approvals` in a subprocess that stops inside its open
transaction (RUNNER_SYNC_PAUSE_AFTER_ROWS), so a test can kill it or write beside it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from runner.targets import Dialect
from tests.contracts_yaml import FAMILY_HEAD_DEFAULTS, mart_ddl

REPO = Path(__file__).resolve().parents[1]


def pattern(
    pattern_id: str,
    tool_sequence: str,
    *,
    status: str = "pending",
    confidence: float = 0.97,
    occurrences: int = 40,
    savings: float = 120.5,
    context: str | None = "Runs the tests, reads the failure, edits the file.",
    sessions: int = 3,
    destructive: bool = False,
    family_head: bool = True,
) -> dict[str, Any]:
    """One mart row; columns the sync does not read get plausible values."""
    return {
        "pattern_id": pattern_id,
        "tool_sequence": tool_sequence,
        "status": status,
        "confidence_score": confidence,
        "occurrence_count": occurrences,
        "estimated_savings_usd": savings,
        "pattern_context": context,
        "example_sessions": json.dumps([f"session-{i:02d}" for i in range(sessions)]),
        "is_destructive": destructive,
        "is_family_head": family_head,
    }


def write_mart(path: Path, patterns: list[dict[str, Any]]) -> Path:
    """(Re)create the warehouse file's mart with exactly these patterns."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(mart_ddl("pattern_classifications", FAMILY_HEAD_DEFAULTS))
        for p in patterns:
            con.execute(
                """
                insert into marts.pattern_classifications (
                    pattern_id, tool_sequence, pattern_length, run_date, window_start_at,
                    window_end_at, window_occurrence_count, window_session_count,
                    occurrence_count, session_count, avg_duration_ms, expected_count,
                    z_score, p_value, adjusted_p_value, confidence_score,
                    estimated_savings_usd, is_destructive, status, status_reason,
                    pattern_context, example_sessions, first_seen_at, last_seen_at,
                    is_family_head)
                values (?, ?, ?, date '2025-06-01', timestamp '2025-06-01',
                    timestamp '2025-06-02', ?, 2, ?, 3, 1500.0, 2.5, 4.2, 0.001, 0.002, ?, ?,
                    ?, ?, 'rule', ?, ?, timestamp '2025-05-01', timestamp '2025-06-01 12:00',
                    ?)
                """,
                [
                    p["pattern_id"],
                    p["tool_sequence"],
                    p["tool_sequence"].count("→") + 1,
                    p["occurrence_count"] // 2,
                    p["occurrence_count"],
                    p["confidence_score"],
                    p["estimated_savings_usd"],
                    p["is_destructive"],
                    p["status"],
                    p["pattern_context"],
                    p["example_sessions"],
                    p.get("is_family_head", True),
                ],
            )
    return path


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
