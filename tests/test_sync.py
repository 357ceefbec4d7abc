"""`runner sync-approvals` against real SQLite files and the real PostgreSQL server.

Scenarios shared by both targets are parametrized over the ``db`` fixture; what only one
dialect has (SQLite's file lock, PostgreSQL's 4-byte ``real``) is tested on its own, here
and in test_sync_postgres.py. The mart is a literal DuckDB table (see tests/support/marts.py).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pytest
from typer.testing import CliRunner

from runner import sync, targets
from runner.approvals_schema import inspect_approvals
from runner.cli import app
from runner.errors import RunnerError
from runner.redaction import redact_secrets
from runner.sync import sync_approvals
from tests.support.approvals import Db, PausedSync
from tests.support.marts import pattern, write_mart

A, B, C, D, E = (
    "0a1b2c3d4e5f6071",
    "1b2c3d4e5f607182",
    "2c3d4e5f60718293",
    "3d4e5f6071829304",
    "05f6071829304a5b",
)

DAY1 = [
    pattern(A, "Bash(pytest)→Read→Edit→Bash(pytest)", confidence=0.97, occurrences=40),
    pattern(
        B, "Read→Edit", status="auto-approved", confidence=0.995, occurrences=250, savings=6200
    ),
    pattern(C, "Bash(git add)→Bash(git push --force)", status="auto-rejected", destructive=True),
    pattern(D, "Grep→Read", confidence=0.96, occurrences=30, savings=80.25),
]
#: The next day: A crosses the auto-approve line, D falls below 0.95, E is new, B/C are as before.
DAY2 = [
    pattern(A, "Bash(pytest)→Read→Edit→Bash(pytest)", status="auto-approved", confidence=0.9951,
            occurrences=260, savings=6400, sessions=12),
    DAY1[1],
    DAY1[2],
    pattern(D, "Grep→Read", status="auto-rejected", confidence=0.93, occurrences=70, savings=190.5),
    pattern(E, "Glob→Read", confidence=0.955, occurrences=25),
]  # fmt: skip

SENTINEL = "2000-01-01 00:00:00"
DB_ERRORS = (sqlite3.Error, psycopg.Error)


def counts(summary: sync.SyncSummary) -> tuple[int, int, int, int]:
    return summary.inserted, summary.updated, summary.unchanged, summary.protected


def is_sentinel(value: object) -> bool:
    return str(value).startswith("2000-01-01")


def approve(db: Db, pattern_id: str, reviewer: str = "ann") -> None:
    """What the review UI does when a reviewer approves a pattern."""
    db.execute(
        "update pattern_approvals set status = 'approved', reviewed_by = ?, "
        "reviewed_at = CURRENT_TIMESTAMP, approval_notes = 'useful' where pattern_id = ?",
        (reviewer, pattern_id),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        path = tmp_path / "approvals.db"
        return Db("sqlite", f"sqlite:///{path}", path)
    return Db("postgres", request.getfixturevalue("pg_url"))


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return write_mart(tmp_path / "warehouse.duckdb", DAY1)


# --- first sync, re-sync, next day ----------------------------------------------------
def test_first_sync_creates_the_tables_and_copies_the_mart(db: Db, warehouse: Path) -> None:
    summary = sync_approvals(warehouse, db.url)

    assert counts(summary) == (4, 0, 0, 0) and summary.created_table and not summary.dry_run
    for expected in DAY1:
        row = db.row(expected["pattern_id"])
        assert row["status"] == expected["status"]
        assert row["confidence_score"] == pytest.approx(expected["confidence_score"])
        assert row["occurrence_count"] == expected["occurrence_count"]
        assert row["estimated_savings_usd"] == pytest.approx(expected["estimated_savings_usd"])
        assert row["tool_sequence"] == expected["tool_sequence"]
        assert row["pattern_context"] == expected["pattern_context"]
        assert json.loads(row["example_sessions"]) == json.loads(expected["example_sessions"])
        assert row["reviewed_by"] is row["reviewed_at"] is row["approval_notes"] is None
        assert row["created_at"] is not None and row["updated_at"] is not None
    conn = db.connect()
    try:
        created = inspect_approvals(conn.cursor(), db.dialect)
    finally:
        conn.close()
    assert created is not None and created.problems() == []
    assert db.table_exists("pattern_review_history")


def test_created_tables_enforce_the_contract(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    if db.dialect == "sqlite":
        names = db.rows("select name from sqlite_master where type = 'index'")
    else:
        names = db.rows("select indexname from pg_indexes where schemaname = 'public'")
    assert {
        "idx_pattern_approvals_status",
        "idx_pattern_approvals_reviewed_at",
        "idx_pattern_approvals_confidence_score",
    } <= {name for (name,) in names}
    insert = (
        "insert into pattern_approvals (pattern_id, status, confidence_score, occurrence_count, "
        "estimated_savings_usd, tool_sequence) values (?, ?, ?, 1, 1.0, 'Read')"
    )
    for bad in [("p1", "maybe", 0.5), ("p2", "pending", 1.5), (A, "pending", 0.5)]:
        with pytest.raises(DB_ERRORS):
            db.execute(insert, bad)
    history = (
        "insert into pattern_review_history (pattern_id, action, reviewer) values (?, ?, 'ann')"
    )
    db.execute(history, (A, "approved"))
    with pytest.raises(DB_ERRORS):
        db.execute(history, (A, "liked"))
    with pytest.raises(DB_ERRORS):  # the foreign key (SQLite checks it only when asked to)
        conn = db.connect()
        try:
            if db.dialect == "sqlite":
                conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(db.sql(history), ("no-such-pattern", "flagged"))
        finally:
            conn.close()


def test_updated_at_moves_on_every_update_unless_set_explicitly(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    db.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    assert all(is_sentinel(v) for (v,) in db.rows("select updated_at from pattern_approvals"))

    approve(db, A)
    db.execute(
        "update pattern_approvals set approval_notes = 'x', updated_at = ? where pattern_id = ?",
        ("2001-02-03 04:05:06", B),
    )

    assert not is_sentinel(db.row(A)["updated_at"])
    assert str(db.row(B)["updated_at"]).startswith("2001-02-03")
    assert is_sentinel(db.row(C)["updated_at"])


def test_a_resync_with_nothing_new_writes_nothing(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    db.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    before = db.snapshot()

    summary = sync_approvals(warehouse, db.url)

    assert counts(summary) == (0, 0, 4, 0) and not summary.created_table
    assert db.snapshot() == before


def test_only_family_heads_are_synced(db: Db, tmp_path: Path) -> None:
    """A pattern that another explains (a sub-pattern of a longer habit) is no review row."""
    wh = write_mart(
        tmp_path / "w.duckdb",
        [pattern(A, "Grep→Read→Edit"), pattern(B, "Grep→Read", family_head=False)],
    )

    summary = sync_approvals(wh, db.url)

    assert counts(summary)[0] == 1
    assert db.row(A)["status"] == "pending"
    assert db.rows("select pattern_id from pattern_approvals") == [(A,)]


def test_a_pattern_explained_later_is_left_as_the_reviewer_has_it(db: Db, tmp_path: Path) -> None:
    """Synced as a head yesterday, explained today: never deleted, never re-flagged."""
    wh = write_mart(tmp_path / "w.duckdb", [pattern(A, "Grep→Read"), pattern(B, "Read→Edit")])
    sync_approvals(wh, db.url)
    db.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    before = db.row(A)
    write_mart(
        wh,
        [
            pattern(A, "Grep→Read", status="auto-rejected", confidence=0.2, family_head=False),
            pattern(B, "Read→Edit"),
        ],
    )

    sync_approvals(wh, db.url)

    assert db.row(A) == before


def test_float_noise_between_builds_is_not_a_change(db: Db, tmp_path: Path) -> None:
    wh = write_mart(
        tmp_path / "w.duckdb", [pattern(A, "Read→Edit", confidence=0.971234561, savings=99.991)]
    )
    sync_approvals(wh, db.url)
    db.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    write_mart(wh, [pattern(A, "Read→Edit", confidence=0.9712345612345, savings=99.9899999)])

    summary = sync_approvals(wh, db.url)

    assert counts(summary) == (0, 0, 1, 0)
    assert is_sentinel(db.row(A)["updated_at"])
    assert db.row(A)["confidence_score"] == pytest.approx(0.971235, abs=1e-9)


def test_next_day_updates_changed_rows_and_inserts_new_ones(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    db.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    write_mart(warehouse, DAY2)

    summary = sync_approvals(warehouse, db.url)

    assert counts(summary) == (1, 2, 2, 0)
    assert "1 new, 2 updated, 2 unchanged" in summary.describe()
    a, d, e = db.row(A), db.row(D), db.row(E)
    assert (a["status"], a["occurrence_count"], a["confidence_score"]) == (
        "auto-approved",
        260,
        0.9951,
    )
    assert len(json.loads(a["example_sessions"])) == 10  # capped, the mart had 12
    assert (d["status"], d["estimated_savings_usd"]) == ("auto-rejected", 190.5)
    assert e["status"] == "pending" and not is_sentinel(e["updated_at"])
    assert not is_sentinel(a["updated_at"]) and not is_sentinel(d["updated_at"])
    assert is_sentinel(db.row(B)["updated_at"]) and is_sentinel(db.row(C)["updated_at"])


# --- human decisions -------------------------------------------------------------------
def test_a_human_decision_survives_while_its_metrics_refresh(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    approve(db, D, reviewer="ann")  # the mart turns D auto-rejected tomorrow
    db.execute(  # a comment without a decision: reviewed_by alone makes it the reviewer's
        "update pattern_approvals set reviewed_by = 'bob', approval_notes = 'looking' "
        "where pattern_id = ?",
        (A,),
    )
    decided = {pid: db.row(pid) for pid in (A, D)}
    write_mart(warehouse, DAY2)

    summary = sync_approvals(warehouse, db.url)

    assert counts(summary) == (1, 0, 2, 2) and summary.protected_refreshed == 2
    for pid, before in decided.items():
        after = db.row(pid)
        for column in ("status", "reviewed_by", "reviewed_at", "approval_notes"):
            assert after[column] == before[column], column
    assert db.row(D)["occurrence_count"] == 70 and db.row(D)["estimated_savings_usd"] == 190.5
    assert db.row(A)["occurrence_count"] == 260 and db.row(A)["status"] == "pending"


def test_the_upsert_statement_itself_keeps_the_decision(
    db: Db, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the sync's read is stale, the write cannot overwrite a reviewer."""
    sync_approvals(warehouse, db.url)
    approve(db, D)
    write_mart(warehouse, DAY2)
    monkeypatch.setattr(sync, "_stored_rows", lambda *args: {})  # the read saw no rows at all

    sync_approvals(warehouse, db.url)

    assert (db.row(D)["status"], db.row(D)["reviewed_by"]) == ("approved", "ann")
    assert db.row(D)["occurrence_count"] == 70
    assert db.row(A)["status"] == "auto-approved"  # while undecided rows follow the mart


