"""The default confidence against the permutation test it stands for.

int_pattern_session_null_model computes, in closed form, the null of the permutation
test of significant sequential pattern mining (SPEck, ProMiSe): shuffle the tool calls
inside each session, cut the segments where they were, collapse repeated calls, count
again. Here that test is run for real, in Python, on heterogeneous sessions small enough
to permute a few hundred times in seconds, and compared with what dbt computes:

- expected counts: the model's E against the mean count over the permutations, within
  15 % + 0.5 (measured on this data: median 1.8 %, worst 13 % over 173 candidates);
- p-values: the model's Poisson p-value against the permutation p-value
  (b + 1) / (B + 1) (Phipson and Smyth, 2010), within 0.1 absolute (measured: median
  0.005, worst 0.073);
- calibration: on the same sessions with their order destroyed, at most 2 % of the
  candidates reach confidence 0.95, while the former global model (every step drawn
  from the window's overall shares) is fooled by the sessions' different make-ups.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.scoring import (
    Step,
    build_scoring,
    fetch,
    occurrences_from_steps,
    pattern_id_of,
    write_upstream,
)

RUN_DATE = "2026-03-02"
PERMUTATIONS = 300
MIN_LENGTH, MAX_LENGTH = 2, 5
#: The planted habit, spread over a third of the sessions.
HABIT = ("Grep", "Read", "Edit", "Bash(make test)")
#: Stated tolerances of the closed form against the permutation test (see the module doc).
EXPECTED_RELATIVE_TOLERANCE = 0.15
EXPECTED_ABSOLUTE_TOLERANCE = 0.5
P_VALUE_ABSOLUTE_TOLERANCE = 0.1


@dataclass(frozen=True)
class Session:
    session_id: str
    #: one list of signatures per segment (a segment boundary is a gap of over 30 min)
    segments: tuple[tuple[str, ...], ...]


def heterogeneous_sessions(seed: int, count: int = 45) -> list[Session]:
    """Sessions that differ as real ones do: each has its own favourite tools, a rare
    command of its own, runs of one tool and Grep/Read alternations; some run the habit."""
    rng = random.Random(seed)
    common = ["Read", "Edit", "Grep", "Glob", "Bash(git status)", "Bash(pytest)", "TodoWrite"]
    sessions = []
    for s in range(count):
        favourites = rng.sample(common, 3)
        own = f"Bash(./scripts/task{s}.sh)"
        weights = {tool: 1.0 for tool in common}
        for tool in favourites:
            weights[tool] = rng.uniform(4, 12)
        weights[own] = rng.uniform(0.5, 3)
        names, values = zip(*weights.items(), strict=True)
        segments = []
        for _ in range(rng.choice((1, 1, 2))):
            calls: list[str] = []
            target = int(math.exp(rng.gauss(3.0, 0.7))) + 2
            while len(calls) < target:
                roll = rng.random()
                if roll < 0.08:
                    calls += ["Grep", "Read"] * rng.randint(2, 4)
                elif s % 3 == 0 and roll < 0.2:
                    calls += list(HABIT)
                else:
                    calls += [rng.choices(names, values)[0]] * rng.choice((1, 1, 1, 2, 3))
            segments.append(tuple(calls))
        sessions.append(Session(f"s{s:03d}", tuple(segments)))
    return sessions


def collapse(calls: Sequence[str]) -> list[tuple[str, int]]:
    """Consecutive equal signatures as one step: (signature, calls)."""
    steps: list[tuple[str, int]] = []
    for call in calls:
        if steps and steps[-1][0] == call:
            steps[-1] = (call, steps[-1][1] + 1)
        else:
            steps.append((call, 1))
    return steps


def to_steps(sessions: Sequence[Session]) -> list[Step]:
    day = datetime.fromisoformat(RUN_DATE)
    steps = []
    for number, session in enumerate(sessions):
        at = day + timedelta(minutes=20 * number)
        for g, calls in enumerate(session.segments):
            segment_id = f"{session.session_id}#{g + 1}"
            for index, (signature, call_count) in enumerate(collapse(calls)):
                end = at + timedelta(seconds=5 * call_count)
                steps.append(
                    Step(
                        session.session_id,
                        segment_id,
                        index,
                        signature,
                        at,
                        end,
                        call_count=call_count,
                    )
                )
                at = end + timedelta(seconds=1)
            at += timedelta(minutes=45)
    return steps


def ngram_counts(sessions: Sequence[Session], wanted: set[tuple[str, ...]]) -> Counter:
    counts: Counter = Counter()
    for session in sessions:
        for calls in session.segments:
            signatures = [signature for signature, _ in collapse(calls)]
            for k in range(MIN_LENGTH, MAX_LENGTH + 1):
                for start in range(len(signatures) - k + 1):
                    gram = tuple(signatures[start : start + k])
                    if gram in wanted:
                        counts[gram] += 1
    return counts


def shuffled(sessions: Sequence[Session], rng: random.Random) -> list[Session]:
    """The calls of each session in random order; each segment keeps its size."""
    result = []
    for session in sessions:
        calls = [call for segment in session.segments for call in segment]
        rng.shuffle(calls)
        segments, taken = [], 0
        for segment in session.segments:
            segments.append(tuple(calls[taken : taken + len(segment)]))
            taken += len(segment)
        result.append(Session(session.session_id, tuple(segments)))
    return result


def scored(work: Path, name: str, sessions: Sequence[Session]) -> list[dict]:
    steps = to_steps(sessions)
    warehouse = work / f"{name}.duckdb"
    write_upstream(warehouse, steps, occurrences_from_steps(steps, MIN_LENGTH, MAX_LENGTH))
    build_scoring(warehouse, work / name, {"hook_patterns_run_date": RUN_DATE})
    return fetch(
        warehouse,
        """
        select
            classifications.pattern_id,
            classifications.tool_sequence,
            classifications.window_occurrence_count,
            classifications.expected_count,
            classifications.p_value,
            classifications.confidence_score,
            classifications.global_p_value,
            classifications.is_family_head,
            classifications.status
        from marts.pattern_classifications as classifications
        """,
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session_null")


@pytest.fixture(scope="module")
def intact(work: Path) -> tuple[list[Session], list[dict]]:
    sessions = heterogeneous_sessions(seed=5)
    return sessions, scored(work, "intact", sessions)


def test_expected_counts_and_p_values_agree_with_the_permutation_test(
    intact: tuple[list[Session], list[dict]],
) -> None:
    sessions, rows = intact
    grams = {tuple(row["tool_sequence"].split("→")): row for row in rows}
    observed = ngram_counts(sessions, set(grams))
    rng = random.Random(99)
    totals: Counter = Counter()
    as_extreme: Counter = Counter()
    for _ in range(PERMUTATIONS):
        counts = ngram_counts(shuffled(sessions, rng), set(grams))
        for gram in grams:
            totals[gram] += counts[gram]
            as_extreme[gram] += counts[gram] >= observed[gram]

    assert len(grams) >= 30, "too few candidates to compare"
    off = []
    for gram, row in grams.items():
        assert row["window_occurrence_count"] == observed[gram]
        mean = totals[gram] / PERMUTATIONS
        tolerance = EXPECTED_RELATIVE_TOLERANCE * mean + EXPECTED_ABSOLUTE_TOLERANCE
        if abs(row["expected_count"] - mean) > tolerance:
            off.append(
                f"E {'→'.join(gram)}: model {row['expected_count']:.2f}, permutations {mean:.2f}"
            )
        permutation_p = (as_extreme[gram] + 1) / (PERMUTATIONS + 1)
        if abs(row["p_value"] - permutation_p) > P_VALUE_ABSOLUTE_TOLERANCE:
            off.append(
                f"p {'→'.join(gram)}: model {row['p_value']:.4f}, permutations {permutation_p:.4f}"
            )
    assert not off, "\n".join(off)


def test_the_planted_habit_is_confident(intact: tuple[list[Session], list[dict]]) -> None:
    _, rows = intact
    by_id = {row["pattern_id"]: row for row in rows}
    habit = by_id[pattern_id_of(HABIT)]
    assert habit["confidence_score"] >= 0.99
    assert habit["is_family_head"]


def benjamini_hochberg(p_values: Sequence[float], m: int) -> list[float]:
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 1.0
    for rank in range(len(order), 0, -1):
        i = order[rank - 1]
        running = min(running, m * p_values[i] / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_order_destroyed_sessions_give_next_to_no_confident_patterns(work: Path, seed: int) -> None:
    sessions = shuffled(heterogeneous_sessions(seed=5), random.Random(seed))
    rows = scored(work, f"destroyed{seed}", sessions)
    assert len(rows) >= 30
    confident = [row["tool_sequence"] for row in rows if row["confidence_score"] >= 0.95]
    assert len(confident) <= 0.02 * len(rows), confident

    # The former global model on the same data: the sessions' different make-ups alone
    # make many patterns "significant" (m = the candidates: a lower bound on its errors).
    global_adjusted = benjamini_hochberg([row["global_p_value"] for row in rows], len(rows))
    fooled = sum(1 for p in global_adjusted if 1 - p >= 0.95)
    assert fooled > 0.02 * len(rows), f"the global model is fooled by {fooled} of {len(rows)}"
