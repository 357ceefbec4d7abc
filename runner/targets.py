"""Database URLs the runner writes to or reads from: parse, redact, connect.

Two kinds are supported: ``sqlite:///relative.db`` / ``sqlite:////absolute.db`` and
``postgresql://user:pass@host:port/db`` (also ``postgres://`` and SQLAlchemy's
``postgresql+psycopg://``). Every message that shows a URL shows ``Target.display``, which
never contains a password. Connections wait for locks instead of failing at once: SQLite
gets a busy timeout, PostgreSQL a short connect timeout so an unreachable server fails fast.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from runner import paths
from runner.errors import RunnerError
from runner.redaction import redact_url

Dialect = Literal["sqlite", "postgres"]

#: How long a SQLite statement waits for another connection's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30.0
#: How long a PostgreSQL connection attempt may take, for a target or a source: a dead
#: host fails quickly, a slow network (TLS across regions) still connects.
PG_CONNECT_TIMEOUT_S = 10

_SQLITE_PREFIX = "sqlite:///"
_PG_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}
_URL_HINT = (
    "use sqlite:///relative/path.db, sqlite:////absolute/path.db or postgresql://user@host:5432/db"
)

#: The default target's file: its folder (data/) is the runner's own, created when missing.
_DEFAULT_SQLITE_PATH = Path(paths.DEFAULT_TARGET.removeprefix(_SQLITE_PREFIX))


@dataclass(frozen=True)
class Target:
    """A parsed database URL. ``url`` keeps the credentials; ``display`` never does."""

    url: str
    dialect: Dialect
    #: The SQLite file (None for PostgreSQL).
    path: Path | None = None

    @property
    def display(self) -> str:
        return redact_url(self.url)

    @property
    def exists(self) -> bool:
        """False only for a SQLite file that isn't there yet (a server database is assumed)."""
        return self.path is None or str(self.path) == ":memory:" or self.path.exists()


def parse_target(url: str) -> Target:
    """Check the URL's shape without touching any database."""
    url = url.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        return _parse_sqlite(url)
    if scheme in _PG_SCHEMES:
        return _parse_postgres(url)
    shown = redact_url(url) or "''"
    what = f"unsupported scheme '{scheme}'" if scheme else "no scheme"
    raise RunnerError(f"target {shown} has {what}", _URL_HINT)


def _parse_sqlite(url: str) -> Target:
    if not url.startswith(_SQLITE_PREFIX) or not url[len(_SQLITE_PREFIX) :]:
        raise RunnerError(f"target {redact_url(url)} is not a valid SQLite URL", _URL_HINT)
    return Target(url=url, dialect="sqlite", path=Path(url[len(_SQLITE_PREFIX) :]))


def _parse_postgres(url: str) -> Target:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        raise RunnerError(f"target {redact_url(url)} is malformed: {exc}", _URL_HINT) from None
    if not parts.hostname or parts.path in ("", "/"):
        raise RunnerError(
            f"target {redact_url(url)} is malformed: it needs a host and a database name", _URL_HINT
        )
    # libpq does not know SQLAlchemy's "+driver" suffix.
    return Target(url=urlunsplit(parts._replace(scheme="postgresql")), dialect="postgres")


def require_folder(target: Target) -> None:
    """Refuse a SQLite file whose folder does not exist.

    The file itself may be new (the sync creates it and its tables), but a folder that
    is not there is most likely a mistyped path: creating it would put the review UI's
    table where the review UI never looks. Only the default target's folder is created.
    """
    if target.dialect != "sqlite" or target.path is None or str(target.path) == ":memory:":
        return
    folder = target.path.parent
    if folder.is_dir() or target.path == _DEFAULT_SQLITE_PATH:
        return
    raise RunnerError(
        f"target {target.display}: the folder {folder} does not exist",
        "correct the path (sqlite:///relative/path.db is relative to the working directory, "
        "sqlite:////absolute/path.db is absolute) or create the folder first",
    )


def connect(target: Target, *, read_only: bool = False) -> Any:
    """Open a DB-API connection; failures become a RunnerError naming the (redacted) target.

    SQLite connections are in autocommit mode (``isolation_level=None``) so the caller
    decides how a transaction begins (``BEGIN IMMEDIATE`` takes the write lock up front).
    PostgreSQL connections are transactional, as psycopg makes them by default.
    """
    if target.dialect == "sqlite":
        return _connect_sqlite(target, read_only=read_only)
    return _connect_postgres(target, read_only=read_only)


def _connect_sqlite(target: Target, *, read_only: bool) -> sqlite3.Connection:
    assert target.path is not None
    try:
        if read_only:
            uri = f"{target.path.resolve().as_uri()}?mode=ro"
            return sqlite3.connect(
                uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None
            )
        require_folder(target)
        target.path.parent.mkdir(parents=True, exist_ok=True)  # the default target's data/
        return sqlite3.connect(target.path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        raise RunnerError(
            f"cannot open {target.display}: {exc}",
            "check that the directory exists and is writable",
        ) from None


def _connect_postgres(target: Target, *, read_only: bool) -> Any:
    import psycopg

    try:
        conn = psycopg.connect(
            target.url, connect_timeout=PG_CONNECT_TIMEOUT_S, application_name="hook-pattern-runner"
        )
    except psycopg.Error as exc:
        raise RunnerError(
            f"cannot connect to {target.display}: {describe_db_error(exc, target)}",
            "check that the server is running and the URL's host, port, database and credentials",
        ) from None
    conn.read_only = read_only
    return conn


def describe_db_error(exc: BaseException, target: Target) -> str:
    """The first line of a driver error, with the target's password blanked out if echoed."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = urlsplit(target.url).password if target.dialect == "postgres" else None
    return text.replace(password, "***") if password else text