# --- a table that is already there -----------------------------------------------------
GOOD_COLUMNS = {
    "id": "integer primary key",
    "pattern_id": "text not null unique",
    "status": "text not null",
    "reviewed_by": "text",
    "reviewed_at": "timestamp",
    "approval_notes": "text",
    "confidence_score": "real not null default 0.5",
    "occurrence_count": "integer not null default 1",
    "estimated_savings_usd": "real not null default 1",
    "tool_sequence": "text not null",
    "pattern_context": "text",
    "example_sessions": "text",
    "created_at": "timestamp",
    "updated_at": "timestamp",
}


def create_existing(db: Db, **changes: str | None) -> None:
    """A pattern_approvals made by someone else (the UI), with one row in it."""
    serial = "integer primary key" if db.dialect == "sqlite" else "serial primary key"
    columns = {**GOOD_COLUMNS, "id": serial, **changes}
    body = ", ".join(f"{name} {kind}" for name, kind in columns.items() if kind is not None)
    db.execute(f"create table pattern_approvals ({body})")
    db.execute(
        "insert into pattern_approvals (pattern_id, status, tool_sequence) "
        "values ('old', 'pending', 'Read')"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"confidence_score": None}, "missing column confidence_score"),
        ({"occurrence_count": "text"}, "column occurrence_count has type text, expected integer"),
        ({"pattern_id": "text not null"}, "no unique constraint on pattern_id"),
    ],
)
def test_a_table_off_contract_is_reported_and_left_alone(
    db: Db, warehouse: Path, changes: dict[str, str | None], message: str
) -> None:
    create_existing(db, **changes)
    before = db.snapshot()

    with pytest.raises(RunnerError) as caught:
        sync_approvals(warehouse, db.url)

    assert message in caught.value.message
    assert f"pattern_approvals in {targets.redact_url(db.url)}" in caught.value.message
    assert db.snapshot() == before and not db.table_exists("pattern_review_history")


