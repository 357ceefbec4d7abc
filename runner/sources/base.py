"""The interface every ingest source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import duckdb


@dataclass
class ReadCounts:
    """What a source read in one batch (what landed is counted in the table).

    ``rows_read`` counts records (blank lines are not records; ``lines_blank`` counts
    them), ``rows_unreadable`` the records kept with ``_load_error`` before dedup, and
    ``rows_repaired`` the records whose text was repaired (lone surrogate escapes).
    """

    rows_read: int = 0
    rows_unreadable: int = 0
    lines_blank: int = 0
    rows_repaired: int = 0

    def add(self, other: ReadCounts) -> None:
        self.rows_read += other.rows_read
        self.rows_unreadable += other.rows_unreadable
        self.lines_blank += other.lines_blank
        self.rows_repaired += other.rows_repaired


class Source(ABC):
    """A place hook events come from.

    ``name`` is what users see and what lands in ``raw.hook_events._source`` and the batch
    log; it never contains a password. ``attach`` runs before the warehouse transaction
    opens (DuckDB cannot ATTACH inside one); ``load`` runs inside it and writes only
    through :mod:`runner.sources.conform` (which conforms and deduplicates), so a failure
    rolls it all back.
    """

    name: str
    #: What one record is called in the run's accounting ("lines" of a file, "rows").
    unit: str = "rows"

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:  # noqa: B027 - optional hook
        """Connect whatever the source needs to the warehouse connection."""

    @abstractmethod
    def load(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> ReadCounts:
        """Insert the source's new records into raw.hook_events; return what was read."""
