"""The dbt child process: it dies with the runner, then runs dbt's command line.

`runner.dbt_invocation` starts ``python -m runner.dbt_child <dbt arguments>``. On Linux the
child first asks the kernel for a parent-death signal (prctl PR_SET_PDEATHSIG): if the
runner is killed outright (SIGKILL, the OOM killer), the kernel kills dbt too, and with
it dbt's hold on the warehouse file. Done here rather than in a ``preexec_fn``, which is
unsafe in a parent with threads (the runner's progress display has one); the cost is
nothing, as the child starts a Python interpreter for dbt either way.

The parent's pid comes in the environment: if the runner died before the request took
effect, the child has been adopted by another process already and exits at once.
Elsewhere than Linux the child runs dbt unguarded; SIGTERM and SIGINT to the runner
still stop it (runner/stopping.py).
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys

PARENT_PID_ENV = "RUNNER_DBT_PARENT_PID"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask for SIGKILL when the parent dies; exit now if it is gone already."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not fatal: SIGTERM and SIGINT still stop dbt through the runner
    expected = os.environ.get(PARENT_PID_ENV, "")
    if expected.isdigit() and os.getppid() != int(expected):
        os._exit(128 + signal.SIGKILL)


def main() -> None:
    die_with_parent()
    sys.argv = ["dbt", *sys.argv[1:]]
    runpy.run_module("dbt.cli.main", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
