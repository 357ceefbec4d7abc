"""The statistics of the scoring layer against scipy and a direct Python null model.

- The Poisson p-value macro (`poisson_upper_tail`), compiled by dbt and evaluated by
  DuckDB, against scipy.stats.poisson.sf over a grid of small and large expected counts.
- The Benjamini-Hochberg step of int_pattern_significance against
  scipy.stats.false_discovery_control, on random p-values and on a generated day.
- Expected counts of int_pattern_null_model against the null model computed in Python
  from the same literal steps.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

from tests.support.scoring import (
    DUCKDB_CONFIG,
    build_scoring,
    build_whole_project,
    fetch,
    generate_steps,
    occurrences_from_steps,
    run_dbt,
    write_upstream,
)

RUN_DATE = "2026-01-02"
WINDOW_START = "2026-01-02 00:00:00"
WINDOW_END = "2026-01-03 00:00:00"


def compile_inline(sql: str, work: Path, warehouse: Path) -> str:
    result = run_dbt(warehouse, "compile", ["--inline", sql], None, work)
    return result.result.results[0].node.compiled_code


def grid() -> list[tuple[int, float]]:
    points: set[tuple[int, float]] = set()
    for e in (0.01, 0.5, 1.0, 3.7, 10.0, 42.5, 1e3, 1e5):
        sd = math.sqrt(e)
        for obs in (
            0,
            1,
            2,
            3,
            int(e / 2),
            math.floor(e - sd),
            math.floor(e),
            math.ceil(e),
            math.floor(e + sd),
            math.floor(e + 3 * sd),
            math.floor(e + 8 * sd) + 1,
            math.floor(e + 20 * sd) + 5,
            math.floor(3 * e) + 10,
        ):
            if obs >= 0:
                points.add((obs, e))
    return sorted(points)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("confidence")


@pytest.fixture(scope="module")
def generated_day(work: Path) -> tuple[Path, list]:
    """A two-day generated history, scored for the second day."""
    steps = generate_steps(seed=11, days=["2026-01-01", RUN_DATE], sessions_per_day=50)
    warehouse = work / "generated.duckdb"
    write_upstream(warehouse, steps, occurrences_from_steps(steps))
    build_scoring(warehouse, work, {"hook_patterns_run_date": RUN_DATE})
    return warehouse, steps


@pytest.fixture(scope="module")
def poisson_sql(work: Path) -> str:
    """The macro compiled once by dbt, over a table `grid (obs bigint, e double)`."""
    sql = "select obs, e, {{ poisson_upper_tail('obs', 'e') }} as p from grid order by e, obs"
    return compile_inline(sql, work, work / "compile.duckdb")


def evaluate(poisson_sql: str, points: list[tuple[int, float]]) -> list[tuple[int, float, float]]:
    with duckdb.connect(config=DUCKDB_CONFIG) as con:
        con.execute("create table grid (obs bigint, e double)")
        con.executemany("insert into grid values (?, ?)", points)
        return con.execute(poisson_sql).fetchall()


def test_poisson_upper_tail_matches_scipy(poisson_sql: str) -> None:
    points = grid()
    rows = evaluate(poisson_sql, points)
    assert len(rows) == len(points)
    checked = 0
    for obs, e, p in rows:
        expected = float(stats.poisson.sf(obs - 1, e))
        assert 0.0 <= p <= 1.0
        if expected > 1e-300:
            assert p == pytest.approx(expected, rel=1e-9, abs=0.0), (obs, e, p, expected)
            checked += 1
        else:
            assert p < 1e-290, (obs, e, p, expected)
    assert checked > 60


def test_poisson_upper_tail_edge_cases(poisson_sql: str) -> None:
    rows = evaluate(poisson_sql, [(0, 2.5), (3, 0.0), (0, 0.0)])
    assert {(obs, e): p for obs, e, p in rows} == {(0, 2.5): 1.0, (3, 0.0): 0.0, (0, 0.0): 1.0}


def test_benjamini_hochberg_matches_scipy_on_random_p_values(work: Path) -> None:
    """int_pattern_significance's SQL over literal p-values (with ties, ones and
    untested patterns) gives scipy's adjusted p-values."""
    rng = random.Random(5)
    rows = []
    for i in range(400):
        p = rng.choice([rng.random() ** 4, rng.random(), 1.0, 0.05, 1e-12 * rng.random()])
        rows.append((f"p{i:04d}", rng.random() < 0.8, p))
    warehouse = work / "bh.duckdb"
    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        con.execute("create schema if not exists intermediate")
        # the default null model's p-values (the session model scores candidates only);
        # the global model's are different and must be ignored
        con.execute(
            "create or replace table intermediate.int_pattern_null_model"
            " (pattern_id varchar, is_candidate boolean, expected_count double, p_value double)"
        )
        con.executemany(
            "insert into intermediate.int_pattern_null_model values (?, ?, 1.0, 0.5)",
            [(pattern_id, candidate) for pattern_id, candidate, _ in rows],
        )
        con.execute(
            "create or replace table intermediate.int_pattern_session_null_model"
            " (pattern_id varchar, expected_count double, p_value double)"
        )
        con.executemany(
            "insert into intermediate.int_pattern_session_null_model values (?, 1.0, ?)",
            [(pattern_id, p) for pattern_id, candidate, p in rows if candidate],
        )
    run_dbt(warehouse, "run", ["--select", "int_pattern_significance"], None, work)
    result = {
        r["pattern_id"]: r
        for r in fetch(warehouse, "select * from intermediate.int_pattern_significance")
    }
    tested = np.array([p if candidate else 1.0 for _, candidate, p in rows])
    expected = stats.false_discovery_control(tested, method="bh")
    for (pattern_id, _, _), adjusted in zip(rows, expected, strict=True):
        row = result[pattern_id]
        assert row["hypothesis_count"] == len(rows)
        assert row["adjusted_p_value"] == pytest.approx(adjusted, rel=1e-12, abs=1e-300)
        assert row["confidence_score"] == pytest.approx(1.0 - adjusted, rel=1e-12, abs=1e-15)


