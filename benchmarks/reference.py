"""The reference miner: the pattern-counting job in straightforward, single-process Python.

It reads the same JSONL file as `runner ingest` (the generator's ``table`` shape: rows of
the application's hook_events table) and computes, for every tool sequence of 2 to 5
steps, the number of occurrences and the number of distinct sessions over all time —
what ``marts.fct_pattern_occurrences`` holds, grouped by ``tool_sequence``. It does its
own parsing and counting; only the Bash signature function is shared, with the
generator (``runner.sample.bash_signature``, fed the rules of the dbt seed
``tool_signature_rules.csv``, as tests/test_sample.py does).

The rules it applies are the ones of the dbt models that decide which calls are mined
and how (see benchmarks/README.md for the list):

1. a line must be a JSON object; its ``payload`` must be valid JSON;
2. an ``event_id`` seen on an earlier line is a duplicate (first line wins, whatever
   else is wrong with it), a missing one is invalid;
3. ``event_type`` must be a known hook event; only PreToolUse/PostToolUse are used;
4. session id and tool name must be non-blank; the timestamp must parse and be no later
   than now + 5 minutes;
5. pairing: within (session, tool, tool_use_id) in (time, line, event_id) order, a Pre
   takes the event right after it when that is a Post; any other Post is a call alone;
6. a call's signature is its tool name, or for Bash ``Bash(program[ subcommand])``;
7. a session's calls, in (start, call id) order, split into segments where a call
   starts more than 30 minutes after the latest end of the earlier calls; consecutive
   calls with the same signature are one step; steps after the 5,000th are not mined;
8. every contiguous run of 2..5 steps in a segment is one occurrence of its sequence
   (steps joined by ``→``).

Run as a script it writes the counts to a JSON file and its own timing to stdout:

    python -m benchmarks.reference events.jsonl --out counts.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import paths
from runner.contracts import HOOK_EVENT_TYPES
from runner.sample.signatures import SignatureRule, bash_signature

KNOWN_EVENT_TYPES = frozenset(HOOK_EVENT_TYPES)
SEGMENT_GAP = dt.timedelta(minutes=30)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MIN_LENGTH, MAX_LENGTH = 2, 5
MAX_STEPS_PER_SEGMENT = 5000
ARROW = "→"

#: (occurrences, distinct sessions) per tool sequence.
Counts = dict[str, tuple[int, int]]


def seed_rules(seed: Path | None = None) -> dict[str, SignatureRule]:
    """The signature rules of the dbt seed, as runner.sample.bash_signature takes them."""
    seed = seed or paths.PROJECT_DIR / "seeds" / "tool_signature_rules.csv"
    with seed.open(newline="") as handle:
        return {
            row["program"]: SignatureRule(
                row["alias"] or None,
                row["keep_subcommand"].strip().lower() == "true",
                row["unwrap_regex"] or None,
                row.get("script_regex") or None,
            )
            for row in csv.DictReader(handle)
        }


def _text(value: Any) -> str | None:
    """A JSON value as DuckDB's json_extract_string gives it, blank-trimmed, '' -> None."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
    value = value.strip()
    return value or None


