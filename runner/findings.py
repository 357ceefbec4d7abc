"""What a day's build found, in the few lines `runner daily` ends with.

An operator reading the cron log should not need SQL to know the outcome: how many
families each status holds, how many are new for review, and which pending families a
reviewer should open first. The counts come from ``queries/daily/status_counts.sql``
over ``marts.pattern_classifications``, on family heads (the rows the sync writes).

The top five are the head of the report's review queue
(``queries/report/review_queue.sql``), so the log and the report name the same families
in the same order: expected value = savings (median duration, all time) times confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.report import QUERY_DIR as REPORT_QUERY_DIR
from runner.report import decision_thresholds, query_params
from runner.window import AnalysisWindow

QUERY_DIR = Path(__file__).parent / "queries" / "daily"
#: How many pending families the summary lists.
TOP_N = 5


@dataclass(frozen=True)
class QueuedPattern:
    """A pending family head, as the summary lists it."""

    pattern_id: str
    tool_sequence: str
    occurrence_count: int
    session_count: int
    confidence_score: float
    #: median duration times all-time occurrences times the cost per hour
    savings_usd: float
    expected_value_usd: float
    is_new: bool

    def describe(self) -> str:
        new = "new, " if self.is_new else ""
        return (
            f"{self.pattern_id} {self.tool_sequence}: expected value "
            f"${self.expected_value_usd:,.0f} (savings ${self.savings_usd:,.0f}, "
            f"confidence {self.confidence_score:.2f}; {new}{self.occurrence_count} "
            f"occurrences in {self.session_count} sessions, all time)"
        )


@dataclass
class Findings:
    """The review queue after a day's build: status counts and the top pending families."""

    auto_approved: int = 0
    pending: int = 0
    auto_rejected: int = 0
    new_pending: int = 0
    top: list[QueuedPattern] = field(default_factory=list)

    def describe_lines(self) -> list[str]:
        lines = [
            f"patterns (families): {self.auto_approved} auto-approved, {self.pending} pending, "
            f"{self.auto_rejected} auto-rejected",
            f"new for review: {self.new_pending} "
            f"pending {'family' if self.new_pending == 1 else 'families'} first seen in the window",
        ]
        if self.top:
            lines.append(
                f"top {len(self.top)} for review (by expected value: savings * confidence; "
                "savings use the median duration):"
            )
            lines += [f"  {rank}. {row.describe()}" for rank, row in enumerate(self.top, 1)]
        return lines


def read_findings(settings: Settings, top_n: int = TOP_N) -> Findings:
    """The review queue of the marts as built for ``settings``' window.

    Raises RunnerError if the marts cannot be read.
    """
    params = query_params(AnalysisWindow(settings.run_date, settings.window_hours)) | {
        "cost_per_hour_usd": decision_thresholds(settings.dbt_vars)["cost_per_hour_usd"]
    }
    with warehouse_db.connect(settings.warehouse, read_only=True) as con:
        counts = _query(con, QUERY_DIR / "status_counts.sql", {})
        top = _query(con, REPORT_QUERY_DIR / "review_queue.sql", params)[:top_n]
    row = counts[0] if counts else {}
    return Findings(
        auto_approved=int(row.get("auto_approved") or 0),
        pending=int(row.get("pending") or 0),
        auto_rejected=int(row.get("auto_rejected") or 0),
        new_pending=int(row.get("new_pending") or 0),
        top=[
            QueuedPattern(
                pattern_id=str(r["pattern_id"]),
                tool_sequence=str(r["tool_sequence"]),
                occurrence_count=int(r["occurrence_count"]),
                session_count=int(r["session_count"]),
                confidence_score=float(r["confidence_score"]),
                savings_usd=float(r["savings_usd"]),
                expected_value_usd=float(r["expected_value_usd"]),
                is_new=bool(r["is_new"]),
            )
            for r in top
        ],
    )


def _query(
    con: duckdb.DuckDBPyConnection, path: Path, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run the query with the named parameters it uses."""
    return warehouse_db.query_file_rows(con, path, params, what="daily summary query")
