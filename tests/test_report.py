"""`runner report` against a small warehouse of literal rows (the documented mart columns).

The numbers in the report must be exactly what the literal rows imply; the HTML page must
be self-contained and render its charts in a real browser (headless Chromium).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from runner import report_charts as charts
from runner.cli import app
from runner.config import Settings
from runner.outcome import StepOutcome
from runner.quality.params import Severity
from runner.quality.results import CheckResult, CheckSummary
from runner.report import write_report
from runner.sync import SyncSummary
from tests.support.contracts import FAMILY_HEAD_DEFAULTS, mart_ddl

RUN_DATE = "2026-03-10"
CHROMIUM_INSTALL = "apt-get update -qq && apt-get install -y -qq chromium"

STAGING_DDL = """
create table staging.stg_raw__hook_events (
    event_id varchar, event_type varchar, source_app varchar, session_id varchar,
    workflow_id varchar, event_at timestamp, tool_name varchar, tool_input json,
    tool_use_id varchar, cwd varchar, is_success boolean,
    reported_duration_ms bigint, is_tool_event boolean, source varchar, source_line bigint,
    batch_id varchar, ingested_at timestamp, quarantine_reason varchar
)
"""
OCCURRENCES_DDL = """
create table marts.fct_pattern_occurrences (
    occurrence_id varchar, pattern_id varchar, tool_sequence varchar, pattern_length integer,
    session_id varchar, segment_id varchar, start_step_index integer, started_at timestamp,
    ended_at timestamp, occurrence_date date, duration_ms double, is_destructive boolean,
    destructive_rule_id varchar, destructive_category varchar, destructive_reason varchar
)
"""
# A view in the warehouse; a table of the same columns here.
OCCURRENCE_CALLS_DDL = """
create table marts.pattern_occurrence_calls (
    occurrence_id varchar, pattern_id varchar, session_id varchar, tool_call_ids varchar[],
    event_ids varchar[], commands varchar[]
)
"""
TOOL_CALLS_DDL = """
create table intermediate.int_tool_calls_signed (
    tool_call_id varchar, session_id varchar, tool_name varchar, command varchar,
    file_path varchar, started_at timestamp, duration_ms double, is_success boolean,
    is_destructive boolean, destructive_rule_id varchar
);
create table intermediate.int_tool_calls_paired (tool_call_id varchar, tool_input json);
"""
CLASSIFICATIONS_DDL = mart_ddl("pattern_classifications", FAMILY_HEAD_DEFAULTS)
REVIEW_URL = "http://review.test/ui/patterns"

# (event_id, session_id, event_at, quarantine_reason): 5 valid events in 2 sessions in the
# window, one the day before, a quarantined duplicate in the window, an unparseable
# timestamp (no event time) and a future timestamp (outside the window).
EVENTS = [
    ("e1", "s1", "2026-03-10 01:00:00", None),
    ("e2", "s1", "2026-03-10 01:00:05", None),
    ("e3", "s1", "2026-03-10 01:00:09", None),
    ("e4", "s2", "2026-03-10 23:59:59", None),
    ("e5", "s2", "2026-03-10 00:00:00", None),
    ("e6", "s3", "2026-03-09 12:00:00", None),
    ("e1", "s1", "2026-03-10 01:00:00", "duplicate_event_id"),
    ("e7", "s4", None, "unparseable_timestamp"),
    ("e8", "s4", "2026-04-01 00:00:00", "future_timestamp"),
]

#: A destructive example as long as a heredoc script: the report must cut it short.
LONG_EXAMPLE = (
    "rm -rf <script>alert(1)</script> && PASSWORD=*** git push && cat <<EOF\n"
    + "x" * 3000
    + "\nEOF"
)

# (pattern_id, sequence, window count, all-time count, confidence, savings, status,
#  first_seen_at, destructive example or None)
PATTERNS = [
    ("p1", "Read→Edit", 20, 20, 0.97, 500.0, "pending", "2026-03-10 02:00:00", None),
    (
        "p2",
        "Bash(pytest)→Read→Edit",
        300,
        900,
        0.999,
        9000.0,
        "auto-approved",
        "2026-03-01 08:00:00",
        None,
    ),
    (
        "p3",
        "Bash(rm)→Bash(git push)",
        3,
        3,
        0.5,
        1200.0,
        "auto-rejected",
        "2026-03-10 05:00:00",
        LONG_EXAMPLE,
    ),
    ("p4", "Grep→Read", 7, 40, 0.6, 50.0, "auto-rejected", "2026-02-20 10:00:00", None),
    ("p5", "Glob→Read", 30, 45, 0.96, 100.0, "pending", "2026-03-09 23:59:59", None),
    ("p6", "Bash(make)→Read", 3, 40, 0.999, 97.78, "pending", "2026-03-05 09:00:00", None),
    ("p7", "Bash(make)", 3, 40, 0.999, 100.0, "pending", "2026-03-05 09:00:00", None),
]

# The review queue's figures, by pattern, as the mart computes them (its dbt unit tests
# check the arithmetic; the report only reads and orders): (window sessions, all-time
# sessions, median duration all time, median in the window, window savings, expected
# value, review rank, status_reason). Savings use the median: p5 45 * 80 s = $100.00 at
# $100/h, expected value * 0.96 = $96.00; p6 40 * 88 s = $97.78, * 0.999 = $97.68 (less
# savings, more certain: ranked first); p1 20 * 60 s = $33.33, * 0.97 = $32.33.
QUEUE_FIGURES = {
    "p1": (2, 2, 60_000.0, 60_000.0, 5.0, 32.33, 3, "pending: only 20 occurrences (needs > 200)"),
    "p5": (3, 9, 80_000.0, 70_000.0, 5.83, 96.0, 2, "pending: confidence 0.96 (needs > 0.99)"),
    "p6": (2, 7, 88_000.0, 90_000.0, 7.5, 97.68, 1, "pending: only 40 occurrences (needs > 200)"),
}
EXPECTED_QUEUE = ["p6", "p5", "p1"]
# p7 is explained by p6 (a pending candidate of its family, not a review row)
FAMILY_MEMBER = ("p7", "p6", "inside_longer_pattern")

# (pattern_id, session_id, started_at, is_destructive): 2026-03-09 has 2 occurrences of 2
# patterns, 2026-03-10 has 10 occurrences of 4 patterns; p6's occurrence on 03-11 is after
# the window and is no example.
OCCURRENCES = [
    ("p5", "s3", "2026-03-09 12:00:00", False),
    ("p4", "s3", "2026-03-09 12:05:00", False),
    ("p1", "s1", "2026-03-10 01:00:00", False),
    ("p1", "s1", "2026-03-10 01:10:00", False),
    ("p1", "s1", "2026-03-10 01:20:00", False),
    ("p2", "s1", "2026-03-10 02:00:00", False),
    ("p3", "s2", "2026-03-10 05:00:00", True),
    ("p3", "s2", "2026-03-10 06:00:00", False),
    ("p3", "s1", "2026-03-10 07:00:00", False),
    ("p6", "s1", "2026-03-10 03:00:00", False),
    ("p6", "s2", "2026-03-10 04:00:00", False),
    ("p6", "s2", "2026-03-10 04:30:00", False),
    ("p6", "s9", "2026-03-11 05:00:00", False),
]
# The calls of p6's most recent occurrence (session s2, 04:30): the first example of its
# drill-down, as (tool, command, file path, duration, success, tool input). The command
# still holds a secret the marts' rules missed: the report redacts it once more. The
# search, the sub-agent and the MCP call have neither command nor file path: the timeline
# shows what their input asked for (the MCP input's password redacted too).
EXAMPLE_CALLS = [
    ("Bash", "make deploy PASSWORD=hunter2 --target prod", None, 2_000.0, True, None),
    ("Read", None, "/home/ana/app/Makefile", 50.0, False, {"file_path": "/home/ana/app/Makefile"}),
    (
        "Grep",
        None,
        None,
        150.0,
        True,
        {"pattern": "def deploy", "path": "/home/ana/app", "glob": "*.py", "output_mode": "count"},
    ),
    ("Glob", None, None, 20.0, True, {"pattern": "**/*.tf"}),
    (
        "Task",
        None,
        None,
        90_000.0,
        True,
        {"description": "Review the diff", "prompt": "…", "subagent_type": "code-reviewer"},
    ),
    ("mcp__db__query", None, None, 30.0, True, {"sql": "select 1", "password": "hunter3"}),
    (
        "TodoWrite",
        None,
        None,
        5.0,
        True,
        {"todos": [{"content": "Fix the bug", "status": "done"}, {"content": "Run the tests"}]},
    ),
]


def build_warehouse(path: Path, *, with_rows: bool = True, marts: bool = True) -> Path:
    """The tables `runner report` reads, with literal rows in the documented columns."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        con.execute(STAGING_DDL)
        if marts:
            con.execute("create schema intermediate")
            con.execute(TOOL_CALLS_DDL)
            con.execute("create schema marts")
            con.execute(OCCURRENCES_DDL)
            con.execute(OCCURRENCE_CALLS_DDL)
            con.execute(CLASSIFICATIONS_DDL)
        if not with_rows:
            return path
        for event_id, session_id, event_at, reason in EVENTS:
            con.execute(
                "insert into staging.stg_raw__hook_events "
                "(event_id, event_type, session_id, event_at, tool_name, quarantine_reason, "
                "ingested_at) values (?, 'PreToolUse', ?, ?, 'Read', ?, '2026-03-11 02:00:00')",
                [event_id, session_id, event_at, reason],
            )
        if marts:
            _insert_marts(con)
    return path