def _timestamp(value: Any) -> dt.datetime | None:
    """Naive UTC, or None when the text does not parse."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


@dataclass(slots=True)
class _Event:
    """One valid tool event: what pairing and sequencing need."""

    at: dt.datetime
    source: str
    line: int
    event_id: str
    is_pre: bool
    signature: str | None  # None: the event carries no tool_input


def _signature(tool: str, tool_input: Any, rules: dict[str, SignatureRule], cache: dict) -> str:
    if tool != "Bash":
        return tool
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if command is None:
        return "Bash"
    if not isinstance(command, str):
        command = json.dumps(command)
    signature = cache.get(command)
    if signature is None:
        signature = cache[command] = bash_signature(command, rules)
    return signature


def read_tool_events(
    files: Iterable[Path],
    *,
    now: dt.datetime | None = None,
    rules: dict[str, SignatureRule] | None = None,
) -> dict[tuple[str, str, str], list[_Event]]:
    """Valid Pre/Post events grouped by (session, tool, tool_use_id), rules 1-4."""
    rules = seed_rules() if rules is None else rules
    latest = (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)) + FUTURE_TOLERANCE
    seen_ids: set[str] = set()
    cache: dict[str, str] = {}
    groups: dict[tuple[str, str, str], list[_Event]] = {}
    for file in files:
        source = str(Path(file).resolve())
        with open(file, encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # blank or unreadable line: no event id, nothing to mine
                if not isinstance(row, dict):
                    continue
                event_id = _text(row.get("event_id"))
                if event_id is None or event_id in seen_ids:
                    continue
                seen_ids.add(event_id)
                event_type = _text(row.get("event_type"))
                if event_type not in ("PreToolUse", "PostToolUse"):
                    continue  # unknown types are quarantined, the other known ones unused
                payload_text = row.get("payload")
                if not isinstance(payload_text, str):
                    continue
                try:
                    payload = json.loads(payload_text)
                except ValueError:
                    continue
                session_id = _text(row.get("session_id"))
                at = _timestamp(row.get("timestamp"))
                if session_id is None or at is None or at > latest:
                    continue
                payload = payload if isinstance(payload, dict) else {}
                tool = _text(row.get("tool_name")) or _text(payload.get("tool_name"))
                if tool is None:
                    continue
                tool_input = payload.get("tool_input")
                signature = (
                    None if tool_input is None else _signature(tool, tool_input, rules, cache)
                )
                key = (session_id, tool, _text(payload.get("tool_use_id")) or "")
                groups.setdefault(key, []).append(
                    _Event(at, source, line_no, event_id, event_type == "PreToolUse", signature)
                )
    return groups


def pair_calls(
    groups: Mapping[tuple[str, str, str], list[_Event]],
) -> dict[str, list[tuple[dt.datetime, str, dt.datetime, str]]]:
    """Rules 5-6: per session, calls as (started_at, call id, last activity, signature)."""
    sessions: dict[str, list[tuple[dt.datetime, str, dt.datetime, str]]] = {}
    for (session_id, tool, _use_id), events in groups.items():
        events.sort(key=lambda e: (e.at, e.source, e.line, e.event_id))
        default = "Bash" if tool == "Bash" else tool
        calls = sessions.setdefault(session_id, [])
        i = 0
        while i < len(events):
            event = events[i]
            after = events[i + 1] if i + 1 < len(events) else None
            if event.is_pre and after is not None and not after.is_pre:
                signature = event.signature or after.signature or default
                calls.append((event.at, event.event_id, after.at, signature))
                i += 2
            else:  # a Pre without its Post, or a Post without its Pre
                calls.append((event.at, event.event_id, event.at, event.signature or default))
                i += 1
    return sessions


def count_patterns(
    sessions: Mapping[str, list[tuple[dt.datetime, str, dt.datetime, str]]],
) -> Counts:
    """Rules 7-8: segment, collapse, cap, and count n-grams with their distinct sessions."""
    occurrences: dict[str, int] = {}
    session_count: dict[str, int] = {}
    last_session: dict[str, str] = {}
    for session_id, calls in sessions.items():
        calls.sort(key=lambda c: (c[0], c[1]))
        segments: list[list[str]] = []
        latest_end: dt.datetime | None = None
        for started, _call_id, ended, signature in calls:
            if latest_end is None or started > latest_end + SEGMENT_GAP:
                segments.append([])
            steps = segments[-1]
            if not steps or steps[-1] != signature:
                steps.append(signature)
            latest_end = ended if latest_end is None or ended > latest_end else latest_end
        for steps in segments:
            steps = steps[:MAX_STEPS_PER_SEGMENT]
            for length in range(MIN_LENGTH, MAX_LENGTH + 1):
                for start in range(len(steps) - length + 1):
                    sequence = ARROW.join(steps[start : start + length])
                    occurrences[sequence] = occurrences.get(sequence, 0) + 1
                    if last_session.get(sequence) != session_id:
                        last_session[sequence] = session_id
                        session_count[sequence] = session_count.get(sequence, 0) + 1
    return {seq: (n, session_count[seq]) for seq, n in occurrences.items()}


def mine(files: Iterable[Path], *, now: dt.datetime | None = None) -> Counts:
    """The whole reference job: parse, validate, pair, sign, sequence and count."""
    return count_patterns(pair_calls(read_tool_events(files, now=now)))


# --- the count-equality check -------------------------------------------------------
PIPELINE_COUNTS_SQL = """
    select tool_sequence, count(*), count(distinct session_id)
    from marts.fct_pattern_occurrences
    group by tool_sequence
