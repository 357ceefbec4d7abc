"""The daily report: what the job saw and found for one analysis window.

One JSON document is collected from the warehouse (the SQL lives in
``runner/queries/report/*.sql``); the Markdown and the HTML page are renderings of that
document, so the three files never disagree. The HTML page is self-contained (inline CSS,
inline SVG charts, no script, no network), because reports get mailed, archived and opened
on machines without access to anything.

The page is the reviewer's desk: it opens with today's review queue (pending family
heads ranked by expected value), and each queued or destructive pattern has a drill-down
section (anchor ``#pattern-<pattern_id>``) with its family and example occurrences as a
timeline of their calls. Its only outgoing links go to the review UI
(``<review_url>/<pattern_id>``, the link the notifications carry) and, when the checks
wrote them, to the data-quality docs beside the report.

Files: ``<report_dir>/<run_date>/report.{json,md,html}``, copied to
``<report_dir>/latest.{json,md,html}`` so a bookmark or a web server always finds today's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runner import paths
from runner import report_charts as charts
from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.errors import RunnerError
from runner.outcome import StepOutcome
from runner.redaction import redact_secrets
from runner.window import AnalysisWindow

REPORT_VERSION = 2
TREND_DAYS = 14
#: Queue rows shown (each with a drill-down); the JSON keeps the whole queue.
QUEUE_SHOWN = 30
#: Example occurrences per drilled-into pattern, and calls listed per occurrence (a
#: collapsed step such as twenty Reads in a row contributes all its calls).
EXAMPLES_PER_PATTERN = 3
CALLS_PER_EXAMPLE = 25
#: Family members listed per drill-down, the most frequent first.
FAMILY_SHOWN = 15
#: Longest command, file path or destructive example shown: a heredoc script must not
#: turn one table cell into a page.
TEXT_SHOWN = 160
#: Destructive patterns listed in the Markdown and HTML (most frequent first); the JSON
#: keeps them all. A noisy rule can flag hundreds, which would bury the rest of the page.
DESTRUCTIVE_SHOWN = 25
STATUSES = ("auto-approved", "pending", "auto-rejected")
#: The dbt vars the report shows and draws: the decision thresholds and the cost rate.
#: Their defaults are read from dbt_project.yml, so the report agrees with the models.
DECISION_VARS = {
    "auto_approve_min_confidence": "hook_patterns_auto_approve_min_confidence",
    "auto_approve_min_occurrences": "hook_patterns_auto_approve_min_occurrences",
    "auto_approve_min_savings_usd": "hook_patterns_auto_approve_min_savings_usd",
    "auto_reject_below": "hook_patterns_auto_reject_max_confidence",
    "cost_per_hour_usd": "hook_patterns_cost_per_hour_usd",
}
QUERY_DIR = Path(__file__).parent / "queries" / "report"
TEMPLATE_DIR = Path(__file__).parent / "templates"
REQUIRED_TABLES = (
    "staging.stg_raw__hook_events",
    "intermediate.int_tool_calls_signed",
    "marts.fct_pattern_occurrences",
    "marts.pattern_occurrence_calls",
    "marts.pattern_classifications",
)
#: The check step's data docs, relative to the report folder (runner.checks.check_dir).
DATA_DOCS = "checks/{run_date}/data_docs/index.html"
BUILD_HINT = "run `runner ingest` and `runner build` first"


# --- entry point --------------------------------------------------------------------


def write_report(
    settings: Settings, extra: Mapping[str, StepOutcome | str] | None = None
) -> list[Path]:
    """Collect the report for ``settings.run_date`` and write JSON, Markdown and HTML.

    ``extra`` maps a step name (checks, sync, notify, …) to that step's outcome, as
    ``runner daily`` saw it (runner/outcome.py), or to a note (str). Failed steps are
    listed at the top of the report with their reasons. Returns the written paths, the
    dated files first.
    """
    data_docs = DATA_DOCS.format(run_date=settings.run_date.isoformat())
    document = collect_report(
        settings.warehouse,
        AnalysisWindow(settings.run_date, settings.window_hours),
        extra,
        thresholds=decision_thresholds(settings.dbt_vars),
        review_url=settings.review_url,
        data_docs=data_docs if (settings.report_dir / data_docs).is_file() else None,
    )
    return write_files(settings.report_dir, document)


def decision_thresholds(dbt_vars: Mapping[str, Any]) -> dict[str, float]:
    """The decision vars: the run's overrides, else dbt_project.yml's defaults."""
    defaults = _project_vars()
    return {key: float(dbt_vars.get(var, defaults[var])) for key, var in DECISION_VARS.items()}


def _project_vars() -> dict[str, Any]:
    project = yaml.safe_load((paths.PROJECT_DIR / "dbt_project.yml").read_text())
    return dict(project.get("vars") or {})


def collect_report(
    warehouse: Path,
    window: AnalysisWindow,
    extra: Mapping[str, StepOutcome | str] | None = None,
    *,
    thresholds: Mapping[str, float] | None = None,
    review_url: str | None = None,
    data_docs: str | None = None,
) -> dict[str, Any]:
    """The report as one JSON-ready document, read from the marts in one connection.

    ``review_url`` is the review UI's base; each pattern links to
    ``<review_url>/<pattern_id>``. ``data_docs`` is the data-quality docs' path relative
    to the report folder, when they exist.
    """
    thresholds = dict(thresholds or decision_thresholds({}))
    with _connect(warehouse) as con:
        _require_tables(con)
        _require_window(con, window)
        params = query_params(window) | {"cost_per_hour_usd": thresholds["cost_per_hour_usd"]}
        volume = _query(con, "window_volume", params)[0]
        summary = _query(con, "pattern_summary", params)[0]
        queue = _query(con, "review_queue", params)
        destructive = _query(con, "destructive_patterns", params)
        drilled = [row["pattern_id"] for row in queue[:QUEUE_SHOWN]] + [
            row["pattern_id"] for row in destructive[:DESTRUCTIVE_SHOWN]
        ]
        drilldowns = _drilldowns(con, drilled)
        document: dict[str, Any] = {
            "report_version": REPORT_VERSION,
            "generated_at": _iso(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)),
            "run_date": window.run_date.isoformat(),
            "window": {
                "start_at": _iso(window.start_at),
                "end_at": _iso(window.end_at),
                "hours": window.hours,
            },
            "warehouse": str(warehouse),
            "is_empty": volume["events"] == 0,
            "volume": {key: volume[key] for key in ("events", "sessions")},
            "quarantine": {
                "rows_in_window": volume["quarantined_in_window"],
                "rows_without_timestamp": volume["quarantined_without_timestamp"],
                "by_reason": _query(con, "quarantine_reasons", params),
            },
            "patterns": _pattern_counts(summary),
            "links": {"review_url": review_url, "data_docs": data_docs},
            "thresholds": thresholds,
            "review_queue": [
                _queue_row(row, rank, review_url) for rank, row in enumerate(queue, start=1)
            ],
            "destructive_patterns": [_destructive_row(row, review_url) for row in destructive],
            "drilldowns": drilldowns,
            "trend": {"days": TREND_DAYS, "rows": _query(con, "daily_trend", params)},
            "decision_points": _query(con, "decision_points", params),
        }
    steps = summarize_steps(extra or {})
    document["steps"] = steps
    document["problems"] = [
        f"{step['step']}: {reason}"
        for step in steps
        if step["status"] == "failed"
        for reason in (step["failures"] or [step["summary"] or "failed (no reason given)"])
    ]
    return _json_safe(document)


def review_link(review_url: str | None, pattern_id: str) -> str | None:
    """The review UI's page of one pattern: the same link the notifications carry."""
    return f"{review_url.rstrip('/')}/{pattern_id}" if review_url else None


