"""Stopping a run on SIGTERM or SIGINT: whole, at once, and saying so.

While a command runs (`stop_on_signals`, installed by the CLI around every command), the
first SIGTERM or SIGINT raises `Stopped` in the main thread. It derives from
BaseException, so `except Exception` handlers let it through while `with` blocks and
`except BaseException: rollback` handlers run: the ingest's DuckDB transaction and the
sync's SQLite/PostgreSQL transaction roll back, and `runner.dbt_invocation` stops its dbt
child (terminate, kill after a grace period) before the exception goes on. The CLI then
prints one line and exits 128 + the signal number (143 for SIGTERM, 130 for SIGINT).

Later signals are ignored while the run winds down, so the clean-up is not cut short.
A C call can swallow the exception (DuckDB turns it into "Query interrupted"), so what
counts is `requested()`: once a stop was requested, any failure is the stop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: What a stop leaves behind, for the step that was running (see `activity`).
WAREHOUSE_KEPT = "the warehouse is as the last completed step left it"
APPROVALS_KEPT = "nothing was written to pattern_approvals"


class Stopped(BaseException):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int, during: tuple[str, str] | None = None) -> None:
        super().__init__(signum)
        self.signum = signum
        #: (what was running, what the stop leaves behind) when the signal came
        self.during = during

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal."""
        return 128 + self.signum


_requested: Stopped | None = None
#: (what is running, what a stop leaves behind), innermost last.
_activities: list[tuple[str, str]] = []


def requested() -> Stopped | None:
    """The stop asked for during this command, if any."""
    return _requested


def raise_if_requested() -> None:
    """Raise the pending stop, for code that caught what a C call made of it."""
    if _requested is not None:
        raise _requested


def _handler(signum: int, frame: FrameType | None) -> None:
    global _requested
    if _requested is not None:
        return  # already stopping: let the clean-up finish
    _requested = Stopped(signum, _activities[-1] if _activities else None)
    raise _requested


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise `Stopped` while the block runs (main thread only)."""
    global _requested
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    _requested = None
    previous = {signum: signal.signal(signum, _handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def activity(label: str, left_behind: str = WAREHOUSE_KEPT) -> Iterator[None]:
    """Name what runs in the block, for the line a stop prints."""
    _activities.append((label, left_behind))
    try:
        yield
    finally:
        _activities.pop()


def stop_message(stop: Stopped, command: str) -> str:
    """One line: which signal, during what, what is left, what to do."""
    label, left_behind = stop.during or (command, WAREHOUSE_KEPT)
    return (
        f"stopped by {stop.signal_name} during {label}; {left_behind}; run the same command again"
    )
