"""Shared fixtures: real databases, the CLI, and an isolated working directory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

PG_ADMIN_URL = os.environ.get("RUNNER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up the developer's RUNNER_* settings or send usage stats."""
    for key in list(os.environ):
        if key.startswith("RUNNER_") and key != "RUNNER_TEST_PG_URL":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so the defaults (data/, reports/) land in tmp."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _postgres_unavailable(reason: str) -> None:
    message = (
        f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {reason}. "
        "Start it with `pg_ctlcluster --skip-systemctl-redirect 15 main start` "
        "(or set RUNNER_TEST_PG_URL)."
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the loopback server; dropped afterwards.

    In CI a missing server fails the test loudly; locally it is skipped with the reason.
    """
    import psycopg

    name = f"hp_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'create database "{name}"')
    except psycopg.OperationalError as exc:
        _postgres_unavailable(str(exc).strip().splitlines()[0])
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


# Real local SMTP server and HTTP receiver (tests/support/receivers.py), for every test module.
from tests.support.receivers import http_receiver, smtp_server  # noqa: E402, F401