def anchor(pattern_id: str) -> str:
    """The id of a pattern's drill-down section (pattern ids are hex: safe in ids)."""
    return f"pattern-{pattern_id}"


def _queue_row(row: Mapping[str, Any], rank: int, review_url: str | None) -> dict[str, Any]:
    queued = {key: value for key, value in row.items() if key != "example_sessions"}
    return queued | {
        "rank": rank,
        "example_sessions": _json_list(row["example_sessions"]),
        "review_link": review_link(review_url, row["pattern_id"]),
        "anchor": anchor(row["pattern_id"]) if rank <= QUEUE_SHOWN else None,
    }


def _destructive_row(row: Mapping[str, Any], review_url: str | None) -> dict[str, Any]:
    example = _clip(row["destructive_example"])
    return dict(row) | {
        "destructive_example": example["text"],
        "destructive_example_length": example["length"],
        "review_link": review_link(review_url, row["pattern_id"]),
        "anchor": anchor(row["pattern_id"]),
    }


def _drilldowns(con: duckdb.DuckDBPyConnection, pattern_ids: list[str]) -> dict[str, Any]:
    """Per pattern: its family members and its example occurrences with their calls."""
    pattern_ids = list(dict.fromkeys(pattern_ids))
    if not pattern_ids:
        return {}
    params = {
        "pattern_ids": pattern_ids,
        "max_examples": EXAMPLES_PER_PATTERN,
        "max_calls": CALLS_PER_EXAMPLE,
    }
    drilldowns: dict[str, Any] = {pid: {"family": [], "examples": []} for pid in pattern_ids}
    for member in _query(con, "family_members", params):
        drilldowns[member["family_head_pattern_id"]]["family"].append(member)
    examples: dict[tuple[str, int], dict[str, Any]] = {}
    for call in _query(con, "example_calls", params):
        key = (call["pattern_id"], call["example_number"])
        if key not in examples:
            examples[key] = {
                "occurrence_id": call["occurrence_id"],
                "session_id": call["session_id"],
                "started_at": call["occurrence_started_at"],
                "duration_ms": call["occurrence_duration_ms"],
                "call_count": call["call_count"],
                "calls": [],
            }
            drilldowns[call["pattern_id"]]["examples"].append(examples[key])
        examples[key]["calls"].append(_timeline_call(call))
    for example in examples.values():
        # each call's share of the example's longest call: the width of its timeline bar
        longest = max((c["duration_ms"] or 0 for c in example["calls"]), default=0)
        for call in example["calls"]:
            call["share"] = (call["duration_ms"] or 0) / longest if longest else 0.0
    return drilldowns


