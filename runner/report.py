"""The daily report: what the job saw and found for one analysis window.

One JSON document is collected from the warehouse (the SQL lives in
``runner/queries/report/*.sql``); the Markdown and the HTML page are renderings of that
document, so the three files never disagree. The HTML page is self-contained (inline CSS,
inline SVG charts, no script, no network), because reports get mailed, archived and opened
on machines without access to anything.

Files: ``<report_dir>/<run_date>/report.{json,md,html}``, copied to
``<report_dir>/latest.{json,md,html}`` so a bookmark or a web server always finds today's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runner import report_charts as charts
from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.errors import RunnerError
from runner.outcome import StepOutcome
from runner.window import AnalysisWindow

REPORT_VERSION = 1
TOP_PATTERNS = 10
TREND_DAYS = 14
#: Destructive patterns listed in the Markdown and HTML (most frequent first); the JSON
#: keeps them all. A noisy rule can flag hundreds, which would bury the rest of the page.
DESTRUCTIVE_SHOWN = 25
STATUSES = ("auto-approved", "pending", "auto-rejected")
#: The dbt var (and its default in dbt_project.yml) below which patterns are auto-rejected;
#: the scatter draws it as a reference line.
AUTO_REJECT_VAR = "hook_patterns_auto_reject_max_confidence"
AUTO_REJECT_DEFAULT = 0.95
QUERY_DIR = Path(__file__).parent / "queries" / "report"
TEMPLATE_DIR = Path(__file__).parent / "templates"
REQUIRED_TABLES = (
    "staging.stg_raw__hook_events",
    "marts.fct_pattern_occurrences",
    "marts.pattern_classifications",
)
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
    document = collect_report(
        settings.warehouse,
        AnalysisWindow(settings.run_date, settings.window_hours),
        extra,
        auto_reject_below=float(settings.dbt_vars.get(AUTO_REJECT_VAR, AUTO_REJECT_DEFAULT)),
    )
    return write_files(settings.report_dir, document)


def collect_report(
    warehouse: Path,
    window: AnalysisWindow,
    extra: Mapping[str, StepOutcome | str] | None = None,
    *,
    auto_reject_below: float = AUTO_REJECT_DEFAULT,
) -> dict[str, Any]:
    """The report as one JSON-ready document, read from the marts in one connection."""
    with _connect(warehouse) as con:
        _require_tables(con)
        _require_window(con, window)
        params = _query_params(window)
        volume = _query(con, "window_volume", params)[0]
        summary = _query(con, "pattern_summary", params)[0]
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
            "top_patterns": _query(con, "top_patterns", params),
            "destructive_patterns": _query(con, "destructive_patterns", params),
            "trend": {"days": TREND_DAYS, "rows": _query(con, "daily_trend", params)},
            "pattern_points": _query(con, "pattern_points", params),
            "auto_reject_below": auto_reject_below,
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


def _query_params(window: AnalysisWindow) -> dict[str, Any]:
    """Naive UTC datetimes: the warehouse stores timestamps without time zone."""
    return {
        "window_start_at": window.start_at,
        "window_end_at": window.end_at,
        "run_date": window.run_date,
        "trend_start_date": window.run_date - dt.timedelta(days=TREND_DAYS - 1),
        "top_n": TOP_PATTERNS,
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
    sql = (QUERY_DIR / f"{name}.sql").read_text()
    used = {key: params[key] for key in set(re.findall(r"\$(\w+)", sql))}
    try:
        cursor = con.execute(sql, used)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise RunnerError(
            f"report query {name} failed: {first_line}",
            "the marts may be from an older version; " + BUILD_HINT,
        ) from exc
    columns = [description[0] for description in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


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


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The report as GitHub-flavoured Markdown: the same sections as the HTML page."""
    sections = (
        _md_header,
        _md_summary,
        _md_steps,
        _md_status,
        _md_top_patterns,
        _md_destructive,
        _md_quarantine,
        _md_trend,
    )
    return "\n".join(line for section in sections for line in section(doc))


def _md_header(doc: Mapping[str, Any]) -> list[str]:
    window = doc["window"]
    lines = [
        f"# Hook pattern report: {doc['run_date']}",
        "",
        f"Window: {window['start_at']} to {window['end_at']} ({window['hours']} h, UTC), "
        f"generated {doc['generated_at']}.",
        "",
    ]
    if doc["problems"]:
        lines += ["> **Attention:** some steps failed.", ">"]
        lines += [f"> - {_md_text(problem)}" for problem in doc["problems"]]
        lines.append("")
    if doc["is_empty"]:
        lines += ["**No events in the window**: there was nothing to analyse this day.", ""]
    return lines


def _md_summary(doc: Mapping[str, Any]) -> list[str]:
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
        f"- Estimated savings of all families: {_usd(patterns['estimated_savings_usd'])}",
        "",
    ]


def _md_status(doc: Mapping[str, Any]) -> list[str]:
    by_status = doc["patterns"]["by_status"]
    rows = [[status, _count(n)] for status, n in by_status.items()]
    return ["## Families by status", "", *_md_table(["Status", "Families"], rows)]


