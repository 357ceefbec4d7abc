"""Every source line or row is accounted for, and damage never costs the good events.

A JSONL file's `read` is its number of lines, and read = new events + unreadable lines
(kept with ``_load_error``, quarantined) + already loaded + blank lines. Lines that
cannot be decoded (NUL bytes, invalid UTF-8, longer than the limit) are kept one by one;
good but unusual text (lone surrogate escapes, CRLF, a BOM, Windows paths) is kept as a
good event, repaired where DuckDB could not read it, and the repairs are counted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.ingest import ingest_source
from runner.sample import SampleOptions, generate_sample
from runner.sources import files

RUN_DATE = "2026-11-22"
ACCOUNTING = re.compile(
    r"read (?P<read>\d+) (?:lines|rows): inserted (?P<events>\d+) events \+ "
    r"(?P<unreadable>\d+) unreadable \(kept with _load_error\), "
    r"skipped (?P<already>\d+) already loaded(?:, (?P<blank>\d+) blank \(not stored\))?"
)
MART_COLUMNS = """
    pattern_id, tool_sequence, window_occurrence_count, window_session_count, occurrence_count,
    session_count, round(avg_duration_ms, 6), expected_count, confidence_score,
    estimated_savings_usd, is_destructive, destructive_rule_id, status, status_reason,
    pattern_context, example_sessions, is_family_head, family_head_pattern_id
"""
OCCURRENCE_COLUMNS = """
    occurrence_id, pattern_id, tool_sequence, session_id, segment_id, start_step_index,
    started_at, ended_at, duration_ms, is_destructive, destructive_rule_id