def _timeline_call(call: Mapping[str, Any]) -> dict[str, Any]:
    """One call of an example: what ran (redacted, clipped), when, how long, and its outcome."""
    started, occurrence_started = call["call_started_at"], call["occurrence_started_at"]
    offset = (
        (started - occurrence_started).total_seconds() * 1000
        if started is not None and occurrence_started is not None
        else None
    )
    target = _clip(call["call_target"])  # command, file path or input: example_calls.sql
    return {
        "number": call["call_number"],
        "tool": call["tool_name"],
        "target": target["text"],
        "target_length": target["length"],
        "offset_ms": offset,
        "duration_ms": call["call_duration_ms"],
        "is_success": call["is_success"],
        "is_destructive": bool(call["is_destructive"]),
        "destructive_rule_id": call["destructive_rule_id"],
    }


def _clip(value: str | None) -> dict[str, Any]:
    """Text redacted once more (defence in depth), then cut to TEXT_SHOWN characters."""
    if value is None:
        return {"text": None, "length": 0}
    redacted = redact_secrets(str(value))
    flat = " ⏎ ".join(line.strip() for line in redacted.splitlines() if line.strip())
    if len(flat) <= TEXT_SHOWN:
        return {"text": flat, "length": len(redacted)}
    return {"text": flat[: TEXT_SHOWN - 1].rstrip() + "…", "length": len(redacted)}


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []


