"""`runner ingest` from files: JSONL (table shape and Claude Code shape) and Parquet.

Every test builds its own small files and a fresh DuckDB warehouse, then inspects
raw.hook_events and the runner.* bookkeeping tables directly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runner.cli import app
from runner.errors import RunnerError
from runner.ingest import ingest_source
from runner.sample import SampleOptions, generate_sample
from runner.sources import files
from runner.sources.conform import CONTENT_COLUMNS, prepare_warehouse

CONTENT = ", ".join(f'"{c}"' for c in CONTENT_COLUMNS)


def event(n: int, **overrides: Any) -> dict[str, Any]:
    """One hook_events row as the application exports it (payload is JSON text)."""
    record: dict[str, Any] = {
        "id": n,
        "event_id": f"evt-{n:04d}",
        "event_type": "PreToolUse",
        "source_app": "unknown",
        "session_id": "5b0c1f2e-0000-4000-8000-000000000001",
        "workflow_id": None,
        "timestamp": f"2025-03-01 10:00:{n % 60:02d}.250000",
        "payload": json.dumps({"tool_name": "Bash", "tool_input": {"command": f"echo {n} é"}}),
        "tool_name": "Bash",
        "chat_history": None,
        "processed": 0,
        "processed_at": None,
        "created_at": "2025-03-01 10:00:00",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, lines: list[dict[str, Any] | str], mode: str = "w") -> Path:
    """Write records (dicts → json.dumps) and raw strings (written as given) as lines."""
    with path.open(mode, encoding="utf-8") as handle:
        for line in lines:
            handle.write((json.dumps(line) if isinstance(line, dict) else line) + "\n")
    return path


def raw_rows(warehouse: Path, columns: str = "*", where: str = "true") -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select {columns} from raw.hook_events where {where} order by _source, _source_line"
        ).fetchall()


def count_rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select count(*) from raw.hook_events").fetchone()
    return int(row[0]) if row else 0


def batch_log(warehouse: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select source, rows_read, rows_inserted, rows_skipped, rows_unreadable "
            "from runner.ingest_batches order by started_at"
        ).fetchall()


@pytest.fixture
def warehouse(workdir: Path) -> Path:
    return workdir / "data" / "warehouse.duckdb"


def run_cli(cli: Any, source: str, warehouse: Path) -> Any:
    return cli.invoke(app, ["ingest", "--source", source, "--warehouse", str(warehouse)])


def test_reingesting_the_same_file_adds_nothing(cli: Any, workdir: Path, warehouse: Path) -> None:
    source = write_jsonl(workdir / "events.jsonl", [event(n) for n in range(1, 6)])

    first = run_cli(cli, str(source), warehouse)
    second = run_cli(cli, str(source), warehouse)

    assert first.exit_code == 0, first.output
    assert "read 5 lines: inserted 5 events + 0 unreadable" in first.output
    assert second.exit_code == 0, second.output
    assert "skipped 5 already loaded" in " ".join(second.output.split())
    assert "read 5 lines: inserted 0 events" in second.output
    assert count_rows(warehouse) == 5
    assert [row[1:4] for row in batch_log(warehouse)] == [(5, 5, 0), (5, 0, 5)]


def test_appended_rows_land_and_nothing_else(workdir: Path, warehouse: Path) -> None:
    source = write_jsonl(workdir / "events.jsonl", [event(n) for n in range(1, 4)])
    ingest_source(str(source), warehouse)
    write_jsonl(source, [event(n) for n in range(4, 6)], mode="a")

    summary = ingest_source(str(source), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_skipped_duplicates) == (5, 2, 3)
    new_rows = raw_rows(warehouse, "event_id, _source_line", f"_batch_id = '{summary.batch_id}'")
    assert new_rows == [("evt-0004", 4), ("evt-0005", 5)]


def test_dedup_is_on_event_id_plus_content(workdir: Path, warehouse: Path) -> None:
    """A re-delivery is skipped; a known event_id with other content is kept for staging."""
    changed = event(1, payload=json.dumps({"tool_name": "Bash", "tool_input": {"command": "ls"}}))
    source = write_jsonl(workdir / "events.jsonl", [event(1), event(2), event(1), changed])

    summary = ingest_source(str(source), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_skipped_duplicates) == (4, 3, 1)
    rows = raw_rows(warehouse, "event_id, _source_line, _row_hash")
    assert [(r[0], r[1]) for r in rows] == [("evt-0001", 1), ("evt-0002", 2), ("evt-0001", 4)]
    assert rows[0][2] != rows[2][2]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_file_on_stored_records_skips_them_and_its_own_repeats(
    workdir: Path, warehouse: Path, line_end: str
) -> None:
    """Dedup after inserting: stored records and the file's later copies go, others stay.

    LF and CRLF files end the same.
    """
    ingest_source(str(write_jsonl(workdir / "first.jsonl", [event(1), event(2)])), warehouse)
    lines = [json.dumps(e) for e in (event(2), event(3), event(3), event(1), event(4))]
    source = workdir / "second.jsonl"
    source.write_bytes(("".join(line + line_end for line in lines)).encode())

    summary = ingest_source(str(source), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_skipped_duplicates) == (5, 2, 3)
    new_rows = raw_rows(warehouse, "event_id, _source_line", f"_batch_id = '{summary.batch_id}'")
    assert new_rows == [("evt-0003", 2), ("evt-0004", 5)]
    assert count_rows(warehouse) == 4


def test_unparseable_lines_are_kept_with_their_exact_line_numbers(
    workdir: Path, warehouse: Path
) -> None:
    truncated = json.dumps(event(3))[:40]
    source = write_jsonl(
        workdir / "events.jsonl",
        [event(1), "", "not json at all", "   ", event(2), truncated, "[1, 2]", event(4)],
    )

    summary = ingest_source(str(source), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_unreadable) == (8, 6, 3)
    assert summary.rows_blank == 2
    rows = raw_rows(warehouse, "_source_line, event_id, payload, _load_error, _source")
    assert [(r[0], r[1]) for r in rows] == [
        (1, "evt-0001"),
        (3, None),
        (5, "evt-0002"),
        (6, None),
        (7, None),
        (8, "evt-0004"),
    ]
    bad = {r[0]: (r[2], r[3]) for r in rows if r[3] is not None}
    assert bad[3] == ("not json at all", "invalid JSON: not a JSON document")
    assert bad[6] == (truncated, "invalid JSON: unterminated object (truncated line?)")
    assert bad[7] == ("[1, 2]", "invalid JSON: expected an object, got array")
    assert {r[4] for r in rows} == {str(source.resolve())}

    again = ingest_source(str(source), warehouse)
    assert (again.rows_inserted, again.rows_unreadable, again.rows_skipped_duplicates) == (0, 0, 6)


def test_identical_bad_lines_at_different_places_are_both_kept(
    workdir: Path, warehouse: Path
) -> None:
    source = write_jsonl(workdir / "events.jsonl", ["{oops", event(1), "{oops"])

    summary = ingest_source(str(source), warehouse)

    assert summary.rows_inserted == 3
    assert raw_rows(warehouse, "_source_line", "_load_error is not null") == [(1,), (3,)]


def test_unreadable_payload_is_truncated_and_long_valid_lines_load(
    workdir: Path, warehouse: Path
) -> None:
    """DuckDB's CSV reader caps lines at 2 MB by default; ingest lifts the cap."""
    big = event(1, payload=json.dumps({"content": "x" * 3_000_000}))
    source = write_jsonl(workdir / "events.jsonl", [big, "{" + "y" * 100_000])

    ingest_source(str(source), warehouse)

    lengths = raw_rows(warehouse, "length(payload), _load_error is null")
    assert lengths == [(len(big["payload"]), True), (65_536, False)]