"""


def accounting(output: str) -> dict[str, int]:
    match = ACCOUNTING.search(" ".join(output.split()))  # the console wraps long lines
    assert match, output
    return {key: int(value or 0) for key, value in match.groupdict().items()}


def record(n: int, payload: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": n,
        "event_id": f"odd-{n:04d}",
        "event_type": "PreToolUse",
        "source_app": "unknown",
        "session_id": f"0dd00000-0000-4000-8000-{n:012d}",
        "workflow_id": None,
        "timestamp": "2026-11-22 10:00:00.000000",
        "payload": payload,
        "tool_name": "Read",
        "chat_history": None,
    }
    row.update(overrides)
    return row


def line(row: dict[str, Any]) -> bytes:
    return json.dumps(row).encode() + b"\n"


def build(cli: CliRunner, source: Path, warehouse: Path) -> str:
    ingested = cli.invoke(app, ["ingest", "--source", str(source), "--warehouse", str(warehouse)])
    assert ingested.exit_code == 0, ingested.output
    built = cli.invoke(app, ["build", "--run-date", RUN_DATE, "--warehouse", str(warehouse)])
    assert built.exit_code == 0, built.output
    return ingested.output


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.mark.slow
def test_damaged_lines_give_the_marts_of_the_good_lines_alone(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    generate_sample(
        good,
        SampleOptions(sessions=25, days=1, seed=21, end_date=dt.date(2026, 11, 22), bad_rows=False),
    )
    good_lines = good.read_bytes().splitlines(keepends=True)
    truncated = line(record(1, "{}"))[:60] + b"\n"
    huge = line(record(2, json.dumps({"content": "x" * (20 * 1024 * 1024)})))
    damaged: list[tuple[bytes, str | None, str]] = [
        # (line, quarantine reason or None for blank, what the load error says)
        (b'{"event_id": "nul-1", "payload": "a\x00b"}\n', "invalid_json", "NUL byte"),
        (b"\x00\x00\x00\x00\x00\x00\x00\x00\n", "invalid_json", "NUL byte"),
        (b'{"event_id": "utf-1", "payload": "caf\xe9 \xff\xfe"}\n', "invalid_json", "UTF-8"),
        (truncated, "invalid_json", "truncated"),
        (b"[1, 2, 3]\n", "invalid_json", "expected an object"),
        (line(record(3, "[1, 2, 3]")), "payload_not_object", ""),
        (line(record(4, '"text"')), "payload_not_object", ""),
        (line(record(5, "42")), "payload_not_object", ""),
        (huge, "invalid_json", "longer than"),
        (b"\n", None, ""),
        (b"   \n", None, ""),
    ]
    mixed = tmp_path / "mixed.jsonl"
    expected: dict[int, tuple[str, str]] = {}
    every = len(good_lines) // (len(damaged) + 1)
    with mixed.open("wb") as out:
        number = 0
        for index, text in enumerate(good_lines):
            if index and index % every == 0 and index // every <= len(damaged):
                bad, reason, error = damaged[index // every - 1]
                number += 1
                out.write(bad)
                if reason is not None:
                    expected[number] = (reason, error)
            number += 1
            out.write(text)
    lines_in_file = number
    cli = CliRunner()

    output = build(cli, mixed, tmp_path / "mixed.duckdb")
    build(cli, good, tmp_path / "good.duckdb")

    counts = accounting(output)
    assert counts["read"] == lines_in_file
    assert counts["blank"] == 2
    assert counts["unreadable"] == 6
    assert counts["already"] == 0
    assert counts["events"] + counts["unreadable"] + counts["blank"] == lines_in_file
    classified = f"select {MART_COLUMNS} from marts.pattern_classifications order by pattern_id"
    occurrences = f"select {OCCURRENCE_COLUMNS} from marts.fct_pattern_occurrences order by 1"
    good_marts = query(tmp_path / "good.duckdb", classified)
    assert len(good_marts) > 20
    assert query(tmp_path / "mixed.duckdb", classified) == good_marts
    assert query(tmp_path / "mixed.duckdb", occurrences) == query(
        tmp_path / "good.duckdb", occurrences
    )
    quarantined = query(
        tmp_path / "mixed.duckdb",
        "select source_line, quarantine_reason, coalesce(load_error, '') "
        "from marts.quarantined_events order by source_line",
    )
    assert [row[:2] for row in quarantined] == [(n, r) for n, (r, _) in sorted(expected.items())]
    for (number, _, load_error), (_, error) in zip(
        quarantined, (expected[n] for n in sorted(expected)), strict=True
    ):
        assert error in load_error, (number, load_error)


def test_good_but_unusual_lines_are_kept_and_their_repairs_counted(cli: Any, workdir: Path) -> None:
    windows_read = json.dumps(
        {
            "tool_name": "Read",
            "tool_input": {"file_path": "C:\\Users\\dev\\ud800\\notes.md"},
            "tool_result": {"content": "Caf\u00c3\udc9d and \ud83d\ude00"},
        },
        ensure_ascii=True,
    )
    assert "\\udc9d" in windows_read and "\\\\ud800" in windows_read
    claude_bash = (
        '{"hook_event_name": "PostToolUse", "session_id": "0dd00000-0000-4000-8000-00000000c1a0", '
        '"tool_name": "Bash", "tool_use_id": "toolu_01", "cwd": "C:\\\\repo", '
        '"tool_input": {"command": "dir C:\\\\Users"}, '
        '"tool_response": {"stdout": "\\ud83d x \\uDC9D \\ud800\\udc00"}}'
    )
    source = workdir / "unusual.jsonl"
    source.write_bytes(
        b"\xef\xbb\xbf"
        + line(record(1, json.dumps({"tool_name": "Read", "tool_input": {"file_path": "a"}})))
        + line(record(2, windows_read)).replace(b"\n", b"\r\n")
        + claude_bash.encode()
        + b"\r\n"
        + line(record(3, json.dumps({"tool_name": "Bash", "tool_input": {"command": "ls"}})))
    )

    result = cli.invoke(app, ["ingest", "--source", str(source), "--warehouse", "w.duckdb"])

    assert result.exit_code == 0, result.output
    counts = accounting(result.output)
    assert (counts["read"], counts["events"], counts["unreadable"]) == (4, 4, 0)
    assert "repaired 2 events" in " ".join(result.output.split())
    rows = query(
        workdir / "w.duckdb",
        "select _source_line, _load_error, json_valid(payload), json_type(payload), payload "
        "from raw.hook_events order by _source_line",
    )
    assert [row[:4] for row in rows] == [(n, None, True, "OBJECT") for n in (1, 2, 3, 4)]
    repaired_read, repaired_bash = rows[1][4], rows[2][4]
    assert "\\ufffd" in repaired_read and "\\udc9d" not in repaired_read
    assert "\\\\ud800" in repaired_read  # a Windows path's backslash, not an escape
    assert "\\ud83d\\ude00" in repaired_read  # a valid pair stays
    assert "\\ufffd x \\ufffd \\ud800\\udc00" in json.dumps(json.loads(repaired_bash))
    again = cli.invoke(app, ["ingest", "--source", str(source), "--warehouse", "w.duckdb"])
    assert accounting(again.output)["already"] == 4


def test_lines_over_the_limit_are_kept_even_when_longer_than_a_piece(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line longer than a whole piece is read past, not into memory, and kept unreadable."""
    monkeypatch.setattr(files, "PIECE_BYTES", 1024)
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 2048)
    source = workdir / "long.jsonl"
    source.write_bytes(
        line(record(1, "{}"))
        + line(record(2, json.dumps({"x": "y" * 5000})))
        + line(record(3, json.dumps({"x": "y" * 1500})))
        + b"{"
        + b"z" * 9000  # no newline at the end of the file
    )

    summary = ingest_source(str(source), workdir / "w.duckdb")

    assert (summary.rows_read, summary.rows_inserted, summary.rows_unreadable) == (4, 4, 2)
    rows = query(
        workdir / "w.duckdb",
        "select _source_line, _load_error from raw.hook_events order by _source_line",
    )
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    assert rows[0][1] is None and rows[2][1] is None
    assert "longer than 2048 bytes" in rows[1][1] and "longer than 2048 bytes" in rows[3][1]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_database_sources_account_for_every_row(
    cli: Any, workdir: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    """read = inserted + unreadable + already loaded, printed; the repairs are counted."""
    from tests.test_ingest_databases import event, pg_db, sqlite_db

    events = [event(n) for n in range(1, 7)]
    events[4]["payload"] = json.dumps({"tool_name": "Read", "tool_result": "Caf\u00c3\udc9d"})
    assert "\\udc9d" in events[4]["payload"]
    if kind == "sqlite":
        url = sqlite_db(workdir / "app.db", events)
    else:
        url = pg_db(request.getfixturevalue("pg_url"), events)
    warehouse = str(workdir / "w.duckdb")
    loaded_before = workdir / "export.jsonl"
    loaded_before.write_text("".join(json.dumps(e) + "\n" for e in events[:2]))
    cli.invoke(app, ["ingest", "--source", str(loaded_before), "--warehouse", warehouse])

    result = cli.invoke(app, ["ingest", "--source", url, "--warehouse", warehouse])

    assert result.exit_code == 0, result.output
    counts = accounting(result.output)
    assert (counts["read"], counts["events"], counts["unreadable"], counts["already"]) == (
        6,
        4,
        0,
        2,
    )
    assert "repaired 1 event " in " ".join(result.output.split())
    rows = query(workdir / "w.duckdb", "select bool_and(json_valid(payload)) from raw.hook_events")
    assert rows == [(True,)]
