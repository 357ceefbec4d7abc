"""Marts built by hand, without dbt: literal patterns in marts.pattern_classifications.

``write_mart`` creates the mart with the columns of its contract
(models/marts/pattern_classifications.yml, read by ``tests.support.contracts``), each
pattern its own family head unless it says otherwise, so the sync and the report are
tested without a dbt build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from tests.support.contracts import FAMILY_HEAD_DEFAULTS, mart_ddl


def pattern(
    pattern_id: str,
    tool_sequence: str,
    *,
    status: str = "pending",
    confidence: float = 0.97,
    occurrences: int = 40,
    savings: float = 120.5,
    context: str | None = "Runs the tests, reads the failure, edits the file.",
    sessions: int = 3,
    destructive: bool = False,
    family_head: bool = True,
) -> dict[str, Any]:
    """One mart row; columns the sync does not read get plausible values."""
    return {
        "pattern_id": pattern_id,
        "tool_sequence": tool_sequence,
        "status": status,
        "confidence_score": confidence,
        "occurrence_count": occurrences,
        "estimated_savings_usd": savings,
        "pattern_context": context,
        "example_sessions": json.dumps([f"session-{i:02d}" for i in range(sessions)]),
        "is_destructive": destructive,
        "is_family_head": family_head,
    }


def write_mart(path: Path, patterns: list[dict[str, Any]]) -> Path:
    """(Re)create the warehouse file's mart with exactly these patterns."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(mart_ddl("pattern_classifications", FAMILY_HEAD_DEFAULTS))
        for p in patterns:
            con.execute(
                """
                insert into marts.pattern_classifications (
                    pattern_id, tool_sequence, pattern_length, run_date, window_start_at,
                    window_end_at, window_occurrence_count, window_session_count,
                    occurrence_count, session_count, avg_duration_ms, expected_count,
                    z_score, p_value, adjusted_p_value, confidence_score,
                    estimated_savings_usd, is_destructive, status, status_reason,
                    pattern_context, example_sessions, first_seen_at, last_seen_at,
                    is_family_head)
                values (?, ?, ?, date '2025-06-01', timestamp '2025-06-01',
                    timestamp '2025-06-02', ?, 2, ?, 3, 1500.0, 2.5, 4.2, 0.001, 0.002, ?, ?,
                    ?, ?, 'rule', ?, ?, timestamp '2025-05-01', timestamp '2025-06-01 12:00',
                    ?)
                """,
                [
                    p["pattern_id"],
                    p["tool_sequence"],
                    p["tool_sequence"].count("→") + 1,
                    p["occurrence_count"] // 2,
                    p["occurrence_count"],
                    p["confidence_score"],
                    p["estimated_savings_usd"],
                    p["is_destructive"],
                    p["status"],
                    p["pattern_context"],
                    p["example_sessions"],
                    p.get("is_family_head", True),
                ],
            )
    return path