def _pattern_counts(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "total": summary["patterns"],
        "families": summary["families"],
        "new": summary["new_patterns"],
        "updated": summary["updated_patterns"],
        "destructive": summary["destructive_patterns"],
        "by_status": {status: summary[status.replace("-", "_")] for status in STATUSES},
        "estimated_savings_usd": summary["estimated_savings_usd"],
    }


# --- warehouse access -----------------------------------------------------------------


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Read-only: the report never changes the warehouse, and must not create one."""
    return warehouse_db.connect(warehouse, read_only=True, missing_hint=BUILD_HINT)


def _require_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in REQUIRED_TABLES:
        warehouse_db.require_table(con, table, hint=BUILD_HINT)


def query_params(window: AnalysisWindow) -> dict[str, Any]:
    """Naive UTC datetimes: the warehouse stores timestamps without time zone."""
    return {
        "window_start_at": window.start_at,
        "window_end_at": window.end_at,
        "run_date": window.run_date,
        "trend_start_date": window.run_date - dt.timedelta(days=TREND_DAYS - 1),
    }


def _require_window(con: duckdb.DuckDBPyConnection, window: AnalysisWindow) -> None:
    """Refuse to report marts built for another window: the numbers would be misattributed."""
    built = _query(con, "built_windows", {})
    expected = (window.run_date, window.start_at, window.end_at)
    stale = [
        row
        for row in built
        if (row["run_date"], row["window_start_at"], row["window_end_at"]) != expected
    ]
    if stale:
        row = stale[0]
        raise RunnerError(
            f"the marts were built for run date {row['run_date']} "
            f"({row['window_start_at']} to {row['window_end_at']}), not for {window.run_date} "
            f"with a {window.hours} h window",
            f"run `runner build --run-date {window.run_date} --window-hours {window.hours}` first",
        )


def _query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Run ``queries/report/<name>.sql`` with the named parameters it uses."""
    return warehouse_db.query_file_rows(
        con,
        QUERY_DIR / f"{name}.sql",
        params,
        what="report query",
        hint="the marts may be from an older version; " + BUILD_HINT,
    )


# --- step summaries from `runner daily` ----------------------------------------------


def summarize_steps(extra: Mapping[str, StepOutcome | str]) -> list[dict[str, Any]]:
    """One row per step: its status, one-line summary, failures, warnings and scalar details.

    A step's value is the outcome its service returned (runner/outcome.py), read through
    that protocol only, or a note (str) such as why a step did not run. The details are
    the outcome's own scalar fields (counts, flags), kept for the JSON.
    """
    rows = []
    for name, value in extra.items():
        if isinstance(value, str):
            row = _step_row(name, "note", value, [], [])
        else:
            status = "ok" if value.success else "failed"
            row = _step_row(name, status, value.description, value.failures, value.warnings)
            row["details"] = _scalar_fields(value)
        rows.append(row)
    return rows


def _step_row(
    name: str, status: str, summary: str, failures: list[str], warnings: list[str]
) -> dict[str, Any]:
    return {
        "step": str(name),
        "status": status,
        "summary": summary or None,
        "failures": list(failures),
        "warnings": list(warnings),
        "details": {},
    }


#: The StepOutcome members, which have their own place in a step row.
PROTOCOL_KEYS = frozenset({"success", "description", "failures", "warnings"})


