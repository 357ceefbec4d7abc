"""GX results → the run's own ``results.json`` and the summary the CLI prints.

GX's result objects are rich but deeply nested and version-specific; ``results.json``
is the stable, flat contract for CI and the daily report: one entry per check with its
suite, name, severity, success, observed value and a bounded set of details.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.quality.params import CheckWindow, Severity

if TYPE_CHECKING:  # GX is imported only once the warehouse has been read
    from runner.quality.engine import SuiteRun

#: Keys of a GX result copied into ``details`` (all bounded in size by SUMMARY format).
DETAIL_KEYS = (
    "element_count",
    "missing_count",
    "unexpected_count",
    "unexpected_percent",
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
)


@dataclass(frozen=True)
class CheckResult:
    suite: str
    expectation: str
    expectation_type: str
    column: str | None
    description: str | None
    severity: Severity
    success: bool
    observed_value: Any
    details: dict[str, Any]

    def describe(self) -> str:
        """One line: which check, what it expects, what it saw."""
        expects = f" ({self.description.rstrip('.')})" if self.description else ""
        observed = short_value(self.observed_value)
        return f"{self.suite}: {self.expectation}{expects}: observed {observed}"


@dataclass
class CheckSummary:
    """What ``runner check`` reports; ``success`` is False only for failed error checks.

    A :class:`runner.outcome.StepOutcome`: failed error checks are its failures, failed
    warning checks its warnings.
    """

    run_date: dt.date
    results: list[CheckResult]
    json_path: Path
    data_docs_path: Path
    source_population: int
    source_sampled: bool
    seconds: float = 0.0

    @property
    def failed_errors(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "error"]

    @property
    def failed_warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "warning"]

    @property
    def success(self) -> bool:
        return not self.failed_errors

    @property
    def description(self) -> str:
        passed = sum(1 for r in self.results if r.success)
        return (
            f"checks {self.run_date}: {passed} passed, {len(self.failed_warnings)} warning(s), "
            f"{len(self.failed_errors)} error(s) in {self.seconds:.1f}s"
        )

    @property
    def failures(self) -> list[str]:
        return [result.describe() for result in self.failed_errors]

    @property
    def warnings(self) -> list[str]:
        return [result.describe() for result in self.failed_warnings]

    def describe(self) -> str:
        """A few lines for the terminal: the verdict, then every failed check."""
        sample_note = " (a sample of them)" if self.source_sampled else ""
        lines = [
            self.description,
            f"raw rows checked: {self.source_population}{sample_note}",
        ]
        for result in self.failed_errors + self.failed_warnings:
            lines.append(f"  {result.severity.upper():7} {result.describe()}")
        lines.append(f"results: {self.json_path}")
        lines.append(f"data docs: {self.data_docs_path}")
        return "\n".join(lines)


def collect_results(runs: list[SuiteRun]) -> list[CheckResult]:
    """Flatten GX suite results into CheckResults, in the order the suites declare checks."""
    collected: list[CheckResult] = []
    for run in runs:
        by_check = {_check_name(r): r for r in run.result.results}
        for check in run.suite.checks:
            gx_result = by_check[check.name]
            collected.append(_check_result(run.suite.name, check.severity, gx_result))
    return collected


def _check_name(gx_result: Any) -> str | None:
    """The check name the suite put into the expectation's meta."""
    config = gx_result.expectation_config
    return (config.meta or {}).get("check") if config is not None else None


def _check_result(suite: str, severity: Severity, gx_result: Any) -> CheckResult:
    config = gx_result.expectation_config
    result: dict[str, Any] = dict(gx_result.result or {})
    details = {key: result[key] for key in DETAIL_KEYS if key in result}
    exception = gx_result.exception_info or {}
    if exception.get("raised_exception"):
        details["exception"] = exception.get("exception_message")
    return CheckResult(
        suite=suite,
        expectation=config.meta["check"],
        expectation_type=config.type,
        column=config.kwargs.get("column"),
        description=config.description,
        severity=severity,
        success=bool(gx_result.success),
        observed_value=_observed(result),
        details=_jsonable(details),
    )


def _observed(result: dict[str, Any]) -> Any:
    """Aggregate expectations observe a value; row expectations observe a failing share."""
    if "observed_value" in result:
        return _jsonable(result["observed_value"])
    if "unexpected_count" in result:
        return {
            "unexpected_count": result.get("unexpected_count"),
            "element_count": result.get("element_count"),
            "unexpected_percent": _jsonable(result.get("unexpected_percent")),
        }
    return None


def _jsonable(value: Any) -> Any:
    """numpy scalars, timestamps and NaN → plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def short_value(value: Any) -> str:
    """An observed value in a few words."""
    if isinstance(value, dict) and "unexpected_count" in value:
        return f"{value['unexpected_count']} of {value['element_count']} rows unexpected"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def write_results(summary: CheckSummary, window: CheckWindow, warehouse: Path) -> None:
    """Write ``results.json``: the verdict, the failed checks (errors first), every check."""
    document = {
        "run_date": summary.run_date.isoformat(),
        "window_start_at": window.start_at.isoformat(),
        "window_end_at": window.end_at.isoformat(),
        "warehouse": str(warehouse),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "success": summary.success,
        "counts": {
            "checks": len(summary.results),
            "passed": sum(1 for r in summary.results if r.success),
            "failed_errors": len(summary.failed_errors),
            "failed_warnings": len(summary.failed_warnings),
        },
        "failed": [
            {"suite": r.suite, "expectation": r.expectation, "severity": r.severity}
            for r in summary.failed_errors + summary.failed_warnings
        ],
        "source_rows": {
            "population": summary.source_population,
            "sampled": summary.source_sampled,
        },
        "data_docs": str(summary.data_docs_path),
        "results": [asdict(r) for r in summary.results],
    }
    summary.json_path.parent.mkdir(parents=True, exist_ok=True)
    summary.json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
