"""`runner notify` against real local channels: aiosmtpd, an HTTP receiver, SQLite and PG.

Every channel here points at 127.0.0.1. Slack cannot be exercised end to end: Apprise's
Slack plugin always posts to hooks.slack.com / slack.com (it has no custom-host option),
so the Slack tests only check that both Slack URL forms load, without sending anything.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner import notify
from runner.cli import app
from runner.config import Settings
from runner.errors import RunnerError
from runner.notify import Channel, channel_label, load_channel, notify_reviewers
from tests.support.receivers import (
    HttpReceiver,
    SmtpServer,
    http_receiver,
    smtp_server,
    unused_port,
)

__all__ = ["http_receiver", "smtp_server"]  # fixtures, re-exported for pytest

REVIEW_URL = "http://127.0.0.1:8080/patterns"

PATTERN_APPROVALS_DDL = """
create table pattern_approvals (
    id {id_type} primary key,
    pattern_id text not null unique,
    status text not null,
    reviewed_by text,
    reviewed_at timestamp,
    approval_notes text,
    confidence_score real not null,
    occurrence_count integer not null,
    estimated_savings_usd real not null,
    tool_sequence text not null,
    pattern_context text,
    example_sessions text,
    created_at timestamp default current_timestamp,
    updated_at timestamp default current_timestamp
)
"""

INSERT_SQL = (
    "insert into pattern_approvals (pattern_id, status, confidence_score, occurrence_count,"
    " estimated_savings_usd, tool_sequence, pattern_context, example_sessions)"
    " values ({marks})"
)

# (pattern_id, status, confidence, occurrences, savings, tool_sequence)
PENDING_TESTS = ("a1b2c3d4e5f60718", "pending", 0.973, 42, 1234.5, "Read→Edit→Bash(pytest)")
PENDING_DEPLOY = (
    "0f1e2d3c4b5a6978",
    "pending",
    0.962,
    17,
    310.25,
    "Bash(git status)→Bash(PASSWORD=hunter2 ./deploy.sh)",
)
APPROVED = ("1111222233334444", "approved", 0.999, 250, 9000.0, "Glob→Read")
AUTO_REJECTED = ("5555666677778888", "auto-rejected", 0.5, 3, 1.0, "Bash(rm -rf build)→Bash(make)")
LATER = ("9999aaaabbbbcccc", "pending", 0.981, 25, 77.0, "Grep→Read→Edit")
ROWS = (PENDING_TESTS, PENDING_DEPLOY, APPROVED, AUTO_REJECTED)


# --- targets with literal rows -----------------------------------------------------------
class Target:
    """A pattern_approvals table the test can edit as a reviewer (or a sync) would."""

    def __init__(self, url: str, connect: Callable[[], Any], mark: str) -> None:
        self.url = url
        self._connect = connect
        self._mark = mark

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with closing(self._connect()) as con:
            con.execute(sql.replace("?", self._mark), params)
            con.commit()

    def insert(self, *rows: tuple[Any, ...]) -> None:
        marks = ", ".join([self._mark] * 8)
        with closing(self._connect()) as con:
            for row in rows:
                con.execute(INSERT_SQL.format(marks=marks), [*row, "context", "[]"])
            con.commit()

    def set_status(self, pattern_id: str, status: str) -> None:
        self.execute(
            "update pattern_approvals set status = ? where pattern_id = ?", [status, pattern_id]
        )


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Target:
    path = tmp_path / "pattern_approvals.db"
    target = Target(f"sqlite:///{path}", lambda: sqlite3.connect(path), "?")
    target.execute(PATTERN_APPROVALS_DDL.format(id_type="integer"))
    target.insert(*ROWS)
    return target


@pytest.fixture
def pg_target(pg_url: str) -> Target:
    import psycopg

    target = Target(pg_url, lambda: psycopg.connect(pg_url), "%s")
    target.execute(PATTERN_APPROVALS_DDL.format(id_type="serial"))
    target.insert(*ROWS)
    return target


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


def settings_for(warehouse: Path, target: Target, *channels: str) -> Settings:
    return Settings(
        warehouse=warehouse, target=target.url, channels=channels, review_url=REVIEW_URL
    )


def attempts(warehouse: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select channel_label, ok, error, pattern_count"
            " from runner.notification_attempts order by attempted_at, channel_label"
        ).fetchall()


def notified(warehouse: Path, url: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select pattern_id from runner.notifications where channel_key = ?", [Channel(url).key]
        ).fetchall()
    return {row[0] for row in rows}


def run_cli(cli: CliRunner, warehouse: Path, target: Target, *channels: str) -> Any:
    args = ["notify", "--warehouse", str(warehouse), "--target", target.url]
    args += ["--review-url", REVIEW_URL]
    for channel in channels:
        args += ["--channel", channel]
    return cli.invoke(app, args)


# --- email -------------------------------------------------------------------------------
def test_email_lists_the_pending_patterns_with_links_and_no_secret(
    smtp_server: SmtpServer, sqlite_target: Target, warehouse: Path
) -> None:
    url = smtp_server.mailto_url()

    summary = notify_reviewers(settings_for(warehouse, sqlite_target, url))

    assert summary.success, summary.describe()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail.rcpt_tos == ("reviewers@example.com",)
    assert "2 new pending pattern families" in mail.subject
    text = mail.text
    for pattern in (PENDING_TESTS, PENDING_DEPLOY):
        assert f"{REVIEW_URL}/{pattern[0]}" in text
    assert "Read→Edit→Bash(pytest)" in text
    assert "occurrences 42 · confidence 0.973 · savings $1,234.50" in text
    assert "2 new pending pattern families to review, estimated savings $1,544.75 in total." in text
    assert f"Review them: {REVIEW_URL}" in text
    # reviewer decisions and auto decisions are not announced
    assert APPROVED[0] not in mail.raw and AUTO_REJECTED[0] not in mail.raw
    # the final redaction caught the secret; the SMTP password never leaves either
    assert "hunter2" not in mail.raw and "Bash(PASSWORD=*** ./deploy.sh)" in text
    assert smtp_server.password not in mail.raw
    # bookkeeping names the channel without its password
    [(label, ok, error, count)] = attempts(warehouse)
    assert (ok, error, count) == (True, None, 2)
    assert smtp_server.password not in label and "127.0.0.1" in label
    assert notified(warehouse, url) == {PENDING_TESTS[0], PENDING_DEPLOY[0]}


def test_refused_and_unreachable_mail_servers_fail_only_their_channel(
    smtp_server: SmtpServer, http_receiver: HttpReceiver, sqlite_target: Target, warehouse: Path
) -> None:
    smtp_server.reject_with = "550 rejected"
    dead = f"mailto://127.0.0.1:{unused_port()}?to=ops@example.com&from=runner@example.com"
    channels = (smtp_server.mailto_url(), dead, http_receiver.apprise_url())

    summary = notify_reviewers(settings_for(warehouse, sqlite_target, *channels))

    assert not summary.success
    assert summary.failed_channels == [channel_label(channels[0]), channel_label(dead)]
    assert len(http_receiver.requests) == 1
    assert smtp_server.messages == []
    [refused, unreachable] = [row for row in attempts(warehouse) if not row[1]]
    assert "550" in refused[2] and "rejected" in refused[2]
    assert "Connection refused" in unreachable[2]


# --- generic webhook ---------------------------------------------------------------------
def test_webhook_gets_a_json_body(
    http_receiver: HttpReceiver, sqlite_target: Target, warehouse: Path
) -> None:
    summary = notify_reviewers(
        settings_for(warehouse, sqlite_target, http_receiver.apprise_url("/hook"))
    )

    assert summary.success
    [request] = http_receiver.requests
    assert (request.method, request.path) == ("POST", "/hook")
    body = request.json()
    assert body["title"].startswith("2 new pending pattern families")
    assert body["type"] == "info"
    assert f"{REVIEW_URL}/{PENDING_TESTS[0]}" in body["message"]
    assert f"{REVIEW_URL}/{PENDING_DEPLOY[0]}" in body["message"]
    assert "hunter2" not in request.body.decode()


def test_webhook_500_is_retried_then_queued_for_the_next_run(
    http_receiver: HttpReceiver, smtp_server: SmtpServer, sqlite_target: Target, warehouse: Path
) -> None:
    hook, mail = http_receiver.apprise_url(), smtp_server.mailto_url()
    settings = settings_for(warehouse, sqlite_target, hook, mail)
    http_receiver.status = 500

    first = notify_reviewers(settings)

    assert first.failed_channels == [channel_label(hook)]
    assert len(http_receiver.requests) == notify.SEND_ATTEMPTS  # quick retry, then gave up
    assert len(smtp_server.messages) == 1
    assert notified(warehouse, hook) == set()
    [failure] = [row for row in attempts(warehouse) if not row[1]]
    assert (failure[0], failure[3]) == (channel_label(hook), 2) and "500" in failure[2]

    http_receiver.status = 200
    second = notify_reviewers(settings)

    assert second.success
    assert len(http_receiver.requests) == notify.SEND_ATTEMPTS + 1
    assert PENDING_TESTS[0] in http_receiver.requests[-1].json()["message"]
    assert len(smtp_server.messages) == 1  # channel A is not told twice


@pytest.mark.parametrize(
    ("bound", "value"),
    [("READ_TIMEOUT_S", 0.5), ("SERVICE_TIMEOUT_S", 0.5)],
    ids=["socket-read-timeout", "service-timeout"],
)
def test_a_hung_server_is_given_up_on_quickly(
    sqlite_target: Target,
    warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    bound: str,
    value: float,
) -> None:
    monkeypatch.setattr(notify, "READ_TIMEOUT_S", 60.0)
    monkeypatch.setattr(notify, bound, value)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        hook = f"json://127.0.0.1:{silent.getsockname()[1]}/hook"
        started = time.monotonic()
        summary = notify_reviewers(settings_for(warehouse, sqlite_target, hook))
        elapsed = time.monotonic() - started

    assert summary.failed_channels == [channel_label(hook)]
    assert elapsed < 5, f"took {elapsed:.1f}s"


# --- never twice -------------------------------------------------------------------------
def test_a_rerun_sends_nothing_and_a_later_pending_pattern_is_announced_alone(
    http_receiver: HttpReceiver, sqlite_target: Target, warehouse: Path
) -> None:
    settings = settings_for(warehouse, sqlite_target, http_receiver.apprise_url())
    notify_reviewers(settings)

    rerun = notify_reviewers(settings)

    assert rerun.success and rerun.sent_count == 0
    assert len(http_receiver.requests) == 1

    sqlite_target.insert(LATER)
    sqlite_target.set_status(PENDING_TESTS[0], "approved")
    later = notify_reviewers(settings)

    assert later.sent_count == 1
    message = http_receiver.requests[-1].json()["message"]
    assert LATER[0] in message
    assert PENDING_TESTS[0] not in message and PENDING_DEPLOY[0] not in message
    assert message.startswith("1 new pending pattern family to review")


def test_a_pattern_decided_before_any_notice_is_never_announced(
    http_receiver: HttpReceiver, sqlite_target: Target, warehouse: Path
) -> None:
    sqlite_target.set_status(PENDING_DEPLOY[0], "rejected")

    notify_reviewers(settings_for(warehouse, sqlite_target, http_receiver.apprise_url()))

    message = http_receiver.requests[0].json()["message"]
    assert PENDING_TESTS[0] in message and PENDING_DEPLOY[0] not in message


def test_postgres_target(
    smtp_server: SmtpServer, pg_target: Target, warehouse: Path, http_receiver: HttpReceiver
) -> None:
    settings = settings_for(warehouse, pg_target, smtp_server.mailto_url())
    assert notify_reviewers(settings).success
    pg_target.insert(LATER)

    again = notify_reviewers(settings)

    assert again.success
    assert [PENDING_TESTS[0] in m.text for m in smtp_server.messages] == [True, False]
    assert LATER[0] in smtp_server.messages[1].text


# --- the command line --------------------------------------------------------------------
def test_cli_exits_1_on_a_failed_channel_and_delivers_on_the_next_run(
    cli: CliRunner,
    workdir: Path,
    smtp_server: SmtpServer,
    http_receiver: HttpReceiver,
    sqlite_target: Target,
    warehouse: Path,
) -> None:
    mail, hook = smtp_server.mailto_url(), http_receiver.apprise_url()
    smtp_server.reject_with = "550 rejected"

    failed = run_cli(cli, warehouse, sqlite_target, mail, hook)

    assert failed.exit_code == 1, failed.output
    assert "notification failed on:" in failed.output
    assert channel_label(mail) in failed.output
    assert smtp_server.password not in failed.output
    assert len(http_receiver.requests) == 1

    smtp_server.reject_with = None
    fixed = run_cli(cli, warehouse, sqlite_target, mail, hook)

    assert fixed.exit_code == 0, fixed.output
    assert len(smtp_server.messages) == 1
    assert len(http_receiver.requests) == 1


def test_a_broken_channel_url_fails_clearly_and_the_others_are_sent(
    cli: CliRunner,
    workdir: Path,
    http_receiver: HttpReceiver,
    sqlite_target: Target,
    warehouse: Path,
) -> None:
    result = run_cli(cli, warehouse, sqlite_target, "notaproto://x", http_receiver.apprise_url())

    assert result.exit_code == 1
    assert "notaproto://***: failed: invalid channel URL" in result.output
    assert len(http_receiver.requests) == 1


def test_no_channel_configured_does_nothing(
    cli: CliRunner, workdir: Path, sqlite_target: Target, warehouse: Path
) -> None:
    result = run_cli(cli, warehouse, sqlite_target)

    assert result.exit_code == 0, result.output
    assert "no notification channel configured" in result.output
    assert not warehouse.exists()


@pytest.mark.parametrize("create_file", [False, True], ids=["no-file", "no-table"])
def test_a_target_without_pattern_approvals_is_a_clear_error(
    tmp_path: Path, warehouse: Path, create_file: bool
) -> None:
    path = tmp_path / "absent.db"
    if create_file:
        sqlite3.connect(path).close()
    settings = Settings(
        warehouse=warehouse, target=f"sqlite:///{path}", channels=("json://127.0.0.1:9/hook",)
    )

    with pytest.raises(RunnerError, match="cannot read pending patterns") as raised:
        notify_reviewers(settings)

    assert raised.value.hint and "sync-approvals" in raised.value.hint
    assert path.exists() == create_file  # reading never creates the database


# --- Slack: accepted, never sent ---------------------------------------------------------
SLACK_TOKENS = ("T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7")


@pytest.mark.parametrize(
    "url",
    [
        "slack://{}/{}/{}/#reviews".format(*SLACK_TOKENS),
        "https://hooks.slack.com/services/{}/{}/{}".format(*SLACK_TOKENS),
    ],
)
def test_slack_urls_load_without_being_sent(url: str) -> None:
    sender = load_channel(url)

    assert sender is not None and len(sender) == 1
    assert sender[0].service_name == "Slack"
    assert sender[0].socket_connect_timeout <= notify.CONNECT_TIMEOUT_S
    assert not any(token in channel_label(url) for token in SLACK_TOKENS)


# --- units -------------------------------------------------------------------------------
def test_channel_key_ignores_the_password_and_labels_hide_it() -> None:
    url = "mailto://bot:old-pass@127.0.0.1:2525?to=a@example.com"
    rotated = url.replace("old-pass", "new-pass")

    assert Channel(url).key == Channel(rotated).key
    assert Channel(url).key != Channel(url.replace("a@", "b@")).key
    assert channel_label(url) == "mailto://bot:***@127.0.0.1:2525"
    assert channel_label("json://127.0.0.1:8080/hooks/a8Xf93kQz1/x") == (
        "json://127.0.0.1:8080/hooks/***/x"
    )


def test_long_lists_are_cut_with_a_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "MAX_LISTED_PATTERNS", 2)
    patterns = [
        notify.PendingPattern(f"{i:016x}", f"Read→Step{i}", 10 + i, 0.97, 100.0) for i in range(5)
    ]

    message = notify.compose_message(patterns, REVIEW_URL + "/")

    assert "5 new pending pattern families to review, estimated savings $500.00" in message.body
    assert f"{REVIEW_URL}/{patterns[1].pattern_id}" in message.body
    assert patterns[2].pattern_id not in message.body
    assert "… and 3 more in the review UI." in message.body


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep the in-run retry short so failure tests stay fast."""
    monkeypatch.setattr(notify, "RETRY_WAIT_S", 0.05)
    yield
