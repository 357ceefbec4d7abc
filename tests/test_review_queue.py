"""What a reviewer gets from a day of the demo sample, through every model.

The demo's own data set (`runner demo`: 200 heterogeneous sessions over 3 days), built
for its last day:

- the review queue (pending family heads) holds at most 50 rows, and every planted
  workflow is a family head with confidence ≥ 0.99 and its exact count;
- the same sessions with the order of their calls destroyed (each keeps its calls, its
  timestamps and its Pre/Post pairs) give at most 2 % of candidates at confidence 0.95.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.sample import PLANTED_WORKFLOWS, SampleOptions, SampleSummary, generate_sample
from tests.support.scoring import fetch, run_dbt

DAY = "2026-11-22"
MAX_QUEUE = 50


def build_demo_day(work: Path, name: str, *, destroy_order: bool) -> tuple[Path, SampleSummary]:
    events = work / f"{name}.jsonl"
    warehouse = work / f"{name}.duckdb"
    options = SampleOptions(end_date=dt.date.fromisoformat(DAY), destroy_order=destroy_order)
    summary = generate_sample(events, options)
    result = CliRunner().invoke(
        app, ["ingest", "--source", str(events), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 0, result.output
    run_dbt(warehouse, "build", [], {"hook_patterns_run_date": DAY}, work / name)
    return warehouse, summary


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review_queue")


def test_the_review_queue_is_short_and_holds_every_planted_workflow(work: Path) -> None:
    warehouse, summary = build_demo_day(work, "intact", destroy_order=False)
    rows = fetch(warehouse, "select * from marts.pattern_classifications")
    queue = [r for r in rows if r["is_family_head"] and r["status"] == "pending"]
    assert 0 < len(queue) <= MAX_QUEUE, len(queue)
    assert len(rows) > 2 * len([r for r in rows if r["is_family_head"]]), "families group rows"

    by_sequence = {r["tool_sequence"]: r for r in rows}
    for workflow in PLANTED_WORKFLOWS:
        row = by_sequence[workflow.signature]
        assert row["is_family_head"], (workflow.signature, row["explained_reason"])
        assert row["confidence_score"] >= 0.99, row
        assert row["occurrence_count"] == summary.planted_occurrences[workflow.signature]
        if workflow.is_destructive:
            assert row["status"] == "auto-rejected"
        else:
            assert row["status"] in {"pending", "auto-approved"}, row


def test_order_destroyed_sessions_give_next_to_no_confident_candidates(work: Path) -> None:
    warehouse, summary = build_demo_day(work, "destroyed", destroy_order=True)
    assert summary.order_destroyed
    rows = fetch(
        warehouse, "select tool_sequence, confidence_score from marts.pattern_classifications"
    )
    assert len(rows) >= 50
    confident = [r["tool_sequence"] for r in rows if r["confidence_score"] >= 0.95]
    assert len(confident) <= 0.02 * len(rows), confident