def test_an_existing_table_with_extra_columns_is_used_as_it_is(db: Db, warehouse: Path) -> None:
    create_existing(db, ui_priority="integer default 3")

    summary = sync_approvals(warehouse, db.url)

    assert counts(summary) == (4, 0, 0, 0) and not summary.created_table
    assert db.row(A)["ui_priority"] == 3 and db.row("old")["status"] == "pending"
    assert not db.table_exists("pattern_review_history")  # nothing is added to a UI's schema


# --- all or nothing --------------------------------------------------------------------
@pytest.mark.parametrize("table_exists", [True, False], ids=["existing", "missing"])
def test_a_sync_killed_mid_way_leaves_the_table_as_it_was(
    db: Db, warehouse: Path, table_exists: bool
) -> None:
    if table_exists:
        sync_approvals(warehouse, db.url)
    write_mart(warehouse, DAY2)
    before = db.snapshot()

    PausedSync(warehouse, db.url, rows=2).start().kill()

    assert db.snapshot() == before
    assert db.table_exists("pattern_review_history") is table_exists
    assert sync_approvals(warehouse, db.url).total == len(DAY2)  # and the next run is fine


def test_a_bad_mart_row_fails_the_sync_and_writes_nothing(
    db: Db, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_approvals(warehouse, db.url)
    write_mart(warehouse, [*DAY2, pattern("ffffffffffffffff", "Read→Read", confidence=1.5)])
    before = db.snapshot()
    monkeypatch.setattr(sync, "BATCH_SIZE", 1)  # earlier rows are written before the bad one

    with pytest.raises(RunnerError) as caught:
        sync_approvals(warehouse, db.url)

    assert "ffffffffffffffff" in caught.value.message
    assert "confidence_score 1.5 outside 0..1" in caught.value.message
    assert db.snapshot() == before


def test_a_constraint_error_in_the_target_rolls_everything_back(
    db: Db, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_approvals(warehouse, db.url)
    if db.dialect == "sqlite":
        db.execute(
            "create trigger short_sequences before insert on pattern_approvals "
            "when length(new.tool_sequence) > 40 "
            "begin select raise(abort, 'sequence too long'); end"
        )
    else:
        db.execute(
            "alter table pattern_approvals add constraint short_sequences "
            "check (length(tool_sequence) <= 40)"
        )
    long_one = pattern("ffffffffffffffff", "→".join(["Read"] * 20))
    write_mart(warehouse, [*DAY2, long_one])
    before = db.snapshot()
    monkeypatch.setattr(sync, "BATCH_SIZE", 1)

    with pytest.raises(RunnerError) as caught:
        sync_approvals(warehouse, db.url)

    assert "nothing was written" in caught.value.message
    assert caught.value.hint and "constraint" in caught.value.hint
    assert db.snapshot() == before


# --- concurrency -----------------------------------------------------------------------
def test_a_reviewer_writing_during_a_sync_is_not_overwritten(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    write_mart(warehouse, DAY2)  # in pattern_id order: E, A, B, C, D
    paused = PausedSync(warehouse, db.url, rows=2, pause_seconds=3).start()  # E and A written

    reviewers = {pid: threading.Thread(target=approve, args=(db, pid)) for pid in (A, D)}
    for thread in reviewers.values():
        thread.start()
    reviewers[D].join(timeout=1.5)
    if db.dialect == "postgres":
        # D is not locked yet: the approval commits now, and the sync's upsert must keep it.
        assert not reviewers[D].is_alive()
    else:
        # SQLite: the sync holds the file's write lock; the reviewer waits (busy timeout).
        assert reviewers[D].is_alive()
    assert reviewers[A].is_alive()  # A's new row version is locked until the sync commits
    paused.finish()
    for thread in reviewers.values():
        thread.join(timeout=30)

    for pid in (A, D):
        row = db.row(pid)
        assert (row["status"], row["reviewed_by"], row["approval_notes"]) == (
            "approved",
            "ann",
            "useful",
        )
    assert db.row(D)["occurrence_count"] == 70 and db.row(A)["occurrence_count"] == 260


def hold_write_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("update pattern_approvals set approval_notes = 'held' where pattern_id = ?", (B,))
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_briefly_locked_sqlite_file_makes_the_sync_wait(tmp_path: Path, warehouse: Path) -> None:
    path = tmp_path / "approvals.db"
    sync_approvals(warehouse, f"sqlite:///{path}")
    write_mart(warehouse, DAY2)
    locked = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, locked))
    holder.start()
    locked.wait(5)

    started = time.monotonic()
    summary = sync_approvals(warehouse, f"sqlite:///{path}")
    waited = time.monotonic() - started
    holder.join()

    assert waited >= 0.8
    assert counts(summary) == (1, 2, 2, 0)
    assert Db("sqlite", "", path).row(B)["approval_notes"] == "held"


def test_a_lock_outlasting_the_busy_timeout_is_retried(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "approvals.db"
    sync_approvals(warehouse, f"sqlite:///{path}")
    write_mart(warehouse, DAY2)
    monkeypatch.setattr(targets, "SQLITE_BUSY_TIMEOUT_S", 0.05)

    def sync_while_locked() -> sync.SyncSummary:
        locked = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, locked))
        holder.start()
        locked.wait(5)
        try:
            return sync_approvals(warehouse, f"sqlite:///{path}")
        finally:
            holder.join()

    monkeypatch.setattr(sync, "ATTEMPTS", 1)
    with pytest.raises(RunnerError, match="database is locked"):
        sync_while_locked()
    monkeypatch.setattr(sync, "ATTEMPTS", 4)
    assert counts(sync_while_locked()) == (1, 2, 2, 0)


