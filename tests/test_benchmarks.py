"""The benchmark's reference miner and its count-equality check, at a tiny size (untimed)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import benchmarks.__main__ as bench
from benchmarks import bare_duckdb, limit_duckdb, reference
from benchmarks.__main__ import BenchError, MemoryModel, check_resources, main, parse_size
from runner.cli import app
from runner.sample import SampleOptions, generate_sample

NOW = dt.datetime(2025, 2, 1, 12, 0)
S1, S2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def _row(n: int, etype: str, session: str | None, ts: str, tool: str, **payload: object) -> str:
    body = {"tool_name": tool, "session_id": session, **payload}
    return json.dumps(
        {
            "id": n,
            "event_id": f"evt-{n:04d}",
            "event_type": etype,
            "session_id": session,
            "timestamp": ts,
            "payload": json.dumps(body),
            "tool_name": tool,
        }
    )


def _call(n: int, session: str, minute: int, tool: str, command: str | None = None) -> list[str]:
    tool_input = {"command": command} if command is not None else {"file_path": "/x.py"}
    start = f"2025-01-31 10:{minute:02d}:00.000000"
    end = f"2025-01-31 10:{minute:02d}:05.000000"
    return [
        _row(n, "PreToolUse", session, start, tool, tool_input=tool_input),
        _row(n + 1, "PostToolUse", session, end, tool, tool_result="ok", success=True),
    ]


def test_reference_applies_the_models_rules(tmp_path: Path) -> None:
    lines = [
        *_call(10, S1, 0, "Read"),
        *_call(20, S1, 1, "Edit"),
        *_call(30, S1, 2, "Edit"),  # repeated signature: collapses into one step
        *_call(40, S1, 3, "Bash", "cd /repo && uv run python -m pytest -q"),
        *_call(50, S1, 40, "Read"),  # 37 minutes idle: a new segment, one step only
        *_call(60, S2, 0, "Read"),
        *_call(70, S2, 1, "Edit"),
        "{not json",
        _row(20, "PreToolUse", S2, "2025-01-31 10:02:00", "Grep"),  # duplicate event id
        _row(90, "PreToolUse", None, "2025-01-31 10:02:00", "Grep"),  # no session
        _row(91, "PreToolUse", S2, "yesterday 14:03", "Grep"),  # unparseable time
        _row(92, "PreToolUse", S2, "2099-01-31 10:02:00", "Grep"),  # future
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    counts = reference.mine([path], now=NOW)

    assert counts == {
        "Read→Edit": (2, 2),
        "Edit→Bash(pytest)": (1, 1),
        "Read→Edit→Bash(pytest)": (1, 1),
    }


@pytest.mark.parametrize("bigint_max_base", [limit_duckdb.BIGINT_MAX_BASE, 0])
def test_the_limit_statement_counts_what_the_reference_counts_on_edge_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bigint_max_base: int
) -> None:
    """The limit's shortcuts (duplicates by aggregate + join, typed payload, signatures
    per distinct command, integer codes, n-grams as numbers) keep the reference's rules.

    With a largest BIGINT base of 0 the n-grams are counted as HUGEINT, as for a file
    with more signatures than BIGINT n-grams hold (the 10M file: 10,839)."""
    monkeypatch.setattr(limit_duckdb, "BIGINT_MAX_BASE", bigint_max_base)
    pre, post = "PreToolUse", "PostToolUse"
    at = "2025-01-31 10:{:02d}:00"
    lines = [
        *_call(10, S1, 0, "Read"),
        *_call(20, S1, 1, "Edit"),
        *_call(30, S1, 2, "Edit"),  # collapses into the step before
        *_call(40, S1, 3, "Bash", "cd /repo && uv run python -m pytest -q"),
        *_call(50, S1, 4, "Bash", "git status"),
        *_call(60, S1, 5, "Bash", "git status"),  # same command: one signature, one step
        *_call(70, S1, 40, "Read"),  # a new segment
        *_call(80, S1, 41, "Bash", "ls -la"),
        "{not json",
        "[1, 2]",
        "",
        # a duplicate of an id whose first line is not a tool event: both are dropped
        _row(100, "Stop", S2, at.format(0), "Read"),
        _row(100, pre, S2, at.format(0), "Grep", tool_input={"pattern": "x"}),
        # the first copy of a duplicated id wins, even when a later copy differs
        _row(101, pre, S2, at.format(1), "Grep", tool_input={"pattern": "x"}),
        _row(102, post, S2, at.format(1), "Grep", tool_result="ok"),
        _row(101, pre, S2, at.format(2), "Write", tool_input={"file_path": "/y"}),
        # a Pre without input takes its Post's command; a JSON null input is no input
        _row(103, pre, S2, at.format(3), "Bash", tool_input=None),
        _row(104, post, S2, at.format(3), "Bash", tool_input={"command": "make test"}),
        # a non-object input is an input without a command: plain "Bash"
        _row(105, pre, S2, at.format(4), "Bash", tool_input="ls"),
        # a Post alone, and two Pres in a row (the first is a call alone)
        _row(106, post, S2, at.format(5), "Glob", tool_result="ok"),
        _row(107, pre, S2, at.format(6), "Read", tool_input={"file_path": "/a"}),
        _row(108, pre, S2, at.format(6), "Read", tool_input={"file_path": "/b"}),
        _row(109, post, S2, at.format(7), "Read", tool_result="ok"),
        _row(110, pre, S2, at.format(8), "Grep", tool_input={"pattern": "y"}),
        _row(111, pre, S2, at.format(8), "Edit", tool_input={"file_path": "/a"}),  # tie
        # lone surrogate escapes (Windows mojibake) in the payload, and in the line: the
        # events are good (ingest repairs them; DuckDB's JSON functions refuse them)
        _row(112, pre, S2, at.format(9), "Read", tool_input={"file_path": "C:/Caf\udc9d"}),
        _row(113, post, S2, at.format(9), "Read", tool_result="ok", note="\udc9d"),
        json.dumps({**json.loads(_row(114, pre, S2, at.format(10), "Glob")), "x": "\udc9d"}),
        _row(90, pre, None, at.format(9), "Grep"),  # no session
        _row(91, pre, S2, "yesterday 14:03", "Grep"),  # unparseable time
        _row(92, pre, S2, "2099-01-31 10:02:00", "Grep"),  # future
        # words DuckDB's cast reads as times (1970, year 1): not times, so no pattern
        _row(93, pre, "s-words", "epoch", "Grep", tool_input={"pattern": "x"}),
        _row(94, pre, "s-words", " epoch", "Read", tool_input={"file_path": "/a"}),
        _row(95, pre, "s-words", "-infinity", "Edit", tool_input={"file_path": "/a"}),
        _row(96, pre, "s-words", "-infinity", "Glob", tool_input={"pattern": "*"}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    expected = reference.mine([path])
    assert len(expected) > 20, "the edge cases should leave patterns to count"
    check = reference.compare_counts(limit_duckdb.mine(path), expected, ("limit", "reference"))
    assert check.equal, check.describe()


def test_reference_bare_and_pipeline_counts_agree_on_a_tiny_sample(
    tmp_path: Path, cli: CliRunner
) -> None:
    path = tmp_path / "events.jsonl"
    generate_sample(path, SampleOptions(sessions=12, days=2, seed=7))
    warehouse = tmp_path / "warehouse.duckdb"
    for args in (
        ["ingest", "--source", str(path), "--warehouse", str(warehouse)],
        ["build", "--run-date", "2025-01-31", "--warehouse", str(warehouse)],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 0, result.output

    pipeline = reference.pipeline_counts(warehouse)
    mined = reference.mine([path])
    assert pipeline, "the sample should yield patterns"
    check = reference.compare_counts(pipeline, mined)
    assert check.equal, check.describe()
    bare = reference.compare_counts(pipeline, bare_duckdb.mine(path), ("pipeline", "bare"))
    assert bare.equal, bare.describe()
    limit = reference.compare_counts(pipeline, limit_duckdb.mine(path), ("pipeline", "limit"))
    assert limit.equal, limit.describe()

    # The check is real: one count off, one pattern missing, one extra are all reported.
    sequence = next(iter(mined))
    tampered = dict(mined)
    tampered[sequence] = (tampered[sequence][0] + 1, tampered[sequence][1])
    missing = sorted(mined)[-1]
    del tampered[missing]
    tampered["Read→Nope"] = (1, 1)
    broken = reference.compare_counts(pipeline, tampered)
    assert not broken.equal
    assert {m[0] for m in broken.mismatches} == {sequence, missing, "Read→Nope"}
    assert "DIFFERENT" in broken.describe()


def test_sizes_parse() -> None:
    assert [parse_size(s) for s in ("100k", "1M", "2.5M", "1500")] == [
        100_000,
        1_000_000,
        2_500_000,
        1_500,
    ]


def test_a_size_larger_than_memory_fails_early(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="GB of memory"):
        check_resources(10**12, tmp_path, MemoryModel(), with_reference=True)


def test_a_stage_peak_is_its_own_not_the_benchmark_process_peak(tmp_path: Path) -> None:
    """A child's ru_maxrss starts at its parent's peak RSS on Linux: the stages are started
    from a small helper process, so a stage that uses little reports little however much
    the benchmark process itself has held (the 10M count check holds about 3 GB)."""
    held = bytearray(b"x") * 800_000_000  # every page written: resident
    stage = bench.run_child("tiny", [sys.executable, "-c", "pass"], 1, tmp_path / "tiny.log")
    assert len(held) == 800_000_000
    assert 0 < stage.peak_rss_bytes < 300_000_000, stage.peak_rss_bytes
    assert stage.seconds > 0


_BURN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"


def test_a_stage_that_ran_beside_other_work_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CPU other processes use while a stage runs is measured (/proc/stat less the
    child's own time) and a stage taken beside other work says so: its figure, and every
    ratio built on it, is not comparable."""
    burner = subprocess.Popen([sys.executable, "-c", _BURN.format(seconds=2.5)])
    try:
        sleeper = [sys.executable, "-c", "import time; time.sleep(1.5)"]
        stage = bench.run_child("limit", sleeper, 1, tmp_path / "sleep.log")
    finally:
        burner.wait()
    assert stage.cpu_seconds < 0.5, stage.cpu_seconds
    assert stage.other_cpu_seconds is not None and stage.other_cpu_seconds > 1.0, stage
    assert stage.ran_beside_other_work
    assert "! limit: other processes used" in capsys.readouterr().out
    report = {"sizes": [{"label": "2M", "limit": stage.as_json()}], "incremental": None}
    assert [line.split(" (")[0] for line in bench.busy_stages(report)] == ["sizes[2M].limit"]


