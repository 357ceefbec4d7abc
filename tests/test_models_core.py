"""The core dbt layers, end to end: raw.hook_events → staging → pairing → signatures →
steps → fct_pattern_occurrences, plus quarantined_events.

Builds a real DuckDB file holding hand-written raw rows, runs `dbt build` on the core
models (their unit tests and data tests included) and checks concrete outputs.
Run this file directly (`python tests/test_models_core.py WAREHOUSE`) to write the
same raw data into a warehouse for a manual dbt run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from runner.sources.conform import RAW_TABLE_DDL

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = PROJECT_DIR / ".venv" / "bin" / "dbt"
CORE_SELECTION = [
    "stg_raw__hook_events",
    "int_tool_calls_paired",
    "int_tool_calls_signed",
    "int_tool_steps_sequenced",
    "fct_pattern_occurrences",
    "pattern_occurrence_calls",
    "quarantined_events",
    "tool_signature_rules",
    "destructive_rules",
    "test_type:singular,tag:core",
]

# The raw table exactly as `runner ingest` creates it.
RAW_DDL = RAW_TABLE_DDL

BASE = datetime(2026, 3, 10, 10, 0, 0)
SOURCE = "tests/core.jsonl"


class RawRows:
    """Collects raw.hook_events rows; times are minutes after BASE."""

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []
        self.counter = 0

    def add(
        self,
        event_type: str | None,
        session_id: str | None,
        minute: float,
        *,
        tool_name: str | None = None,
        payload: object = None,
        event_id: str | None = "auto",
        timestamp: str | None = None,
        tool_name_column: bool = True,
        load_error: str | None = None,
        batch: str = "batch-1",
    ) -> str | None:
        self.counter += 1
        if event_id == "auto":
            event_id = f"evt-{self.counter:04d}"
        if payload is None:
            payload = {"session_id": session_id, "tool_name": tool_name}
        payload_text = payload if isinstance(payload, str) else json.dumps(payload)
        if timestamp is None:
            timestamp = (BASE + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.rows.append(
            {
                "event_id": event_id,
                "event_type": event_type,
                "source_app": "tests",
                "session_id": session_id,
                "workflow_id": None,
                "timestamp": timestamp,
                "payload": payload_text,
                "tool_name": tool_name if tool_name_column else None,
                "chat_history": None,
                "source_row_id": self.counter,
                "processed": 0,
                "processed_at": None,
                "created_at": timestamp,
                "_source": SOURCE,
                "_source_line": self.counter,
                "_batch_id": batch,
                "_ingested_at": datetime(2026, 3, 11, 0, 0, 0)
                + timedelta(hours=1 if batch != "batch-1" else 0),
                "_row_hash": f"hash-{self.counter}",
                "_load_error": load_error,
            }
        )
        return event_id

    def call(
        self,
        session_id: str,
        minute: float,
        tool_name: str,
        tool_input: dict[str, object],
        *,
        seconds: float = 2.0,
        pre: bool = True,
        post: bool = True,
        success: bool = True,
    ) -> None:
        """An application-shaped Pre/Post pair (no tool_use_id)."""
        if pre:
            self.add(
                "PreToolUse",
                session_id,
                minute,
                tool_name=tool_name,
                payload={
                    "tool_name": tool_name,
                    "tool_input": tool_input,
                    "session_id": session_id,
                    "context": {"cwd": "/repo"},
                },
            )
        if post:
            self.add(
                "PostToolUse",
                session_id,
                minute + seconds / 60,
                tool_name=tool_name,
                payload={
                    "tool_name": tool_name,
                    "tool_result": {"output": "ok"},
                    "duration_ms": 0,
                    "session_id": session_id,
                    "success": success,
                    "context": {"cwd": "/repo"},
                },
            )


def build_raw_rows() -> list[dict[str, object]]:
    raw = RawRows()

    # s-clean: three Reads (one step once collapsed), then Edit → pytest twice; then
    # two idle hours and a git segment.
    for i, path in enumerate(["a.py", "b.py", "c.py"]):
        raw.call("s-clean", i, "Read", {"file_path": f"/repo/{path}"})
    raw.call(
        "s-clean", 3, "Edit", {"file_path": "/repo/a.py", "old_string": "x", "new_string": "y"}
    )
    raw.call("s-clean", 4, "Bash", {"command": "cd /repo && python -m pytest -q"}, seconds=30)
    raw.call("s-clean", 6, "Read", {"file_path": "/repo/d.py"})
    raw.call(
        "s-clean", 7, "Edit", {"file_path": "/repo/d.py", "old_string": "x", "new_string": "y"}
    )
    raw.call("s-clean", 8, "Bash", {"command": "FOO=1 /usr/bin/pytest -x tests/"}, seconds=30)
    raw.add("UserPromptSubmit", "s-clean", 9, payload={"session_id": "s-clean", "prompt": "go"})
    raw.call("s-clean", 130, "Bash", {"command": "git status"})
    raw.call("s-clean", 131, "Bash", {"command": 'git commit -m "fix: tests"'})

    # s-unpaired: a Pre with no Post, a clean Edit, a Post with no Pre.
    raw.call("s-unpaired", 0, "Read", {"file_path": "/repo/x.py"}, post=False)
    raw.call("s-unpaired", 1, "Edit", {"file_path": "/repo/x.py"})
    raw.call("s-unpaired", 2, "Bash", {"command": "ls"}, pre=False)

    # s-secret: secrets in commands, a destructive command, a write to .env
    raw.call(
        "s-secret",
        0,
        "Bash",
        {"command": "PGPASSWORD=hunter2 psql postgres://admin:s3cret@db/app -c 'select 1'"},
    )
    raw.call(
        "s-secret",
        1,
        "Bash",
        {"command": 'curl -H "Authorization: Bearer abcdef1234567890" https://api.example.com'},
    )
    raw.call("s-secret", 2, "Bash", {"command": "rm -rf build/"})
    raw.call("s-secret", 3, "Write", {"file_path": "/repo/.env", "content": "TOKEN=x"})

    # s-claude: Claude Code's own hook JSON, with tool_use_id and ISO timestamps.
    for n, (tool, tool_input) in enumerate(
        [("Read", {"file_path": "/repo/README.md"}), ("Bash", {"command": "git push --force"})]
    ):
        for hook in ("PreToolUse", "PostToolUse"):
            record: dict[str, object] = {
                "session_id": "s-claude",
                "transcript_path": "/tmp/t.jsonl",
                "cwd": "/repo",
                "hook_event_name": hook,
                "tool_name": tool,
                "tool_input": tool_input,
                "tool_use_id": f"toolu_{n}",
            }
            if hook == "PostToolUse":
                record["tool_response"] = {"stdout": "", "is_error": n == 1}
            second = n * 10 + (5 if hook == "PostToolUse" else 0)
            raw.add(
                hook,
                "s-claude",
                0,
                tool_name=tool,
                tool_name_column=False,
                payload=record,
                event_id=f"toolu_{n}:{hook}",
                timestamp=f"2026-03-10T12:00:{second:02d}+02:00",
            )

    # one row for each quarantine reason
    raw.add("PreToolUse", "s-bad", 0, payload="{not json", tool_name="Read")
    raw.add(
        "PreToolUse",
        "s-bad",
        0,
        payload='{"token": "abc"',
        tool_name="Read",
        load_error="Expecting value",
    )
    raw.add("PreToolUse", "s-bad", 0, tool_name="Read", event_id=None)
    raw.add("PreToolUse", "s-clean", 0, tool_name="Read", event_id="evt-0001", batch="batch-2")
    raw.add("Bogus", "s-bad", 0)
    raw.add("Stop", None, 0, payload={"reason": "done"})
    raw.add("Stop", "s-bad", 0, timestamp="yesterday")
    raw.add("Stop", "s-bad", 0, timestamp="2999-01-01 00:00:00")
    raw.add("PreToolUse", "s-bad", 0, payload={"session_id": "s-bad", "tool_input": {}})
    return raw.rows


def create_raw_table(warehouse: Path, rows: list[dict[str, object]]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop schema if exists raw cascade")
        con.execute(RAW_DDL)
        columns = list(rows[0])
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        con.executemany(
            f"insert into raw.hook_events ({quoted}) values ({placeholders})",
            [tuple(r[c] for c in columns) for r in rows],
        )


@pytest.fixture(scope="module")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("core")
    warehouse = tmp / "wh.duckdb"
    create_raw_table(warehouse, build_raw_rows())
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNNER_WAREHOUSE": str(warehouse),
    }
    result = subprocess.run(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
            "--threads",
            "4",
            "--indirect-selection",
            "cautious",
            "--select",
            *CORE_SELECTION,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return warehouse


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_quarantine_reason_is_caught_once(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        "select quarantine_reason, count(*) from marts.quarantined_events group by all order by 1",
    )
    assert rows == [
        ("duplicate_event_id", 1),
        ("future_timestamp", 1),
        ("invalid_json", 2),
        ("missing_event_id", 1),
        ("missing_session_id", 1),
        ("missing_tool_name", 1),
        ("unknown_event_type", 1),
        ("unparseable_timestamp", 1),
    ]
    # the first delivery of a duplicated event_id stays valid
    (valid,) = query(
        built_warehouse,
        "select quarantine_reason from staging.stg_raw__hook_events "
        "where event_id = 'evt-0001' and batch_id = 'batch-1'",
    )
    assert valid == (None,)


def test_valid_plus_quarantined_equals_raw(built_warehouse: Path) -> None:
    ((raw_count, valid, quarantined),) = query(
        built_warehouse,
        """
        select
            (select count(*) from raw.hook_events),
            (select count(*) from staging.stg_raw__hook_events where quarantine_reason is null),
            (select count(*) from marts.quarantined_events)
        """,
    )
    assert raw_count == len(build_raw_rows())
    assert valid + quarantined == raw_count


def test_the_views_read_from_a_copy_attached_under_another_name(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """The marts that are views name their tables by schema only, so they bind in the
    database they live in: a copied warehouse file, or one attached under another alias
    (`attach 'warehouse.duckdb' as other`), reads the same rows."""
    copy = tmp_path / "copied-warehouse.duckdb"
    shutil.copyfile(built_warehouse, copy)
    views = ("marts.quarantined_events", "marts.pattern_occurrence_calls")
    with duckdb.connect() as con:
        con.execute(f"attach '{copy}' as other (read_only)")
        for view in views:
            own = query(built_warehouse, f"select * from {view} order by all")
            assert own, view
            assert con.execute(f"select * from other.{view} order by all").fetchall() == own


def test_quarantined_payload_is_redacted(built_warehouse: Path) -> None:
    payloads = [
        r[0] for r in query(built_warehouse, "select raw_payload from marts.quarantined_events")
    ]
    assert '{"token": "***"' in payloads


def test_pairing_tolerates_missing_halves(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        """
        select tool_name, has_pre, has_post, duration_ms, is_success
        from intermediate.int_tool_calls_paired
        where session_id = 's-unpaired'
        order by started_at
        """,
    )
    assert rows == [
        ("Read", True, False, None, None),
        ("Edit", True, True, 2000.0, True),
        ("Bash", False, True, None, True),
    ]
    claude = query(
        built_warehouse,
        """
        select tool_name, tool_use_id, started_at, duration_ms, is_success
        from intermediate.int_tool_calls_paired
        where session_id = 's-claude'
        order by started_at
        """,
    )
    assert claude == [
        ("Read", "toolu_0", datetime(2026, 3, 10, 10, 0, 0), 5000.0, True),
        ("Bash", "toolu_1", datetime(2026, 3, 10, 10, 0, 10), 5000.0, False),
    ]


def test_signatures_and_redaction(built_warehouse: Path) -> None:
    rows = dict(
        query(
            built_warehouse,
            """
            select tool_call_id, tool_signature || ' | ' || coalesce(command, file_path, '')
            from intermediate.int_tool_calls_signed
            """,
        )
    )
    values = set(rows.values())
    assert "Bash(pytest) | cd /repo && python -m pytest -q" in values
    assert "Bash(pytest) | FOO=1 /usr/bin/pytest -x tests/" in values
    assert 'Bash(git commit) | git commit -m "fix: tests"' in values
    assert "Read | /repo/a.py" in values
    assert "Bash(psql) | PGPASSWORD=*** psql postgres://***@db/app -c 'select 1'" in values
    assert 'Bash(curl) | curl -H "Authorization: Bearer ***" https://api.example.com' in values
    assert not any("hunter2" in v or "s3cret" in v or "abcdef1234567890" in v for v in values)


def test_destructive_calls(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        """
        select tool_signature, destructive_rule_id, destructive_category
        from intermediate.int_tool_calls_signed
        where is_destructive
        order by started_at
        """,
    )
    assert rows == [
        ("Bash(git push)", "git_push_force", "git"),
        ("Bash(rm)", "fs_rm_recursive", "filesystem"),
        ("Write", "secrets_env_file", "secrets"),
    ]


def test_segments_and_collapsed_steps(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        """
        select segment_id, step_index, tool_signature, call_count
        from intermediate.int_tool_steps_sequenced
        where session_id = 's-clean'
        order by segment_id, step_index
        """,
    )
    assert rows == [
        ("s-clean#1", 1, "Read", 3),
        ("s-clean#1", 2, "Edit", 1),
        ("s-clean#1", 3, "Bash(pytest)", 1),
        ("s-clean#1", 4, "Read", 1),
        ("s-clean#1", 5, "Edit", 1),
        ("s-clean#1", 6, "Bash(pytest)", 1),
        ("s-clean#2", 1, "Bash(git status)", 1),
        ("s-clean#2", 2, "Bash(git commit)", 1),
    ]


def test_pattern_occurrences(built_warehouse: Path) -> None:
    counts = dict(
        query(
            built_warehouse,
            """
            select tool_sequence, count(*)
            from marts.fct_pattern_occurrences
            where session_id = 's-clean'
            group by all
            """,
        )
    )
    assert counts["Read→Edit→Bash(pytest)"] == 2
    assert counts["Read→Edit"] == 2
    assert counts["Bash(git status)→Bash(git commit)"] == 1
    # nothing spans the two-hour gap
    assert not any("Bash(pytest)→Bash(git" in s for s in counts)
    # 6 steps: 5+4+3+2 n-grams of length 2..5; 2 steps: 1
    assert sum(counts.values()) == 14 + 1

    ((pattern_id, call_ids, event_ids, duration),) = query(
        built_warehouse,
        """
        select occurrence.pattern_id, calls.tool_call_ids, calls.event_ids, occurrence.duration_ms
        from marts.fct_pattern_occurrences as occurrence
        inner join marts.pattern_occurrence_calls as calls using (occurrence_id)
        where occurrence.segment_id = 's-clean#1' and occurrence.start_step_index = 1
            and occurrence.pattern_length = 2
        """,
    )
    assert len(pattern_id) == 16
    assert len(call_ids) == 4  # three collapsed Reads and an Edit
    assert len(event_ids) == 8
    assert duration == 3 * 60_000 + 2_000  # first Read starts at 0, Edit ends at 3:02

    destructive = query(
        built_warehouse,
        """
        select occurrence.tool_sequence, occurrence.destructive_rule_id, calls.commands
        from marts.fct_pattern_occurrences as occurrence
        inner join marts.pattern_occurrence_calls as calls using (occurrence_id)
        where occurrence.session_id = 's-secret' and occurrence.pattern_length = 2
            and occurrence.is_destructive
        order by occurrence.start_step_index
        """,
    )
    assert destructive == [
        (
            "Bash(curl)→Bash(rm)",
            "fs_rm_recursive",
            ['curl -H "Authorization: Bearer ***" https://api.example.com', "rm -rf build/"],
        ),
        ("Bash(rm)→Write", "fs_rm_recursive", ["rm -rf build/", None]),
    ]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/core/wh.duckdb")
    target.parent.mkdir(parents=True, exist_ok=True)
    create_raw_table(target, build_raw_rows())
    print(f"wrote {len(build_raw_rows())} raw rows to {target}")