def _md_top_patterns(doc: Mapping[str, Any]) -> list[str]:
    header = [
        "#",
        "Sequence",
        "Occurrences (window)",
        "Occurrences (all time)",
        "Confidence",
        "Savings",
        "Status",
        "New",
    ]
    rows = [
        [
            str(rank),
            f"`{_md_code(row['tool_sequence'])}`",
            _count(row["window_occurrence_count"]),
            _count(row["occurrence_count"]),
            _ratio(row["confidence_score"]),
            _usd(row["estimated_savings_usd"]),
            row["status"],
            "yes" if row["is_new"] else "no",
        ]
        for rank, row in enumerate(doc["top_patterns"], start=1)
    ]
    return [
        "## Top patterns by estimated savings",
        "",
        *_md_table(header, rows, empty="No patterns in this window."),
    ]


def _md_destructive(doc: Mapping[str, Any]) -> list[str]:
    found = doc["destructive_patterns"]
    header = ["Sequence", "Rule", "Category", "Example (redacted)", "Occurrences", "Status"]
    rows = [
        [
            f"`{_md_code(row['tool_sequence'])}`",
            row["destructive_rule_id"] or "",
            row["destructive_category"] or "",
            f"`{_md_code(row['destructive_example'] or '')}`",
            _count(row["window_occurrence_count"]),
            row["status"],
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


def _md_quarantine(doc: Mapping[str, Any]) -> list[str]:
    rows = [
        [row["reason"], _count(row["rows_in_window"]), _count(row["rows_without_timestamp"])]
        for row in doc["quarantine"]["by_reason"]
    ]
    header = ["Reason", "Rows in window", "Rows without timestamp"]
    return ["## Quarantine", "", *_md_table(header, rows, empty="No quarantined rows.")]


def _md_trend(doc: Mapping[str, Any]) -> list[str]:
    keys = ("events", "sessions", "quarantined", "occurrences", "distinct_patterns")
    header = ["Date", "Events", "Sessions", "Quarantined", "Occurrences", "Distinct patterns"]
    rows = [
        [row["activity_date"], *(_count(row[key]) for key in keys)] for row in doc["trend"]["rows"]
    ]
    return [f"## Trend (last {doc['trend']['days']} days)", "", *_md_table(header, rows)]


def _md_steps(doc: Mapping[str, Any]) -> list[str]:
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


def _usd_compact(value: float) -> str:
    """For the summary cards, where a full amount would overflow: $9,999, $46.8k, $1.17M."""
    if abs(value) < 10_000:
        return f"${value:,.0f}"
    return f"${charts.format_count(value)}"


# --- HTML -------------------------------------------------------------------------------


def render_html(doc: Mapping[str, Any]) -> str:
    """The self-contained page: the template escapes every value; the charts are Markup."""
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
    template = env.get_template("report.html.j2")
    return template.render(
        doc=doc,
        charts=_charts(doc),
        status_colors=charts.STATUS_COLORS,
        destructive_shown=DESTRUCTIVE_SHOWN,
    )


def _charts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Trend small multiples (one y scale each) and the confidence scatter."""
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
                description=f"{label} per UTC day over the {len(rows)} days ending "
                f"{doc['run_date']}; the analysis window is highlighted.",
                y_label=label,
                x_label="Day (UTC, month-day)",
                legend=legend,
            )
        )
    points = [
        charts.Point(
            x=row["window_occurrence_count"],
            y=row["confidence_score"],
            status=row["status"],
            tooltip=f"{row['tool_sequence']}: {_count(row['window_occurrence_count'])} "
            f"occurrences, confidence {_ratio(row['confidence_score'])}, {row['status']}",
        )
        for row in doc["pattern_points"]
    ]
    threshold = doc.get("auto_reject_below", AUTO_REJECT_DEFAULT)
    scatter = charts.scatter_chart(
        points,
        chart_id="confidence-scatter",
        title="Confidence versus occurrences",
        description=f"One point per classified pattern ({len(points)}): occurrences in the "
        f"window on a log scale against confidence, coloured by status. The dashed line marks "
        f"the {threshold:g} auto-reject threshold.",
        x_label="Occurrences in the window (log scale)",
        y_label="Confidence",
        empty_message="No patterns in this window",
        threshold=(threshold, f"auto-reject below {threshold:g}"),
    )
    return {"trend": trend, "scatter": scatter}


# --- files ------------------------------------------------------------------------------


def write_files(report_dir: Path, doc: Mapping[str, Any]) -> list[Path]:
    """Write the dated files, then the same content as latest.* (works on every filesystem)."""
    day_dir = report_dir / doc["run_date"]
    day_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        "json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
        "md": render_markdown(doc),
        "html": render_html(doc),
    }
    dated = [_write_atomically(day_dir / f"report.{ext}", body) for ext, body in contents.items()]
    latest = [
        _write_atomically(report_dir / f"latest.{ext}", body) for ext, body in contents.items()
    ]
    return [*dated, *latest]


def _write_atomically(path: Path, content: str) -> Path:
    """Readers (a web server, a mail step) never see a half-written report."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    partial.replace(path)
    return path