def test_a_stage_own_cpu_is_not_counted_as_other_work(tmp_path: Path) -> None:
    """A child that keeps a core busy is the stage's own work: counted in cpu_seconds,
    not as other work. Other processes may run beside the tests, so the stage runs up to
    three times and one quiet run is enough; counting the child's own CPU as other work
    would make every run fail."""
    burner = [sys.executable, "-c", _BURN.format(seconds=1.5)]
    stages = []
    for attempt in range(3):
        stage = bench.run_child("limit", burner, 1, tmp_path / f"burn-{attempt}.log")
        assert stage.cpu_seconds > 1.2, stage.cpu_seconds
        assert stage.other_cpu_seconds is not None
        stages.append(stage)
        if stage.other_cpu_seconds < stage.cpu_seconds / 2:
            break
    else:
        raise AssertionError(f"the child's own CPU counted as other work: {stages}")


def test_each_timed_pipeline_starts_once_the_disk_has_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmark's own writes (a generated file, a copy of the base warehouse) are
    flushed before a pipeline's clock starts, not while its stages run."""
    events: list[str] = []
    monkeypatch.setattr(bench.os, "sync", lambda: events.append("sync"))

    def fake_child(name: str, argv: list[str], count: int, log: Path) -> bench.Stage:
        events.append(name)
        return bench.Stage(name, 1.0, 0, count)

    monkeypatch.setattr(bench, "run_child", fake_child)
    stages = bench.run_pipeline(
        tmp_path / "events.jsonl", tmp_path / "w.duckdb", dt.date(2025, 2, 1), 10, tmp_path / "x"
    )
    assert list(stages) == ["ingest", "build"]
    assert events == ["sync", "ingest", "build"]


