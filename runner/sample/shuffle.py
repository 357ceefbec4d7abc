"""Destroying the order of an existing file (`runner shuffle-sessions`), generated or real."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.markup import escape

from runner.errors import RunnerError
from runner.sample.json_text import encode, escape_surrogates
from runner.sample.options import FORMATS


@dataclass
class ShuffleSummary:
    path: Path
    records: int
    sessions: int
    calls_moved: int  # calls that took part in the permutation
    calls_kept: int  # tool events left where they were (unreadable, duplicate, …)

    def describe(self) -> str:
        return (
            f"[bold]wrote {self.records:,} records[/] to {escape(str(self.path))}: the tool "
            f"calls of {self.sessions:,} sessions permuted ({self.calls_moved:,} calls; "
            f"{self.calls_kept:,} unreadable or duplicate tool events left in place)"
        )


def _read_records(path: Path) -> tuple[list[Any], list[bytes]]:
    """The file's records (dicts; a JSONL line that is not a JSON object stays a str),
    and for JSONL the lines as they were written (without their newline)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(str(path)).to_pylist(), []
    records: list[Any] = []
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        records.append(value if isinstance(value, dict) else None)
    return records, lines


def shuffle_within_sessions(in_path: Path, out_path: Path, seed: int = 0) -> ShuffleSummary:
    """Destroy the order of the tool calls inside every session of a hook-events file.

    ``in_path`` is a .jsonl or .parquet file of either shape (hook_events rows or Claude
    Code hook JSON), generated or real; ``out_path`` gets the same format. What moves
    is a call's content: for rows, ``tool_name`` and ``payload``; for Claude Code JSON,
    ``tool_name``, ``tool_input``, ``tool_response`` and ``tool_use_id``. Everything
    else (ids, timestamps, other events, the order of the records) stays. A Pre is
    paired with the next Post of its session and tool (by ``tool_use_id`` when the
    records have it), and the calls of a session are permuted among slots of the same
    kind (both halves, Pre only, Post only): per session the same calls, the same
    timestamps, the same pairs, in another order. Records that staging would not read
    (not JSON, no session, no tool name, a bad or future timestamp, an event id seen
    before in the file) stay as they are. Deterministic per seed; the whole file is
    held in memory (a few million events are fine).
    """
    suffix = in_path.suffix.lower()
    if suffix not in FORMATS or out_path.suffix.lower() != suffix:
        raise RunnerError(
            f"cannot shuffle {in_path} into {out_path}",
            "give a .jsonl or .parquet input and an output of the same format",
        )
    try:
        records, lines = _read_records(in_path)
    except (OSError, ValueError) as exc:
        raise RunnerError(f"cannot read {in_path}: {exc}") from exc
    dicts = [r for r in records if isinstance(r, dict)]
    claude = bool(dicts) and "hook_event_name" in dicts[0]
    etype_key = "hook_event_name" if claude else "event_type"
    content = (
        ("tool_name", "tool_input", "tool_response", "tool_use_id")
        if claude
        else ("tool_name", "payload")
    )

    def key(record: dict[str, Any]) -> Any:
        if claude:
            return (record.get("tool_use_id"), record.get(etype_key))
        return record.get("event_id")

    seen: set[Any] = set()  # a repeated event id: the first record takes part, not the rest
    # Staging quarantines a timestamp in the future: such a record must not take part.
    latest = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    sessions: dict[str, list[tuple[dt.datetime, int]]] = {}
    kept = 0
    for i, record in enumerate(records):
        if not isinstance(record, dict) or record.get(etype_key) not in (
            "PreToolUse",
            "PostToolUse",
        ):
            continue
        session, tool = record.get("session_id"), record.get("tool_name")
        try:
            moment = dt.datetime.fromisoformat(str(record.get("timestamp")).removesuffix("Z"))
            if not claude:
                json.loads(record["payload"])
        except (TypeError, ValueError):
            moment = None
        if (
            not session
            or not tool
            or moment is None
            or moment.replace(tzinfo=None) > latest
            or key(record) in (None, (None, record.get(etype_key)))
            or key(record) in seen
        ):
            kept += 1
            continue
        seen.add(key(record))
        sessions.setdefault(str(session), []).append((moment.replace(tzinfo=None), i))

    moved = 0
    changed: set[int] = set()
    for session_id in sorted(sessions):
        events = sorted(sessions[session_id])
        slots: dict[str, list[list[int]]] = {"both": [], "pre": [], "post": []}
        # As int_tool_calls_paired: by tool_use_id when there is one, else a Pre and
        # the event right after it among the session's events of that tool, if a Post.
        open_pre: dict[Any, int] = {}  # the slot of the last event per key, if an open Pre
        halves: list[list[int]] = []
        for _, i in events:
            record = records[i]
            match = record.get("tool_use_id") if claude else None
            match = match or ("tool", record["tool_name"])
            slot_of_pre = open_pre.pop(match, None)
            if record[etype_key] == "PreToolUse":
                halves.append([i])
                open_pre[match] = len(halves) - 1
            elif slot_of_pre is not None:
                halves[slot_of_pre].append(i)
            else:
                halves.append([i])
        for slot in halves:
            kind = (
                "both"
                if len(slot) == 2
                else "pre"
                if records[slot[0]][etype_key] == "PreToolUse"
                else "post"
            )
            slots[kind].append(slot)
        rng = random.Random(f"shuffle:{seed}:{session_id}")
        for group in slots.values():
            contents = [[{c: records[i].get(c) for c in content} for i in slot] for slot in group]
            rng.shuffle(contents)
            for slot, values in zip(group, contents, strict=True):
                for i, value in zip(slot, values, strict=True):
                    records[i] = {**records[i], **value}
                    changed.add(i)
                moved += 1

    partial = out_path.with_name(f".{out_path.name}.partial")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pq.read_schema(str(in_path))
            pq.write_table(
                pa.Table.from_pylist(records, schema=schema), str(partial), compression="zstd"
            )
        else:
            with partial.open("wb") as handle:
                for i, line in enumerate(lines):  # untouched lines: byte for byte
                    if i in changed:
                        line = escape_surrogates(encode(records[i])).encode()
                    handle.write(line + b"\n")
        os.replace(partial, out_path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise RunnerError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
    return ShuffleSummary(out_path, len(records), len(sessions), moved, kept)