def _insert_marts(con: duckdb.DuckDBPyConnection) -> None:
    for index, (pattern_id, session_id, started_at, is_destructive) in enumerate(OCCURRENCES):
        occurrence_id = f"o{index}-{pattern_id}"
        con.execute(
            "insert into marts.fct_pattern_occurrences (occurrence_id, pattern_id, session_id, "
            "started_at, occurrence_date, is_destructive) values (?, ?, ?, ?, ?, ?)",
            [occurrence_id, pattern_id, session_id, started_at, started_at[:10], is_destructive],
        )
        calls = (
            EXAMPLE_CALLS
            if (pattern_id, session_id, started_at[11:]) == ("p6", "s2", "04:30:00")
            else [("Bash", "rm -rf build/" if is_destructive else "ls", None, 10.0, True, None)]
        )
        call_ids = [f"{occurrence_id}-c{number}" for number in range(len(calls))]
        con.execute(
            "insert into marts.pattern_occurrence_calls (occurrence_id, pattern_id, session_id, "
            "tool_call_ids) values (?, ?, ?, ?)",
            [occurrence_id, pattern_id, session_id, call_ids],
        )
        for call_id, (tool, command, file_path, duration, success, tool_input) in zip(
            call_ids, calls, strict=True
        ):
            con.execute(
                "insert into intermediate.int_tool_calls_paired values (?, ?)",
                [call_id, json.dumps(tool_input or {"command": command})],
            )
            con.execute(
                "insert into intermediate.int_tool_calls_signed values "
                "(?, ?, ?, ?, ?, cast(? as timestamp), ?, ?, ?, ?)",
                [
                    call_id,
                    session_id,
                    tool,
                    command,
                    file_path,
                    started_at,
                    duration,
                    success,
                    is_destructive,
                    "rm_recursive" if is_destructive else None,
                ],
            )
    for pid, sequence, window_n, total_n, confidence, savings, status, first, example in PATTERNS:
        con.execute(
            "insert into marts.pattern_classifications (pattern_id, tool_sequence, run_date, "
            "window_start_at, window_end_at, window_occurrence_count, occurrence_count, "
            "confidence_score, estimated_savings_usd, status, first_seen_at, is_destructive, "
            "destructive_rule_id, destructive_category, destructive_example) values "
            "(?, ?, ?, '2026-03-10 00:00:00', '2026-03-11 00:00:00', ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)",
            [
                pid,
                sequence,
                RUN_DATE,
                window_n,
                total_n,
                confidence,
                savings,
                status,
                first,
                example is not None,
                "rm_recursive" if example else None,
                "filesystem" if example else None,
                example,
            ],
        )
    for pid, figures in QUEUE_FIGURES.items():
        con.execute(
            "update marts.pattern_classifications set window_session_count = ?, "
            "session_count = ?, p50_duration_ms = ?, window_p50_duration_ms = ?, "
            "window_estimated_savings_usd = ?, expected_value_usd = ?, review_rank = ?, "
            "status_reason = ? where pattern_id = ?",
            [*figures, pid],
        )
    member, head, reason = FAMILY_MEMBER
    con.execute(
        "update marts.pattern_classifications set is_family_head = false, "
        "family_head_pattern_id = ?, explained_by_pattern_id = ?, explained_reason = ?, "
        "family_pattern_count = 0 where pattern_id = ?",
        [head, head, reason, member],
    )
    con.execute(
        "update marts.pattern_classifications set family_head_pattern_id = pattern_id "
        "where is_family_head"
    )
    con.execute(
        "update marts.pattern_classifications set family_pattern_count = 2 where pattern_id = ?",
        [head],
    )


