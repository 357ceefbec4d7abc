"""`runner daily` control flow: the overlap lock and the catch-up of missed days.

The tests through the CLI replace the day's work (build … report) with a recorder:
they check which days a run would build, not the build.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from runner import bookkeeping, daily
from runner.cli import app
from runner.config import Settings
from runner.daily import (
    MAX_CATCH_UP_DAYS,
    catch_up_message,
    days_to_run,
    exclusive_lock,
    last_finished_day,
)
from runner.errors import RunnerError

D = dt.date(2026, 11, 20)


def days_before(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def write_events(path: Path, *timestamps: str) -> Path:
    """hook_events rows (the table's shape), one session start per timestamp."""
    rows = [
        {
            "id": i,
            "event_id": f"evt-{path.stem}-{i}",
            "event_type": "SessionStart",
            "session_id": f"s-{path.stem}",
            "timestamp": stamp,
            "payload": "{}",
        }
        for i, stamp in enumerate(timestamps, start=1)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def finish_day(warehouse: Path, day: dt.date) -> None:
    """What a finished run leaves in the bookkeeping."""
    now = dt.datetime(2026, 11, 1)
    with duckdb.connect(str(warehouse)) as con:
        bookkeeping.create_tables(con)
        con.execute(
            "insert into runner.daily_runs values ('r', ?, 'day', 'ok', ?, ?, '')", [day, now, now]
        )


@pytest.fixture
def built_days(monkeypatch: pytest.MonkeyPatch) -> list[dt.date]:
    """The days a run builds, in order; the build itself is skipped."""
    days: list[dt.date] = []

    def record(settings: Settings, steps: object) -> bool:
        days.append(settings.run_date)
        return True

    monkeypatch.setattr(daily, "_run_day", record)
    return days


@pytest.fixture
def stale_warehouse(cli: CliRunner, workdir: Path) -> Path:
    """Events up to 10 days before D; the last finished day is that day."""
    write_events(
        workdir / "old.jsonl", f"{days_before(10)} 09:00:00", f"{days_before(10)} 12:00:00"
    )
    result = cli.invoke(app, ["ingest", "--source", "old.jsonl", "--warehouse", "wh.duckdb"])
    assert result.exit_code == 0, result.output
    finish_day(workdir / "wh.duckdb", days_before(10))
    return workdir / "wh.duckdb"


def daily_args(*extra: str) -> list[str]:
    return [
        "daily",
        "--warehouse",
        "wh.duckdb",
        "--run-date",
        D.isoformat(),
        "--target",
        "sqlite:///approvals.db",
        *extra,
    ]


def test_first_run_processes_only_the_requested_day() -> None:
    assert days_to_run(D, None) == [D]


def test_rerun_and_backfill_process_only_the_requested_day() -> None:
    assert days_to_run(D, D) == [D]
    assert days_to_run(D, D - dt.timedelta(days=1)) == [D]
    assert days_to_run(D - dt.timedelta(days=5), D) == [D - dt.timedelta(days=5)]


def test_missed_days_are_caught_up_in_order() -> None:
    last = D - dt.timedelta(days=3)
    assert days_to_run(D, last) == [D - dt.timedelta(days=2), D - dt.timedelta(days=1), D]


def test_catch_up_is_bounded() -> None:
    days = days_to_run(D, D - dt.timedelta(days=40))
    assert len(days) == MAX_CATCH_UP_DAYS + 1
    assert days[-1] == D


def test_last_finished_day_reads_only_finished_days(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    assert last_finished_day(warehouse) is None
    with duckdb.connect(str(warehouse)) as con:
        bookkeeping.create_tables(con)
        now = dt.datetime(2026, 11, 21, 1, 0)
        con.execute(
            "insert into runner.daily_runs values "
            "('a', ?, 'day', 'ok', ?, ?, ''), ('b', ?, 'sync', 'failed', ?, ?, 'boom')",
            [D, now, now, D + dt.timedelta(days=1), now, now],
        )
    assert last_finished_day(warehouse) == D


def test_a_second_run_on_the_same_warehouse_is_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time, pathlib
                from runner.daily import exclusive_lock
                with exclusive_lock(pathlib.Path({str(warehouse)!r})):
                    print("locked", flush=True)
                    time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(RunnerError, match=r"already running .*pid \d+"),
            exclusive_lock(warehouse),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    # The OS releases the lock of a dead process: the next run proceeds.
    deadline = time.monotonic() + 5
    while True:
        try:
            with exclusive_lock(warehouse):
                break
        except RunnerError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_the_catch_up_says_how_many_days_it_builds_and_which_it_leaves() -> None:
    days = days_to_run(D, days_before(10))

    assert catch_up_message(days, days_before(10)) == (
        f"catching up on 8 days: {days_before(7)} … {D}; the 2 older missed day(s), "
        f"{days_before(9)} … {days_before(8)}, are not built (at most 7 days before the "
        "requested one): build them with `runner daily --run-date`"
    )
    assert catch_up_message(days_to_run(D, days_before(3)), days_before(3)) == (
        f"catching up on 3 days: {days_before(2)} … {D} (the last finished day is {days_before(3)})"
    )


def test_the_help_states_the_catch_up_limit_the_run_applies(cli: CliRunner) -> None:
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", cli.invoke(app, ["daily", "--help"]).output).split())

    assert f"at most the {MAX_CATCH_UP_DAYS} before --run-date" in text
    assert len(days_to_run(D, days_before(100))) == MAX_CATCH_UP_DAYS + 1  # those, then D


def test_a_catch_up_over_a_stale_source_is_refused_in_one_line(
    cli: CliRunner, stale_warehouse: Path, built_days: list[dt.date]
) -> None:
    """The source stopped 10 days ago: 8 empty days must not be finished as a success."""
    result = cli.invoke(app, daily_args())

    assert result.exit_code == 1, result.output
    assert built_days == []
    assert "catching up on 8 days" in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: refusing to catch up on 8 empty days ({days_before(7)} … {D}): the warehouse "
        f"has no event in them and its latest event is from {days_before(10)} 12:00 UTC, so "
        "the source has most likely stopped"
    ]
    assert "Traceback" not in result.output
    assert last_finished_day(stale_warehouse) == days_before(10)


def test_no_catch_up_builds_the_requested_day_alone(
    cli: CliRunner, stale_warehouse: Path, built_days: list[dt.date]
) -> None:
    result = cli.invoke(app, daily_args("--no-catch-up"))

    assert result.exit_code == 0, result.output
    assert built_days == [D]


def test_days_left_empty_by_an_outage_the_source_came_back_from_are_built(
    cli: CliRunner, workdir: Path, stale_warehouse: Path, built_days: list[dt.date]
) -> None:
    """Events arrive again with this run's own ingest: the empty days were an outage."""
    write_events(workdir / "today.jsonl", f"{D} 08:30:00")

    result = cli.invoke(app, daily_args("--source", "today.jsonl"))

    assert result.exit_code == 0, result.output
    assert built_days == [days_before(n) for n in range(7, -1, -1)]


def test_a_sqlite_target_in_a_missing_folder_is_refused_before_anything_runs(
    cli: CliRunner, workdir: Path, built_days: list[dt.date]
) -> None:
    write_events(workdir / "events.jsonl", f"{D} 08:30:00")
    args = daily_args("--source", "events.jsonl")
    args[args.index("--target") + 1] = "sqlite:///nonexistent_dir/x.db"

    result = cli.invoke(app, args)

    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: target sqlite:///nonexistent_dir/x.db: the folder nonexistent_dir does not exist"
    ]
    assert built_days == []
    assert not (workdir / "nonexistent_dir").exists()
    assert not (workdir / "wh.duckdb").exists(), "nothing may run before the refusal"
