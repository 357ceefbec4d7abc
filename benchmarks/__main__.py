"""`make bench` / `python -m benchmarks`: time the pipeline at 1M, 2M and 10M events.

For each size: generate a JSONL file with the project's generator, then run `runner
ingest`, `runner build` and `runner sync-approvals` (SQLite target) as child processes,
each timed and with its peak RSS (``os.wait4``: the child and the processes it waited
for, e.g. dbt). Then the reference miner (benchmarks/reference.py) and the limit, the
fastest exact DuckDB statement for the job (benchmarks/limit_duckdb.py; with
--with-bare also the earlier bare statement), run on the same file, also as children,
and their per-pattern counts are checked against marts.fct_pattern_occurrences. After the
largest size, a day of new events (the smallest size, a later day, another seed) is
ingested and built on top of its warehouse: the incremental figure (the median of
--repeat runs, against as many empty runs of the smallest size, and against the limit
on the day's new events alone).

Figures go to stdout and to bench-results/bench-<timestamp>.json and latest.json.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.launch import run_measured
from benchmarks.reference import compare_counts, pipeline_counts, read_counts
from runner import paths

RESULTS_DIR = Path("bench-results")
END_DATE = dt.date(2025, 1, 31)  # last day of the main data; the increment is the day after
DAYS = 7
SEED = 42
INCREMENT_SEED = 4242
#: Events the generator writes per session, on average (measured with the heterogeneous
#: generator: 154.5 at 6,700 sessions over 3 days, 1,035,421 events).
EVENTS_PER_SESSION = 155
#: JSONL bytes per event (measured: 646-670), plus the warehouse and dbt's tables on disk.
JSONL_BYTES_PER_EVENT = 700
WAREHOUSE_BYTES_PER_EVENT = 1_500
#: Peak memory model before anything was measured: fixed + per event (conservative).
FIXED_BYTES = 1.0e9
PIPELINE_BYTES_PER_EVENT = 600
REFERENCE_BYTES_PER_EVENT = 900
GB = 1e9

TARGETS = {
    "ingest_10M_seconds": 60.0,
    "build_10M_seconds": 30.0,
    "peak_rss_bytes": 4 * 1024**3,
    # issue 22: against the reference side by side, and against the limit statement
    "speedup_vs_reference_10M": 1.5,
    "speedup_vs_reference_2M": 1.0,
    "pipeline_over_limit_max": 3.0,
    "incremental_over_empty_max": 1.5,
}


class BenchError(Exception):
    """A benchmark that cannot run: one clear line, exit code 2."""


def warehouse_files(warehouse: Path) -> tuple[Path, ...]:
    """What a pipeline run leaves for a warehouse: the file, its WAL and the published
    copy of the marts that every full `runner build` writes (runner/publish.py)."""
    return (warehouse, warehouse.with_suffix(".duckdb.wal"), paths.default_published(warehouse))


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 100k, 1M, 2.5M)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def label(events: int) -> str:
    if events >= 1_000_000 and events % 100_000 == 0:
        return f"{events / 1_000_000:g}M"
    if events >= 1_000 and events % 100 == 0:
        return f"{events / 1_000:g}k"
    return str(events)


# --- child processes ------------------------------------------------------------------
#: A stage ran beside other work when the rest of the machine used more CPU than this
#: share of one core over the stage's wall time (and more than BUSY_MIN_CPU_SECONDS):
#: the idle machine's services use well under 1 %.
BUSY_CPU_SHARE = 0.10
BUSY_MIN_CPU_SECONDS = 1.0


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_bytes: int
    events: int
    output: str = ""
    cpu_seconds: float = 0.0
    other_cpu_seconds: float | None = None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def ran_beside_other_work(self) -> bool:
        return _beside_other_work(self.other_cpu_seconds, self.seconds)

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
            "peak_rss_bytes": self.peak_rss_bytes,
            "cpu_seconds": round(self.cpu_seconds, 2),
            "other_cpu_seconds": (
                None if self.other_cpu_seconds is None else round(self.other_cpu_seconds, 2)
            ),
        }


def run_child(name: str, argv: list[str], events: int, log: Path) -> Stage:
    """Run ``argv`` (benchmarks/launch.py measures it); a failure stops the benchmark."""
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", PYTHONUNBUFFERED="1")
    finished = run_measured(argv, str(log), env)
    text = log.read_text(errors="replace")
    if finished.exit_code != 0:
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise BenchError(f"{name} failed (exit {finished.exit_code}): {' '.join(argv)}\n{tail}")
    stage = Stage(
        name,
        finished.seconds,
        finished.peak_rss_bytes,
        events,
        text,
        finished.cpu_seconds,
        finished.other_cpu_seconds,
    )
    if stage.ran_beside_other_work:
        say(busy_warning(stage))
    return stage


def _beside_other_work(other_cpu_seconds: Any, seconds: float) -> bool:
    """More CPU went to other processes than an idle machine's services use."""
    return isinstance(other_cpu_seconds, int | float) and other_cpu_seconds > max(
        BUSY_MIN_CPU_SECONDS, BUSY_CPU_SHARE * seconds
    )


