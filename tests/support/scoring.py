"""Helpers for the scoring-layer tests: literal upstream rows and a dbt run of the scoring nodes.

The scoring layer (int_pattern_* and pattern_classifications) reads four upstream
relations: `intermediate.int_tool_steps_sequenced`, `intermediate.int_tool_calls_signed`,
`intermediate.int_sessions_loaded` and `marts.fct_pattern_occurrences`. These helpers
write them directly from Python-generated steps (the columns ARCHITECTURE.md documents),
then run dbt on the scoring nodes only (the rollups rebuilt whole), so that every
expected number can be computed independently in Python from the same literal rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

PROJECT_DIR = Path(os.environ.get("HOOK_PATTERNS_PROJECT_DIR", Path(__file__).resolve().parents[2]))
SCORING_NODES = (
    "int_pattern_daily_stats",
    "int_pattern_recent_sessions",
    "int_pattern_window_counts",
    "int_pattern_global_null_model",
    "int_pattern_evidence_counts",
    "int_pattern_window_signatures",
    "int_pattern_markov_surprise",
    "int_session_signature_counts",
    "int_pattern_session_null_model",
    "int_pattern_significance",
    "int_pattern_family_explainers",
    "int_pattern_families",
    "int_pattern_all_time_totals",
    "int_pattern_destructive_evidence",
    "int_pattern_example_sessions",
    "int_pattern_all_time_stats",
    "pattern_classifications",
)
ARROW = "→"
#: Every fixture session is loaded once, at this time (the rollups group sessions by load).
LOADED_AT = datetime(2030, 1, 1, 6, 0, 0)
# the config_options of profiles.yml: a second connection in-process must match them
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass(frozen=True)
class Step:
    session_id: str
    segment_id: str
    step_index: int
    tool_signature: str
    started_at: datetime
    ended_at: datetime
    command: str | None = None
    destructive_rule_id: str | None = None
    call_count: int = 1


def pattern_id_of(signatures: Sequence[str]) -> str:
    return hashlib.sha256(ARROW.join(signatures).encode()).hexdigest()[:16]


def call_id_of(step: Step) -> str:
    """One tool call per step in these fixtures (no collapsed repeats)."""
    return f"call-{step.segment_id}:{step.step_index}"


def generate_steps(
    seed: int,
    days: Iterable[str],
    sessions_per_day: int = 40,
    motif: Sequence[str] = ("Read", "Edit", "Bash(pytest)"),
    motif_rate: float = 0.35,
) -> list[Step]:
    """Random sessions (one or two segments each) with a planted motif and a few
    destructive `git push --force` calls. Adjacent steps never repeat a signature."""
    rng = random.Random(seed)
    vocabulary = {
        "Read": 30,
        "Edit": 12,
        "Bash(pytest)": 8,
        "Grep": 10,
        "Glob": 6,
        "Bash(git status)": 6,
        "Write": 5,
        "TodoWrite": 4,
        "Bash(ls)": 5,
        "Bash(git push)": 1,
    }
    names, weights = zip(*vocabulary.items(), strict=True)
    steps: list[Step] = []
    for day in days:
        day_start = datetime.fromisoformat(day)
        for s in range(sessions_per_day):
            session_id = f"sess-{day}-{s:03d}"
            at = day_start + timedelta(minutes=rng.randint(0, 22 * 60))
            for g in range(rng.choice((1, 1, 2))):
                segment_id = f"{session_id}-seg{g}"
                signatures: list[str] = []
                target = rng.randint(3, 28)
                while len(signatures) < target:
                    if rng.random() < motif_rate:
                        candidates = list(motif)
                    else:
                        candidates = [rng.choices(names, weights)[0]]
                    for signature in candidates:
                        if not signatures or signatures[-1] != signature:
                            signatures.append(signature)
                for index, signature in enumerate(signatures):
                    duration = timedelta(seconds=rng.randint(2, 90))
                    command, rule = None, None
                    if signature.startswith("Bash("):
                        command = signature[5:-1] + " -q"
                    if signature == "Bash(git push)":
                        command, rule = "git push --force origin main", "git_force_push"
                    steps.append(
                        Step(
                            session_id,
                            segment_id,
                            index,
                            signature,
                            at,
                            at + duration,
                            command,
                            rule,
                        )
                    )
                    at += duration + timedelta(seconds=rng.randint(1, 30))
                at += timedelta(minutes=45)
    return steps


def occurrences_from_steps(
    steps: Sequence[Step], min_length: int = 2, max_length: int = 5
) -> list[dict[str, Any]]:
    """Every contiguous n-gram of every segment, as fct_pattern_occurrences rows."""
    by_segment: dict[str, list[Step]] = {}
    for step in steps:
        by_segment.setdefault(step.segment_id, []).append(step)
    rows = []
    for segment_id, segment in by_segment.items():
        segment.sort(key=lambda s: s.step_index)
        for k in range(min_length, max_length + 1):
            for start in range(len(segment) - k + 1):
                window = segment[start : start + k]
                signatures = [s.tool_signature for s in window]
                destructive = next((s for s in window if s.destructive_rule_id), None)
                rows.append(
                    {
                        "occurrence_id": f"{segment_id}:{start}:{k}",
                        "pattern_id": pattern_id_of(signatures),
                        "tool_sequence": ARROW.join(signatures),
                        "pattern_length": k,
                        "session_id": window[0].session_id,
                        "segment_id": segment_id,
                        "start_step_index": start,
                        "started_at": window[0].started_at,
                        "ended_at": window[-1].ended_at,
                        "occurrence_date": window[0].started_at.date(),
                        "duration_ms": (window[-1].ended_at - window[0].started_at).total_seconds()
                        * 1000,
                        "is_destructive": destructive is not None,
                        "destructive_rule_id": destructive.destructive_rule_id
                        if destructive
                        else None,
                        "destructive_category": "git" if destructive else None,
                        "destructive_reason": "rewrites shared history" if destructive else None,
                        "session_loaded_at": LOADED_AT,
                        "session_load_date": LOADED_AT.date(),
                    }
                )
    return rows


STEP_COLUMNS = {
    "session_id": "varchar",
    "segment_id": "varchar",
    "step_index": "integer",
    "tool_signature": "varchar",
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "call_count": "integer",
    "tool_call_ids": "varchar[]",
    "is_destructive": "boolean",
    "destructive_rule_id": "varchar",
    "is_beyond_step_cap": "boolean",
}
CALL_COLUMNS = {
    "tool_call_id": "varchar",
    "session_id": "varchar",
    "tool_signature": "varchar",
    "command": "varchar",
    "file_path": "varchar",
    "started_at": "timestamp",
    "is_destructive": "boolean",
    "destructive_rule_id": "varchar",
}
OCCURRENCE_COLUMNS = {
    "occurrence_id": "varchar",
    "pattern_id": "varchar",
    "tool_sequence": "varchar",
    "pattern_length": "integer",
    "session_id": "varchar",
    "segment_id": "varchar",
    "start_step_index": "integer",
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "occurrence_date": "date",
    "duration_ms": "double",
    "is_destructive": "boolean",
    "destructive_rule_id": "varchar",
    "destructive_category": "varchar",
    "destructive_reason": "varchar",
    "session_loaded_at": "timestamp",
    "session_load_date": "date",
}
SESSION_COLUMNS = {
    "session_id": "varchar",
    "session_first_loaded_at": "timestamp",
    "session_loaded_at": "timestamp",
    "session_load_date": "date",
}


def _write_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    """Create `name` with exactly `columns` (types as upstream) and load `rows` in bulk."""
    import pandas as pd

    con.execute(f"drop table if exists {name}")
    con.execute(f"create table {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        frame = pd.DataFrame(rows, columns=list(columns))  # noqa: F841 (read by DuckDB)
        casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns.items())
        con.execute(f"insert into {name} select {casts} from frame")


def write_upstream(
    warehouse: Path, steps: Sequence[Step], occurrences: Sequence[dict[str, Any]]
) -> None:
    """(Re)write the four upstream relations the scoring nodes read."""
    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        con.execute("create schema if not exists intermediate")
        con.execute("create schema if not exists marts")
        _write_table(
            con,
            "intermediate.int_tool_steps_sequenced",
            STEP_COLUMNS,
            [
                {
                    "session_id": s.session_id,
                    "segment_id": s.segment_id,
                    "step_index": s.step_index,
                    "tool_signature": s.tool_signature,
                    "started_at": s.started_at,
                    "ended_at": s.ended_at,
                    "call_count": s.call_count,
                    "tool_call_ids": [call_id_of(s)],
                    "is_destructive": s.destructive_rule_id is not None,
                    "destructive_rule_id": s.destructive_rule_id,
                    "is_beyond_step_cap": False,
                }
                for s in steps
            ],
        )
        _write_table(
            con,
            "intermediate.int_tool_calls_signed",
            CALL_COLUMNS,
            [
                {
                    "tool_call_id": call_id_of(s),
                    "session_id": s.session_id,
                    "tool_signature": s.tool_signature,
                    "command": s.command,
                    "file_path": None,
                    "started_at": s.started_at,
                    "is_destructive": s.destructive_rule_id is not None,
                    "destructive_rule_id": s.destructive_rule_id,
                }
                for s in steps
            ],
        )
        _write_table(con, "marts.fct_pattern_occurrences", OCCURRENCE_COLUMNS, list(occurrences))
        _write_table(
            con,
            "intermediate.int_sessions_loaded",
            SESSION_COLUMNS,
            [
                {
                    "session_id": session_id,
                    "session_first_loaded_at": LOADED_AT,
                    "session_loaded_at": LOADED_AT,
                    "session_load_date": LOADED_AT.date(),
                }
                for session_id in sorted({s.session_id for s in steps})
            ],
        )


def run_dbt(
    warehouse: Path, command: str, args: Sequence[str], dbt_vars: dict[str, Any] | None, work: Path
) -> Any:
    from dbt.cli.main import dbtRunner

    saved = os.environ.get("RUNNER_WAREHOUSE")
    os.environ["RUNNER_WAREHOUSE"] = str(warehouse)
    try:
        cli_args = [
            command,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--quiet",
            *args,
        ]
        if dbt_vars:
            cli_args += ["--vars", json.dumps(dbt_vars)]
        result = dbtRunner().invoke(cli_args)
    finally:
        if saved is None:
            os.environ.pop("RUNNER_WAREHOUSE", None)
        else:
            os.environ["RUNNER_WAREHOUSE"] = saved
    if not result.success:
        failures = [
            f"{r.node.name}: {r.status}: {r.message}"
            for r in (getattr(result.result, "results", None) or [])
            if str(r.status) not in {"success", "pass"}
        ]
        raise AssertionError(f"dbt {command} failed: {result.exception or failures}")
    return result


def build_scoring(warehouse: Path, work: Path, dbt_vars: dict[str, Any] | None = None) -> None:
    """`dbt run` of the scoring nodes over the upstream relations already in the warehouse.

    ``--full-refresh``: the fixtures rewrite the upstream relations between runs without
    new session versions, so the incremental rollups are rebuilt whole.
    """
    run_dbt(warehouse, "run", ["--select", *SCORING_NODES, "--full-refresh"], dbt_vars, work)


def fetch(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    # dbt-duckdb may keep its connection open in this process: use the same configuration.
    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def build_whole_project(
    work: Path, name: str, run_date: str, *, seed: int, sessions: int, days: int, noise_only: bool
) -> Path:
    """The real pipeline on `runner generate-sample` data: ingest, then `dbt build` of the
    whole project (seeds, every model, unit and data tests) for `run_date`."""
    from typer.testing import CliRunner

    from runner.cli import app

    events = work / f"{name}.jsonl"
    warehouse = work / f"{name}.duckdb"
    cli = CliRunner()
    generate = [
        "generate-sample", "--out", str(events), "--sessions", str(sessions),
        "--days", str(days), "--seed", str(seed), "--end-date", run_date,
    ]  # fmt: skip
    if noise_only:
        generate.append("--noise-only")
    for args in (generate, ["ingest", "--source", str(events), "--warehouse", str(warehouse)]):
        result = cli.invoke(app, args)
        assert result.exit_code == 0, result.output
    run_dbt(warehouse, "build", [], {"hook_patterns_run_date": run_date}, work)
    return warehouse
