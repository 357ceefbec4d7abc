"""`runner daily` control flow: the overlap lock and the catch-up of missed days."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from runner import bookkeeping
from runner.daily import (
    MAX_CATCH_UP_DAYS,
    days_to_run,
    exclusive_lock,
    last_finished_day,
)
from runner.errors import RunnerError

D = dt.date(2026, 11, 20)


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
