"""pattern_classifications on a generated history: rules, numbers, vars and determinism.

Three days of generated sessions (a planted Read→Edit→Bash(pytest) motif, random noise,
a few destructive `git push --force`) are written as the upstream relations; dbt builds
the scoring nodes (models, unit tests and data tests). Every count, duration and saving
is recomputed in Python from the same rows.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.scoring import (
    DUCKDB_CONFIG,
    LOADED_AT,
    SCORING_NODES,
    build_scoring,
    build_whole_project,
    fetch,
    generate_steps,
    occurrences_from_steps,
    run_dbt,
    write_upstream,
)

DAYS = ["2026-01-01", "2026-01-02", "2026-01-03"]
RUN_DATE = "2026-01-02"
WINDOW_START = datetime(2026, 1, 2)
WINDOW_END = datetime(2026, 1, 3)
DEFAULTS = {
    "min_confidence": 0.99,
    "min_occurrences": 200,
    "min_savings": 5000,
    "reject_below": 0.95,
    "cost_per_hour": 100,
}
MART = "select * from marts.pattern_classifications order by pattern_id"


def expected_status(row: dict[str, Any], t: dict[str, float]) -> str:
    if row["is_destructive"]:
        return "auto-rejected"
    if (
        row["confidence_score"] > t["min_confidence"]
        and row["occurrence_count"] > t["min_occurrences"]
        and row["estimated_savings_usd"] > t["min_savings"]
    ):
        return "auto-approved"
    if row["confidence_score"] < t["reject_below"]:
        return "auto-rejected"
    return "pending"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classification")


@pytest.fixture(scope="module")
def steps() -> list:
    return generate_steps(seed=3, days=DAYS, sessions_per_day=45)


@pytest.fixture(scope="module")
def occurrences(steps: list) -> list[dict[str, Any]]:
    return occurrences_from_steps(steps)


@pytest.fixture(scope="module")
def history(
    work: Path, steps: list, occurrences: list[dict[str, Any]]
) -> tuple[Path, list[dict[str, Any]]]:
    """Warehouse with all three days; day 2 built with `dbt build` (models + all tests)."""
    warehouse = work / "history.duckdb"
    write_upstream(warehouse, steps, occurrences)
    run_dbt(
        warehouse,
        "build",
        ["--select", *SCORING_NODES, "--full-refresh"],
        {"hook_patterns_run_date": RUN_DATE},
        work,
    )
    return warehouse, fetch(warehouse, MART)


def test_statuses_follow_the_rules_in_order(history: tuple[Path, list[dict[str, Any]]]) -> None:
    _, rows = history
    assert len(rows) > 50
    statuses = defaultdict(int)
    for row in rows:
        status = expected_status(row, DEFAULTS)
        statuses[status] += 1
        assert row["status"] == status, row
        assert row["status_reason"].startswith(f"{status}: "), row["status_reason"]
        if row["is_destructive"]:
            assert row["status_reason"] == (
                "auto-rejected: destructive operation `git push --force origin main`"
                " (rule git_force_push)"
            )
            assert row["destructive_example"] == "git push --force origin main"
        elif status == "auto-rejected":
            assert "< 0.95" in row["status_reason"]
        elif status == "pending" and row["occurrence_count"] <= 200:
            assert (
                f"only {row['occurrence_count']:,} occurrences (needs > 200)"
                in row["status_reason"]
            )
        assert row["tool_sequence"].replace("→", " → ") in row["pattern_context"]
        assert row["status_reason"] in row["pattern_context"]
    assert statuses["pending"] and statuses["auto-rejected"]
    assert any(r["is_destructive"] for r in rows)


def test_numbers_match_the_occurrences(
    history: tuple[Path, list[dict[str, Any]]], occurrences: list[dict[str, Any]]
) -> None:
    _, rows = history
    by_pattern: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for occurrence in occurrences:
        if occurrence["started_at"] < WINDOW_END:
            by_pattern[occurrence["pattern_id"]].append(occurrence)
    in_windows = {
        pattern_id: [o for o in found if o["started_at"] >= WINDOW_START]
        for pattern_id, found in by_pattern.items()
    }
    candidates = {
        pattern_id
        for pattern_id, found in in_windows.items()
        if len(found) >= 2 and len({o["session_id"] for o in found}) >= 3
    }
    assert {r["pattern_id"] for r in rows} == candidates
    for row in rows:
        found = by_pattern[row["pattern_id"]]
        in_window = [o for o in found if o["started_at"] >= WINDOW_START]
        assert row["occurrence_count"] == len(found)
        assert row["session_count"] == len({o["session_id"] for o in found})
        assert row["window_occurrence_count"] == len(in_window)
        assert row["window_session_count"] == len({o["session_id"] for o in in_window})
        average = sum(o["duration_ms"] for o in found) / len(found)
        assert row["avg_duration_ms"] == pytest.approx(average)
        assert row["estimated_savings_usd"] == pytest.approx(average / 3.6e6 * len(found) * 100)
        last_by_session: dict[str, datetime] = {}
        for o in found:
            last_by_session[o["session_id"]] = max(
                o["started_at"], last_by_session.get(o["session_id"], o["started_at"])
            )
        recent = sorted(last_by_session, key=lambda s: (-last_by_session[s].timestamp(), s))[:10]
        assert json.loads(row["example_sessions"]) == recent
        assert row["is_destructive"] == any(o["is_destructive"] for o in found)
        assert row["run_date"].isoformat() == RUN_DATE
        assert (row["window_start_at"], row["window_end_at"]) == (WINDOW_START, WINDOW_END)


def test_thresholds_are_vars(work: Path, history: tuple[Path, list[dict[str, Any]]]) -> None:
    warehouse, before = history
    lowered = {"min_confidence": 0.9, "min_occurrences": 20, "min_savings": 10, "reject_below": 0.5}
    build_scoring(
        warehouse,
        work,
        {
            "hook_patterns_run_date": RUN_DATE,
            "hook_patterns_auto_approve_min_confidence": lowered["min_confidence"],
            "hook_patterns_auto_approve_min_occurrences": lowered["min_occurrences"],
            "hook_patterns_auto_approve_min_savings_usd": lowered["min_savings"],
            "hook_patterns_auto_reject_max_confidence": lowered["reject_below"],
        },
    )
    after = fetch(warehouse, MART)
    thresholds = {**DEFAULTS, **lowered}
    for row in after:
        assert row["status"] == expected_status(row, thresholds)
    approved = [r for r in after if r["status"] == "auto-approved"]
    assert approved, "lowered thresholds approve the planted motif"
    assert any(
        "occurrences > 20" in r["status_reason"] and "savings > $10" in r["status_reason"]
        for r in approved
    )
    was = {r["pattern_id"]: r["status"] for r in before}
    assert any(was[r["pattern_id"]] != "auto-approved" for r in approved)
    # only the classification moved: the numbers are the same
    numbers = ("occurrence_count", "confidence_score", "estimated_savings_usd", "expected_count")
    assert [{k: r[k] for k in numbers} for r in after] == [
        {k: r[k] for k in numbers} for r in before
    ]


def test_rebuild_and_backfill_give_the_same_day(
    work: Path, history: tuple[Path, list[dict[str, Any]]]
) -> None:
    """Building day 2 again, then day 1, then day 2 gives exactly the first day-2 mart."""
    warehouse, first = history
    build_scoring(warehouse, work, {"hook_patterns_run_date": RUN_DATE})
    assert fetch(warehouse, MART) == first
    build_scoring(warehouse, work, {"hook_patterns_run_date": "2026-01-01"})
    day_one = fetch(warehouse, MART)
    assert day_one and day_one != first
    assert all(r["run_date"].isoformat() == "2026-01-01" for r in day_one)
    build_scoring(warehouse, work, {"hook_patterns_run_date": RUN_DATE})
    assert fetch(warehouse, MART) == first


def test_later_data_does_not_change_a_past_day(
    work: Path, steps: list, history: tuple[Path, list[dict[str, Any]]]
) -> None:
    """Day 2 scored before day 3 was ingested equals day 2 scored after."""
    _, with_day_three = history
    early_steps = [s for s in steps if s.session_id < "sess-2026-01-03"]
    warehouse = work / "early.duckdb"
    write_upstream(warehouse, early_steps, occurrences_from_steps(early_steps))
    build_scoring(warehouse, work, {"hook_patterns_run_date": RUN_DATE})
    assert fetch(warehouse, MART) == with_day_three


def test_whole_pipeline_finds_the_planted_workflows(work: Path) -> None:
    """On `runner generate-sample` data through every model: each planted workflow is a
    candidate with confidence > 0.99; the destructive one is auto-rejected for its rule
    and stays rejected when the approval thresholds are lowered; the others then pass."""
    from runner.sample import PLANTED_WORKFLOWS

    day = "2026-11-22"
    warehouse = build_whole_project(
        work, "planted", day, seed=8, sessions=50, days=2, noise_only=False
    )
    planted = {wf.signature: wf for wf in PLANTED_WORKFLOWS}
    query = MART.replace("order by", "where tool_sequence in ({}) order by").format(
        ", ".join(f"'{s}'" for s in planted)
    )
    rows = {r["tool_sequence"]: r for r in fetch(warehouse, query)}
    assert set(rows) == set(planted)
    for signature, row in rows.items():
        assert row["confidence_score"] > 0.99, row
        assert row["is_destructive"] == planted[signature].is_destructive
        if row["is_destructive"]:
            assert row["status"] == "auto-rejected"
            assert f"(rule {row['destructive_rule_id']})" in row["status_reason"]
    build_scoring(
        warehouse,
        work,
        {
            "hook_patterns_run_date": day,
            "hook_patterns_auto_approve_min_occurrences": 10,
            "hook_patterns_auto_approve_min_savings_usd": 1,
        },
    )
    for row in fetch(warehouse, query):
        wanted = "auto-rejected" if row["is_destructive"] else "auto-approved"
        assert row["status"] == wanted, row


def _tamper(warehouse: Path, statements: list[tuple[str, list[Any]]]) -> None:
    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        for sql, params in statements:
            con.execute(sql, params)


def _copy_of(built: Path, copy: Path) -> Path:
    with duckdb.connect(str(built), config=DUCKDB_CONFIG) as con:
        con.execute("checkpoint")  # dbt may still hold it open in this process
    shutil.copyfile(built, copy)
    return copy


def test_the_classified_counts_are_checked_against_the_rollup_and_the_window(
    work: Path, history: tuple[Path, list[dict[str, Any]]]
) -> None:
    """assert_pattern_counts_match_daily_stats passes on the built day, and reports one
    row per pattern whose all-time occurrences or sessions (the daily rollup summed) or
    window occurrences or sessions (recounted) are off by one."""
    built, rows = history
    warehouse = _copy_of(built, work / "recount.duckdb")
    select = ["--select", "assert_pattern_counts_match_daily_stats"]
    day = {"hook_patterns_run_date": RUN_DATE}
    run_dbt(warehouse, "test", select, day, work)

    columns = (
        "occurrence_count",
        "session_count",
        "window_occurrence_count",
        "window_session_count",
    )
    _tamper(
        warehouse,
        [
            (
                f"update marts.pattern_classifications set {column} = {column} + 1"
                " where pattern_id = ?",
                [row["pattern_id"]],
            )
            for column, row in zip(columns, rows, strict=False)
        ],
    )
    with pytest.raises(AssertionError, match="Got 4 results"):
        run_dbt(warehouse, "test", select, day, work)


def test_the_daily_rollup_is_recounted_from_the_occurrences_of_untested_loads(
    work: Path, history: tuple[Path, list[dict[str, Any]]]
) -> None:
    """assert_daily_stats_match_occurrences passes on the built rollup and reports each
    row that is off (a count, a new-session count, a row missing): but only for the loads
    with a session new since the last tested build, the rows an incremental run rebuilds."""
    built, _ = history
    warehouse = _copy_of(built, work / "rollup-recount.duckdb")
    select = ["--select", "assert_daily_stats_match_occurrences"]
    day = {"hook_patterns_run_date": RUN_DATE}
    run_dbt(warehouse, "test", select, day, work)

    stats = "intermediate.int_pattern_daily_stats"
    key = "pattern_id = ? and session_first_loaded_at = ? and occurrence_date = ?"
    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        picked = con.execute(
            f"select pattern_id, session_first_loaded_at, occurrence_date from {stats}"
            " where new_session_count > 0 order by all limit 3"
        ).fetchall()
    assert len(picked) == 3
    _tamper(
        warehouse,
        [
            (
                f"update {stats} set occurrence_count = occurrence_count + 1 where {key}",
                list(picked[0]),
            ),
            (
                f"update {stats} set new_session_count = new_session_count - 1 where {key}",
                list(picked[1]),
            ),
            (f"delete from {stats} where {key}", list(picked[2])),
        ],
    )
    with pytest.raises(AssertionError, match="Got 3 results"):
        run_dbt(warehouse, "test", select, day, work)
    # the fixture's sessions were all loaded at LOADED_AT: tested through it, nothing is
    # recounted; tested through just before it, everything is
    tested = {**day, "hook_patterns_tested_through": str(LOADED_AT)}
    run_dbt(warehouse, "test", select, tested, work)
    untested = {**day, "hook_patterns_tested_through": str(LOADED_AT - timedelta(seconds=1))}
    with pytest.raises(AssertionError, match="Got 3 results"):
        run_dbt(warehouse, "test", select, untested, work)