def python_null_model(steps: list) -> tuple[dict[str, float], dict[int, int]]:
    """p(s) and N_k from the steps that started in the window (collapsed repeats)."""
    in_window = [s for s in steps if WINDOW_START <= str(s.started_at) < WINDOW_END]
    counts = Counter(s.tool_signature for s in in_window)
    total = sum(counts.values())
    shares = {signature: n / total for signature, n in counts.items()}
    per_segment = Counter(s.segment_id for s in in_window)
    positions = {k: sum(max(n - k + 1, 0) for n in per_segment.values()) for k in range(2, 6)}
    return shares, positions


def test_null_model_matches_python(generated_day: tuple[Path, list]) -> None:
    warehouse, steps = generated_day
    shares, positions = python_null_model(steps)
    rows = fetch(
        warehouse,
        "select window_counts.tool_sequence, null_model.*"
        " from intermediate.int_pattern_null_model as null_model"
        " inner join intermediate.int_pattern_window_counts as window_counts"
        " on null_model.pattern_id = window_counts.pattern_id",
    )
    assert len(rows) > 100
    for row in rows:
        signatures = row["tool_sequence"].split("→")
        probability = shares.get(signatures[0], 0.0)
        for previous, current in itertools.pairwise(signatures):
            probability *= shares.get(current, 0.0) / (1.0 - shares.get(previous, 0.0))
        expected = positions[len(signatures)] * probability
        assert row["start_position_count"] == positions[len(signatures)]
        assert row["expected_count"] == pytest.approx(expected, rel=1e-12, abs=1e-300)
        observed = row["window_occurrence_count"]
        assert row["p_value"] == pytest.approx(
            float(stats.poisson.sf(observed - 1, expected)), rel=1e-9, abs=1e-300
        )
        if expected > 0:
            assert row["z_score"] == pytest.approx((observed - expected) / math.sqrt(expected))