def busy_warning(stage: Stage) -> str:
    """One line: the stage's time was taken beside other work, and how much."""
    other = stage.other_cpu_seconds or 0.0
    return (
        f"! {stage.name}: other processes used {other:.1f} CPU-s while it ran "
        f"({other / stage.seconds:.2f} of a core on average): its time is not comparable; "
        "run the benchmark on an otherwise idle machine"
    )


def busy_stages(report: Any, where: str = "") -> list[str]:
    """Where in a results report (sizes, incremental runs) a stage ran beside other work."""
    found: list[str] = []
    if isinstance(report, dict):
        other, seconds = report.get("other_cpu_seconds"), report.get("seconds")
        if isinstance(seconds, int | float) and _beside_other_work(other, seconds):
            found.append(f"{where} ({other:.1f} CPU-s of other work in {seconds:.1f} s)")
        for key, value in report.items():
            found += busy_stages(value, f"{where}.{key}" if where else str(key))
    elif isinstance(report, list):
        for index, value in enumerate(report):
            label_of = value.get("label") if isinstance(value, dict) else None
            found += busy_stages(value, f"{where}[{label_of or index}]")
    return found


def runner_bin() -> str:
    candidate = Path(sys.executable).with_name("runner")
    return str(candidate) if candidate.exists() else "runner"


# --- resources ------------------------------------------------------------------------
def mem_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class MemoryModel:
    """Peak RSS = fixed + per_event * events; refined from each measured size."""

    pipeline_per_event: float = PIPELINE_BYTES_PER_EVENT
    reference_per_event: float = REFERENCE_BYTES_PER_EVENT
    measured_from: str = "conservative constants"

    def learn(self, events: int, pipeline_peak: int, reference_peak: int | None) -> None:
        if events < 500_000:  # small runs are all fixed overhead: they say nothing per event
            return
        # No margin for the pipeline: DuckDB spills to disk past its memory_limit, so its
        # peak grows with what is free rather than being a hard need. The reference cannot.
        self.pipeline_per_event = max(
            PIPELINE_BYTES_PER_EVENT / 2, max(0, pipeline_peak - FIXED_BYTES) / events
        )
        if reference_peak:
            self.reference_per_event = max(
                REFERENCE_BYTES_PER_EVENT / 2, 1.5 * reference_peak / events
            )
        self.measured_from = f"the {label(events)} run"

    def need(self, events: int, with_reference: bool) -> int:
        pipeline = FIXED_BYTES + self.pipeline_per_event * events
        reference = self.reference_per_event * events if with_reference else 0
        return int(max(pipeline, reference))