def run_report(cli: CliRunner, warehouse: Path, report_dir: Path, *extra: str) -> Any:
    return cli.invoke(
        app,
        [
            "report",
            "--warehouse",
            str(warehouse),
            "--run-date",
            RUN_DATE,
            "--report-dir",
            str(report_dir),
            "--review-url",
            REVIEW_URL,
            *extra,
        ],
    )


@pytest.fixture
def report_dir(workdir: Path, cli: CliRunner) -> Path:
    """The report written by the CLI for the literal warehouse."""
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output
    return workdir / "reports"


def test_json_numbers_follow_from_the_data(report_dir: Path) -> None:
    doc = json.loads((report_dir / RUN_DATE / "report.json").read_text())

    assert doc["run_date"] == RUN_DATE
    assert doc["window"] == {
        "start_at": "2026-03-10T00:00:00Z",
        "end_at": "2026-03-11T00:00:00Z",
        "hours": 24,
    }
    assert doc["is_empty"] is False
    assert doc["volume"] == {"events": 5, "sessions": 2}
    assert doc["quarantine"]["rows_in_window"] == 1
    assert doc["quarantine"]["rows_without_timestamp"] == 1
    assert {
        r["reason"]: (r["rows_in_window"], r["rows_without_timestamp"])
        for r in doc["quarantine"]["by_reason"]
    } == {"duplicate_event_id": (1, 0), "unparseable_timestamp": (0, 1)}

    patterns = doc["patterns"]
    assert patterns["total"] == 7 and patterns["families"] == 6
    assert (patterns["new"], patterns["updated"]) == (2, 5)
    assert patterns["by_status"] == {"auto-approved": 1, "pending": 3, "auto-rejected": 2}
    assert patterns["destructive"] == 1
    heads = [row for row in PATTERNS if row[0] != FAMILY_MEMBER[0]]
    assert patterns["estimated_savings_usd"] == pytest.approx(sum(row[5] for row in heads))

    [destructive] = doc["destructive_patterns"]
    assert (destructive["pattern_id"], destructive["destructive_rule_id"]) == ("p3", "rm_recursive")
    assert (destructive["destructive_occurrences"], destructive["counted_occurrences"]) == (1, 3)

    # the trend starts on the first day with data: no zero-padded days before it
    trend = {row["activity_date"]: row for row in doc["trend"]["rows"]}
    assert list(trend) == ["2026-03-09", RUN_DATE]
    assert (trend[RUN_DATE]["events"], trend[RUN_DATE]["quarantined"]) == (5, 1)
    assert (trend[RUN_DATE]["occurrences"], trend[RUN_DATE]["distinct_patterns"]) == (10, 4)
    assert (trend["2026-03-09"]["events"], trend["2026-03-09"]["occurrences"]) == (1, 2)
    assert doc["steps"] == [] and doc["problems"] == []


