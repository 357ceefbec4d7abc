"""Where `runner ingest` reads hook events from: files and the application's databases.

Every source turns its records into one SQL ``select`` with the columns of
:data:`runner.sources.conform.RECORD_COLUMNS` (all text, not yet canonical). The shared
step in :mod:`runner.sources.conform` canonicalises, hashes and deduplicates them into
``raw.hook_events``, so JSONL, Parquet, SQLite and PostgreSQL rows of the same event end
up byte-identical.
"""

from __future__ import annotations

import re

from runner.errors import RunnerError
from runner.redaction import redact_url
from runner.sources.base import Source

__all__ = ["Source", "open_source"]

_SCHEME = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://", re.I)


def open_source(spec: str) -> Source:
    """Pick the reader for ``spec``: a URL with a known scheme, or a file path/glob."""
    match = _SCHEME.match(spec)
    if match is None:
        from runner.sources.files import FileSource

        return FileSource.from_pattern(spec)
    scheme = match.group("scheme").lower().split("+", 1)[0]
    if scheme == "sqlite":
        from runner.sources.databases import SqliteSource

        return SqliteSource.from_url(spec)
    if scheme in {"postgresql", "postgres"}:
        from runner.sources.databases import PostgresSource

        return PostgresSource.from_url(spec)
    raise RunnerError(
        f"unknown source scheme '{scheme}://' in {redact_url(spec)}",
        "use a .jsonl/.parquet path or glob, sqlite:///file.db or postgresql://…",
    )
