"""End to end: `runner daily` twice over two simulated days, on SQLite and PostgreSQL.

Each day's events arrive as a new file in the source folder; the job ingests, builds,
checks, syncs, notifies a real local SMTP server and HTTP receiver, and writes the report.
Between the days a reviewer approves a pattern in the review UI's table.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from runner.cli import app
from tests.support.lakes import lake_rows, warehouse_rows

DAY_1 = dt.date(2026, 11, 20)
DAY_2 = dt.date(2026, 11, 21)
REVIEW_URL = "http://review.test/patterns"
ALLOWED = {"pending", "approved", "rejected", "auto-approved", "auto-rejected"}


def families(count: int) -> str:
    """The notification's summary: one synced row is one pattern family."""
    return f"{count} new pending pattern {'family' if count == 1 else 'families'}"


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, workdir: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{workdir / 'approvals.db'}"
    return str(request.getfixturevalue("pg_url"))


def query(target: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if target.startswith("sqlite:///"):
        with sqlite3.connect(target.removeprefix("sqlite:///")) as con:
            return con.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(target) as con:
        cursor = con.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def approvals(target: str) -> dict[str, dict[str, Any]]:
    rows = query(
        target,
        "select pattern_id, status, reviewed_by, occurrence_count, confidence_score, "
        "estimated_savings_usd, example_sessions, updated_at from pattern_approvals",
    )
    keys = (
        "status",
        "reviewed_by",
        "occurrence_count",
        "confidence",
        "savings",
        "examples",
        "updated_at",
    )
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def all_time_counts(warehouse: Path, window_end: dt.datetime) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select pattern_id, count(*) from marts.fct_pattern_occurrences "
            "where started_at < ? group by all",
            [window_end],
        ).fetchall()
    return dict(rows)


def run_daily(cli, day: dt.date, target: str, channels: list[str]) -> Any:
    args = [
        "daily",
        "--source",
        "events/*.jsonl",
        "--run-date",
        day.isoformat(),
        "--target",
        target,
        "--review-url",
        REVIEW_URL,
        "--warehouse",
        "wh.duckdb",
        "--lake",
        "lake",
    ]
    for channel in channels:
        args += ["--channel", channel]
    return cli.invoke(app, args)


def announced_ids(texts: list[str], ids: set[str]) -> set[str]:
    return {pattern_id for pattern_id in ids if any(pattern_id in text for text in texts)}