def _scalar_fields(value: Any) -> dict[str, Any]:
    """The scalar fields of a dataclass outcome (paths as text); nothing for other types."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return {}
    fields = _json_safe({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return {
        key: item
        for key, item in fields.items()
        if key not in PROTOCOL_KEYS and (item is None or isinstance(item, str | int | float | bool))
    }


# --- JSON -------------------------------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    """UTC timestamps written as ISO 8601 with a Z, so nobody guesses the zone."""
    return value.isoformat(timespec="seconds") + "Z"


def _json_safe(value: Any) -> Any:
    """Warehouse values and step summaries to plain JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_safe(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if isinstance(value, dt.datetime):
        return _iso(value.astimezone(dt.UTC).replace(tzinfo=None)) if value.tzinfo else _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- Markdown ---------------------------------------------------------------------------


def render_markdown(doc: Mapping[str, Any], root: str = "") -> str:
    """The report as GitHub-flavoured Markdown: the same sections as the HTML page.

    ``root`` leads from the file's folder to the report folder ("../" for the dated
    copies), so relative links resolve from both the dated file and latest.md.
    """
    sections = (
        _md_header,
        _md_queue,
        _md_summary,
        _md_steps,
        _md_status,
        _md_destructive,
        _md_drilldowns,
        _md_quarantine,
        _md_trend,
    )
    return "\n".join(line for section in sections for line in section(doc, root))


def _md_header(doc: Mapping[str, Any], root: str) -> list[str]:
    window = doc["window"]
    lines = [
        f"# Hook pattern report: {doc['run_date']}",
        "",
        f"Window: {window['start_at']} to {window['end_at']} ({window['hours']} h, UTC), "
        f"generated {doc['generated_at']}.",
        "",
    ]
    if doc["links"]["data_docs"]:
        lines += [f"Data-quality checks: [data docs]({root}{doc['links']['data_docs']}).", ""]
    if doc["problems"]:
        lines += ["> **Attention:** some steps failed.", ">"]
        lines += [f"> - {_md_text(problem)}" for problem in doc["problems"]]
        lines.append("")
    if doc["is_empty"]:
        lines += ["**No events in the window**: there was nothing to analyse this day.", ""]
    return lines


def _md_queue(doc: Mapping[str, Any], root: str) -> list[str]:
    queue = doc["review_queue"]
    header = [
        "#",
        "Sequence",
        "Why pending",
        "Occurrences (window / all time)",
        "Sessions (window / all time)",
        "Typical duration (p50)",
        "Savings (window / all time)",
        "Confidence",
        "Expected value",
        "Pattern",
    ]
    rows = [
        [
            str(row["rank"]),
            f"`{_md_code(row['tool_sequence'])}`",
            row["status_reason"] or "",
            f"{_count(row['window_occurrence_count'])} / {_count(row['occurrence_count'])}",
            f"{_count(row['window_session_count'])} / {_count(row['session_count'])}",
            _duration(row["p50_duration_ms"]),
            f"{_usd(row['window_savings_usd'])} / {_usd(row['savings_usd'])}",
            _ratio(row["confidence_score"]),
            _usd(row["expected_value_usd"]),
            _md_pattern_links(row),
        ]
        for row in queue[:QUEUE_SHOWN]
    ]
    lines = [
        "## Today's review queue",
        "",
        f"{len(queue):,} pending pattern families, ranked by expected value (all-time "
        "savings times confidence). Savings = typical (median) duration times occurrences "
        f"times {_usd(doc['thresholds']['cost_per_hour_usd'])} per hour.",
        "",
    ]
    if len(queue) > QUEUE_SHOWN:
        lines += [f"The first {QUEUE_SHOWN} of {len(queue):,}; all are in report.json.", ""]
    return lines + _md_table(header, rows, empty="Nothing to review: no pending families.")


def _md_pattern_links(row: Mapping[str, Any]) -> str:
    links = [f"`{row['pattern_id']}`"]
    if row.get("anchor"):
        links.append(f"[details](#{row['anchor']})")
    if row.get("review_link"):
        links.append(f"[review]({row['review_link']})")
    return " ".join(links)


def _md_summary(doc: Mapping[str, Any], root: str) -> list[str]:
    patterns, quarantine, volume = doc["patterns"], doc["quarantine"], doc["volume"]
    return [
        "## Summary",
        "",
        f"- Events: {volume['events']:,} in {volume['sessions']:,} sessions",
        f"- Quarantined rows: {quarantine['rows_in_window']:,} in the window, "
        f"{quarantine['rows_without_timestamp']:,} without a timestamp (all time)",
        f"- Patterns: {patterns['total']:,} candidates ({patterns['new']:,} new, "
        f"{patterns['updated']:,} updated) in {patterns['families']:,} families, "
        f"{patterns['destructive']:,} of them destructive",
        f"- Estimated savings of all families (all time, median duration): "
        f"{_usd(patterns['estimated_savings_usd'])}",
        "",
    ]


def _md_status(doc: Mapping[str, Any], root: str) -> list[str]:
    by_status = doc["patterns"]["by_status"]
    rows = [[status, _count(n)] for status, n in by_status.items()]
    return ["## Families by status", "", *_md_table(["Status", "Families"], rows)]


def _md_destructive(doc: Mapping[str, Any], root: str) -> list[str]:
    found = doc["destructive_patterns"]
    header = ["Sequence", "Rule", "Evidence", "Example (redacted)", "Status", "Pattern"]
    rows = [
        [
            f"`{_md_code(row['tool_sequence'])}`",
            row["destructive_rule_id"] or "",
            _evidence(row),
            f"`{_md_code(row['destructive_example'] or '')}`",
            row["status"],
            _md_pattern_links(row),
        ]
        for row in found[:DESTRUCTIVE_SHOWN]
    ]
    lines = ["## Destructive patterns caught", ""]
    if len(found) > DESTRUCTIVE_SHOWN:
        lines += [
            f"The {DESTRUCTIVE_SHOWN} most frequent of {len(found):,}; all are in report.json.",
            "",
        ]
    return lines + _md_table(header, rows, empty="No destructive patterns in this window.")


def _evidence(row: Mapping[str, Any]) -> str:
    """How much of the pattern the destructive operation is: "k of n occurrences"."""
    return f"{row['destructive_occurrences']:,} of {row['counted_occurrences']:,} occurrences"


def _md_drilldowns(doc: Mapping[str, Any], root: str) -> list[str]:
    titles = {row["pattern_id"]: row["tool_sequence"] for row in doc["review_queue"]}
    titles |= {row["pattern_id"]: row["tool_sequence"] for row in doc["destructive_patterns"]}
    lines: list[str] = []
    for pattern_id, drill in doc["drilldowns"].items():
        lines += [
            f'<a id="{anchor(pattern_id)}"></a>',
            f"### `{_md_code(titles.get(pattern_id, pattern_id))}`",
            "",
            f"Pattern `{pattern_id}`; its family groups {len(drill['family']):,} other "
            f"candidate{'' if len(drill['family']) == 1 else 's'} under it.",
            "",
        ]
        for number, example in enumerate(drill["examples"], start=1):
            lines += [
                f"Example {number}: session `{example['session_id']}`, "
                f"{example['started_at']}, {_duration(example['duration_ms'])}",
                "",
                *_md_table(
                    ["#", "Tool", "Command or file (redacted)", "Duration", "Result"],
                    [
                        [
                            str(call["number"]),
                            call["tool"] or "",
                            f"`{_md_code(call['target'])}`" if call["target"] else "",
                            _duration(call["duration_ms"]),
                            _outcome(call["is_success"]),
                        ]
                        for call in example["calls"]
                    ],
                ),
            ]
    return ["## Pattern details", "", *lines] if lines else []


def _md_quarantine(doc: Mapping[str, Any], root: str) -> list[str]:
    rows = [
        [row["reason"], _count(row["rows_in_window"]), _count(row["rows_without_timestamp"])]
        for row in doc["quarantine"]["by_reason"]
    ]
    header = ["Reason", "Rows in window", "Rows without timestamp"]
    return ["## Quarantine", "", *_md_table(header, rows, empty="No quarantined rows.")]


def _md_trend(doc: Mapping[str, Any], root: str) -> list[str]:
    keys = ("events", "sessions", "quarantined", "occurrences", "distinct_patterns")
    header = ["Date", "Events", "Sessions", "Quarantined", "Occurrences", "Distinct patterns"]
    rows = [
        [row["activity_date"], *(_count(row[key]) for key in keys)] for row in doc["trend"]["rows"]
    ]
    return [
        f"## Trend (last {doc['trend']['days']} days, from the first day with data)",
        "",
        *_md_table(header, rows, empty="No activity in the period."),
    ]


def _md_steps(doc: Mapping[str, Any], root: str) -> list[str]:
    steps = doc["steps"]
    if not steps:
        return []
    lines = ["## Pipeline steps", ""]
    lines += _md_table(
        ["Step", "Status", "Details"],
        [[step["step"], step["status"], "; ".join(_step_lines(step))] for step in steps],
    )
    return lines


def _step_lines(step: Mapping[str, Any]) -> list[str]:
    """What a step reported: its summary, failures and warnings (details stay in the JSON)."""
    return [
        *([step["summary"]] if step["summary"] else []),
        *(f"failed: {failure}" for failure in step["failures"]),
        *(f"warning: {warning}" for warning in step["warnings"]),
    ]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], empty: str = "") -> list[str]:
    if not rows and empty:
        return [f"_{empty}_", ""]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _md_cell(value: str) -> str:
    """A table cell on one line, with pipes escaped so data cannot break the table."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _md_code(value: str) -> str:
    """Inline code must not contain backticks; the data may."""
    return str(value).replace("`", "'")


def _md_text(value: str) -> str:
    return " ".join(str(value).split())


#: Shown for a missing mart value (the contract types the columns, not their nullability).
MISSING = "n/a"


def _usd(value: float | None) -> str:
    return MISSING if value is None else f"${value:,.2f}"


def _count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def _ratio(value: float | None) -> str:
    return MISSING if value is None else f"{value:.4f}"


def _duration(value: float | None) -> str:
    """A duration in the unit a person reads: 850 ms, 12.3 s, 4.2 min, 1.5 h."""
    if value is None:
        return MISSING
    seconds = value / 1000
    if seconds < 1:
        return f"{value:,.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _outcome(value: bool | None) -> str:
    return "unknown" if value is None else ("ok" if value else "failed")


def _usd_compact(value: float) -> str:
    """For the summary cards, where a full amount would overflow: $9,999, $46.8k, $1.17M."""
    if abs(value) < 10_000:
        return f"${value:,.0f}"
    return f"${charts.format_count(value)}"


# --- HTML -------------------------------------------------------------------------------


def render_html(doc: Mapping[str, Any], root: str = "") -> str:
    """The self-contained page: the template escapes every value; the charts are Markup.

    ``root`` leads from the page's folder to the report folder (see render_markdown).
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = _usd
    env.filters["usd_compact"] = _usd_compact
    env.filters["thousands"] = _count
    env.filters["ratio"] = _ratio
    env.filters["duration"] = _duration
    env.filters["outcome"] = _outcome
    env.filters["evidence"] = _evidence
    template = env.get_template("report.html.j2")
    titles = {row["pattern_id"]: row for row in doc["destructive_patterns"]}
    titles |= {row["pattern_id"]: row for row in doc["review_queue"]}
    return template.render(
        doc=doc,
        root=root,
        charts=_charts(doc),
        status_colors=charts.STATUS_COLORS,
        destructive_shown=DESTRUCTIVE_SHOWN,
        queue_shown=QUEUE_SHOWN,
        family_shown=FAMILY_SHOWN,
        drilled=titles,
        anchor=anchor,
    )