def check_resources(
    events: int,
    workdir: Path,
    model: MemoryModel,
    with_reference: bool,
    extra_events: int = 0,
    extra_bytes: int = 0,
) -> None:
    """Refuse, with a clear message, a size this machine cannot hold (memory or disk)."""
    need_mem = model.need(events, with_reference)
    available = mem_available()
    if available and need_mem > available:
        raise BenchError(
            f"{label(events)} events need about {need_mem / GB:.1f} GB of memory "
            f"(estimated from {model.measured_from}) but only {available / GB:.1f} GB is "
            f"available (MemAvailable); use smaller --sizes"
            + ("" if not with_reference else " or --skip-reference")
        )
    workdir.mkdir(parents=True, exist_ok=True)
    need_disk = (events + extra_events) * (
        JSONL_BYTES_PER_EVENT + WAREHOUSE_BYTES_PER_EVENT
    ) + extra_bytes
    free = shutil.disk_usage(workdir).free
    if need_disk > free:
        raise BenchError(
            f"{label(events)} events need about {need_disk / GB:.1f} GB of disk in {workdir} "
            f"(JSONL ~{JSONL_BYTES_PER_EVENT} B/event + warehouse) but only {free / GB:.1f} GB "
            "is free; use smaller --sizes or another --workdir"
        )


# --- one size -------------------------------------------------------------------------
@dataclass
class SizeResult:
    label: str
    requested_events: int
    events: int = 0
    sessions: int = 0
    generate: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipeline_seconds: float = 0.0  # ingest + build
    reference: dict[str, Any] | None = None
    limit: dict[str, Any] | None = None
    bare: dict[str, Any] | None = None
    ratios: dict[str, float] = field(default_factory=dict)
    count_check: dict[str, Any] | None = None
    limit_count_check: dict[str, Any] | None = None
    bare_count_check: dict[str, Any] | None = None


def generate(path: Path, events: int, *, days: int, seed: int, end: dt.date) -> dict[str, Any]:
    """Write (or, with a matching .meta.json beside it, reuse) the JSONL file."""
    from runner.sample import GENERATOR_VERSION, SampleOptions, generate_sample

    sessions = max(1, round(events / EVENTS_PER_SESSION))
    options = SampleOptions(sessions=sessions, days=days, seed=seed, end_date=end)
    meta_path = path.with_suffix(".meta.json")
    key = {
        "sessions": sessions,
        "days": days,
        "seed": seed,
        "end_date": end.isoformat(),
        # a file the generator wrote before it changed is not reused
        "generator": GENERATOR_VERSION,
    }
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("options") == key:
            return {**meta, "reused": True}
    started = time.perf_counter()
    summary = generate_sample(path, options)
    seconds = time.perf_counter() - started
    meta = {
        "options": key,
        "events": summary.events,
        "sessions": summary.sessions,
        "tool_calls": summary.tool_calls,
        "bad_rows": summary.bad_row_count,
        "bytes": path.stat().st_size,
        "seconds": round(seconds, 3),
        "events_per_second": round(summary.events / seconds),
        "reused": False,
    }
    meta_path.write_text(json.dumps(meta))
    return meta