def test_review_queue_is_ranked_by_expected_value(report_dir: Path) -> None:
    """Pending family heads only, median-based savings times confidence, each with its links."""
    doc = json.loads((report_dir / RUN_DATE / "report.json").read_text())
    queue = doc["review_queue"]

    assert [row["pattern_id"] for row in queue] == EXPECTED_QUEUE
    assert [row["rank"] for row in queue] == [1, 2, 3]
    by_id = {row["pattern_id"]: row for row in queue}
    assert by_id["p6"]["savings_usd"] == pytest.approx(97.78)
    assert by_id["p6"]["window_savings_usd"] == pytest.approx(QUEUE_FIGURES["p6"][4])
    assert by_id["p6"]["expected_value_usd"] == pytest.approx(QUEUE_FIGURES["p6"][5])
    assert by_id["p5"]["savings_usd"] > by_id["p6"]["savings_usd"], "ranked by value, not savings"
    values = [row["expected_value_usd"] for row in queue]
    assert values == sorted(values, reverse=True)
    assert by_id["p6"]["status_reason"] == QUEUE_FIGURES["p6"][7]
    assert (by_id["p6"]["window_session_count"], by_id["p6"]["session_count"]) == (2, 7)
    for row in queue:
        assert row["review_link"] == f"{REVIEW_URL}/{row['pattern_id']}"
        assert row["anchor"] == f"pattern-{row['pattern_id']}"

    # the family head's drill-down lists the candidate it explains
    [member] = doc["drilldowns"]["p6"]["family"]
    assert (member["pattern_id"], member["explained_reason"]) == ("p7", "inside_longer_pattern")


