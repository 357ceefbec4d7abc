"""A stopped run stops whole: SIGTERM/SIGINT/SIGKILL to the runner, never to its group.

Every test starts a real `runner` process on a real warehouse, waits for the moment that
matters (dbt holding the warehouse file open, the ingest inside its transaction, the
sync paused inside its transaction), signals the runner's pid alone, and checks what a
supervisor and the next run see: the exit code, the one-line message, no dbt process
left behind, the warehouse free at once and the next run succeeding.

Processes are found through /proc (Linux), as the parent-death signal is Linux's too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from runner.ingest import PAUSE_BEFORE_COMMIT_ENV
from tests.support.approvals import Db, PausedSync
from tests.support.marts import pattern, write_mart

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")

RUN_DATE = "2026-12-06"
#: Generous: two shared cores run dbt's start-up and parse in 5 to 15 seconds.
DBT_START_TIMEOUT = 180
#: How long a stopped runner may take to stop its child, release the files and exit.
STOP_TIMEOUT = 30
#: How long a dbt child may outlive a runner killed outright (the kernel acts at once).
ORPHAN_TIMEOUT = 5


# --- processes, read from /proc -----------------------------------------------------
def _stat(pid: int, thread: int | None = None) -> tuple[str, int] | None:
    """(state, parent pid) of a process (or one of its threads), or None once it is gone."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat"
    try:
        text = Path(path).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def is_alive(pid: int) -> bool:
    """Any of its threads still running: a killed process's main thread turns zombie
    while the others (DuckDB's) are still closing files; a zombie alone is dead."""
    stat = _stat(pid)
    if stat is None:
        return False
    if stat[0] != "Z":
        return True
    try:
        threads = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
    except FileNotFoundError:
        return False
    return any((s := _stat(pid, t)) is not None and s[0] not in "ZX" for t in threads if t != pid)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                found.append(int(entry.name))
    return found