def run_size(
    events: int,
    workdir: Path,
    args: argparse.Namespace,
    model: MemoryModel,
    *,
    keep_file: bool = False,
) -> tuple[SizeResult, Path]:
    name = label(events)
    result = SizeResult(name, events)
    data = workdir / f"events-{name}.jsonl"
    warehouse = workdir / f"warehouse-{name}.duckdb"
    target = workdir / f"pattern_approvals-{name}.db"
    for stale in (*warehouse_files(warehouse), target):
        stale.unlink(missing_ok=True)
    say(f"\n== {name} events ==")
    meta = generate(data, events, days=DAYS, seed=SEED, end=END_DATE)
    result.events, result.sessions = meta["events"], meta["sessions"]
    result.generate = meta
    say(
        f"generate   {meta['seconds']:8.1f} s  {meta['events_per_second']:>9,} ev/s  "
        f"{meta['events']:,} events, {meta['bytes'] / GB:.2f} GB"
        + ("  (reused file)" if meta.get("reused") else "")
    )
    n = result.events
    runner = runner_bin()
    wh = ["--warehouse", str(warehouse)]
    measured = run_pipeline(data, warehouse, END_DATE, n, workdir / name, show=True)
    sync = [runner, "sync-approvals", "--target", f"sqlite:///{target}", *wh]
    measured["sync"] = run_child("sync", sync, n, workdir / f"{name}-sync.log")
    say(stage_line(measured["sync"]))
    result.stages = {k: stage.as_json() for k, stage in measured.items()}
    result.pipeline_seconds = measured["ingest"].seconds + measured["build"].seconds
    say(
        f"pipeline   {result.pipeline_seconds:8.1f} s  "
        f"{n / result.pipeline_seconds:>9,.0f} ev/s  (ingest + build)"
    )
    pipeline = pipeline_counts(warehouse)

    reference_peak = None
    if not args.skip_reference:
        out = workdir / f"{name}-reference-counts.json"
        stage = run_child(
            "reference",
            [sys.executable, "-m", "benchmarks.reference", str(data), "--out", str(out)],
            n,
            workdir / f"{name}-reference.log",
        )
        inner = json.loads(stage.output.strip().splitlines()[-1])["seconds"]
        reference_peak = stage.peak_rss_bytes
        result.reference = {**stage.as_json(), "compute_seconds": round(inner, 3)}
        result.ratios["speedup_vs_reference"] = round(inner / result.pipeline_seconds, 3)
        say(
            f"reference  {inner:8.1f} s  {n / inner:>9,.0f} ev/s  "
            f"peak {stage.peak_rss_bytes / GB:5.2f} GB  (parse + count, pure Python)"
        )
        check = compare_counts(pipeline, read_counts(out))
        result.count_check = check.as_json()
        say("count check (pipeline vs reference): " + check.describe())
        out.unlink(missing_ok=True)

    limit = run_kernel("limit", data, n, workdir / f"{name}-limit")
    result.limit = limit.stage
    result.ratios["pipeline_over_limit"] = round(result.pipeline_seconds / limit.seconds, 3)
    say(
        f"limit      {limit.seconds:8.1f} s  {n / limit.seconds:>9,.0f} ev/s  "
        f"peak {limit.peak_rss_bytes / GB:5.2f} GB  (the fastest exact statement, no dbt)"
    )
    limit_check = compare_counts(pipeline, limit.counts, ("pipeline", "limit"))
    result.limit_count_check = limit_check.as_json()
    say("count check (pipeline vs limit): " + limit_check.describe())
    if result.reference is not None:
        inner = result.reference["compute_seconds"]
        result.ratios["reference_over_limit"] = round(inner / limit.seconds, 3)
    if args.with_bare:
        bare = run_kernel("bare", data, n, workdir / f"{name}-bare")
        result.bare = bare.stage
        result.ratios["pipeline_over_bare"] = round(result.pipeline_seconds / bare.seconds, 3)
        result.ratios["bare_over_limit"] = round(bare.seconds / limit.seconds, 3)
        say(
            f"bare duckdb{bare.seconds:8.1f} s  {n / bare.seconds:>9,.0f} ev/s  "
            f"peak {bare.peak_rss_bytes / GB:5.2f} GB  (the earlier statement, issue 13)"
        )
        bare_check = compare_counts(pipeline, bare.counts, ("pipeline", "bare"))
        result.bare_count_check = bare_check.as_json()
        say("count check (pipeline vs bare): " + bare_check.describe())

    if "speedup_vs_reference" in result.ratios:
        say(
            f"speed-up vs reference: {result.ratios['speedup_vs_reference']:.2f}x "
            "(reference time / pipeline time; > 1 means the pipeline is faster)"
        )
        say(f"the reference takes {result.ratios['reference_over_limit']:.2f}x the limit's time")
    say(f"pipeline takes {result.ratios['pipeline_over_limit']:.2f}x the limit's time")
    if "bare_over_limit" in result.ratios:
        say(f"the bare statement takes {result.ratios['bare_over_limit']:.2f}x the limit's time")
    model.learn(n, max(s.peak_rss_bytes for s in measured.values()), reference_peak)
    if not args.keep_data:
        if not keep_file:
            data.unlink(missing_ok=True)
            data.with_suffix(".meta.json").unlink(missing_ok=True)
        target.unlink(missing_ok=True)
    return result, warehouse