def test_markov_surprise_matches_python(generated_day: tuple[Path, list]) -> None:
    """E_M = C(prefix) * C(suffix) / C(middle) from the window counts, and its Poisson tail."""
    warehouse, steps = generated_day
    rows = fetch(
        warehouse,
        "select window_counts.tool_sequence, null_model.*"
        " from intermediate.int_pattern_null_model as null_model"
        " inner join intermediate.int_pattern_window_counts as window_counts"
        " on null_model.pattern_id = window_counts.pattern_id",
    )
    counts = {r["tool_sequence"]: r["window_occurrence_count"] for r in rows}
    in_window = [s for s in steps if WINDOW_START <= str(s.started_at) < WINDOW_END]
    counts.update(Counter(s.tool_signature for s in in_window))
    longer = [r for r in rows if r["pattern_length"] >= 3]
    assert longer
    for row in rows:
        if row["pattern_length"] < 3:
            assert row["markov_expected_count"] is None
            continue
        signatures = row["tool_sequence"].split("→")
        prefix, suffix, middle = (
            "→".join(signatures[:-1]),
            "→".join(signatures[1:]),
            "→".join(signatures[1:-1]),
        )
        expected = counts.get(prefix, 0) * counts.get(suffix, 0) / counts[middle]
        assert row["markov_expected_count"] == pytest.approx(expected, rel=1e-12)
        if not row["is_candidate"]:
            assert row["surprise_p_value"] is None
            continue
        assert row["surprise_p_value"] == pytest.approx(
            float(stats.poisson.sf(row["window_occurrence_count"] - 1, expected)),
            rel=1e-9,
            abs=1e-300,
        )


def test_confidence_of_the_day_matches_scipy(generated_day: tuple[Path, list]) -> None:
    """The whole chain on a generated day: the session null model's window p-values,
    m = every window pattern (untested ones with p = 1), scipy's BH, confidence =
    1 - adjusted p."""
    warehouse, _ = generated_day
    rows = fetch(
        warehouse,
        "select significance.pattern_id, significance.is_candidate, session_null.p_value,"
        " significance.adjusted_p_value, classifications.confidence_score"
        " from intermediate.int_pattern_significance as significance"
        " left join intermediate.int_pattern_session_null_model as session_null"
        " using (pattern_id)"
        " left join marts.pattern_classifications as classifications using (pattern_id)"
        " order by significance.pattern_id",
    )
    tested = np.array([r["p_value"] if r["is_candidate"] else 1.0 for r in rows])
    expected = stats.false_discovery_control(tested, method="bh")
    candidates = 0
    for row, adjusted in zip(rows, expected, strict=True):
        assert row["adjusted_p_value"] == pytest.approx(adjusted, rel=1e-12, abs=1e-300)
        if row["is_candidate"]:
            candidates += 1
            assert row["confidence_score"] == pytest.approx(1.0 - adjusted, rel=1e-12, abs=1e-15)
        else:
            assert row["confidence_score"] is None
    assert 0 < candidates < len(rows)


def test_noise_gives_no_confident_patterns(work: Path) -> None:
    """Calibration on the whole pipeline: with `--noise-only` sample data (heterogeneous
    sessions with the order of their calls destroyed, no planted workflow) almost no
    pattern reaches confidence 0.99 and none is auto-approved. BH controls the false
    discovery rate among the window's patterns."""
    day = "2026-11-22"
    warehouse = build_whole_project(
        work, "noise", day, seed=5, sessions=150, days=2, noise_only=True
    )
    rows = fetch(warehouse, "select status, confidence_score from marts.pattern_classifications")
    assert len(rows) > 100
    assert all(r["status"] != "auto-approved" for r in rows)
    confident = [r for r in rows if r["confidence_score"] > 0.99]
    assert len(confident) <= max(1, len(rows) // 100), confident
    # The bar: fewer than 5% of noise patterns reach 0.95.
    at_95 = [r for r in rows if r["confidence_score"] >= 0.95]
    assert len(at_95) < 0.05 * len(rows), at_95
