"""The analysis window in Python, defined as macros/window.sql defines it for the models.

The window is the ``hours`` hours ending at the midnight (UTC) after ``run_date``:
``[end_at - hours, end_at)``. Every timestamp after staging is naive UTC, and so are
these. tests/test_window.py renders the macros for several days and lengths and checks
that both give the same bounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisWindow:
    run_date: dt.date
    hours: int

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive end: the midnight after run_date."""
        return dt.datetime.combine(self.run_date + dt.timedelta(days=1), dt.time())

    @property
    def start_at(self) -> dt.datetime:
        """Inclusive start: ``hours`` before the end."""
        return self.end_at - dt.timedelta(hours=self.hours)
