"""Run dbt against the warehouse for one analysis window.

dbt runs in a child process rather than in-process: dbt-duckdb keeps its DuckDB
connection alive for the life of the process, which would lock the warehouse file
against the runner's own connections, and a child process is the unit that can be
stopped cleanly. Progress comes from dbt's JSON log lines.

The child does not outlive the run. When the runner is stopped (SIGTERM or SIGINT,
runner/stopping.py) or fails while dbt runs, the child gets SIGTERM, SIGKILL after
``STOP_GRACE_SECONDS``, and is waited for before the exception goes on, so the
warehouse is free when the runner exits: DuckDB keeps what dbt committed and drops the
node that was running, which the next build redoes. When the runner is killed outright,
the kernel kills the child (runner/dbt_child.py).

Running dbt in-process (dbtRunner) would save its start-up (2 to 4 s) but not the rest:
dbt-duckdb's connection would lock the file against the runner's own connections, and a
signal can only interrupt the main thread, while dbt runs its models on worker threads
that hold the file until their query ends; a process is stopped whole, at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import paths, stopping
from runner import warehouse as warehouse_db
from runner.dbt_child import PARENT_PID_ENV
from runner.errors import RunnerError

FAILED_STATUSES = {"error", "fail", "runtime error"}
#: How long a dbt child may take to exit on SIGTERM before it gets SIGKILL.
STOP_GRACE_SECONDS = 5.0
#: How many warehouses' parses target/partial_parses keeps (the most recently used).
SAVED_PARSES = 8
#: The vars that change with every run. They go to dbt in the environment variable
#: ``RUN_VARS_ENV`` (read at execution by macros/run_vars.sql), not in ``--vars``: dbt
#: parses the whole project again whenever ``--vars`` differ from the last invocation's.
RUN_VARS = frozenset(
    {"hook_patterns_run_date", "hook_patterns_window_hours", "hook_patterns_tested_through"}
)
RUN_VARS_ENV = "RUNNER_RUN_VARS"


@dataclass
class NodeOutcome:
    unique_id: str
    name: str
    resource_type: str
    status: str
    message: str | None = None

    def describe(self) -> str:
        """ "test not_null_x: Got 3 results, configured to fail if != 0", on one line."""
        return f"{self.resource_type} {self.name}: {first_lines(self.message)}"


#: What dbt says when an incremental model's columns no longer match its table (a new
#: version of the project added or dropped a column): only a full refresh rebuilds it.
SCHEMA_CHANGE_MARKER = "schemas on this incremental model are out of sync"
FULL_REFRESH_HINT = (
    "a model's columns changed in this version of the project: run "
    "`runner build --full-refresh` once (it rebuilds every session from the raw events), "
    "then run again"
)


@dataclass
class DbtResult:
    """A dbt command's node outcomes; a :class:`runner.outcome.StepOutcome`."""

    command: str
    success: bool
    outcomes: list[NodeOutcome] = field(default_factory=list)
    log_tail: list[str] = field(default_factory=list)

    @property
    def failed_nodes(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status in FAILED_STATUSES]

    @property
    def description(self) -> str:
        failed = self.failed_nodes
        if failed:
            names = ", ".join(node.name for node in failed[:5])
            return f"{len(failed)} dbt node(s) failed: {names}"
        return f"{self.count('success', 'pass')} dbt nodes"

    @property
    def needs_full_refresh(self) -> bool:
        """Whether a node failed because its table has other columns than the model."""
        return any(SCHEMA_CHANGE_MARKER in (node.message or "") for node in self.failed_nodes)

    @property
    def failures(self) -> list[str]:
        lines = [f"dbt {node.describe()}" for node in self.failed_nodes]
        return [*lines, FULL_REFRESH_HINT] if self.needs_full_refresh else lines

    @property
    def warnings(self) -> list[str]:
        return [f"dbt {node.describe()}" for node in self.outcomes if node.status == "warn"]

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)