@dataclass
class KernelRun:
    """A single-statement miner run as a child: its compute seconds and its counts."""

    stage: dict[str, Any]
    seconds: float  # compute, measured inside the child (no start-up, no writing counts)
    peak_rss_bytes: int
    counts: dict[str, tuple[int, int]]


KERNELS = {"limit": "benchmarks.limit_duckdb", "bare": "benchmarks.bare_duckdb"}


def run_kernel(name: str, data: Path, events: int, prefix: Path) -> KernelRun:
    """``python -m benchmarks.<kernel> FILE``: the limit, or the earlier bare statement."""
    out = prefix.with_name(f"{prefix.name}-counts.json")
    stage = run_child(
        name,
        [sys.executable, "-m", KERNELS[name], str(data), "--out", str(out)],
        events,
        prefix.with_name(f"{prefix.name}.log"),
    )
    inner = json.loads(stage.output.strip().splitlines()[-1])["seconds"]
    counts = read_counts(out)
    out.unlink(missing_ok=True)
    return KernelRun(
        {**stage.as_json(), "compute_seconds": round(inner, 3)},
        inner,
        stage.peak_rss_bytes,
        counts,
    )


def run_pipeline(
    data: Path,
    warehouse: Path,
    run_date: dt.date,
    events: int,
    log_prefix: Path,
    *,
    show: bool = False,
    note: str = "",
) -> dict[str, Stage]:
    """``runner ingest`` then ``runner build`` of one file into one warehouse; with
    ``show``, each stage's line is printed as it ends (followed by ``note``).

    The disk is settled first (``os.sync``, not timed): the benchmark's own writes just
    before (a generated file, a copy of the 10M warehouse) would otherwise be flushed
    while the pipeline runs. A 6.4 GB copy still being written back slowed the day's
    ingest from 9.7 s to 11.0 s.
    """
    os.sync()
    runner = runner_bin()
    wh = ["--warehouse", str(warehouse)]
    stages = {}
    for stage_name, argv in (
        ("ingest", [runner, "ingest", "--source", str(data), *wh]),
        ("build", [runner, "build", "--run-date", run_date.isoformat(), *wh]),
    ):
        log = log_prefix.with_name(f"{log_prefix.name}-{stage_name}.log")
        stages[stage_name] = run_child(stage_name, argv, events, log)
        if show:
            say(stage_line(stages[stage_name]) + note)
    return stages