def test_drilldown_shows_redacted_example_calls(report_dir: Path) -> None:
    doc = json.loads((report_dir / RUN_DATE / "report.json").read_text())
    examples = doc["drilldowns"]["p6"]["examples"]
    # one example per session, the most recent first; nothing after the window end
    assert [example["session_id"] for example in examples] == ["s2", "s1"]
    assert examples[0]["started_at"] == "2026-03-10T04:30:00Z"
    bash, read, grep, glob, task, mcp, todo = examples[0]["calls"]
    assert (bash["tool"], bash["target"], bash["duration_ms"], bash["is_success"]) == (
        "Bash",
        "make deploy PASSWORD=*** --target prod",
        2000.0,
        True,
    )
    assert (read["tool"], read["target"], read["is_success"]) == (
        "Read",
        "/home/ana/app/Makefile",
        False,
    )

    assert [(call["tool"], call["target"]) for call in (grep, glob, task, todo)] == [
        ("Grep", "def deploy in /home/ana/app (*.py)"),
        ("Glob", "**/*.tf"),
        ("Task", "Review the diff (code-reviewer)"),
        ("TodoWrite", "Fix the bug; Run the tests"),
    ]
    assert json.loads(mcp["target"]) == {"sql": "select 1", "password": "***"}

    page = (report_dir / RUN_DATE / "report.html").read_text()
    section = _section(page, "pattern-p6")
    assert "def deploy in /home/ana/app (*.py)" in section
    assert "hunter3" not in page and "hunter3" not in json.dumps(doc)
    assert "make deploy PASSWORD=*** --target prod" in section
    assert "/home/ana/app/Makefile" in section and "failed" in section
    assert "hunter2" not in page and "hunter2" not in json.dumps(doc)
    markdown = (report_dir / RUN_DATE / "report.md").read_text()
    assert "`make deploy PASSWORD=*** --target prod`" in markdown


def test_destructive_evidence_is_counted_and_cut_short(report_dir: Path) -> None:
    doc = json.loads((report_dir / RUN_DATE / "report.json").read_text())
    [row] = doc["destructive_patterns"]
    assert row["destructive_example"].startswith("rm -rf <script>alert(1)</script>")
    assert len(row["destructive_example"]) <= 160 and row["destructive_example"].endswith("…")
    assert row["destructive_example_length"] == len(LONG_EXAMPLE)
    # the destructive occurrence is the first example of the drill-down
    [first, _] = doc["drilldowns"]["p3"]["examples"]
    assert first["calls"][0]["is_destructive"] and first["calls"][0]["target"] == "rm -rf build/"

    page = (report_dir / RUN_DATE / "report.html").read_text()
    assert "1 of 3 occurrences" in _section(page, "pattern-p3")
    assert "x" * 200 not in page
    assert f"{len(LONG_EXAMPLE):,} characters in full" in page
    assert "x" * 200 not in (report_dir / RUN_DATE / "report.md").read_text()


def _section(page: str, element_id: str) -> str:
    """The HTML of the element with this id (an <article> of the drill-down)."""
    match = re.search(rf'<article[^>]*id="{element_id}".*?</article>', page, re.DOTALL)
    assert match is not None, f"no element with id {element_id}"
    return match.group(0)


def test_latest_copies_equal_the_dated_files(report_dir: Path) -> None:
    """Same report; only the relative links climb one folder less from latest.*."""
    dated = (report_dir / RUN_DATE / "report.json").read_bytes()
    assert (report_dir / "latest.json").read_bytes() == dated
    for ext in ("md", "html"):
        dated_text = (report_dir / RUN_DATE / f"report.{ext}").read_text()
        latest_text = (report_dir / f"latest.{ext}").read_text()
        assert latest_text == dated_text.replace('"../', '"').replace("](../", "](")


def test_markdown_has_every_section(report_dir: Path) -> None:
    markdown = (report_dir / RUN_DATE / "report.md").read_text()
    for heading in (
        "# Hook pattern report: 2026-03-10",
        "## Today's review queue",
        "## Summary",
        "## Families by status",
        "## Destructive patterns caught",
        "## Pattern details",
        "## Quarantine",
        "## Trend (last 14 days, from the first day with data)",
    ):
        assert heading in markdown
    headings = re.findall(r"^## (.+)$", markdown, re.MULTILINE)
    assert headings[0] == "Today's review queue", headings
    assert "- Events: 5 in 2 sessions" in markdown
    assert "| auto-rejected | 2 |" in markdown
    assert (
        markdown.index("Bash(make)→Read")
        < markdown.index("Glob→Read")
        < markdown.index("Read→Edit")
    )
    assert f"[review]({REVIEW_URL}/p6)" in markdown and "[details](#pattern-p6)" in markdown


