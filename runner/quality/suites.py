"""The expectation suites: what "good data" means for the raw source.

Only the source: the marts' rules are dbt tests, which every `runner build` runs
(docs/ARCHITECTURE.md, "Where each rule is checked"), so no rule is checked twice.

Each GX suite validates one DataFrame from ``frames``. Every expectation is wrapped in a
``Check`` with a stable name (what ``results.json`` reports) and a severity:

- ``error``: the data is wrong; the run fails (exit 1) and nothing downstream should
  trust it;
- ``warning``: worth a look but normal on some days (an empty day, an unbalanced
  Pre/Post count); it is reported and the run passes.

The severity is also set on GX's own ``severity`` field (critical / warning), so the data
docs and any GX tooling show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import Column

from runner.contracts import HOOK_EVENT_TYPES
from runner.quality.params import Severity, Thresholds

#: GX's names for our two severities.
GX_SEVERITY: dict[Severity, FailureSeverity] = {
    "error": FailureSeverity.CRITICAL,
    "warning": FailureSeverity.WARNING,
}


@dataclass(frozen=True)
class Check:
    """One expectation with the name and severity the runner reports it under."""

    name: str
    severity: Severity
    expectation: gxe.Expectation


@dataclass(frozen=True)
class Suite:
    """A GX suite over one frame; ``index_columns`` identify failing rows in the report."""

    name: str
    frame: str
    index_columns: tuple[str, ...]
    checks: tuple[Check, ...]


def _check(
    name: str, severity: Severity, expectation_class: type[gxe.Expectation], **kwargs: Any
) -> Check:
    """Build the expectation tagged so that its GX result can be matched back to the check."""
    expectation = expectation_class(
        **kwargs, severity=GX_SEVERITY[severity], meta={"check": name, "severity": severity}
    )
    return Check(name=name, severity=severity, expectation=expectation)


def source_event_suite(thresholds: Thresholds) -> Suite:
    """Row-level contract of raw.hook_events (DESIGN.md), tolerant of a few bad rows.

    Bad rows are expected in small numbers (staging quarantines them), so every row
    expectation is a ``mostly`` share: a handful passes, a flood fails.
    """
    mostly = thresholds.min_valid_share
    is_tool_event = Column("is_tool_event") == True  # noqa: E712 - builds a GX condition
    checks = (
        _check(
            "event_type_known",
            "error",
            gxe.ExpectColumnValuesToBeInSet,
            column="event_type",
            value_set=list(HOOK_EVENT_TYPES),
            mostly=mostly,
            description="Event types are one of the hook event types the app writes.",
        ),
        _check(
            "event_type_present",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="event_type",
            mostly=mostly,
            description="Every event has a type.",
        ),
        _check(
            "timestamp_parses",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="event_at",
            mostly=mostly,
            description="The timestamp text parses as a UTC timestamp.",
        ),
        _check(
            "timestamp_not_in_future",
            "error",
            gxe.ExpectColumnValuesToBeInSet,
            column="is_future",
            value_set=[False],
            mostly=mostly,
            description="Events are not stamped later than now (plus the staging tolerance).",
        ),
        _check(
            "session_id_on_tool_events",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="session_id",
            mostly=mostly,
            row_condition=is_tool_event,
            description="Tool events (Pre/PostToolUse) carry a session id.",
        ),
        _check(
            "tool_name_on_tool_events",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="tool_name",
            mostly=mostly,
            row_condition=is_tool_event,
            description="Tool events name their tool (column or payload).",
        ),
        _check(
            "payload_is_json",
            "error",
            gxe.ExpectColumnValuesToBeInSet,
            column="is_valid_json",
            value_set=[True],
            mostly=mostly,
            description="The payload is valid JSON and the record was readable.",
        ),
    )
    return Suite(
        name="source.hook_events", frame="source_events", index_columns=("event_id",), checks=checks
    )


def source_window_suite(thresholds: Thresholds) -> Suite:
    """Window-level health of the source: volume, Pre/Post balance, freshness (warnings).

    An empty day is normal (a holiday), and Pre/Post don't always balance in real data,
    so none of these fail the run; they tell the operator where to look.
    """
    checks = (
        _check(
            "events_in_window",
            "warning",
            gxe.ExpectColumnMinToBeBetween,
            column="window_event_count",
            min_value=1,
            description="The analysis window holds at least one event.",
        ),
        _check(
            "pre_post_balanced",
            "warning",
            gxe.ExpectColumnMaxToBeBetween,
            column="pre_post_imbalance",
            min_value=0,
            max_value=thresholds.max_pre_post_imbalance,
            description="|PreToolUse - PostToolUse| / max(PreToolUse, PostToolUse) "
            f"in the window is at most {thresholds.max_pre_post_imbalance}.",
        ),
        _check(
            "source_fresh",
            "warning",
            gxe.ExpectColumnMaxToBeBetween,
            column="hours_since_latest_event",
            min_value=0,
            max_value=thresholds.freshness_hours,
            description="The latest event is at most "
            f"{thresholds.freshness_hours:g} hours older than the window end.",
        ),
    )
    return Suite(name="source.window", frame="source_window", index_columns=(), checks=checks)


def all_suites(thresholds: Thresholds) -> tuple[Suite, ...]:
    """The suites in the order the report lists them: rows first, then the window."""
    return (source_event_suite(thresholds), source_window_suite(thresholds))
