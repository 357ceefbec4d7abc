"""The window a check run looks at and the thresholds its expectations use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Literal

from runner.window import AnalysisWindow

#: Prefix of the config-file vars ([vars] in runner.toml) that override a threshold,
#: e.g. ``hook_patterns_check_freshness_hours = 6``. Project-prefixed like the dbt vars.
VAR_PREFIX = "hook_patterns_check_"

#: error: the run fails (exit 1); warning: reported, the run passes.
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CheckWindow(AnalysisWindow):
    """The analysis window (runner/window.py), and where "the future" starts for a check.

    All values are naive UTC timestamps, like every timestamp after staging.
    """

    #: Events stamped later than this are "in the future" (now + the staging tolerance).
    future_limit_at: dt.datetime

    @classmethod
    def for_run(
        cls,
        run_date: dt.date,
        window_hours: int,
        *,
        future_tolerance_minutes: float,
        now: dt.datetime | None = None,
    ) -> CheckWindow:
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return cls(
            run_date=run_date,
            hours=window_hours,
            future_limit_at=now + dt.timedelta(minutes=future_tolerance_minutes),
        )


@dataclass(frozen=True)
class Thresholds:
    """Tolerances of the suites; each can be overridden by a ``hook_patterns_check_*`` var."""

    #: Share of raw rows that must satisfy a row-level contract expectation. Bad rows are
    #: normal in small numbers (staging quarantines them); a flood is an incident.
    min_valid_share: float = 0.99
    #: Largest tolerated |pre - post| / max(pre, post) in the window (warning).
    max_pre_post_imbalance: float = 0.2
    #: The latest event may be at most this many hours older than the window end (warning).
    freshness_hours: float = 12.0
    #: Raw rows fetched into pandas at most; a larger window is validated on a sample.
    max_source_rows: int = 100_000

    @classmethod
    def from_vars(cls, dbt_vars: dict[str, Any]) -> Thresholds:
        """Read overrides such as ``hook_patterns_check_min_valid_share`` from config vars."""
        overrides: dict[str, Any] = {}
        for item in fields(cls):
            key = VAR_PREFIX + item.name
            if key in dbt_vars:
                caster = int if item.type in {"int", int} else float
                overrides[item.name] = caster(dbt_vars[key])
        return cls(**overrides)


def future_tolerance_minutes(dbt_vars: dict[str, Any]) -> float:
    """The staging model's tolerance for clock skew, so both agree on "in the future"."""
    return float(dbt_vars.get("hook_patterns_future_tolerance_minutes", 5))
