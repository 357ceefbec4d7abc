"""What to generate, and the version that says when the same options give other events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Changes whenever the same options would give other events (a cache of generated files,
#: such as the benchmark's, keys on it).
GENERATOR_VERSION = "2026-12-heterogeneous-sessions"
SHAPES = ("table", "claude")
FORMATS = (".jsonl", ".parquet")


@dataclass(frozen=True)
class SampleOptions:
    """What to generate. ``end_date`` is the last day with events (UTC); ``days`` days
    end there. ``shape``: 'table' (hook_events rows) or 'claude' (Claude Code hook JSON)."""

    sessions: int = 200
    days: int = 3
    seed: int = 42
    end_date: dt.date = dt.date(2025, 1, 31)
    shape: str = "table"
    noise_only: bool = False
    bad_rows: bool = True
    destroy_order: bool = False