# --- dry run ---------------------------------------------------------------------------
def test_a_dry_run_against_a_missing_file_creates_nothing(tmp_path: Path, warehouse: Path) -> None:
    path = tmp_path / "approvals.db"  # its folder exists: a missing folder is refused

    summary = sync_approvals(warehouse, f"sqlite:///{path}", dry_run=True)

    assert not path.exists()
    assert summary.dry_run and summary.created_table and counts(summary) == (4, 0, 0, 0)
    assert "would be created" in summary.describe() and A in summary.describe()


def test_a_dry_run_against_a_missing_table_creates_nothing(db: Db, warehouse: Path) -> None:
    if db.dialect == "sqlite":
        db.execute("create table unrelated (x integer)")

    summary = sync_approvals(warehouse, db.url, dry_run=True)

    assert summary.created_table and counts(summary) == (4, 0, 0, 0)
    assert not db.table_exists() and not db.table_exists("pattern_review_history")


def test_a_dry_run_tells_what_a_sync_would_do_and_writes_nothing(db: Db, warehouse: Path) -> None:
    sync_approvals(warehouse, db.url)
    approve(db, D)
    write_mart(warehouse, DAY2)
    before = db.snapshot()

    dry = sync_approvals(warehouse, db.url, dry_run=True)

    assert db.snapshot() == before
    text = dry.describe()
    assert "nothing written" in text
    assert f"+ new        {E}" in text
    assert f"~ update     {A}  status pending→auto-approved" in text
    assert f"= protected  {D}  approved by ann is kept; refresh" in text
    real = sync_approvals(warehouse, db.url)
    assert counts(dry) == counts(real) == (1, 1, 2, 1)
    assert dry.protected_refreshed == real.protected_refreshed == 1