def notified(warehouse: Path) -> dict[str, int]:
    """pattern_id -> on how many channels it was announced (the notifier's own log)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.sql("select pattern_id, count(*) from runner.notifications group by all").fetchall()
        )


@pytest.mark.slow
def test_daily_twice_over_two_days(cli, workdir: Path, target: str, smtp_server, http_receiver):
    channels = [smtp_server.mailto_url(), http_receiver.apprise_url("/hook")]
    events = workdir / "events"
    for day, seed in ((DAY_1, 1), (DAY_2, 2)):
        result = cli.invoke(
            app,
            [
                "generate-sample",
                "--out",
                str(events / f"{day}.jsonl"),
                "--sessions",
                "40",
                "--days",
                "1",
                "--end-date",
                day.isoformat(),
                "--seed",
                str(seed),
            ],
        )
        assert result.exit_code == 0, result.output
    day_2_file = events / f"{DAY_2}.jsonl"
    day_2_file.rename(workdir / "later.jsonl")  # day 2's events arrive on day 2

    # --- day 1 -------------------------------------------------------------------------
    first = run_daily(cli, DAY_1, target, channels)
    assert first.exit_code == 0, first.output
    day_1 = approvals(target)
    assert day_1, "the first run synced no pattern"
    assert {row["status"] for row in day_1.values()} <= ALLOWED
    pending_1 = {pid for pid, row in day_1.items() if row["status"] == "pending"}
    assert pending_1, "the sample should produce patterns for review"
    for row in day_1.values():
        assert len(json.loads(row["examples"])) <= 10

    assert len(smtp_server.messages) == 1
    # The message lists the top patterns (capped) and every pending one is logged as told.
    assert announced_ids([smtp_server.messages[0].raw], set(day_1)) <= pending_1
    assert families(len(pending_1)) in smtp_server.messages[0].raw
    assert notified(workdir / "wh.duckdb") == dict.fromkeys(pending_1, 2)
    assert f"{REVIEW_URL}/" in smtp_server.messages[0].raw
    assert len(http_receiver.requests) == 1
    assert (workdir / "reports" / DAY_1.isoformat() / "report.html").exists()

    # A reviewer approves one pending pattern in the UI between the runs.
    decided = sorted(pending_1)[0]
    query(
        target,
        "update pattern_approvals set status = 'approved', reviewed_by = %s, "
        "approval_notes = %s where pattern_id = %s",
        ("alice", "looks good", decided),
    )

    # --- day 2 -------------------------------------------------------------------------
    (workdir / "later.jsonl").rename(day_2_file)
    second = run_daily(cli, DAY_2, target, channels)
    assert second.exit_code == 0, second.output
    day_2 = approvals(target)
    assert set(day_1) <= set(day_2)
    assert day_2[decided]["status"] == "approved"
    assert day_2[decided]["reviewed_by"] == "alice"
    assert query(
        target, "select approval_notes from pattern_approvals where pattern_id = %s", (decided,)
    ) == [("looks good",)]

    # Counts are all-time, derived from the facts: nothing is counted twice.
    window_end = dt.datetime.combine(DAY_2 + dt.timedelta(days=1), dt.time())
    facts = all_time_counts(workdir / "wh.duckdb", window_end)
    with duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as con:
        synced_today = {
            r[0]
            for r in con.sql(
                "select pattern_id from marts.pattern_classifications where is_family_head"
            ).fetchall()
        }
    assert synced_today
    for pattern_id in synced_today:
        assert day_2[pattern_id]["occurrence_count"] == facts[pattern_id]
    grew = [
        pid
        for pid in set(day_1) & synced_today
        if day_2[pid]["occurrence_count"] > day_1[pid]["occurrence_count"]
    ]
    assert grew, "patterns seen on both days should have grown"

    # Day 2 announces only patterns that were not announced on day 1.
    assert len(smtp_server.messages) == 2
    pending_2 = {pid for pid, row in day_2.items() if row["status"] == "pending"}
    new_pending = pending_2 - pending_1
    assert announced_ids([smtp_server.messages[1].raw], set(day_2)) <= new_pending
    assert families(len(new_pending)) in smtp_server.messages[1].raw
    assert notified(workdir / "wh.duckdb") == dict.fromkeys(pending_1 | new_pending, 2)
    assert len(http_receiver.requests) == 2
    report = json.loads((workdir / "reports" / DAY_2.isoformat() / "report.json").read_text())
    assert report["run_date"] == DAY_2.isoformat()
    # --lake: the ingest kept the Parquet lake equal to the raw table, both days' dates in it
    assert lake_rows(workdir / "lake") == warehouse_rows(workdir / "wh.duckdb")
    assert {f"event_date={DAY_1}", f"event_date={DAY_2}"} <= {
        p.name for p in (workdir / "lake" / "hook_events").iterdir()
    }
    assert "event-date partition" in " ".join(second.output.split())

    # --- day 2 again: nothing moves ------------------------------------------------------
    again = run_daily(cli, DAY_2, target, channels)
    assert again.exit_code == 0, again.output
    assert approvals(target) == day_2
    assert len(smtp_server.messages) == 2
    assert len(http_receiver.requests) == 2


def test_an_empty_source_is_a_normal_day(cli, workdir: Path) -> None:
    (workdir / "empty.jsonl").write_text("")
    target = f"sqlite:///{workdir / 'approvals.db'}"
    result = cli.invoke(
        app,
        [
            "daily",
            "--source",
            "empty.jsonl",
            "--run-date",
            DAY_1.isoformat(),
            "--target",
            target,
            "--warehouse",
            "wh.duckdb",
        ],
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as con:
        for mart in ("pattern_classifications", "fct_pattern_occurrences", "quarantined_events"):
            assert con.sql(f"select count(*) from marts.{mart}").fetchone() == (0,)
    assert query(target, "select count(*) from pattern_approvals") == [(0,)]
    # analysts' copy, published by the build, read with the README's own words
    with duckdb.connect(str(workdir / "wh_published.duckdb"), read_only=True) as con:
        for mart in ("pattern_classifications", "fct_pattern_occurrences", "quarantined_events"):
            assert con.sql(f"select count(*) from marts.{mart}").fetchone() == (0,)
        assert con.sql("select count(*) from marts.pattern_occurrence_calls").fetchone() == (0,)
    report = json.loads((workdir / "reports" / DAY_1.isoformat() / "report.json").read_text())
    assert report["is_empty"] is True


def test_a_failing_error_check_stops_the_sync_and_the_report_says_why(cli, workdir: Path) -> None:
    sample = workdir / "events.jsonl"
    result = cli.invoke(
        app,
        [
            "generate-sample",
            "--out",
            str(sample),
            "--sessions",
            "20",
            "--days",
            "1",
            "--end-date",
            DAY_1.isoformat(),
            "--seed",
            "4",
            "--no-bad-rows",
        ],
    )
    assert result.exit_code == 0, result.output
    # A flood of events of an unknown type: staging quarantines them, and the source
    # suite's error-level check (≥ 99% known event types) must stop the day.
    lines = sample.read_text().splitlines()
    flooded = [
        line.replace('"event_type":"PreToolUse"', '"event_type":"ToolExplode"') if i % 2 else line
        for i, line in enumerate(lines)
    ]
    sample.write_text("\n".join(flooded) + "\n")
    target = workdir / "approvals.db"
    result = cli.invoke(
        app,
        [
            "daily",
            "--source",
            str(sample),
            "--run-date",
            DAY_1.isoformat(),
            "--target",
            f"sqlite:///{target}",
            "--warehouse",
            "wh.duckdb",
        ],
    )
    assert result.exit_code == 1
    assert "check" in result.output
    assert not target.exists(), "the sync must not run after a failed error-level check"
    markdown = (workdir / "reports" / DAY_1.isoformat() / "report.md").read_text()
    assert "sync did not run" in markdown


def test_a_missed_day_is_caught_up_by_the_next_run(cli, workdir: Path) -> None:
    """Cron missed day 2: the day-3 run processes day 2, then day 3; nothing counts twice."""
    day_3 = DAY_2 + dt.timedelta(days=1)
    result = cli.invoke(
        app,
        [
            "generate-sample",
            "--out",
            "events/all.jsonl",
            "--sessions",
            "20",
            "--days",
            "3",
            "--end-date",
            day_3.isoformat(),
            "--seed",
            "9",
        ],
    )
    assert result.exit_code == 0, result.output
    target = f"sqlite:///{workdir / 'approvals.db'}"

    first = run_daily(cli, DAY_1, target, channels=[])
    assert first.exit_code == 0, first.output
    caught_up = run_daily(cli, day_3, target, channels=[])
    assert caught_up.exit_code == 0, caught_up.output
    assert "catching up on 2 days" in caught_up.output

    for day in (DAY_1, DAY_2, day_3):
        assert (workdir / "reports" / day.isoformat() / "report.json").exists(), day
    with duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as con:
        finished = con.sql(
            "select run_date from runner.daily_runs where step = 'day' and status = 'ok' "
            "order by run_date"
        ).fetchall()
    assert [row[0] for row in finished] == [DAY_1, DAY_2, day_3]

    window_end = dt.datetime.combine(day_3 + dt.timedelta(days=1), dt.time())
    facts = all_time_counts(workdir / "wh.duckdb", window_end)
    synced = approvals(target)
    with duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as con:
        today = [
            r[0]
            for r in con.sql(
                "select pattern_id from marts.pattern_classifications where is_family_head"
            ).fetchall()
        ]
    assert today
    for pattern_id in today:
        assert synced[pattern_id]["occurrence_count"] == facts[pattern_id]
    # the published copy is the last day's marts, as the warehouse has them
    mart_rows = "select * from marts.pattern_classifications order by pattern_id"
    calls = "select * from marts.pattern_occurrence_calls order by occurrence_id"
    with (
        duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as source,
        duckdb.connect(str(workdir / "wh_published.duckdb"), read_only=True) as published,
    ):
        assert published.sql(mart_rows).fetchall() == source.sql(mart_rows).fetchall()
        assert published.sql(calls).fetchall() == source.sql(calls).fetchall()


def test_a_refusing_mail_server_fails_the_run_after_the_sync_and_is_retried(
    cli, workdir: Path, smtp_server
) -> None:
    result = cli.invoke(
        app,
        [
            "generate-sample",
            "--out",
            "events/day.jsonl",
            "--sessions",
            "20",
            "--days",
            "1",
            "--end-date",
            DAY_1.isoformat(),
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    target = f"sqlite:///{workdir / 'approvals.db'}"
    smtp_server.reject_with = "550 rejected"

    refused = run_daily(cli, DAY_1, target, [smtp_server.mailto_url()])
    assert refused.exit_code == 1
    assert "notify" in refused.output and "retried next run" in refused.output
    synced = approvals(target)
    assert synced, "the sync ran before the notification failed"
    assert (workdir / "reports" / DAY_1.isoformat() / "report.html").exists()
    assert smtp_server.messages == []

    smtp_server.reject_with = None
    retried = run_daily(cli, DAY_1, target, [smtp_server.mailto_url()])
    assert retried.exit_code == 0, retried.output
    assert len(smtp_server.messages) == 1
    pending = sum(1 for row in synced.values() if row["status"] == "pending")
    assert families(pending) in smtp_server.messages[0].raw
    assert approvals(target) == synced


def test_the_summary_ends_with_the_review_queue_and_each_warning(cli, workdir: Path) -> None:
    """The last lines say what was found and quote every warning, one line each.

    A third of the PostToolUse events go missing (a hook that failed to fire), so the
    Pre/Post balance check warns; the patterns are still found.
    """
    sample = workdir / "events" / "day.jsonl"
    result = cli.invoke(
        app,
        [
            "generate-sample",
            "--out",
            str(sample),
            "--sessions",
            "40",
            "--days",
            "1",
            "--end-date",
            DAY_1.isoformat(),
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = sample.read_text().splitlines()
    posts = [i for i, line in enumerate(lines) if '"event_type":"PostToolUse"' in line]
    dropped = set(posts[::3])
    sample.write_text("\n".join(line for i, line in enumerate(lines) if i not in dropped) + "\n")

    run = run_daily(cli, DAY_1, f"sqlite:///{workdir / 'approvals.db'}", channels=[])
    assert run.exit_code == 0, run.output
    output = run.output.splitlines()

    with duckdb.connect(str(workdir / "wh.duckdb"), read_only=True) as con:
        counts = dict(
            con.sql(
                "select status, count(*) from marts.pattern_classifications "
                "where is_family_head group by all"
            ).fetchall()
        )
        new_pending = con.sql(
            "select count(*) from marts.pattern_classifications where is_family_head "
            "and status = 'pending' and first_seen_at >= window_start_at"
        ).fetchone()
    assert counts.get("pending"), "the sample should produce patterns for review"

    verdict = next(i for i, line in enumerate(output) if line.startswith("success"))
    tail = output[verdict:]
    assert (
        f"patterns (families): {counts.get('auto-approved', 0)} auto-approved, "
        f"{counts.get('pending', 0)} pending, {counts.get('auto-rejected', 0)} auto-rejected"
    ) in tail
    assert new_pending is not None
    assert any(line.startswith(f"new for review: {new_pending[0]} pending") for line in tail)

    # The top five: the head of the report's review queue (ranked by expected value), in
    # its order, each whole on one line (a piped run is not wrapped at 80 columns).
    report = json.loads((workdir / "reports" / DAY_1.isoformat() / "report.json").read_text())
    queue = report["review_queue"]
    assert len(queue) == counts["pending"]
    values = [row["expected_value_usd"] for row in queue]
    assert values == sorted(values, reverse=True)
    ranked = [line.strip() for line in tail if line.strip()[:2] in {f"{n}." for n in range(1, 6)}]
    assert len(ranked) == min(5, len(queue))
    for line, row in zip(ranked, queue, strict=False):
        assert line.startswith(
            f"{row['rank']}. {row['pattern_id']} {row['tool_sequence']}: "
            f"expected value ${row['expected_value_usd']:,.0f} "
            f"(savings ${row['savings_usd']:,.0f}, confidence {row['confidence_score']:.2f}; "
        ), line
    assert max(len(line) for line in ranked) > 80

    # Each warning's own text, not a count: the check's name, its rule and what it saw.
    results = json.loads(
        (workdir / "reports" / "checks" / DAY_1.isoformat() / "results.json").read_text()
    )
    warned = [r for r in results["results"] if r["severity"] == "warning" and not r["success"]]
    assert any(r["expectation"] == "pre_post_balanced" for r in warned)
    assert f"warnings ({len(warned)}):" in tail
    for entry in warned:
        assert any(
            f"check: {entry['suite']}: {entry['expectation']} ({entry['description'].rstrip('.')})"
            in line
            and "observed" in line
            for line in tail
        ), entry
    assert tail[-len(warned) :] == [line for line in tail if line.startswith("  check: ")]