def _charts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Trend small multiples (one y scale each) and the savings scatter of the families."""
    rows = doc["trend"]["rows"]
    window_start = doc["window"]["start_at"][:10]
    legend = [
        ("in the analysis window", charts.BAR_HIGHLIGHT_COLOR),
        ("earlier days", charts.BAR_COLOR),
    ]
    trend = []
    for key, label in (
        ("events", "Events"),
        ("occurrences", "Pattern occurrences"),
        ("distinct_patterns", "Distinct patterns"),
    ):
        bars = [
            charts.Bar(
                label=row["activity_date"][5:],
                value=row[key],
                tooltip=f"{row['activity_date']}: {row[key]:,} {label.lower()}",
                highlighted=window_start <= row["activity_date"] <= doc["run_date"],
            )
            for row in rows
        ]
        trend.append(
            charts.bar_chart(
                bars,
                chart_id=f"trend-{key.replace('_', '-')}",
                title=f"{label} per day",
                description=f"{label} per UTC day over the {len(rows)} days with data up to "
                f"{doc['run_date']}; the analysis window is highlighted.",
                y_label=label,
                x_label="Day (UTC, month-day)",
                legend=legend,
            )
        )
    thresholds = doc["thresholds"]
    min_occurrences = thresholds["auto_approve_min_occurrences"]
    min_savings = thresholds["auto_approve_min_savings_usd"]
    min_confidence = thresholds["auto_approve_min_confidence"]
    anchors = {pattern_id: f"#{anchor(pattern_id)}" for pattern_id in doc["drilldowns"]}
    points = [
        charts.Point(
            x=row["occurrence_count"],
            y=row["estimated_savings_usd"],
            status=row["status"],
            key=row["pattern_id"],
            tooltip=f"{row['tool_sequence']}: {_count(row['occurrence_count'])} occurrences "
            f"in {_count(row['session_count'])} sessions, {_usd(row['estimated_savings_usd'])}, "
            f"confidence {_ratio(row['confidence_score'])}, {row['status']}",
        )
        for row in doc["decision_points"]
    ]
    scatter = charts.savings_chart(
        points,
        chart_id="savings-scatter",
        title="Savings versus occurrences, with the auto-approve region",
        description=f"One point per pattern family ({len(points)}): all-time occurrences "
        f"against all-time estimated savings, both on log scales, coloured by status. The "
        f"shaded region is more than {min_occurrences:g} occurrences and more than "
        f"{_usd(min_savings)}; a family there is auto-approved when its confidence is also "
        f"above {min_confidence:g} and it is not destructive.",
        x_label="Occurrences, all time (log scale; jittered by less than one)",
        y_label="Estimated savings, all time (log scale)",
        empty_message="No patterns in this window",
        region=(
            min_occurrences,
            min_savings,
            f"auto-approve: > {min_occurrences:g} occurrences, > {_usd_compact(min_savings)}, "
            f"confidence > {min_confidence:g}",
        ),
        links=anchors,
    )
    return {"trend": trend, "scatter": scatter}


# --- files ------------------------------------------------------------------------------


def write_files(report_dir: Path, doc: Mapping[str, Any]) -> list[Path]:
    """Write the dated files, then the same report as latest.* (works on every filesystem).

    The JSON is the same bytes; the Markdown and HTML differ only in the prefix of their
    relative links (latest.* sits in the report folder, the dated files one level down).
    """
    day_dir = report_dir / doc["run_date"]
    day_dir.mkdir(parents=True, exist_ok=True)
    as_json = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    # the dated files sit one folder down: their relative links climb out first
    dated = [
        _write_atomically(day_dir / "report.json", as_json),
        _write_atomically(day_dir / "report.md", render_markdown(doc, root="../")),
        _write_atomically(day_dir / "report.html", render_html(doc, root="../")),
    ]
    latest = [
        _write_atomically(report_dir / "latest.json", as_json),
        _write_atomically(report_dir / "latest.md", render_markdown(doc)),
        _write_atomically(report_dir / "latest.html", render_html(doc)),
    ]
    return [*dated, *latest]


def _write_atomically(path: Path, content: str) -> Path:
    """Readers (a web server, a mail step) never see a half-written report."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    partial.replace(path)
    return path