# --- secrets ---------------------------------------------------------------------------
def test_secrets_in_mart_text_are_redacted_in_the_target(db: Db, tmp_path: Path) -> None:
    leaky = pattern(
        A,
        "Bash(curl -H 'Authorization: Bearer abcdefgh12345678')→Read",
        context="Runs `PASSWORD=hunter2 ./deploy.sh` then fetches https://u:p@db.example.com/x",
    )
    wh = write_mart(tmp_path / "w.duckdb", [leaky])

    sync_approvals(wh, db.url)

    row = db.row(A)
    assert "hunter2" not in row["pattern_context"] and "u:p@" not in row["pattern_context"]
    assert (
        "PASSWORD=***" in row["pattern_context"]
        and "https://u:***@db.example.com" in row["pattern_context"]
    )
    assert "abcdefgh12345678" not in row["tool_sequence"]
    assert counts(sync_approvals(wh, db.url)) == (0, 0, 1, 0)  # redaction is stable


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("PASSWORD=hunter2 psql", "hunter2"),
        ("export DB_PASS='s3cr3t value'", "s3cr3t value"),
        ('{"api_key": "abc123xyz"}', "abc123xyz"),
        ("GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa git push", "ghp_aaaaaaaa"),
        ("curl https://admin:pa55word@example.com/api", "pa55word"),
        ("openai key sk-proj-abcdefghijklmnop1234", "abcdefghijklmnop1234"),
        ("slack xoxb-123456789012-abcdefghij", "xoxb-123456789012"),
        ("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("-H 'Authorization: Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4f'", "eyJ"),
        ("mysql --password s3cret -u root", "s3cret"),
        ("client_secret: topsecret", "topsecret"),
    ],
)
def test_redact_secrets_hides_common_credentials(text: str, secret: str) -> None:
    redacted = redact_secrets(text)
    assert secret not in redacted and "***" in redacted
    assert redact_secrets(redacted) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "Bash(pytest)→Read→Edit",
        "cd /app && PWD=/tmp make",
        "tokenize the input",
        "git push origin main",
    ],
)
def test_redact_secrets_leaves_plain_text_alone(text: str) -> None:
    assert redact_secrets(text) == text


