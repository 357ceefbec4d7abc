"""Statuses stay put from one day to the next when the team works the same way.

Fifteen days of the generator's sessions (`runner generate-sample`: one process, the
same planted workflows and the same kind of noise every day; its days are uneven in
volume), built with the whole project for day D and then for day D + 1, as `runner
daily` does; both days lie inside the generated range, so both are whole days. Among the patterns
classified on both days, fewer than 1 % change status: their confidence rests on the
evidence window (var hook_patterns_evidence_days, default 7 days ending with the run's
window), not on the day alone.

The same two days scored with a one-day evidence window (the confidence of the day's
window alone, as before the evidence window existed) flip several times as many
statuses (measured: 7 of 246, 2.85 %, against 2 of 246, 0.81 %, with seven days): the
test checks that too, so it proves the evidence window is what keeps statuses stable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runner.cli import app
from runner.sample import SampleOptions, generate_sample
from tests.support.scoring import fetch, run_dbt

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 10, 11)
NEXT_DAY = DAY + dt.timedelta(days=1)
#: the generated days end two days after D + 1
DAYS = 15
SESSIONS = 600
MAX_FLIP_RATE = 0.01
#: the scoring nodes that read the evidence window, and what reads them
EVIDENCE_NODES = ["int_session_signature_counts+", "int_pattern_evidence_counts+"]


def statuses(warehouse: Path) -> dict[str, str]:
    rows = fetch(warehouse, "select pattern_id, status from marts.pattern_classifications")
    return {row["pattern_id"]: row["status"] for row in rows}


def flip_rate(before: dict[str, str], after: dict[str, str]) -> tuple[float, int, int]:
    """Share of the patterns classified on both days whose status changed."""
    both = before.keys() & after.keys()
    flips = sum(before[p] != after[p] for p in both)
    return flips / len(both), flips, len(both)


@pytest.fixture(scope="module")
def statuses_by_day(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], dict]:
    """{(evidence_days, day): statuses}: each day built whole with the default evidence
    window, then its evidence-window nodes run again with one evidence day."""
    work = tmp_path_factory.mktemp("stable_statuses")
    events, warehouse = work / "events.jsonl", work / "warehouse.duckdb"
    last_day = NEXT_DAY + dt.timedelta(days=2)
    generate_sample(events, SampleOptions(sessions=SESSIONS, days=DAYS, end_date=last_day))
    result = CliRunner().invoke(
        app, ["ingest", "--source", str(events), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 0, result.output
    found = {}
    for day in (DAY, NEXT_DAY):
        run_vars = {"hook_patterns_run_date": day.isoformat()}
        run_dbt(warehouse, "build", [], run_vars, work / f"build-{day}")
        found[(7, day.isoformat())] = statuses(warehouse)
        one_day = {**run_vars, "hook_patterns_evidence_days": 1}
        run_dbt(warehouse, "run", ["--select", *EVIDENCE_NODES], one_day, work / f"one-{day}")
        found[(1, day.isoformat())] = statuses(warehouse)
    return found


def test_two_days_of_one_process_flip_under_one_percent(statuses_by_day: dict) -> None:
    rate, flips, both = flip_rate(
        statuses_by_day[(7, DAY.isoformat())], statuses_by_day[(7, NEXT_DAY.isoformat())]
    )
    assert both >= 200, f"only {both} patterns classified on both days: too few to measure"
    assert rate < MAX_FLIP_RATE, f"{flips} of {both} statuses flipped ({rate:.2%})"


def test_the_day_alone_flips_many_more(statuses_by_day: dict) -> None:
    """Without the evidence window (one day of evidence) the same days flip far more."""
    week, _, _ = flip_rate(
        statuses_by_day[(7, DAY.isoformat())], statuses_by_day[(7, NEXT_DAY.isoformat())]
    )
    day_alone, flips, both = flip_rate(
        statuses_by_day[(1, DAY.isoformat())], statuses_by_day[(1, NEXT_DAY.isoformat())]
    )
    assert day_alone >= MAX_FLIP_RATE, f"one evidence day flips only {flips} of {both}"
    assert day_alone > 2 * week, f"{day_alone:.2%} with one evidence day, {week:.2%} with seven"
