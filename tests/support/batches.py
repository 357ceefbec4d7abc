"""Two deliveries of one generated sample, for the tests of incremental builds."""

from __future__ import annotations

import json
from pathlib import Path


def split_in_two_batches(events: Path, run_date: str) -> tuple[list[str], list[str]]:
    """First delivery: most events before `run_date`. Second: the rest, which continues
    sessions of the first and starts new ones. Unreadable lines go to the second."""
    first, second = [], []
    for number, line in enumerate(events.read_text().splitlines()):
        early = event_day(line) < run_date
        (first if early and number % 9 else second).append(line)
    return first, second


def event_day(line: str) -> str:
    """The YYYY-MM-DD of a JSONL event line's timestamp; "" when it has none or the line
    is not JSON."""
    try:
        return str(json.loads(line).get("timestamp") or "")[:10]
    except json.JSONDecodeError:
        return ""


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path