def holds_open(pid: int, path: Path) -> bool:
    """Whether the process has the file open (DuckDB keeps its database file open)."""
    target = str(path.resolve())
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == target:
                return True
        except OSError:
            continue
    return False


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen[str]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the runner exited ({process.returncode}) before {what}: {err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def wait_until_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- the runner as a supervisor starts it ----------------------------------------------
def _environment(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RUNNER_") or key == "RUNNER_TEST_PG_URL"
    }
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", **extra)
    return env


def start_runner(cwd: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=cwd,
        env=_environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_runner(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )


@dataclass
class Workspace:
    folder: Path
    sample: Path
    warehouse: Path

    def build_args(self) -> list[str]:
        return ["build", "--warehouse", str(self.warehouse), "--run-date", RUN_DATE]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small sample, ingested once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("stop-template")
    sample = folder / "events.jsonl"
    warehouse = folder / "warehouse.duckdb"
    for args in (
        [
            "generate-sample",
            "--out",
            str(sample),
            "--sessions",
            "20",
            "--days",
            "2",
            "--end-date",
            RUN_DATE,
        ],
        ["ingest", "--source", str(sample), "--warehouse", str(warehouse)],
    ):
        done = run_runner(folder, *args)
        assert done.returncode == 0, done.stderr
    return Workspace(folder, sample, warehouse)


@pytest.fixture
def workspace(ingested: Workspace, tmp_path: Path) -> Workspace:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(ingested.warehouse, warehouse)
    return Workspace(tmp_path, ingested.sample, warehouse)


def start_and_wait_for_dbt(ws: Workspace, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Start the runner; return once its dbt child has the warehouse file open."""
    runner = start_runner(ws.folder, *args)
    found: list[int] = []

    def dbt_writes_the_warehouse() -> bool:
        found[:] = [pid for pid in children(runner.pid) if holds_open(pid, ws.warehouse)]
        return bool(found)

    wait_for(dbt_writes_the_warehouse, DBT_START_TIMEOUT, "dbt opened the warehouse", runner)
    time.sleep(1.0)  # into the build (any moment must do; this one is the likeliest)
    assert is_alive(found[0]), "dbt ended before the test could stop it"
    return runner, found[0]


def assert_free_at_once(warehouse: Path) -> None:
    """Writable right away: no process holds the DuckDB file any more."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("select 1").fetchall()


def stopped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("stopped by ")]


# --- dbt children -------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_build_and_its_dbt_child(
    workspace: Workspace, signum: signal.Signals, code: int
) -> None:
    runner, dbt = start_and_wait_for_dbt(workspace, *workspace.build_args())
    os.kill(runner.pid, signum)  # the runner alone, as `kill PID` or a supervisor does
    _, err = runner.communicate(timeout=STOP_TIMEOUT)

    assert runner.returncode == code, err
    assert stopped_lines(err) == [
        f"stopped by {signum.name} during build {RUN_DATE}; the warehouse is as the last "
        "completed step left it; run the same command again"
    ], err
    assert "Traceback" not in err
    assert not is_alive(dbt), "the dbt child outlived the stopped runner"
    assert_free_at_once(workspace.warehouse)

    again = run_runner(workspace.folder, *workspace.build_args())
    assert again.returncode == 0, again.stderr


@pytest.mark.slow
def test_a_runner_killed_outright_takes_its_dbt_child_with_it(workspace: Workspace) -> None:
    runner, dbt = start_and_wait_for_dbt(workspace, *workspace.build_args())
    runner.kill()  # SIGKILL to the runner's pid: no handler runs
    runner.communicate(timeout=STOP_TIMEOUT)

    assert runner.returncode == -signal.SIGKILL
    assert wait_until_gone(dbt, ORPHAN_TIMEOUT), "the dbt child outlived the killed runner"
    assert_free_at_once(workspace.warehouse)
    rerun = run_runner(workspace.folder, *workspace.build_args())
    assert rerun.returncode == 0, rerun.stderr


def test_a_stopped_daily_run_is_recorded_as_stopped(workspace: Workspace) -> None:
    target = workspace.folder / "approvals.db"
    runner, dbt = start_and_wait_for_dbt(
        workspace,
        "daily",
        "--warehouse",
        str(workspace.warehouse),
        "--source",
        str(workspace.sample),
        "--target",
        f"sqlite:///{target}",
        "--run-date",
        RUN_DATE,
        "--report-dir",
        str(workspace.folder / "reports"),
    )
    os.kill(runner.pid, signal.SIGTERM)
    out, err = runner.communicate(timeout=STOP_TIMEOUT)

    assert runner.returncode == 143, err
    assert stopped_lines(err) == [
        f"stopped by SIGTERM during build {RUN_DATE}; the warehouse is as the last "
        "completed step left it; run the same command again"
    ], err
    assert "success" not in out
    assert not is_alive(dbt)
    with duckdb.connect(str(workspace.warehouse)) as con:  # free at once, and it says why
        steps = con.sql(
            "select step, status from runner.daily_runs order by started_at, step"
        ).fetchall()
    assert steps == [("ingest", "ok"), ("build", "stopped")]
    assert not target.exists(), "nothing was synced"


# --- in-process steps: their transactions roll back ---------------------------------
def test_a_signal_during_ingest_rolls_it_back(workspace: Workspace) -> None:
    """The ingest's DuckDB transaction is rolled back, with the same line and exit code.

    The signal comes while the ingest pauses inside its transaction, every record loaded
    and the commit next (runner.ingest.PAUSE_BEFORE_COMMIT_ENV), however fast the machine.
    """
    fresh = workspace.folder / "fresh.duckdb"
    runner = start_runner(
        workspace.folder,
        "ingest",
        "--source",
        str(workspace.sample),
        "--warehouse",
        str(fresh),
        **{PAUSE_BEFORE_COMMIT_ENV: "60"},
    )
    assert runner.stderr is not None
    before = []
    for line in runner.stderr:  # until the pause's line, or the end of an ingest that ended
        if "ingest paused before its commit" in line:
            break
        before.append(line)
    assert runner.poll() is None, f"the ingest ended without pausing: {before}"
    os.kill(runner.pid, signal.SIGTERM)
    out, err = runner.communicate(timeout=STOP_TIMEOUT)

    assert runner.returncode == 143, err
    assert "ingested" not in out, out
    assert stopped_lines(err) == [
        "stopped by SIGTERM during ingest; the warehouse is as the last completed step "
        "left it; run the same command again"
    ], err
    assert "Traceback" not in err
    with duckdb.connect(str(fresh)) as con:
        batches = con.sql(
            "select count(*) from information_schema.tables "
            "where table_schema = 'runner' and table_name = 'ingest_batches'"
        ).fetchone()
        if batches and batches[0]:
            assert con.sql("select count(*) from runner.ingest_batches").fetchone() == (0,)
            assert con.sql("select count(*) from raw.hook_events").fetchone() == (0,)


@pytest.fixture
def paused_sync(tmp_path: Path) -> Iterator[tuple[PausedSync, Db]]:
    warehouse = write_mart(
        tmp_path / "warehouse.duckdb",
        [pattern(f"p{i:02d}", f"Read→Edit→Bash(pytest {i})") for i in range(6)],
    )
    path = tmp_path / "approvals.db"
    db = Db("sqlite", f"sqlite:///{path}", path)
    sync = PausedSync(warehouse, db.url, rows=2)
    yield sync, db
    if sync.process is not None and sync.process.poll() is None:
        sync.kill()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_sync_rolls_it_back(
    paused_sync: tuple[PausedSync, Db], signum: signal.Signals, code: int
) -> None:
    sync, db = paused_sync
    sync.start()
    assert sync.process is not None
    os.kill(sync.process.pid, signum)
    code_seen = sync.process.wait(STOP_TIMEOUT)
    deadline = time.monotonic() + 5  # the reader thread may still hold the last line
    while not stopped_lines("".join(sync.stderr)) and time.monotonic() < deadline:
        time.sleep(0.05)
    err = "".join(sync.stderr)

    assert code_seen == code, err
    assert stopped_lines(err) == [
        f"stopped by {signum.name} during sync-approvals; nothing was written to "
        "pattern_approvals; run the same command again"
    ], err
    assert db.snapshot() is None, "the sync's transaction was rolled back"


def test_a_dbt_child_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    from runner.dbt_invocation import stop_child

    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline().strip() == "ready"
    started = time.monotonic()
    stop_child(stubborn, grace=0.5)
    assert stubborn.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5