def test_html_is_self_contained_and_escaped(report_dir: Path) -> None:
    page = (report_dir / RUN_DATE / "report.html").read_text()

    assert page.count("<svg") == 4  # three trend charts and the savings scatter
    assert page.count("<circle") == 6  # one per family head
    assert 'role="img"' in page and "aria-labelledby" in page
    assert not re.search(r"<script\b", page, re.IGNORECASE)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"\ssrc=", page)
    assert "@import" not in page and "url(" not in page
    # the only absolute URLs are links to the review UI
    for url in re.findall(r"https?://[^\s\"'<]+", page):
        assert url.startswith(REVIEW_URL), url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_empty_day_gives_a_valid_report(workdir: Path, cli: CliRunner) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb", with_rows=False)
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output

    doc = json.loads((workdir / "reports" / "latest.json").read_text())
    assert doc["is_empty"] is True
    assert doc["volume"] == {"events": 0, "sessions": 0}
    assert doc["patterns"]["total"] == 0 and doc["review_queue"] == []
    assert doc["drilldowns"] == {} and doc["trend"]["rows"] == []
    assert "No events in the window" in (workdir / "reports" / "latest.md").read_text()
    page = (workdir / "reports" / "latest.html").read_text()
    assert "No events in the window" in page and "<circle" not in page
    assert "Nothing to review" in page and "No activity in the period" in page


@pytest.mark.parametrize("warehouse_exists", [True, False], ids=["no-marts", "no-warehouse"])
def test_missing_warehouse_or_marts_says_to_build(
    workdir: Path, cli: CliRunner, warehouse_exists: bool
) -> None:
    warehouse = workdir / "warehouse.duckdb"
    if warehouse_exists:
        build_warehouse(warehouse, marts=False)
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 1
    assert "runner build" in result.output
    assert not (workdir / "reports").exists()


def test_marts_built_for_another_day_are_refused(workdir: Path, cli: CliRunner) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    result = cli.invoke(
        app,
        [
            "report",
            "--warehouse",
            str(warehouse),
            "--run-date",
            "2026-03-11",
            "--report-dir",
            str(workdir / "reports"),
        ],
    )
    assert result.exit_code == 1
    assert "runner build --run-date 2026-03-11" in " ".join(result.output.split())


def test_missing_mart_values_are_shown_as_na(workdir: Path, cli: CliRunner) -> None:
    """The contract types the columns but does not forbid nulls: no crash, no fake point."""
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.pattern_classifications set confidence_score = null, "
            "p50_duration_ms = null, window_p50_duration_ms = null, session_count = null, "
            "estimated_savings_usd = null, window_estimated_savings_usd = null, "
            "expected_value_usd = null, review_rank = null where pattern_id in ('p1', 'p4')"
        )
    result = run_report(cli, warehouse, workdir / "reports")
    assert result.exit_code == 0, result.output

    doc = json.loads((workdir / "reports" / "latest.json").read_text())
    assert doc["review_queue"][-1]["pattern_id"] == "p1", "no value: ranked last"
    assert "| 3 | `Read→Edit` |" in (workdir / "reports" / "latest.md").read_text()
    assert (
        "20 / 20 | 2 / n/a | n/a | n/a / n/a | n/a | n/a |"
        in (workdir / "reports" / "latest.md").read_text()
    )
    assert (workdir / "reports" / "latest.html").read_text().count("<circle") == 6 - 2


def _check(
    suite: str,
    expectation: str,
    column: str | None,
    severity: Severity,
    success: bool,
    observed: Any,
) -> CheckResult:
    return CheckResult(
        suite, expectation, "expect_x", column, None, severity, success, observed, {}
    )


def test_step_summaries_and_failed_checks_are_reported(workdir: Path) -> None:
    warehouse = build_warehouse(workdir / "warehouse.duckdb")
    settings = Settings(
        warehouse=warehouse,
        report_dir=workdir / "reports",
        run_date=dt.date(2026, 3, 10),
        review_url=REVIEW_URL,
    )
    checks = CheckSummary(
        run_date=settings.run_date,
        results=[
            _check("source", "session_id not null", "session_id", "error", False, 12),
            _check("marts", "row count <b>0</b>", None, "warning", False, 0),
            _check("marts", "unique pattern_id", "pattern_id", "error", True, 0),
        ],
        json_path=workdir / "results.json",
        data_docs_path=workdir / "data_docs" / "index.html",
        source_population=40,
        source_sampled=False,
    )
    sync = SyncSummary(target="sqlite:///approvals.db", dry_run=False, inserted=2, updated=3)
    extra: dict[str, StepOutcome | str] = {
        "sync": sync,
        "checks": checks,
        "blocked": "the sync did not run: error-level data-quality checks failed",
    }
    written = write_report(settings, extra=extra)
    assert len(written) == 6

    doc = json.loads((workdir / "reports" / "latest.json").read_text())
    assert doc["problems"] == ["checks: source: session_id not null: observed 12"]
    sync_row, checks_row, blocked = doc["steps"]
    assert sync_row == {
        "step": "sync",
        "status": "ok",
        "summary": "synced 5 patterns to sqlite:///approvals.db: 2 new, 3 updated, 0 unchanged, "
        "0 protected by a human decision",
        "failures": [],
        "warnings": [],
        "details": {
            "target": "sqlite:///approvals.db",
            "dry_run": False,
            "inserted": 2,
            "updated": 3,
            "unchanged": 0,
            "protected": 0,
            "protected_refreshed": 0,
            "created_table": False,
        },
    }
    assert (checks_row["status"], checks_row["summary"]) == ("failed", checks.description)
    assert checks_row["warnings"] == ["marts: row count <b>0</b>: observed 0"]
    assert checks_row["details"]["source_population"] == 40
    assert (blocked["status"], blocked["summary"]) == ("note", extra["blocked"])

    markdown = (workdir / "reports" / "latest.md").read_text()
    assert "> **Attention:** some steps failed." in markdown
    assert "## Pipeline steps" in markdown
    page = (workdir / "reports" / "latest.html").read_text()
    assert 'role="alert"' in page and "session_id not null" in page
    assert "row count &lt;b&gt;0&lt;/b&gt;" in page and "<b>0" not in page