# --- bad input, through the command line ---------------------------------------------
def test_the_cli_syncs_and_prints_a_summary(cli: CliRunner, workdir: Path) -> None:
    write_mart(workdir / "w.duckdb", DAY1)
    (workdir / "out").mkdir()  # the file may be new, its folder may not
    args = ["sync-approvals", "--warehouse", "w.duckdb", "--target", "sqlite:///out/a.db"]

    dry = cli.invoke(app, [*args, "--dry-run"])
    real = cli.invoke(app, args)

    assert dry.exit_code == 0 and "would be created" in dry.stdout
    assert real.exit_code == 0, real.output
    assert "synced 4 patterns to sqlite:///out/a.db" in real.stdout and "4 new" in real.stdout
    assert Db("sqlite", "", workdir / "out" / "a.db").row(A)["status"] == "pending"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "mysql://root:hunter2@localhost/app",
            "target mysql://root:***@localhost/app has unsupported scheme",
        ),
        ("approvals.db", "target approvals.db has no scheme"),
        ("sqlite://approvals.db", "not a valid SQLite URL"),
        ("postgresql://u:hunter2@localhost:port/db", "is malformed"),
        (
            "postgresql://u:hunter2@127.0.0.1:1/db",
            "cannot connect to postgresql://u:***@127.0.0.1:1/db",
        ),
    ],
)
def test_bad_targets_fail_with_one_clear_line(
    cli: CliRunner, workdir: Path, target: str, expected: str
) -> None:
    write_mart(workdir / "w.duckdb", DAY1)

    result = cli.invoke(app, ["sync-approvals", "--warehouse", "w.duckdb", "--target", target])

    assert result.exit_code == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and expected in error_lines[0]
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert not list(workdir.glob("*.db"))