def first_lines(message: str | None, limit: int = 600) -> str:
    """The gist of a dbt message on one line: its non-blank lines, shortened."""
    text = " ".join(line.strip() for line in (message or "").splitlines() if line.strip())
    return (text[: limit - 1] + "…") if len(text) > limit else (text or "no message from dbt")


def dbt_environment(warehouse: Path) -> dict[str, str]:
    """The child's environment: profiles.yml reads the warehouse from RUNNER_WAREHOUSE."""
    env = dict(os.environ)
    env.update(
        RUNNER_WAREHOUSE=str(warehouse.resolve()),
        DBT_PROFILES_DIR=str(paths.PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="true",
    )
    return env


def run_dbt(
    command: str,
    *,
    warehouse: Path,
    dbt_vars: dict[str, Any] | None = None,
    args: Sequence[str] = (),
    on_node: Callable[[NodeOutcome], None] | None = None,
    target: str | None = None,
    extra_env: dict[str, str] | None = None,
    run_vars_in_env: bool = True,
) -> DbtResult:
    """Run ``dbt <command>`` and collect one outcome per finished node.

    ``target`` picks an output of profiles.yml (the default is DuckDB); ``extra_env`` adds
    to the child's environment (the Spark target reads its folders from it).
    The vars of ``RUN_VARS`` go in the environment, so that a new run date keeps dbt's
    partial parse; ``run_vars_in_env=False`` passes them in ``--vars`` like the others,
    which dbt unit tests need (their ``overrides`` replace ``--vars``, not the
    environment).

    Raises RunnerError when dbt cannot run at all (invalid project, unreadable
    warehouse); a build whose models or tests fail returns ``success=False``.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    target_path = paths.PROJECT_DIR / "target"
    saved_parse = _saved_parse(target_path, warehouse, target)
    cmd = [
        sys.executable,
        "-m",
        "runner.dbt_child",
        "--log-format",
        "json",
        "--no-use-colors",
        *command.split(),
        "--project-dir",
        str(paths.PROJECT_DIR),
        "--profiles-dir",
        str(paths.PROJECT_DIR),
        "--target-path",
        str(target_path),
        *(["--target", target] if target else []),
        *(["--partial-parse-file-path", str(saved_parse)] if saved_parse.is_file() else []),
        *args,
    ]
    dbt_vars = dict(dbt_vars or {})
    run_vars = {k: dbt_vars.pop(k) for k in sorted(RUN_VARS & dbt_vars.keys())}
    if not run_vars_in_env:
        dbt_vars, run_vars = {**dbt_vars, **run_vars}, {}
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars, sort_keys=True)]

    outcomes: list[NodeOutcome] = []
    tail: list[str] = []
    proc = subprocess.Popen(
        cmd,
        cwd=paths.PROJECT_DIR,
        env={
            **dbt_environment(warehouse),
            **(extra_env or {}),
            RUN_VARS_ENV: json.dumps(run_vars, sort_keys=True),
            PARENT_PID_ENV: str(os.getpid()),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            outcome, text = _parse_log_line(line)
            if text:
                tail = [*tail[-40:], text]
            if outcome is not None:
                outcomes.append(outcome)
                if on_node is not None:
                    on_node(outcome)
        returncode = proc.wait()
    except BaseException:
        # stopped (runner.stopping.Stopped) or failed here: dbt must not go on alone
        stop_child(proc)
        raise
    finally:
        if proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()
    stopping.raise_if_requested()  # the signal came while a C call held the main thread

    _save_parse(target_path, saved_parse)
    _attach_messages(outcomes, target_path / "run_results.json")
    engine = (
        f"the warehouse {warehouse}"
        if target in (None, "duckdb")
        else f"the {target!r} output of {paths.PROJECT_DIR / 'profiles.yml'}"
    )
    if returncode != 0 and target in (None, "duckdb"):
        # another process holds the file: one line naming it, not dbt's traceback
        in_use = warehouse_db.in_use_message(warehouse, "\n".join(tail))
        if in_use is not None:
            raise RunnerError(in_use, warehouse_db.IN_USE_HINT)
    if returncode not in (0, 1):
        detail = _last_message(tail)
        raise RunnerError(
            f"dbt {command} could not run: {detail}",
            f"check the dbt project in {paths.PROJECT_DIR} and {engine}",
        )
    if returncode == 1 and not any(o.status in FAILED_STATUSES for o in outcomes):
        # dbt exits 1 without failed nodes when it fails before running any (bad SQL
        # in a macro, a warehouse file that is locked or not DuckDB, a Spark session
        # that does not start, ...).
        detail = _last_message(tail)
        raise RunnerError(f"dbt {command} failed: {detail}", f"check {engine}")
    return DbtResult(command=command, success=returncode == 0, outcomes=outcomes, log_tail=tail)


def _saved_parse(target_path: Path, warehouse: Path, target: str | None) -> Path:
    """Where the parse of this warehouse (and dbt target) is kept between runs.

    dbt keeps one parse, target/partial_parse.msgpack, and parses the whole project again
    (several seconds, macros/run_vars.sql) when the profile differs from the last
    invocation's: the warehouse path is part of it (the file's name is the database name
    in every relation). So each
    warehouse's last parse is kept aside and handed back to dbt
    (``--partial-parse-file-path``) when that warehouse is built again, after a run on
    another one (alternating warehouses, as the benchmark's daily runs do). dbt still
    checks it against the project's files and profile, and parses again what changed.
    """
    key = hashlib.sha256(f"{target or 'duckdb'}\0{warehouse.resolve()}".encode()).hexdigest()
    return target_path / "partial_parses" / f"{key[:16]}.msgpack"


def _save_parse(target_path: Path, saved_parse: Path) -> None:
    latest = target_path / "partial_parse.msgpack"
    if not latest.is_file():
        return
    with contextlib.suppress(OSError):  # only a cache: the next run parses in full
        saved_parse.parent.mkdir(parents=True, exist_ok=True)
        partial = saved_parse.with_name(f".{saved_parse.name}.{os.getpid()}")
        shutil.copyfile(latest, partial)
        os.replace(partial, saved_parse)
        saved = sorted(saved_parse.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime)
        for stale in saved[:-SAVED_PARSES]:
            stale.unlink(missing_ok=True)


def _last_message(tail: list[str]) -> str:
    """dbt's last error, in one line: of a Python traceback, only the exception's line."""
    text = next((t for t in reversed(tail) if t.strip()), "no output")
    if "Traceback (most recent call last)" in text:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else text
    return text


def stop_child(proc: subprocess.Popen[str], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; return once the child is gone."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


#: dbt's per-node result events (Log<Kind>Result); their node_info says how it ended.
_RESULT_STATUS = {"ok": "success", "pass": "pass", "success": "success"}


def _parse_log_line(line: str) -> tuple[NodeOutcome | None, str]:
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None, line.rstrip()
    info = event.get("info", {})
    name = str(info.get("name", ""))
    text = info.get("msg", "") if info.get("level") in {"error", "warn"} else ""
    data = event.get("data", {})
    node = data.get("node_info") or {}
    if not (name.startswith("Log") and name.endswith("Result") and node.get("unique_id")):
        return None, text
    raw_status = str(data.get("status") or node.get("node_status") or "?").lower()
    return (
        NodeOutcome(
            unique_id=node["unique_id"],
            name=node.get("node_name", "?"),
            resource_type=node.get("resource_type", "?"),
            status=_RESULT_STATUS.get(raw_status, raw_status),
        ),
        text,
    )


def _attach_messages(outcomes: list[NodeOutcome], run_results: Path) -> None:
    """Failed nodes' messages are most complete in run_results.json."""
    if not run_results.exists():
        return
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return
    by_id = {r["unique_id"]: r for r in results}
    for outcome in outcomes:
        result = by_id.get(outcome.unique_id)
        if result and outcome.status in FAILED_STATUSES and result.get("message"):
            outcome.message = result["message"]