# --- the page in a real browser --------------------------------------------------------


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail(
            f"headless Chromium is needed for this test; install it with `{CHROMIUM_INSTALL}`",
            pytrace=False,
        )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=60, check=False
    )


class _Links(HTMLParser):
    """Every id and every href of a page (SVG links included)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "xlink:href") and value is not None:
                self.hrefs.append(value)


def assert_links_resolve(page: Path, dom: str) -> list[str]:
    """Anchors name an element of the page, relative links a file; returns the hrefs."""
    links = _Links()
    links.feed(dom)
    for href in links.hrefs:
        if href.startswith("#"):
            assert href[1:] in links.ids, f"{page.name}: no element for {href}"
        elif href.startswith(("http://", "https://")):
            assert href.startswith(REVIEW_URL), f"{page.name}: unexpected external link {href}"
        else:
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name}: {href} resolves to no file ({target})"
    return links.hrefs


@pytest.fixture
def report_with_data_docs(workdir: Path, cli: CliRunner) -> Path:
    """The report written after the checks left their data docs beside it."""
    reports = workdir / "reports"
    docs = reports / "checks" / RUN_DATE / "data_docs" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<!DOCTYPE html><title>data docs</title>")
    result = run_report(cli, build_warehouse(workdir / "warehouse.duckdb"), reports)
    assert result.exit_code == 0, result.output
    return reports


def test_html_renders_and_every_link_resolves_in_chromium(
    report_with_data_docs: Path, tmp_path: Path
) -> None:
    for number, page in enumerate(
        [report_with_data_docs / RUN_DATE / "report.html", report_with_data_docs / "latest.html"]
    ):
        dom = _chromium("--dump-dom", page.resolve().as_uri(), profile=tmp_path / f"p{number}")
        assert dom.returncode == 0, dom.stderr[-2000:]

        headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom.stdout, re.DOTALL)
        assert headings[0] == "Today's review queue", headings
        assert re.findall(r'class="queue-row" data-pattern-id="(\w+)"', dom.stdout) == (
            EXPECTED_QUEUE
        )
        hrefs = assert_links_resolve(page, dom.stdout)
        assert {f"{REVIEW_URL}/{pid}" for pid in EXPECTED_QUEUE} <= set(hrefs)
        assert {f"#pattern-{pid}" for pid in [*EXPECTED_QUEUE, "p3"]} <= set(hrefs)
        assert any(href.endswith("data_docs/index.html") for href in hrefs)
        assert "make deploy PASSWORD=*** --target prod" in dom.stdout

        scatter = re.search(r'<svg[^>]*id="savings-scatter".*?</svg>', dom.stdout, re.DOTALL)
        assert scatter is not None, "the savings chart is missing from the rendered DOM"
        assert scatter.group(0).count("<circle") == 6
        assert scatter.group(0).count('class="region"') == 1
        assert len(re.findall(r'<rect[^>]*class="bar"', dom.stdout)) == 3 * 2

    shot = tmp_path / "shot.png"
    result = _chromium(
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        (report_with_data_docs / "latest.html").resolve().as_uri(),
        profile=tmp_path / "profile-shot",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000


def test_a_missing_data_docs_folder_gets_no_link(report_dir: Path) -> None:
    page = (report_dir / "latest.html").read_text()
    assert "data_docs/index.html" not in page and "Data-quality docs" not in page


@pytest.mark.parametrize("href", ["#nowhere", "missing/index.html", "https://cdn.example/x.js"])
def test_the_link_check_catches_a_broken_link(tmp_path: Path, href: str) -> None:
    page = tmp_path / "report.html"
    with pytest.raises(AssertionError):
        assert_links_resolve(page, f'<p id="here"><a href="{href}">x</a></p>')


# --- the demo's report, through every model ----------------------------------------------


@pytest.mark.slow
def test_the_demo_report_is_the_reviewers_desk(workdir: Path, cli: CliRunner) -> None:
    """`runner demo` (sample data, the whole daily job): the page opens with the review
    queue, ranked by expected value; the first pattern's drill-down shows the real,
    redacted commands of its example sessions; every link of the page resolves."""
    review_url = "http://review.test/ui/patterns"
    (workdir / "runner.toml").write_text(f'review_url = "{review_url}"\n')
    result = cli.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    page = workdir / "reports" / "latest.html"
    doc = json.loads((workdir / "reports" / "latest.json").read_text())

    queue = doc["review_queue"]
    assert queue, "the demo's day has pending families"
    values = [row["expected_value_usd"] for row in queue]
    assert values == sorted(values, reverse=True)
    head = queue[0]
    assert head["review_link"] == f"{review_url}/{head['pattern_id']}"

    # the drill-down's commands are the warehouse's redacted commands of those sessions
    examples = doc["drilldowns"][head["pattern_id"]]["examples"]
    assert examples
    shown = {
        (example["session_id"], call["target"])
        for example in examples
        for call in example["calls"]
        if call["tool"] == "Bash"
    }
    assert shown, f"no Bash call in the examples of {head['tool_sequence']}"
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        commands = set(
            con.execute(
                "select session_id, command from intermediate.int_tool_calls_signed "
                "where tool_name = 'Bash' and list_contains(?, session_id)",
                [[session for session, _ in shown]],
            ).fetchall()
        )
    for session, target in shown:  # a long command is cut short, ending with "…"
        assert any(
            found == session and (command or "").startswith(target.removesuffix("…"))
            for found, command in commands
        ), (session, target)
    target = sorted(shown)[0][1]
    assert str(escape(target)) in _section(page.read_text(), f"pattern-{head['pattern_id']}")

    # a search shows what it looked for, read from the call's own input
    searches = [
        call
        for drilldown in doc["drilldowns"].values()
        for example in drilldown["examples"]
        for call in example["calls"]
        if call["tool"] in ("Grep", "Glob") and call["target"]
    ]
    assert searches, "no Grep or Glob call with a target in any drill-down"
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        patterns = {
            row[0]
            for row in con.execute(
                "select tool_input ->> '$.pattern' from intermediate.int_tool_calls_paired "
                "where tool_name in ('Grep', 'Glob')"
            ).fetchall()
        }
    assert all(call["target"].split(" in ")[0] in patterns for call in searches)

    dom = _chromium("--dump-dom", page.resolve().as_uri(), profile=workdir / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom.stdout, re.DOTALL)
    assert headings[0] == "Today's review queue", headings
    hrefs = assert_links_resolve(page, dom.stdout)
    assert any(href.endswith("data_docs/index.html") for href in hrefs), "checks ran"


def test_equal_counts_do_not_stack_into_a_stripe() -> None:
    """Patterns seen equally often are spread (by less than one occurrence), stably."""
    points = [
        charts.Point(x=3, y=10.0, status="pending", tooltip=str(n), key=f"pattern-{n}")
        for n in range(20)
    ]

    def positions() -> list[float]:
        svg = charts.savings_chart(
            points,
            chart_id="c",
            title="t",
            description="d",
            x_label="x",
            y_label="y",
            empty_message="none",
            region=(200, 5000, "auto-approve"),
        )
        return [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', str(svg))]

    xs = positions()
    assert len(set(xs)) == len(points), "every point has its own x"
    two, four = (
        float(x)
        for x in re.findall(
            r'<circle cx="([\d.]+)"',
            str(
                charts.savings_chart(
                    [
                        charts.Point(x=2, y=10.0, status="pending", tooltip="", key="a"),
                        charts.Point(x=4, y=10.0, status="pending", tooltip="", key="a"),
                    ],
                    chart_id="c",
                    title="t",
                    description="d",
                    x_label="x",
                    y_label="y",
                    empty_message="none",
                    region=(200, 5000, "auto-approve"),
                )
            ),
        )
    )
    assert min(xs) > two and max(xs) < four, "the spread stays between the neighbours"
    assert positions() == xs, "the same on every run"
