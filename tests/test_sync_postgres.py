"""What only a PostgreSQL target has: a 4-byte ``real``, the plpgsql trigger, the server.

The scenarios both targets share run in test_sync.py, parametrized over SQLite and here.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from runner import targets
from runner.errors import RunnerError
from runner.sync import sync_approvals
from tests.support.approvals import Db
from tests.support.marts import pattern, write_mart

pytestmark = pytest.mark.postgres

A, B = "0a1b2c3d4e5f6071", "1b2c3d4e5f607182"


@pytest.fixture
def db(pg_url: str) -> Db:
    return Db("postgres", pg_url)


def test_a_ui_table_with_4_byte_real_columns_resyncs_as_unchanged(db: Db, tmp_path: Path) -> None:
    """A 4-byte ``real`` stores 1234567.89 as 1234567.875; a re-sync must still be a no-op."""
    db.execute(
        """
        create table pattern_approvals (
            id serial primary key, pattern_id text not null unique, status text not null,
            reviewed_by text, reviewed_at timestamp, approval_notes text,
            confidence_score real not null, occurrence_count integer not null,
            estimated_savings_usd real not null, tool_sequence text not null,
            pattern_context text, example_sessions text,
            created_at timestamp default now(), updated_at timestamp default now())
        """
    )
    patterns = [
        pattern(A, "Read→Edit", confidence=0.971234567, savings=1234567.89),
        pattern(B, "Grep→Read", confidence=0.123456, savings=0.1),
    ]
    warehouse = write_mart(tmp_path / "w.duckdb", patterns)
    assert sync_approvals(warehouse, db.url).inserted == 2
    before = db.snapshot()

    again = sync_approvals(warehouse, db.url)

    assert (again.updated, again.unchanged) == (0, 2)
    assert db.snapshot() == before
    write_mart(
        warehouse, [pattern(A, "Read→Edit", confidence=0.98, savings=1234567.89), patterns[1]]
    )
    assert sync_approvals(warehouse, db.url).updated == 1  # a real change still counts


def test_the_plpgsql_trigger_is_installed_with_the_table(db: Db, tmp_path: Path) -> None:
    warehouse = write_mart(tmp_path / "w.duckdb", [pattern(A, "Read→Edit")])
    sync_approvals(warehouse, db.url)

    triggers = db.rows(
        "select tgname from pg_trigger where tgrelid = 'pattern_approvals'::regclass "
        "and not tgisinternal"
    )
    assert triggers == [("pattern_approvals_set_updated_at",)]
    db.execute("update pattern_approvals set updated_at = '2000-01-01'")
    db.execute("update pattern_approvals set approval_notes = 'seen'")
    assert db.row(A)["updated_at"].year > 2000


def test_credentials_never_reach_the_summary(db: Db, tmp_path: Path) -> None:
    warehouse = write_mart(tmp_path / "w.duckdb", [pattern(A, "Read→Edit")])
    with_password = db.url.replace("postgresql://postgres@", "postgresql://postgres:topsecret@")

    summary = sync_approvals(warehouse, with_password)  # trust auth ignores the password

    assert "topsecret" not in summary.describe() and "postgres:***@" in summary.target


def test_a_server_that_never_answers_fails_after_the_connect_timeout(tmp_path: Path) -> None:
    warehouse = write_mart(tmp_path / "w.duckdb", [pattern(A, "Read→Edit")])
    with socket.socket() as silent:  # accepts TCP connections (backlog) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        url = f"postgresql://app:topsecret@127.0.0.1:{port}/approvals"

        started = time.monotonic()
        with pytest.raises(RunnerError) as caught:
            sync_approvals(warehouse, url)
        waited = time.monotonic() - started

    assert targets.PG_CONNECT_TIMEOUT_S - 1 <= waited < 15
    assert (
        f"cannot connect to postgresql://app:***@127.0.0.1:{port}/approvals" in caught.value.message
    )
    assert "topsecret" not in str(caught.value)


def test_a_missing_database_is_reported(pg_url: str, tmp_path: Path) -> None:
    warehouse = write_mart(tmp_path / "w.duckdb", [pattern(A, "Read→Edit")])
    url = pg_url.rsplit("/", 1)[0] + "/no_such_database_here"

    with pytest.raises(RunnerError, match="no_such_database_here") as caught:
        sync_approvals(warehouse, url)

    assert caught.value.hint and "database" in caught.value.hint