@pytest.mark.slow
def test_the_benchmark_compares_medians_of_repeated_incremental_and_empty_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m benchmarks` end to end at tiny sizes (its figures are not checked here,
    only what it reports and that it cleans up): with --repeat 2 the day runs twice on the
    same base warehouse, the smallest size's empty run once more, and the ratio is the
    median day over the median empty run."""
    work, results = tmp_path / "work", tmp_path / "results"
    argv = ["--sizes", "1k,2k", "--skip-reference", "--repeat", "2"]
    argv += ["--workdir", str(work), "--results-dir", str(results)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    report = json.loads((results / "latest.json").read_text())

    incremental = report["incremental"]
    assert incremental["repeat"] == 2 and len(incremental["runs"]) == 2
    days, empties = incremental["pipeline_seconds_each"], incremental["empty_pipeline_seconds_each"]
    assert len(days) == len(empties) == 2
    smallest = report["sizes"][0]
    # the first empty run is the smallest size's own run; the second ran again
    assert empties[0] == pytest.approx(smallest["pipeline_seconds"], abs=1e-3)
    assert incremental["pipeline_seconds"] == pytest.approx(statistics.median(days), abs=1e-3)
    assert incremental["ratio_to_empty"] == pytest.approx(
        statistics.median(days) / statistics.median(empties), abs=1e-3
    )
    for run, total in zip(incremental["runs"], days, strict=True):
        assert sum(stage["seconds"] for stage in run.values()) == pytest.approx(total, abs=2e-3)
    assert incremental["stages"]["build"]["peak_rss_bytes"] == max(
        run["build"]["peak_rss_bytes"] for run in incremental["runs"]
    )
    target = next(t for t in report["targets"] if t["target"] == "incremental")
    assert target["measured"] == incremental["ratio_to_empty"]
    assert "median of 2" in out and "empty 1k run 2" in out

    # each day ran on the base warehouse as the 2k run left it: the second ingest of the
    # day's file found none of its rows already loaded, so it was not stacked on the first
    for attempt in (1, 2):
        ingest_log = " ".join((work / f"incr-{attempt}-ingest.log").read_text().split())
        assert "skipped 0 already loaded" in ingest_log, ingest_log
    # nothing but the logs is left behind without --keep-data
    assert not list(work.glob("*.duckdb")) and not list(work.glob("*.jsonl"))