def stored_timestamps(workdir: Path, warehouse: Path, stamps: list[str]) -> list[tuple[Any, ...]]:
    """Ingest one event per timestamp text; the stored texts, in line order."""
    source = write_jsonl(
        workdir / "events.jsonl", [event(n, timestamp=t) for n, t in enumerate(stamps, 1)]
    )
    ingest_source(str(source), warehouse)
    return raw_rows(warehouse, '"timestamp"')


def test_timestamps_are_canonical_utc_text(workdir: Path, warehouse: Path) -> None:
    stamps = [
        "2025-03-01T10:00:00Z",
        "2025-03-01 12:00:00+02:00",
        "2025-03-01T10:00:00.5",
        "yesterday-ish",
        # words DuckDB's cast reads as times (1970, year 9999, year 1): not times an
        # agent wrote, so kept as written for staging to quarantine
        "epoch",
        " Infinity ",
        "-infinity",
    ]

    assert stored_timestamps(workdir, warehouse, stamps) == [
        ("2025-03-01 10:00:00.000000",),
        ("2025-03-01 10:00:00.000000",),
        ("2025-03-01 10:00:00.500000",),
        ("yesterday-ish",),
        ("epoch",),
        (" Infinity ",),
        ("-infinity",),
    ]


def test_canonical_looking_timestamps_come_out_as_the_full_parse_gives_them(
    workdir: Path, warehouse: Path
) -> None:
    # Text already in the canonical form skips the timestamptz parse (conform.CANONICAL_TS).
    # Whatever the shortcut takes or leaves, the stored text must be what parsing and
    # formatting every value gives, dates that do not exist and edge hours included.
    stamps = [
        "2025-03-01 10:00:00.250000",
        "2024-02-29 23:59:59.999999",
        "2025-02-29 10:00:00.000000",  # no such day: kept as written
        "2025-04-31 10:00:00.000000",
        "2025-03-01 24:00:00.000000",
        "2025-03-01 23:59:60.000000",
        "0999-03-01 10:00:00.000000",
        "2025-03-01 10:00:00.25",
        "2025-03-01 10:00:00.2500001",
        "2025-03-01 10:00:00.250000+01:00",
        "2025-03-01T10:00:00.250000",
    ]

    stored = stored_timestamps(workdir, warehouse, stamps)

    with duckdb.connect() as con:  # the full parse alone: conform's own macro
        prepare_warehouse(con)
        parsed = con.execute(
            "select ingest_parsed_ts(v) from unnest($stamps) with ordinality as s(v, n) order by n",
            {"stamps": stamps},
        ).fetchall()
    assert stored == parsed
    assert parsed[0] == ("2025-03-01 10:00:00.250000",)
    assert parsed[2] == ("2025-02-29 10:00:00.000000",)
    assert parsed[9] == ("2025-03-01 09:00:00.250000",)


