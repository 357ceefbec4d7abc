"""The destructive rules read what the shell runs: every labelled command of
tests/data/destructive_commands.csv goes through the real dbt model int_tool_calls_signed
on DuckDB, and every destructive case must be caught (with its category) and no harmless
case flagged.

Each case becomes one Bash call (a PreToolUse/PostToolUse pair in its own session) in a
JSONL file of the application's shape; `runner ingest` loads it and dbt builds the models
up to int_tool_calls_signed. tests/test_spark_equality.py feeds the same events to Spark
(case_event_lines) and checks the same flags there.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
CASES_FILE = PROJECT_DIR / "tests" / "data" / "destructive_commands.csv"
DBT = PROJECT_DIR / ".venv" / "bin" / "dbt"
SELECTION = [
    "stg_raw__hook_events",
    "int_tool_calls_paired",
    "int_tool_calls_signed",
    "tool_signature_rules",
    "destructive_rules",
]
SESSION_PREFIX = "destructive-case-"


def load_cases() -> list[dict[str, str]]:
    with CASES_FILE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def case_event_lines(cases: list[dict[str, str]], day: str) -> list[str]:
    """One Bash call per case, in a session of its own (`destructive-case-<case_id>`), as
    JSONL lines of the application's hook_events shape, on `day` (YYYY-MM-DD)."""
    start = datetime.fromisoformat(f"{day} 09:00:00")
    lines = []
    for number, case in enumerate(cases):
        session_id = SESSION_PREFIX + case["case_id"]
        at = start + timedelta(seconds=10 * number)
        for offset, event_type in enumerate(("PreToolUse", "PostToolUse")):
            payload: dict[str, object] = {
                "tool_name": "Bash",
                "session_id": session_id,
                "context": {"cwd": "/repo"},
            }
            if event_type == "PreToolUse":
                payload["tool_input"] = {"command": case["command"]}
            else:
                payload.update({"tool_result": "", "duration_ms": 0, "success": True})
            timestamp = (at + timedelta(seconds=offset)).strftime("%Y-%m-%d %H:%M:%S.%f")
            lines.append(
                json.dumps(
                    {
                        "event_id": f"evt-{session_id}-{offset}",
                        "event_type": event_type,
                        "source_app": "tests",
                        "session_id": session_id,
                        "workflow_id": None,
                        "timestamp": timestamp,
                        "payload": json.dumps(payload),
                        "tool_name": "Bash",
                        "chat_history": None,
                        "processed": 0,
                        "processed_at": None,
                        "created_at": timestamp,
                    }
                )
            )
    return lines


def case_failures(
    cases: list[dict[str, str]], flags: dict[str, tuple[bool, str | None, str | None]]
) -> list[str]:
    """One line per case the model got wrong: a missed destructive command, a false
    alarm, a wrong category, or a case that did not reach the model at all."""
    failures = []
    for case in cases:
        name = f"{case['case_id']} `{case['command'].splitlines()[0][:70]}`"
        got = flags.get(SESSION_PREFIX + case["case_id"])
        if got is None:
            failures.append(f"{name}: no call in int_tool_calls_signed")
            continue
        is_destructive, rule_id, category = got
        if case["expected_destructive"] == "true":
            if not is_destructive:
                failures.append(f"{name}: missed (expected {case['expected_category']})")
            elif category != case["expected_category"]:
                failures.append(
                    f"{name}: flagged {category} by {rule_id}, expected {case['expected_category']}"
                )
        elif is_destructive:
            failures.append(f"{name}: false alarm by {rule_id}")
    return failures


def signed_flags(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, tuple]:
    rows = con.sql(
        f"""
        select session_id, is_destructive, destructive_rule_id, destructive_category
        from {relation}
        where session_id like '{SESSION_PREFIX}%'
        """
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_the_case_list_is_labelled() -> None:
    cases = load_cases()
    ids = [case["case_id"] for case in cases]
    assert len(ids) == len(set(ids))
    destructive = [c for c in cases if c["expected_destructive"] == "true"]
    harmless = [c for c in cases if c["expected_destructive"] == "false"]
    assert len(destructive) >= 25 and len(harmless) >= 25
    assert len(destructive) + len(harmless) == len(cases)
    assert all(c["expected_category"] for c in destructive)
    assert not any(c["expected_category"] for c in harmless)
    assert all(c["why"].strip() for c in cases)


@pytest.fixture(scope="module")
def case_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("destructive")
    events = tmp / "cases.jsonl"
    events.write_text("\n".join(case_event_lines(load_cases(), "2026-03-10")) + "\n")
    warehouse = tmp / "wh.duckdb"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNNER_WAREHOUSE": str(warehouse),
    }
    ingest = subprocess.run(
        [sys.executable, "-m", "runner.cli", "ingest", "--source", str(events)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    build = subprocess.run(
        [
            str(DBT), "build", "--project-dir", str(PROJECT_DIR),
            "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
            "--indirect-selection", "cautious", "--select", *SELECTION,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-2000:]
    return warehouse


def test_every_destructive_case_is_caught_and_no_harmless_one_flagged(
    case_warehouse: Path,
) -> None:
    cases = load_cases()
    with duckdb.connect(str(case_warehouse), read_only=True) as con:
        flags = signed_flags(con, "intermediate.int_tool_calls_signed")
    failures = case_failures(cases, flags)
    assert not failures, f"{len(failures)} of {len(cases)} cases wrong:\n" + "\n".join(failures)