"""


@dataclass
class Comparison:
    """Per-pattern (occurrences, sessions) of two miners, and where they differ."""

    left_name: str
    right_name: str
    left_patterns: int
    right_patterns: int
    left_occurrences: int
    right_occurrences: int
    mismatches: list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]]

    @property
    def equal(self) -> bool:
        return not self.mismatches

    def describe(self, limit: int = 10) -> str:
        head = (
            f"{self.left_name}: {self.left_patterns:,} patterns, "
            f"{self.left_occurrences:,} occurrences; {self.right_name}: "
            f"{self.right_patterns:,} patterns, {self.right_occurrences:,} occurrences"
        )
        if self.equal:
            return f"EQUAL  {head}"
        lines = [f"DIFFERENT  {head}; {len(self.mismatches):,} patterns differ, e.g.:"]
        for seq, left, right in self.mismatches[:limit]:
            lines.append(f"    {seq}: {self.left_name} {left} vs {self.right_name} {right}")
        return "\n".join(lines)

    def as_json(self, limit: int = 20) -> dict[str, Any]:
        return {
            "equal": self.equal,
            self.left_name: {"patterns": self.left_patterns, "occurrences": self.left_occurrences},
            self.right_name: {
                "patterns": self.right_patterns,
                "occurrences": self.right_occurrences,
            },
            "mismatching_patterns": len(self.mismatches),
            "examples": [
                {"tool_sequence": s, self.left_name: a, self.right_name: b}
                for s, a, b in self.mismatches[:limit]
            ],
        }


def compare_counts(
    left: Mapping[str, tuple[int, int]],
    right: Mapping[str, tuple[int, int]],
    names: tuple[str, str] = ("pipeline", "reference"),
) -> Comparison:
    """Every pattern whose (occurrences, sessions) differ, or that only one side has."""
    mismatches = [
        (seq, left.get(seq), right.get(seq))
        for seq in sorted(set(left) | set(right))
        if left.get(seq) != right.get(seq)
    ]
    mismatches.sort(key=lambda m: -max((m[1] or (0, 0))[0], (m[2] or (0, 0))[0]))
    return Comparison(
        names[0],
        names[1],
        len(left),
        len(right),
        sum(n for n, _ in left.values()),
        sum(n for n, _ in right.values()),
        mismatches,
    )


def pipeline_counts(warehouse: Path) -> Counts:
    """(occurrences, distinct sessions) per tool sequence in the built warehouse."""
    from runner import warehouse as warehouse_db

    with warehouse_db.connect(warehouse, read_only=True) as con:
        rows = con.execute(PIPELINE_COUNTS_SQL).fetchall()
    return {seq: (int(n), int(s)) for seq, n, s in rows}


def write_counts(counts: Mapping[str, tuple[int, int]], out: Path) -> None:
    out.write_text(json.dumps({seq: list(v) for seq, v in counts.items()}))


def read_counts(path: Path) -> Counts:
    return {seq: (int(v[0]), int(v[1])) for seq, v in json.loads(path.read_text()).items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="JSONL files, in load order")
    parser.add_argument("--out", type=Path, required=True, help="counts as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = mine(args.files)
    seconds = time.perf_counter() - started
    write_counts(counts, args.out)
    json.dump({"seconds": seconds, "patterns": len(counts)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