def test_glob_loads_several_files_in_one_batch(cli: Any, workdir: Path, warehouse: Path) -> None:
    folder = workdir / "exports"
    folder.mkdir()
    write_jsonl(folder / "day1.jsonl", [event(1), event(2)])
    write_jsonl(folder / "day2.jsonl", [event(2), event(3)])  # evt-0002 delivered twice

    result = run_cli(cli, str(folder / "*.jsonl"), warehouse)

    assert result.exit_code == 0, result.output
    assert "read 4 lines: inserted 3 events + 0 unreadable" in result.output
    assert "skipped 1 already loaded" in " ".join(result.output.split())
    rows = raw_rows(warehouse, "event_id, _source, _source_line, _batch_id")
    assert [(r[0], Path(r[1]).name, r[2]) for r in rows] == [
        ("evt-0001", "day1.jsonl", 1),
        ("evt-0002", "day1.jsonl", 2),
        ("evt-0003", "day2.jsonl", 2),
    ]
    assert len({r[3] for r in rows}) == 1


def test_a_file_a_glob_reaches_twice_is_read_once(cli: Any, workdir: Path, warehouse: Path) -> None:
    folder = workdir / "exports"
    folder.mkdir()
    write_jsonl(folder / "day1.jsonl", [event(1), "not json", event(2)])
    (folder / "latest.jsonl").symlink_to("day1.jsonl")  # the same file under a second name
    write_jsonl(folder / "day2.jsonl", [event(3)])

    result = run_cli(cli, str(folder / "*.jsonl"), warehouse)

    assert result.exit_code == 0, result.output
    assert "read 4 lines: inserted 3 events + 1 unreadable" in result.output
    assert batch_log(warehouse) == [(str(folder / "*.jsonl"), 4, 4, 0, 1)]
    rows = raw_rows(warehouse, "event_id, _source, _source_line")
    assert [(r[0], Path(r[1]).name, r[2]) for r in rows] == [
        ("evt-0001", "day1.jsonl", 1),
        (None, "day1.jsonl", 2),
        ("evt-0002", "day1.jsonl", 3),
        ("evt-0003", "day2.jsonl", 1),
    ]