@pytest.mark.parametrize("dry_run", [False, True], ids=["sync", "dry-run"])
def test_a_sqlite_target_in_a_missing_folder_is_refused(
    cli: CliRunner, workdir: Path, dry_run: bool
) -> None:
    """A mistyped folder must not be created: the review UI would never read that file."""
    write_mart(workdir / "w.duckdb", DAY1)
    args = [
        "sync-approvals",
        "--warehouse",
        "w.duckdb",
        "--target",
        "sqlite:///nonexistent_dir/x.db",
    ]

    result = cli.invoke(app, [*args, "--dry-run"] if dry_run else args)

    assert result.exit_code == 1, result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error_lines == [
        "error: target sqlite:///nonexistent_dir/x.db: the folder nonexistent_dir does not exist"
    ]
    assert "Traceback" not in result.output
    assert not (workdir / "nonexistent_dir").exists()


def test_only_the_default_targets_folder_is_created(workdir: Path) -> None:
    """data/ is the runner's own: the defaults must work in an empty directory."""
    with pytest.raises(RunnerError, match="the folder elsewhere does not exist"):
        targets.connect(targets.parse_target("sqlite:///elsewhere/pattern_approvals.db"))
    targets.connect(targets.parse_target("sqlite:///data/pattern_approvals.db")).close()

    assert (workdir / "data" / "pattern_approvals.db").is_file()
    assert not (workdir / "elsewhere").exists()


@pytest.mark.parametrize("mart", [False, True], ids=["no-warehouse", "no-mart"])
def test_a_missing_warehouse_or_mart_says_to_build_first(
    cli: CliRunner, workdir: Path, mart: bool
) -> None:
    if mart:
        duckdb.connect(str(workdir / "w.duckdb")).close()

    result = cli.invoke(
        app, ["sync-approvals", "--warehouse", "w.duckdb", "--target", "sqlite:///a.db"]
    )

    assert result.exit_code == 1 and "run `runner build` first" in result.stderr
    assert ("has no marts.pattern_classifications" if mart else "does not exist") in result.stderr
    assert not (workdir / "a.db").exists()


def test_the_sqlite_trigger_ends_even_with_recursive_triggers_on(tmp_path: Path) -> None:
    path = tmp_path / "approvals.db"
    sync_approvals(write_mart(tmp_path / "w.duckdb", DAY1), f"sqlite:///{path}")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.execute("update pattern_approvals set updated_at = CURRENT_TIMESTAMP")
    # updated_at already is "now": the trigger's own UPDATE must not fire it again and again.
    conn.execute("update pattern_approvals set approval_notes = 'again'")
    conn.execute("update pattern_approvals set updated_at = ?", (SENTINEL,))
    conn.execute("update pattern_approvals set approval_notes = 'seen' where pattern_id = ?", (A,))
    conn.close()

    assert not is_sentinel(Db("sqlite", "", path).row(A)["updated_at"])
    assert is_sentinel(Db("sqlite", "", path).row(B)["updated_at"])
