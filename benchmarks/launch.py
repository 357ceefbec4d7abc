"""Run a benchmark stage as a child process and measure it: wall time and peak RSS.

The children are started from a small helper process (a ``forkserver`` worker), not from
the benchmark's own process. On Linux, exec keeps the high-water mark of the address
space it replaces, so a child's ``ru_maxrss`` is at least its parent's peak RSS at the
time it was started: once the benchmark had held the 10M count check in memory (about
3 GB), every later stage reported at least that much, whatever it used itself.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass


@dataclass(frozen=True)
class Finished:
    seconds: float
    exit_code: int
    peak_rss_bytes: int


_launcher: ProcessPoolExecutor | None = None


def run_measured(argv: list[str], log: str, env: dict[str, str]) -> Finished:
    """Run ``argv`` with its output in ``log``; its wall time, exit code and peak RSS.

    The peak is ``ru_maxrss`` from ``os.wait4``: the child's, and that of every process
    it waited for (``runner build`` includes its ``dbt`` child).
    """
    global _launcher
    if _launcher is None:
        context = multiprocessing.get_context("forkserver")
        _launcher = ProcessPoolExecutor(max_workers=1, mp_context=context)
    return _launcher.submit(_spawn_and_wait, argv, log, env).result()


def _spawn_and_wait(argv: list[str], log: str, env: dict[str, str]) -> Finished:
    with open(log, "w") as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    return Finished(seconds, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)