def test_parquet_gives_the_same_raw_rows_as_jsonl(workdir: Path) -> None:
    records = [event(n) for n in range(1, 5)]
    jsonl = write_jsonl(workdir / "events.jsonl", records)
    # Typed columns, as a Parquet export would have them: integer id, real timestamps.
    schema = pa.schema(
        [
            (name, pa.int64() if name in {"id", "processed"} else pa.string())
            for name in records[0]
            if name != "timestamp"
        ]
        + [("timestamp", pa.timestamp("us"))]
    )
    rows = [{**r, "timestamp": dt.datetime.fromisoformat(r["timestamp"])} for r in records]
    table = pa.Table.from_pylist(rows, schema=schema)
    parquet = workdir / "events.parquet"
    pq.write_table(table, parquet)

    from_jsonl = ingest_source(str(jsonl), workdir / "a.duckdb")
    from_parquet = ingest_source(str(parquet), workdir / "b.duckdb")

    assert from_jsonl.rows_inserted == from_parquet.rows_inserted == 4
    columns = f"{CONTENT}, source_row_id, _source_line, _row_hash"
    assert raw_rows(workdir / "a.duckdb", columns) == raw_rows(workdir / "b.duckdb", columns)


def test_claude_code_hook_json_is_mapped_per_record(workdir: Path, warehouse: Path) -> None:
    pre = {
        "session_id": "sess-1",
        "transcript_path": "/home/dev/.claude/t.jsonl",
        "cwd": "/repo",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "pytest -q"},
        "tool_use_id": "toolu_01",
        "timestamp": "2025-03-01T10:00:00Z",
    }
    prompt = {"session_id": "sess-1", "hook_event_name": "UserPromptSubmit", "prompt": "hi"}
    prompt_line = json.dumps(prompt)
    source = write_jsonl(workdir / "claude.jsonl", [pre, prompt_line, event(9)])

    ingest_source(str(source), warehouse)

    rows = raw_rows(warehouse, "event_id, event_type, session_id, tool_name, payload, timestamp")
    assert rows[0] == (
        "toolu_01:PreToolUse",
        "PreToolUse",
        "sess-1",
        "Bash",
        json.dumps(pre),
        "2025-03-01 10:00:00.000000",
    )
    import hashlib

    assert rows[1][:3] == (
        "cc-" + hashlib.md5(prompt_line.encode()).hexdigest(),
        "UserPromptSubmit",
        "sess-1",
    )
    assert rows[1][4] == prompt_line
    assert rows[2][:2] == ("evt-0009", "PreToolUse")  # table shape in the same file


def test_binary_file_in_a_glob_fails_and_keeps_the_prior_state(
    cli: Any, workdir: Path, warehouse: Path
) -> None:
    folder = workdir / "exports"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [event(1)])
    assert run_cli(cli, str(folder / "a.jsonl"), warehouse).exit_code == 0
    write_jsonl(folder / "b.jsonl", [event(2), event(3)])
    (folder / "c.jsonl").write_bytes(os.urandom(64) + b"\x00" + os.urandom(2048))

    result = run_cli(cli, str(folder / "*.jsonl"), warehouse)

    assert result.exit_code == 1
    assert "c.jsonl is not JSON lines" in result.output
    assert raw_rows(warehouse, "event_id") == [("evt-0001",)]  # nothing from b.jsonl
    assert len(batch_log(warehouse)) == 1


