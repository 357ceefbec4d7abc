"""The expectation suites: what "good data" means for the source and for the marts.

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

import datetime as dt
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

#: DESIGN.md's input contract: the hook event types the application writes.
KNOWN_EVENT_TYPES = HOOK_EVENT_TYPES

#: pattern_classifications.status values the models may produce.
CLASSIFICATION_STATUSES = ("auto-approved", "pending", "auto-rejected")


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
            value_set=list(KNOWN_EVENT_TYPES),
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


def classification_suite(run_date: dt.date) -> Suite:
    """Invariants of marts.pattern_classifications, the table the runner syncs and reports."""
    is_destructive = Column("is_destructive") == True  # noqa: E712 - builds a GX condition
    checks = (
        _check(
            "pattern_id_not_null",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="pattern_id",
            description="Every pattern has an id.",
        ),
        _check(
            "pattern_id_unique",
            "error",
            gxe.ExpectColumnValuesToBeUnique,
            column="pattern_id",
            description="One row per pattern (the sync's upsert key).",
        ),
        _check(
            "confidence_score_present",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="confidence_score",
            description="pattern_approvals.confidence_score is not null.",
        ),
        _check(
            "confidence_score_in_unit_interval",
            "error",
            gxe.ExpectColumnValuesToBeBetween,
            column="confidence_score",
            min_value=0,
            max_value=1,
            description="Confidence is a probability, in [0, 1].",
        ),
        _check(
            "status_known",
            "error",
            gxe.ExpectColumnValuesToBeInSet,
            column="status",
            value_set=list(CLASSIFICATION_STATUSES),
            description="The models only auto-approve, auto-reject or leave pending.",
        ),
        _check(
            "status_present",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="status",
            description="Every pattern has a status.",
        ),
        _check(
            "savings_not_negative",
            "error",
            gxe.ExpectColumnValuesToBeBetween,
            column="estimated_savings_usd",
            min_value=0,
            description="Estimated savings are never negative.",
        ),
        _check(
            "savings_present",
            "error",
            gxe.ExpectColumnValuesToNotBeNull,
            column="estimated_savings_usd",
            description="pattern_approvals.estimated_savings_usd is not null.",
        ),
        _check(
            "no_destructive_auto_approved",
            "error",
            gxe.ExpectColumnValuesToNotBeInSet,
            column="status",
            value_set=["auto-approved"],
            row_condition=is_destructive,
            description="A destructive pattern is never auto-approved, whatever its numbers.",
        ),
        _check(
            "built_for_run_date",
            "warning",
            gxe.ExpectColumnValuesToBeInSet,
            column="run_date",
            value_set=[run_date.isoformat()],
            description=f"The marts were built for the checked day ({run_date}); "
            "otherwise the last build failed or used another --run-date.",
        ),
    )
    return Suite(
        name="marts.pattern_classifications",
        frame="pattern_classifications",
        index_columns=("pattern_id",),
        checks=checks,
    )


def occurrence_agreement_suite() -> Suite:
    """The mart agrees with the fact table it summarises.

    occurrence_count is "all occurrences up to the window end", so it must equal the
    number of fct_pattern_occurrences rows of the pattern that started before then.
    """
    checks = (
        _check(
            "occurrence_count_matches_fact_table",
            "error",
            gxe.ExpectColumnValuesToBeInSet,
            column="occurrence_count_difference",
            value_set=[0],
            description="occurrence_count equals the pattern's fct_pattern_occurrences "
            "rows that started before the window end.",
        ),
    )
    return Suite(
        name="marts.occurrence_agreement",
        frame="occurrence_agreement",
        index_columns=("pattern_id",),
        checks=checks,
    )


def all_suites(thresholds: Thresholds, run_date: dt.date) -> tuple[Suite, ...]:
    """The source suites first, then the marts: the order the report lists them in."""
    return (
        source_event_suite(thresholds),
        source_window_suite(thresholds),
        classification_suite(run_date),
        occurrence_agreement_suite(),
    )