def run_incremental(
    base: SizeResult, warehouse: Path, empty: SizeResult, workdir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """A day of new events (empty.requested_events) on top of the base warehouse.

    With ``--repeat N`` (N > 1) the day runs N times, each time on a copy of the base
    warehouse as the largest size left it, and the empty run of the smallest size runs
    N - 1 more times on a new warehouse, alternating with the day. The ratio is the
    median day over the median empty run: one run of each varies by 10-15 % on a
    2-core machine, which is as much as the margin being measured.
    """
    name = label(empty.requested_events)
    day = END_DATE + dt.timedelta(days=1)
    data = workdir / f"events-{name}-next-day.jsonl"
    say(f"\n== incremental: {name} new events for {day} on top of {base.label} ==")
    meta = generate(data, empty.requested_events, days=1, seed=INCREMENT_SEED, end=day)
    say(f"generate   {meta['seconds']:8.1f} s  {meta['events']:,} events")
    pristine = warehouse.with_name(f"{warehouse.stem}-before-day.duckdb")
    if args.repeat > 1:
        # every runner command closes the warehouse, which checkpoints it: one file
        shutil.copyfile(warehouse, pristine)
    empty_data = workdir / f"events-{empty.label}.jsonl"
    empty_warehouse = workdir / f"warehouse-{empty.label}-again.duckdb"
    days: list[dict[str, Stage]] = []
    empties = [empty.pipeline_seconds]
    try:
        for attempt in range(1, args.repeat + 1):
            if attempt > 1:
                for stale in warehouse_files(empty_warehouse):
                    stale.unlink(missing_ok=True)
                again = run_pipeline(
                    empty_data,
                    empty_warehouse,
                    END_DATE,
                    empty.events,
                    workdir / f"{empty.label}-again-{attempt}",
                )
                empties.append(sum(s.seconds for s in again.values()))
                say(f"empty {empty.label} run {attempt}: {empties[-1]:.1f} s (ingest + build)")
                warehouse.with_suffix(".duckdb.wal").unlink(missing_ok=True)
                shutil.copyfile(pristine, warehouse)
            note = f"  (day run {attempt})" if args.repeat > 1 else ""
            log_prefix = workdir / f"incr-{attempt}"
            days.append(
                run_pipeline(data, warehouse, day, meta["events"], log_prefix, show=True, note=note)
            )
        # the floor for the day: the limit statement on the new events alone
        limit = run_kernel("limit", data, meta["events"], workdir / "incr-limit")
        say(
            f"limit      {limit.seconds:8.1f} s  {meta['events'] / limit.seconds:>9,.0f} ev/s  "
            "(the new events alone)"
        )
    finally:
        for leftover in (pristine, *warehouse_files(empty_warehouse)):
            leftover.unlink(missing_ok=True)
        if not args.keep_data:
            data.unlink(missing_ok=True)
            data.with_suffix(".meta.json").unlink(missing_ok=True)
            empty_data.unlink(missing_ok=True)
            empty_data.with_suffix(".meta.json").unlink(missing_ok=True)
    totals = [sum(s.seconds for s in stages.values()) for stages in days]
    seconds, empty_seconds = statistics.median(totals), statistics.median(empties)
    ratio = seconds / empty_seconds
    spread = (
        f" (median of {args.repeat}: day {min(totals):.1f}-{max(totals):.1f} s, "
        f"empty {min(empties):.1f}-{max(empties):.1f} s)"
        if args.repeat > 1
        else ""
    )
    say(
        f"incremental ingest + build {seconds:.1f} s vs {empty_seconds:.1f} s for "
        f"{empty.label} on an empty warehouse: {ratio:.2f}x{spread}"
    )
    say(f"the day takes {seconds / limit.seconds:.2f}x the limit's time on its new events")
    medians = {k: statistics.median(d[k].seconds for d in days) for k in days[0]}
    return {
        "base": base.label,
        "new_label": name,
        "new_events": meta["events"],
        "run_date": day.isoformat(),
        "repeat": args.repeat,
        # per stage: the median seconds and the highest peak over the day runs
        "stages": {
            k: {
                "seconds": round(median, 3),
                "events_per_second": round(meta["events"] / median),
                "peak_rss_bytes": max(d[k].peak_rss_bytes for d in days),
            }
            for k, median in medians.items()
        },
        "runs": [{k: v.as_json() for k, v in stages.items()} for stages in days],
        "pipeline_seconds": round(seconds, 3),
        "pipeline_seconds_each": [round(t, 3) for t in totals],
        "empty_run": empty.label,
        "empty_pipeline_seconds": round(empty_seconds, 3),
        "empty_pipeline_seconds_each": [round(t, 3) for t in empties],
        "ratio_to_empty": round(ratio, 3),
        "limit": limit.stage,
        "pipeline_over_limit": round(seconds / limit.seconds, 3),
    }


def stage_line(stage: Stage) -> str:
    return (
        f"{stage.name:<10} {stage.seconds:8.1f} s  {stage.events_per_second:>9,.0f} ev/s  "
        f"peak {stage.peak_rss_bytes / GB:5.2f} GB"
    )


def say(text: str) -> None:
    print(text, flush=True)


# --- targets --------------------------------------------------------------------------
def evaluate_targets(
    results: list[SizeResult], incremental: dict[str, Any] | None
) -> list[dict[str, Any]]:
    by_label = {r.label: r for r in results}
    ten, two = by_label.get("10M"), by_label.get("2M")
    rows: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, target: str, ok: bool | None, note: str) -> None:
        status = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        rows.append(
            {"target": name, "measured": measured, "goal": target, "status": status, "note": note}
        )

    if ten:
        ingest, build = ten.stages["ingest"]["seconds"], ten.stages["build"]["seconds"]
        add("ingest 10M", ingest, "<= 60 s", ingest <= 60, "")
        add("build 10M", build, "<= 30 s", build <= 30, "")
    else:
        add("ingest 10M", None, "<= 60 s", None, "10M not run")
        add("build 10M", None, "<= 30 s", None, "10M not run")
    peaks = [(s["peak_rss_bytes"], r.label, k) for r in results for k, s in r.stages.items()]
    if incremental:
        where = f"incremental on {incremental['base']}"
        peaks += [(s["peak_rss_bytes"], where, k) for k, s in incremental["stages"].items()]
    if peaks:
        peak, where, stage = max(peaks)
        add(
            "peak RSS",
            round(peak / 1024**3, 3),
            "<= 4 GiB",
            peak <= TARGETS["peak_rss_bytes"],
            f"GiB, {stage} at {where}",
        )
    for size, key in ((ten, "10M"), (two, "2M")):
        goal = TARGETS[f"speedup_vs_reference_{key}"]
        ratio = size.ratios.get("speedup_vs_reference") if size else None
        note = "" if ratio is not None else f"{key} not run with the reference"
        add(
            f"vs reference {key}",
            ratio,
            f">= {goal:g}x faster",
            None if ratio is None else ratio >= goal,
            note,
        )
    limit_goal = TARGETS["pipeline_over_limit_max"]
    for size, key in ((ten, "10M"), (two, "2M")):
        ratio = size.ratios.get("pipeline_over_limit") if size else None
        add(
            f"vs limit {key}",
            ratio,
            f"<= {limit_goal:g}x limit time",
            None if ratio is None else ratio <= limit_goal,
            "ingest + build over the limit statement" if size else f"{key} not run",
        )
    day_ratio = incremental.get("pipeline_over_limit") if incremental else None
    add(
        "day vs limit",
        day_ratio,
        f"<= {limit_goal:g}x limit time",
        None if day_ratio is None else day_ratio <= limit_goal,
        (
            f"{incremental['new_label']} new events on {incremental['base']}, over the limit "
            "on the new events alone"
            if incremental
            else "needs two sizes"
        ),
    )
    if incremental:
        ratio = incremental["ratio_to_empty"]
        add(
            "incremental",
            ratio,
            "<= 1.5x empty run",
            ratio <= 1.5,
            f"{incremental['new_label']} on {incremental['base']}",
        )
    else:
        add("incremental", None, "<= 1.5x empty run", None, "needs two sizes")
    checks = [r.count_check for r in results if r.count_check is not None]
    if checks:
        add(
            "counts equal reference",
            None,
            "all sizes",
            all(c["equal"] for c in checks),
            "per pattern (occurrences, sessions)",
        )
    limit_checks = [r.limit_count_check for r in results if r.limit_count_check is not None]
    if limit_checks:
        add(
            "counts equal limit",
            None,
            "all sizes",
            all(c["equal"] for c in limit_checks),
            "per pattern (occurrences, sessions)",
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="1M,2M,10M",
        help="comma-separated event counts, e.g. 100k,1M (default 1M,2M,10M)",
    )
    parser.add_argument("--workdir", type=Path, default=RESULTS_DIR / "work")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--keep-data", action="store_true", help="keep (and reuse) JSONL files and warehouses"
    )
    parser.add_argument(
        "--skip-reference", action="store_true", help="do not run the pure-Python reference"
    )
    parser.add_argument(
        "--skip-incremental", action="store_true", help="no incremental run on the largest size"
    )
    parser.add_argument(
        "--with-bare",
        action="store_true",
        help="also run the earlier bare statement (benchmarks/bare_duckdb.py) and its ratios",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="run the incremental day and the smallest size's empty run N times each and "
        "compare their medians (default 3; 1 for a single run of each)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        sizes = sorted({parse_size(s) for s in args.sizes.split(",") if s.strip()})
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if not sizes or min(sizes) < 1_000:
        parser.error("sizes must be at least 1k events")
    workdir: Path = args.workdir
    model = MemoryModel()
    do_incremental = len(sizes) > 1 and not args.skip_incremental
    started_at = dt.datetime.now(dt.UTC)
    results: list[SizeResult] = []
    warehouses: list[Path] = []
    incremental = None
    try:
        # Fail before any work when the largest size cannot fit.
        copies = do_incremental and args.repeat > 1
        extra_bytes = sizes[-1] * WAREHOUSE_BYTES_PER_EVENT if copies else 0
        check_resources(
            sizes[-1],
            workdir,
            model,
            not args.skip_reference,
            sizes[0] if do_incremental else 0,
            extra_bytes,
        )
        for events in sizes:
            extra = sizes[0] if do_incremental and events == sizes[-1] else 0
            check_resources(
                events,
                workdir,
                model,
                not args.skip_reference,
                extra,
                extra_bytes if events == sizes[-1] else 0,
            )
            result, warehouse = run_size(
                events, workdir, args, model, keep_file=copies and events == sizes[0]
            )
            results.append(result)
            warehouses.append(warehouse)
        if do_incremental:
            incremental = run_incremental(results[-1], warehouses[-1], results[0], workdir, args)
    except BenchError as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 2
    finally:
        if not args.keep_data:
            for warehouse in warehouses:
                for leftover in warehouse_files(warehouse):
                    leftover.unlink(missing_ok=True)

    targets = evaluate_targets(results, incremental)
    say("\n== targets ==")
    for row in targets:
        measured = "-" if row["measured"] is None else f"{row['measured']:g}"
        note = f"  ({row['note']})" if row["note"] else ""
        say(f"{row['status']:<5} {row['target']:<24} {measured:>10}  goal {row['goal']}{note}")
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
        "machine": {
            "cpus": os.cpu_count(),
            "mem_total_bytes": _mem_total(),
            "python": platform.python_version(),
            "duckdb": _version("duckdb"),
            "dbt_core": _version("dbt-core"),
            "git_commit": _git_commit(),
        },
        "sizes": [asdict(r) for r in results],
        "incremental": incremental,
        "targets": targets,
    }
    busy = busy_stages({"sizes": report["sizes"], "incremental": incremental})
    if busy:
        say(
            f"\nwarning: {len(busy)} timed stage(s) ran beside other work; their figures "
            "and the ratios built on them are not comparable:\n  " + "\n  ".join(busy)
        )
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    path = args.results_dir / f"bench-{stamp}.json"
    text = json.dumps(report, indent=2)
    path.write_text(text)
    (args.results_dir / "latest.json").write_text(text)
    say(f"\nwrote {path} and {args.results_dir / 'latest.json'}")
    return 0


def _mem_total() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


if __name__ == "__main__":
    sys.exit(main())