@pytest.mark.parametrize("piece_bytes", [None, 1024], ids=["one-piece", "many-pieces"])
def test_invalid_utf8_deep_in_a_file_is_kept_as_one_unreadable_line(
    workdir: Path, warehouse: Path, piece_bytes: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sniff only sees the first KB; a bad line further in costs only itself.

    With small pieces the bad line comes after pieces the insert has already taken.
    """
    if piece_bytes:
        monkeypatch.setattr(files, "PIECE_BYTES", piece_bytes)
    good = write_jsonl(workdir / "a.jsonl", [event(1)])
    late_garbage = workdir / "b.jsonl"
    write_jsonl(late_garbage, [event(n) for n in range(2, 40)])
    with late_garbage.open("ab") as handle:
        handle.write(b'{"event_id": "\xff\xfe"}\n')

    summary = ingest_source(str(workdir / "*.jsonl"), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_unreadable) == (40, 40, 1)
    bad = raw_rows(
        warehouse, "_source, _source_line, payload, _load_error", "_load_error is not null"
    )
    assert bad == [
        (
            str(late_garbage.resolve()),
            39,
            '{"event_id": "\ufffd\ufffd"}',
            "unreadable line: invalid UTF-8",
        )
    ]
    assert good.exists()


def test_a_carriage_return_in_a_later_piece_is_a_line_end_like_any_other(
    workdir: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CRLF line in a later piece: the CR is whitespace, every line keeps its number."""
    monkeypatch.setattr(files, "PIECE_BYTES", 1024)  # about three lines a piece
    first = write_jsonl(workdir / "a.jsonl", [event(1)])
    second = workdir / "b.jsonl"
    lines = [json.dumps(event(n)) for n in range(2, 30)]
    second.write_bytes(("\n".join(lines[:-1]) + "\n" + lines[-1] + "\r\n").encode())
    assert second.stat().st_size > 8 * 1024

    summary = ingest_source(str(workdir / "*.jsonl"), warehouse)

    assert (summary.rows_read, summary.rows_inserted, summary.rows_unreadable) == (29, 29, 0)
    rows = raw_rows(warehouse, "_source, _source_line, event_id, _load_error")
    assert rows == [(str(first.resolve()), 1, "evt-0001", None)] + [
        (str(second.resolve()), n - 1, f"evt-{n:04d}", None) for n in range(2, 30)
    ]


@pytest.mark.parametrize("name", ["events.parquet", "events.jsonl"])
def test_random_bytes_are_refused(cli: Any, workdir: Path, warehouse: Path, name: str) -> None:
    (workdir / name).write_bytes(b"\x89\x00\x13garbage" + os.urandom(512))

    result = run_cli(cli, str(workdir / name), warehouse)

    assert result.exit_code == 1
    assert name in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.jsonl", "matches no files"),
        ("nowhere/*.jsonl", "matches no files"),
        ("mysql://user:hunter2@db/app", "unknown source scheme 'mysql://'"),
    ],
)
def test_bad_sources_exit_1_with_one_clear_message(
    cli: Any, workdir: Path, warehouse: Path, source: str, message: str
) -> None:
    result = run_cli(cli, source, warehouse)

    assert result.exit_code == 1
    assert message in result.output
    assert "hunter2" not in result.output
    assert not warehouse.exists()


def test_a_file_that_is_not_jsonl_or_parquet_by_name_is_refused(
    workdir: Path, warehouse: Path
) -> None:
    (workdir / "events.csv").write_text("a,b\n")

    with pytest.raises(RunnerError, match=r"neither \.jsonl nor \.parquet"):
        ingest_source(str(workdir / "events.csv"), warehouse)


def test_an_empty_file_is_a_normal_run(cli: Any, workdir: Path, warehouse: Path) -> None:
    (workdir / "empty.jsonl").write_text("")

    result = run_cli(cli, str(workdir / "empty.jsonl"), warehouse)

    assert result.exit_code == 0, result.output
    assert "read 0 lines: inserted 0 events" in result.output
    assert count_rows(warehouse) == 0
    assert batch_log(warehouse)[0][1:] == (0, 0, 0, 0)


def test_the_long_text_columns_are_stored_with_fsst(workdir: Path, warehouse: Path) -> None:
    """The raw table names FSST for its long, high-cardinality text columns: DuckDB then
    skips trying every string compression on each segment (about 0.5 s per 1M events of
    ingest, docs/ingest.md), and stores them as it would have chosen anyway. The short,
    repetitive ones (session_id, event_type) are left to DuckDB, which picks dictionaries."""
    source = workdir / "events.jsonl"
    generate_sample(source, SampleOptions(sessions=20, days=1, seed=3))
    ingest_source(str(source), warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = dict(
            con.execute(
                "select column_name, list(distinct compression order by compression)"
                " from pragma_storage_info('raw.hook_events')"
                " where segment_type = 'VARCHAR' group by column_name"
            ).fetchall()
        )
    for column in ("event_id", "timestamp", "payload", "created_at", "_row_hash"):
        assert stored[column] == ["FSST"], (column, stored[column])
    assert stored["session_id"] == ["Dictionary"]
