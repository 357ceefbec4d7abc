"""Run a benchmark stage as a child process and measure it: wall time, peak RSS, CPU.

The children are started from a small helper process (a ``forkserver`` worker), not from
the benchmark's own process. On Linux, exec keeps the high-water mark of the address
space it replaces, so a child's ``ru_maxrss`` is at least its parent's peak RSS at the
time it was started: once the benchmark had held the 10M count check in memory (about
3 GB), every later stage reported at least that much, whatever it used itself.

The CPU time the rest of the machine used while the stage ran is measured too (the
machine's busy time in /proc/stat, less the child's own): a figure taken beside other
work is not comparable, and on 2 cores a few seconds of it move a ratio by several
per cent (the limit's 12 s once read 23.9 s while a profile ran beside it).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class Finished:
    seconds: float
    exit_code: int
    peak_rss_bytes: int
    #: user + system time of the child and of the processes it waited for
    cpu_seconds: float = 0.0
    #: every process's CPU time over the same interval; None where /proc/stat is missing
    machine_cpu_seconds: float | None = None

    @property
    def other_cpu_seconds(self) -> float | None:
        """CPU time other processes used while the stage ran (never below 0)."""
        if self.machine_cpu_seconds is None:
            return None
        return max(0.0, self.machine_cpu_seconds - self.cpu_seconds)


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


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (/proc/stat), or None elsewhere.

    Busy is user, nice, system, irq and softirq time (guest time is inside user);
    idle, I/O wait and time stolen by the hypervisor are not work done here.
    """
    try:
        fields = PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _spawn_and_wait(argv: list[str], log: str, env: dict[str, str]) -> Finished:
    with open(log, "w") as out:
        busy_before = machine_busy_seconds()
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        busy_after = machine_busy_seconds()
    machine = None
    if busy_before is not None and busy_after is not None:
        machine = busy_after - busy_before
    return Finished(
        seconds,
        os.waitstatus_to_exitcode(status),
        usage.ru_maxrss * 1024,
        usage.ru_utime + usage.ru_stime,
        machine,
    )
