"""`runner generate-sample`: realistic, deterministic synthetic hook events.

Most checks read one small sample written through the CLI (24 sessions over 2 days,
enough for the guaranteed long session, a midnight crossing and every bad-row kind).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import random
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner import paths
from runner.cli import app
from runner.contracts import HOOK_EVENT_TYPES
from runner.sample import (
    BAD_ROW_KINDS,
    PLANTED_WORKFLOWS,
    TABLE_COLUMNS,
    SampleOptions,
    SampleSummary,
    SignatureRule,
    bash_signature,
    generate_sample,
    tool_signature,
)
from runner.sample.calls import Session
from runner.sample.sessions import plan_sessions
from runner.sample.timestamps import DAY
from runner.sample.vocabulary import BASH_POOL, TemplateValues
from runner.sample.workflows import PLANTED_RECIPES

END_DATE = "2025-03-10"
SMALL = ["--sessions", "24", "--days", "2", "--seed", "3", "--end-date", END_DATE]
TOOL_EVENTS = ("PreToolUse", "PostToolUse")
HOOK_EVENTS = set(HOOK_EVENT_TYPES)


def run(cli: CliRunner, out: Path, *args: str) -> str:
    result = cli.invoke(app, ["generate-sample", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return result.output


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    return parse_lines(path.read_text(encoding="utf-8").splitlines())


def parse_lines(lines: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Parsed lines, and the lines that are not JSON."""
    rows, broken = [], []
    for line in lines:
        try:
            rows.append(json.loads(line))
        except ValueError:
            broken.append(line)
    return rows, broken


def parse_ts(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.removesuffix("Z"))
    except (TypeError, ValueError):
        return None


def valid_table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows staging should keep, each with its parsed payload and time."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        try:
            payload = json.loads(row["payload"])
        except ValueError:
            continue
        moment = parse_ts(row["timestamp"])
        if (
            row["event_id"] is None
            or row["event_id"] in seen
            or row["session_id"] is None
            or row["event_type"] not in HOOK_EVENTS
            or (row["event_type"] in TOOL_EVENTS and not row["tool_name"])
            or moment is None
            or moment.year > 2090
        ):
            continue
        seen.add(row["event_id"])
        kept.append({**row, "payload": payload, "at": moment})
    return kept


def by_session(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        sessions[row["session_id"]].append(row)
    for events in sessions.values():
        events.sort(key=lambda r: r["at"])
    return sessions


Step = tuple[str, dt.date]  # a step's signature and the day it started


def step_sequences(sessions: dict[str, list[dict[str, Any]]]) -> dict[str, list[Step]]:
    """Per session, the signatures of its PreToolUse events, consecutive repeats collapsed."""
    sequences = {}
    for session_id, events in sessions.items():
        steps: list[Step] = []
        for event in events:
            if event["event_type"] == "PreToolUse":
                sig = tool_signature(event["tool_name"], event["payload"]["tool_input"])
                if not steps or steps[-1][0] != sig:
                    steps.append((sig, event["at"].date()))
        sequences[session_id] = steps
    return sequences


def occurrences(sequences: dict[str, list[Step]], steps: tuple[str, ...]) -> list[Step]:
    """The session and day of every contiguous occurrence of ``steps``."""
    n = len(steps)
    found = []
    for session_id, seq in sequences.items():
        signatures = [sig for sig, _ in seq]
        for i in range(len(seq) - n + 1):
            if tuple(signatures[i : i + n]) == steps:
                found.append((session_id, seq[i][1]))
    return found


@dataclass
class Sample:
    path: Path
    output: str
    rows: list[dict[str, Any]]
    broken: list[str]
    valid: list[dict[str, Any]]
    sessions: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    path = tmp_path_factory.mktemp("sample") / "events.jsonl"
    output = run(CliRunner(), path, *SMALL)
    rows, broken = read_jsonl(path)
    valid = valid_table_rows(rows)
    return Sample(path, output, rows, broken, valid, by_session(valid))


# --- determinism --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["events.jsonl", "events.parquet"])
def test_same_seed_same_bytes_other_seed_other_bytes(
    cli: CliRunner, tmp_path: Path, name: str
) -> None:
    args = ["--sessions", "6", "--days", "2", "--end-date", END_DATE]
    first, again, other = tmp_path / "a" / name, tmp_path / "b" / name, tmp_path / "c" / name
    run(cli, first, *args, "--seed", "5")
    run(cli, again, *args, "--seed", "5")
    run(cli, other, *args, "--seed", "6")
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert not list(tmp_path.rglob(".*.partial"))


def test_events_fall_in_the_days_ending_at_end_date(small: Sample) -> None:
    days = {row["at"].date() for row in small.valid}
    assert days == {dt.date(2025, 3, 9), dt.date(2025, 3, 10)}
    times = [row["at"] for row in small.valid]
    assert times == sorted(times), "the file is in time order, like a table's ids"


# --- sessions -------------------------------------------------------------------------
def test_session_lengths_have_a_long_tail(small: Sample) -> None:
    calls = sorted(
        sum(e["event_type"] == "PreToolUse" for e in events) for events in small.sessions.values()
    )
    assert len(small.sessions) == 24
    assert calls[-1] > 1_000
    assert statistics.median(calls) < 150
    assert calls[0] < 30


def test_sessions_pause_for_hours_and_cross_midnight(small: Sample) -> None:
    longest_pause = {
        sid: max(
            (b["at"] - a["at"] for a, b in itertools.pairwise(events)),
            default=dt.timedelta(),
        )
        for sid, events in small.sessions.items()
    }
    assert sum(p > dt.timedelta(hours=1) for p in longest_pause.values()) >= 2
    assert any(
        events[0]["at"].date() != events[-1]["at"].date() for events in small.sessions.values()
    )
    ids = list(small.sessions)
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", s)
        for s in ids
    )


def test_every_hook_event_type_occurs(small: Sample) -> None:
    assert {row["event_type"] for row in small.valid} == HOOK_EVENTS


def test_tool_calls_pair_up_with_a_few_halves_missing(small: Sample) -> None:
    paired: list[tuple[dict[str, Any], dict[str, Any]]] = []
    unpaired = 0
    for events in small.sessions.values():
        open_calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in events:
            if event["event_type"] == "PreToolUse":
                open_calls[event["tool_name"]].append(event)
            elif event["event_type"] == "PostToolUse":
                if open_calls[event["tool_name"]]:
                    paired.append((open_calls[event["tool_name"]].pop(0), event))
                else:
                    unpaired += 1
        unpaired += sum(len(v) for v in open_calls.values())
    assert 0.002 < unpaired / (len(paired) + unpaired) < 0.03
    assert all(post["at"] > pre["at"] for pre, post in paired)

    def median_ms(sig: str) -> float:
        return statistics.median(
            (post["at"] - pre["at"]) / dt.timedelta(milliseconds=1)
            for pre, post in paired
            if tool_signature(pre["tool_name"], pre["payload"]["tool_input"]) == sig
        )

    assert 30 < median_ms("Read") < 400
    assert median_ms("Bash(pytest)") > 2_000
    reported = [post["payload"]["duration_ms"] for _, post in paired]
    assert 0.3 < reported.count(0) / len(reported) < 0.9


# --- tools and commands ---------------------------------------------------------------
def test_tool_mix_is_realistic(default: DefaultSample) -> None:
    """The shares of real weeks (REAL_SESSIONS.md), over a sample of 200 sessions: a
    handful of sessions is dominated by its own habits (the long one above all)."""
    tools = Counter(r["tool_name"] for r in default.calls)
    total = sum(tools.values())
    shares = {tool: n / total for tool, n in tools.items()}
    ranges = {
        "Bash": (0.26, 0.36),
        "Read": (0.22, 0.30),
        "Edit": (0.08, 0.20),
        "Grep": (0.06, 0.15),
        "TodoWrite": (0.04, 0.08),
        "Glob": (0.015, 0.06),
        "Write": (0.015, 0.05),
        "Task": (0.007, 0.03),
    }
    for tool, (low, high) in ranges.items():
        assert low <= shares.get(tool, 0.0) <= high, (tool, shares.get(tool))
    for tool in ("BashOutput", "SlashCommand", "TaskCreate", "TaskUpdate", "WebFetch"):
        assert tools[tool] > 0, tool
    assert any(re.fullmatch(r"mcp__[a-z0-9]+__[a-z0-9_-]+", t) for t in tools)


def bash_commands(rows: list[dict[str, Any]]) -> list[str]:
    return [
        r["payload"]["tool_input"]["command"]
        for r in rows
        if r["event_type"] == "PreToolUse" and r["tool_name"] == "Bash"
    ]


def test_bash_commands_are_compound(default: DefaultSample) -> None:
    commands = bash_commands(default.calls)
    text = "\n".join(commands)
    for form in (
        "cd ",
        " && ",
        " | ",
        "<<'EOF'",
        "sudo ",
        "timeout ",
        "PYTHONPATH=src ",
        "uv run pytest",
        "npm test",
        "docker compose up",
        "git commit -m \"$(cat <<'EOF'",
        "for f in ",
        "(cd ",
        "kill -9 ",
        "rm -rf ",
        "DELETE FROM",  # in commit messages, not only in destructive commands
        "UPDATE users SET",
    ):
        assert form in text, form
    assert any(c.count("\n") >= 5 for c in commands if c.startswith("git commit")), (
        "multi-line message"
    )


def test_some_commands_carry_secrets_or_destroy(default: DefaultSample) -> None:
    commands = bash_commands(default.calls)
    secrets = re.compile(r"PASSWORD=|ghp_|Bearer sk-|://[^/\s]+:[^@\s]+@|AWS_SECRET_ACCESS_KEY=")
    assert 0.001 < sum(bool(secrets.search(c)) for c in commands) / len(commands) < 0.02
    destructive = re.compile(
        r"rm -rf|git push (--force|-f)|git reset --hard|git clean -f|git branch -D|kill -9|pkill|"
        r"DROP TABLE|DELETE FROM|chmod -R 777|system prune|xargs rm"
    )
    assert any(destructive.search(c) for c in commands)
    touched = [
        r["payload"]["tool_input"]["file_path"]
        for r in default.calls
        if r["tool_name"] in ("Write", "Edit")
    ]
    sensitive = [p for p in touched if p.endswith(("/.env", "/.env.production", "/.ssh/config"))]
    assert 0 < len(sensitive) < 0.02 * len(touched)


def test_the_command_pool_has_every_required_form() -> None:
    pool = [template for *_, variants in BASH_POOL for template in variants]
    text = "\n".join(pool)
    for form in (
        "PASSWORD={pw} ./deploy.sh",
        "export GITHUB_TOKEN=",
        "https://deploy:{pw}@",
        "Authorization: Bearer {sk}",
        "rm -rf build",
        "git push --force",
        "git reset --hard",
        "git clean -fd",
        "git branch -D",
        "kill -9",
        "pkill -f",
        'psql -c "DROP TABLE',
        'sqlite3 app.db "DELETE FROM sessions"',
        "chmod -R 777 .",
        "docker system prune -af",
        "find . -name '*.pyc' | xargs rm -rf",
        "cat <<'EOF' >",
        "git log --oneline | head",
    ):
        assert form in text, form


def test_each_pool_entry_and_planted_step_has_one_signature() -> None:
    rng = random.Random(0)
    session = Session("00000000-0000-4000-8000-000000000000", rng)
    for _, _, _, variants in BASH_POOL:
        signatures = {bash_signature(v.format_map(TemplateValues(rng, session))) for v in variants}
        assert len(signatures) == 1, variants
    for workflow, makers in PLANTED_RECIPES:
        assert all(a != b for a, b in zip(workflow.steps, workflow.steps[1:], strict=False))
        for _ in range(40):
            shared: dict[str, str] = {}
            calls = [make(rng, session, shared) for make in makers]
            assert tuple(tool_signature(c.tool, c.tool_input) for c in calls) == workflow.steps


@pytest.mark.parametrize(
    ("command", "signature"),
    [
        ("cd web && CI=1 npm test -- --watch=false", "Bash(npm test)"),
        ("sudo -u app timeout 60 ./scripts/wait.sh", "Bash(wait.sh)"),
        ("git log --oneline | head -20", "Bash(git log)"),
        ("uv run pytest -q", "Bash(pytest)"),
        ("uv run python -m pytest -x", "Bash(pytest)"),
        ("uv sync --frozen", "Bash(uv sync)"),
        ("npx tsc --noEmit", "Bash(tsc)"),
        ("export CI=1 && make test", "Bash(make test)"),
        ("export GITHUB_TOKEN=ghp_x", "Bash(export)"),
        ("PYTHONPATH=src pytest -q", "Bash(pytest)"),
        ("git commit -m \"$(cat <<'EOF'\nFix\nEOF\n)\"", "Bash(git commit)"),
        ("docker compose up -d", "Bash(docker compose)"),
        ("find . -name '*.pyc' | xargs rm -rf", "Bash(find)"),
        ("python3 manage.py migrate", "Bash(python manage.py)"),
        ("", "Bash"),
    ],
)
def test_bash_signature_follows_the_models_convention(command: str, signature: str) -> None:
    assert bash_signature(command) == signature


def test_signature_rules_mirror_the_dbt_seed() -> None:
    """The generator keeps its own copy of the rules (its output must not change when
    the seed does); every command it writes must get the same signature from both."""
    seed = paths.PROJECT_DIR / "seeds" / "tool_signature_rules.csv"
    if not seed.exists():
        pytest.skip(f"{seed} not found")
    with seed.open(newline="") as handle:
        rules = {
            row["program"]: SignatureRule(
                row["alias"] or None,
                row["keep_subcommand"].strip().lower() == "true",
                row["unwrap_regex"] or None,
                row["script_regex"] or None,
            )
            for row in csv.DictReader(handle)
        }
    rng = random.Random(1)
    session = Session("00000000-0000-4000-8000-000000000000", rng)
    templates = [t for *_, variants in BASH_POOL for t in variants]
    for template in templates:
        for _ in range(3):
            command = template.format_map(TemplateValues(rng, session))
            assert bash_signature(command, rules) == bash_signature(command), command
    for workflow, makers in PLANTED_RECIPES:
        calls = [make(rng, session, {}) for make in makers]
        seed_steps = tuple(
            bash_signature(c.tool_input["command"], rules) if c.tool == "Bash" else c.tool
            for c in calls
        )
        assert seed_steps == workflow.steps


# --- planted workflows ----------------------------------------------------------------
def test_planted_workflows_recur_and_noise_only_has_none(
    small: Sample, cli: CliRunner, tmp_path: Path
) -> None:
    planted = step_sequences(small.sessions)
    noise_path = tmp_path / "noise.jsonl"
    noise_output = run(cli, noise_path, *SMALL, "--noise-only")
    noise = step_sequences(by_session(valid_table_rows(read_jsonl(noise_path)[0])))
    assert "no planted workflows" in noise_output
    assert len(PLANTED_WORKFLOWS) >= 3
    assert any(wf.is_destructive for wf in PLANTED_WORKFLOWS)
    for workflow in PLANTED_WORKFLOWS:
        assert "→".join(workflow.steps) == workflow.signature
        found = occurrences(planted, workflow.steps)
        assert len(found) >= 20, workflow.signature
        # 24 sessions of very uneven sizes: the long one holds about half the calls.
        assert len({session for session, _ in found}) >= 4, workflow.signature
        # By chance only: a few for the 3-step loops, none for the longer ones.
        assert len(occurrences(noise, workflow.steps)) <= len(found) / 4, workflow.signature
        assert workflow.signature in small.output.replace("\n", "")


@dataclass
class DefaultSample:
    path: Path
    summary: SampleSummary
    lines: list[str]
    calls: list[dict[str, Any]]  # the valid PreToolUse rows


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> DefaultSample:
    """The default options (200 sessions over 3 days), through the Python API."""
    path = tmp_path_factory.mktemp("default") / "events.jsonl"
    summary = generate_sample(
        path, SampleOptions(sessions=200, days=3, seed=42, end_date=dt.date(2025, 3, 10))
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    calls, _ = parse_lines([line for line in lines if '"event_type":"PreToolUse"' in line])
    return DefaultSample(path, summary, lines, valid_table_rows(calls))


def test_default_sample_plants_each_workflow_20_times_a_day(default: DefaultSample) -> None:
    summary = default.summary
    assert summary.path == default.path
    assert summary.events == len(default.lines)
    assert summary.sessions == 200
    assert summary.longest_session_calls > 1_000
    assert summary.planted_workflows == tuple(wf.signature for wf in PLANTED_WORKFLOWS)
    assert set(summary.bad_rows) == set(BAD_ROW_KINDS["table"])
    sequences = step_sequences(by_session(default.calls))
    for workflow in PLANTED_WORKFLOWS:
        per_day = Counter(day for _, day in occurrences(sequences, workflow.steps))
        assert len(per_day) == 3, workflow.signature
        # Days are uneven (as real ones are): the quietest still holds 20 of each.
        assert min(per_day.values()) >= 20, (workflow.signature, per_day)
        sessions = {session for session, _ in occurrences(sequences, workflow.steps)}
        assert len(sessions) >= 30, workflow.signature
    assert "events/s" in summary.describe()


# --- bad rows ---------------------------------------------------------------------------
def test_every_bad_row_kind_is_present(small: Sample) -> None:
    rows = small.rows
    ids = Counter(r["event_id"] for r in rows if r["event_id"])

    def payload_broken(row: dict[str, Any]) -> bool:
        try:
            json.loads(row["payload"])
        except ValueError:
            return True
        return False

    found = {
        "unparseable_line": len(small.broken),
        "invalid_json": sum(payload_broken(r) for r in rows),
        "missing_session_id": sum(r["session_id"] is None for r in rows),
        "unknown_event_type": sum(r["event_type"] == "ToolExplode" for r in rows),
        "duplicate_event_id": sum(n - 1 for n in ids.values() if n > 1),
        "future_timestamp": sum(r["timestamp"].startswith("2099-") for r in rows),
        "missing_tool_name": sum(
            r["event_type"] in TOOL_EVENTS and r["tool_name"] == "" for r in rows
        ),
        "missing_event_id": sum(r["event_id"] is None for r in rows),
        "unparseable_timestamp": sum(parse_ts(r["timestamp"]) is None for r in rows),
    }
    assert set(found) == set(BAD_ROW_KINDS["table"])
    assert all(n > 0 for n in found.values()), found
    assert 0.003 < sum(found.values()) / (len(rows) + len(small.broken)) < 0.015
    duplicated = {i for i, n in ids.items() if n > 1}
    for event_id in duplicated:
        copies = [r for r in rows if r["event_id"] == event_id]
        assert len({r["timestamp"] for r in copies}) == len(copies), "a re-fired hook, later"


def test_bad_rows_are_added_to_the_same_valid_rows(cli: CliRunner, tmp_path: Path) -> None:
    args = ["--sessions", "10", "--days", "1", "--seed", "11", "--end-date", END_DATE]
    run(cli, tmp_path / "dirty.jsonl", *args)
    run(cli, tmp_path / "clean.jsonl", *args, "--no-bad-rows")
    dirty, broken = read_jsonl(tmp_path / "dirty.jsonl")
    clean, none = read_jsonl(tmp_path / "clean.jsonl")
    assert not none
    assert len(dirty) + len(broken) > len(clean)

    def strip(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k != "id"}

    remaining = iter(map(strip, dirty))
    assert all(any(strip(c) == d for d in remaining) for c in clean), "clean ⊂ dirty, in order"
    assert [r["id"] for r in clean] == list(range(1, len(clean) + 1))


# --- output formats ---------------------------------------------------------------------
def test_table_rows_follow_the_hook_events_contract(small: Sample) -> None:
    assert all(tuple(r) == TABLE_COLUMNS for r in small.rows)
    valid = small.valid
    assert all(re.fullmatch(r"evt-[0-9a-f]{16}", r["event_id"]) for r in valid)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", r["timestamp"]) for r in valid
    )
    assert all(r["created_at"] >= r["timestamp"] for r in valid)
    for row in valid:
        payload = row["payload"]
        if row["event_type"] == "PreToolUse":
            assert set(payload) == {"tool_name", "tool_input", "session_id", "context"}
        elif row["event_type"] == "PostToolUse":
            assert set(payload) == {
                "tool_name",
                "tool_result",
                "duration_ms",
                "session_id",
                "success",
                "context",
            }
        else:
            assert row["tool_name"] is None
        assert payload["session_id"] == row["session_id"]
        assert set(payload["context"]) == {"cwd"}
        if row["event_type"] in TOOL_EVENTS:
            assert payload["tool_name"] == row["tool_name"]
    first_day = [r for r in valid if r["at"].date() == dt.date(2025, 3, 9)]
    assert all(r["processed"] == 1 and r["processed_at"] for r in first_day)
    assert {r["processed"] for r in valid} == {0, 1}
    assert any(r["source_app"] and r["source_app"].startswith("adw_wf-") for r in valid)


def test_claude_shape_has_claude_codes_fields(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "claude.jsonl"
    # 24 sessions: one is long enough to be compacted (PreCompact)
    run(cli, path, "--sessions", "24", "--days", "2", "--end-date", END_DATE, "--shape", "claude")
    rows, broken = read_jsonl(path)
    assert broken, "bad rows include unparseable lines"
    tool_rows = [
        r
        for r in rows
        if r.get("hook_event_name") in TOOL_EVENTS
        and r["session_id"]
        and r["tool_name"]
        and (parse_ts(r["timestamp"]) or dt.datetime.max).year < 2090
    ]
    for row in tool_rows:
        assert {
            "session_id",
            "transcript_path",
            "cwd",
            "hook_event_name",
            "tool_name",
            "tool_input",
            "tool_use_id",
            "timestamp",
        } <= set(row)
        assert ("tool_response" in row) == (row["hook_event_name"] == "PostToolUse")
        assert row["transcript_path"].endswith(f"/{row['session_id']}.jsonl")
        assert row["tool_use_id"].startswith("toolu_")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", row["timestamp"])
    pre: dict[str, dict[str, Any]] = {}
    for row in tool_rows:
        if row["hook_event_name"] == "PreToolUse":
            pre.setdefault(row["tool_use_id"], row)  # a re-fired duplicate comes later
    post = [
        r for r in tool_rows if r["hook_event_name"] == "PostToolUse" and r["tool_use_id"] in pre
    ]
    assert len(post) > 0.9 * len(pre)
    assert all(r["timestamp"] > pre[r["tool_use_id"]]["timestamp"] for r in post)
    others = {r["hook_event_name"] for r in rows} - set(TOOL_EVENTS)
    assert HOOK_EVENTS - set(TOOL_EVENTS) <= others
    assert "ToolExplode" in others
    prompts = [r for r in rows if r["hook_event_name"] == "UserPromptSubmit"]
    assert prompts and all(r["prompt"] for r in prompts)


@pytest.mark.parametrize("shape", ["table", "claude"])
def test_parquet_holds_the_same_rows_as_jsonl(cli: CliRunner, tmp_path: Path, shape: str) -> None:
    args = [
        "--sessions",
        "8",
        "--days",
        "1",
        "--seed",
        "9",
        "--end-date",
        END_DATE,
        "--shape",
        shape,
    ]
    run(cli, tmp_path / "events.jsonl", *args)
    run(cli, tmp_path / "events.parquet", *args)
    lines, _ = read_jsonl(tmp_path / "events.jsonl")
    with duckdb.connect() as con:
        relation = con.sql(f"select * from read_parquet('{tmp_path / 'events.parquet'}')")
        columns = [d[0] for d in relation.description]
        records = [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]
    if shape == "table":
        assert [r["id"] for r in records] == [r["id"] for r in lines]
        assert records == lines
    else:

        def normal(row: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in row.items() if v is not None}

        for record in records:
            for column in ("tool_input", "tool_response"):
                if record[column] is not None:
                    record[column] = json.loads(record[column])
        assert [normal(r) for r in records] == [normal(r) for r in lines]


# --- the command ------------------------------------------------------------------------
def test_help_explains_the_options(cli: CliRunner) -> None:
    result = cli.invoke(app, ["generate-sample", "--help"], terminal_width=120)
    assert result.exit_code == 0
    for word in (
        "--out",
        "--sessions",
        "--days",
        "--seed",
        "--end-date",
        "--shape",
        "claude",
        ".parquet",
        "--noise-only",
        "--bad-rows",
    ):
        assert word in result.output, word


@pytest.mark.parametrize(
    ("args", "message", "exit_code"),
    [
        (["--out", "events.csv"], "unknown format .csv", 1),
        # An unknown shape is a usage error: typer lists the allowed values.
        (["--out", "events.jsonl", "--shape", "xml"], "'xml' is not one of", 2),
    ],
)
def test_bad_arguments_fail_with_a_message(
    cli: CliRunner, workdir: Path, args: list[str], message: str, exit_code: int
) -> None:
    result = cli.invoke(app, ["generate-sample", *args])
    assert result.exit_code == exit_code
    assert message in result.output
    assert not any(workdir.iterdir())


# --- realism: the shapes of real sessions (/work/shared/REAL_SESSIONS.md) ---------------
# Real weeks are heterogeneous: each session has its project, its habits, its own rare
# commands, runs of one tool and long Grep/Read alternations. A null model that draws
# from global frequencies is fooled by such data; the sample must show it too.
def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def collapsed(signatures: list[str]) -> list[str]:
    return [s for i, s in enumerate(signatures) if i == 0 or signatures[i - 1] != s]


@dataclass
class Realism:
    sessions: dict[str, list[dict[str, Any]]]  # valid rows of a session, in time order
    signatures: dict[str, list[str]]  # per session, the signature of every call

    @classmethod
    def of(cls, path: Path) -> Realism:
        sessions = by_session(valid_table_rows(read_jsonl(path)[0]))
        signatures = {
            sid: [
                tool_signature(e["tool_name"], e["payload"]["tool_input"])
                for e in events
                if e["event_type"] == "PreToolUse"
            ]
            for sid, events in sessions.items()
        }
        return cls(sessions, {sid: sigs for sid, sigs in signatures.items() if sigs})


@pytest.fixture(scope="module")
def realism(default: DefaultSample) -> Realism:
    return Realism.of(default.path)


def test_sessions_are_many_tiny_and_a_few_very_long(realism: Realism) -> None:
    """Real: p10 3, median 20-43, p90 97-203, longest 560-1,544 calls."""
    calls = [len(sigs) for sigs in realism.signatures.values()]
    assert quantile(calls, 0.1) <= 5
    assert 20 <= statistics.median(calls) <= 50
    assert 90 <= quantile(calls, 0.9) <= 260
    assert 500 <= max(calls) <= 2_000


def test_each_session_has_its_own_habits(realism: Realism) -> None:
    """Real: the median session spends 28-36 % of its calls on its top signature, and
    25-49 % of all signatures occur in one session only."""
    top_shares = [Counter(s).most_common(1)[0][1] / len(s) for s in realism.signatures.values()]
    assert 0.24 <= statistics.median(top_shares) <= 0.45
    sessions_of: dict[str, set[str]] = defaultdict(set)
    for sid, sigs in realism.signatures.items():
        for sig in sigs:
            sessions_of[sig].add(sid)
    single = sum(len(s) == 1 for s in sessions_of.values()) / len(sessions_of)
    assert 0.2 <= single <= 0.6, single


def test_sessions_share_projects_with_their_own_vocabulary(realism: Realism) -> None:
    cwd_of = {
        sid: events[0]["payload"]["context"]["cwd"] for sid, events in realism.sessions.items()
    }
    per_project = Counter(cwd_of.values())
    assert len(per_project) < len(cwd_of) / 2, "projects have several sessions"
    assert max(per_project.values()) >= 5
    assert any(cwd.startswith("C:\\") for cwd in per_project), "a Windows user"
    # A project's own scripts: signatures that only one project's sessions use,
    # in several of its sessions.
    projects_of: dict[str, set[str]] = defaultdict(set)
    sessions_of: dict[str, set[str]] = defaultdict(set)
    for sid, sigs in realism.signatures.items():
        for sig in sigs:
            projects_of[sig].add(cwd_of[sid])
            sessions_of[sig].add(sid)
    own = [s for s in projects_of if len(projects_of[s]) == 1 and len(sessions_of[s]) >= 2]
    assert len(own) >= 10, own


def test_runs_and_long_grep_read_alternations(realism: Realism) -> None:
    """Real: about 1.5 calls per step once consecutive repeats collapse; long
    Grep/Read alternations."""
    calls = sum(len(s) for s in realism.signatures.values())
    steps = [collapsed(s) for s in realism.signatures.values()]
    assert 1.3 <= calls / sum(len(s) for s in steps) <= 1.8
    longest = 0
    for seq in steps:
        run = 0
        for sig in seq:
            run = run + 1 if sig in ("Grep", "Read") else 0
            longest = max(longest, run)
    assert longest >= 8, "Grep, Read, Grep, Read … for 8 steps or more"
    assert any(sig == "Read" for seq in realism.signatures.values() for sig in seq[:1])


def test_bash_has_a_long_tail_of_programs(realism: Realism) -> None:
    """Real: 58-115 distinct programs (git, ls, grep, python, find, pytest, npm, node,
    cat, gh, curl, …); about 8 % of Bash calls start with a loop, subshell or assignment."""
    commands = [
        e["payload"]["tool_input"]["command"]
        for events in realism.sessions.values()
        for e in events
        if e["event_type"] == "PreToolUse" and e["tool_name"] == "Bash"
    ]
    programs = Counter(bash_signature(c)[5:-1].split(" ")[0] for c in commands)
    assert 50 <= len(programs) <= 200, len(programs)
    frequent = {p for p, _ in programs.most_common(25)}
    assert {"git", "ls", "grep", "find", "pytest", "npm", "cat", "gh"} <= frequent, frequent
    not_a_program = re.compile(r"\s*(\(|for\s|while\s|if\s|[A-Za-z_][A-Za-z0-9_]*=)")
    share = sum(bool(not_a_program.match(c)) for c in commands) / len(commands)
    assert 0.04 <= share <= 0.15, share


def test_gaps_and_durations_are_those_of_real_sessions(realism: Realism) -> None:
    """Real: gaps between calls median 2.7 s, p90 15 s, p99 about 9 min; Bash takes
    0.8 s (median), Read 0.1 s, Task (a sub-agent) 2 min."""
    gaps: list[float] = []
    durations: dict[str, list[float]] = defaultdict(list)
    for events in realism.sessions.values():
        tool_events = [e for e in events if e["event_type"] in TOOL_EVENTS]
        starts = [e["at"] for e in tool_events if e["event_type"] == "PreToolUse"]
        gaps += [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
        for pre, post in itertools.pairwise(tool_events):
            if (pre["event_type"], post["event_type"]) == TOOL_EVENTS:
                durations[pre["tool_name"]].append((post["at"] - pre["at"]).total_seconds())
    gaps = [g for g in gaps if g < 3_600]  # not the pauses of hours
    assert 1.5 <= statistics.median(gaps) <= 4.5
    assert 8 <= quantile(gaps, 0.9) <= 30
    assert 180 <= quantile(gaps, 0.99) <= 1_200
    assert 0.3 <= statistics.median(durations["Bash"]) <= 2.5
    assert 0.05 <= statistics.median(durations["Read"]) <= 0.3
    assert 0.05 <= statistics.median(durations["Edit"]) <= 0.4
    assert 40 <= statistics.median(durations["Task"]) <= 300


def test_sessions_per_day_are_uneven() -> None:
    """Real: 3, 11, 45, 18, 7, 18 sessions over six days of one team."""
    options = SampleOptions(sessions=600, days=7, seed=42, end_date=dt.date(2025, 3, 10))
    plans = plan_sessions(options, 0)
    per_day = Counter(plan.start_us // DAY for plan in plans)
    assert len(per_day) == 7
    assert max(per_day.values()) >= 2 * min(per_day.values()), per_day


def test_windows_mojibake_is_valid_json_in_good_events(default: DefaultSample) -> None:
    """A lone surrogate escape (\\udc9d) in a Windows user's file content or command
    output: the line and its payload are valid JSON, the event is a good one."""
    lines = [line for line in default.lines if "\\\\udc9d" in line]
    assert lines
    for line in lines:
        row = json.loads(line)
        payload = json.loads(row["payload"])
        assert row["event_type"] == "PostToolUse" and row["tool_name"] in ("Read", "Bash")
        assert payload["context"]["cwd"].startswith("C:\\")
        assert "\udc9d" in json.dumps(payload["tool_result"], ensure_ascii=False)


def segment_steps(sessions: dict[str, list[dict[str, Any]]]) -> dict[str, list[Step]]:
    """Steps as int_tool_steps_sequenced cuts them with the default vars: a call starts
    at its Pre (at its Post when the Pre is missing), a segment ends after 30 minutes
    without activity, consecutive equal signatures collapse inside a segment."""
    sequences: dict[str, list[Step]] = {}
    for session_id, events in sessions.items():
        steps: list[Step] = []
        open_pre: dict[str, Any] | None = None
        active: dt.datetime | None = None
        for event in events:
            if event["event_type"] not in TOOL_EVENTS:
                continue
            is_post = event["event_type"] == "PostToolUse"
            if not (is_post and open_pre and open_pre["tool_name"] == event["tool_name"]):
                # A Post alone has no tool_input: a Bash call is plain ``Bash`` then.
                sig = (
                    event["tool_name"]
                    if is_post
                    else tool_signature(event["tool_name"], event["payload"]["tool_input"])
                )
                if active is not None and event["at"] > active + dt.timedelta(minutes=30):
                    steps.append(("#", event["at"].date()))  # segment break
                if not steps or steps[-1][0] != sig:
                    steps.append((sig, event["at"].date()))
            open_pre = None if is_post else event
            active = event["at"] if active is None else max(active, event["at"])
        sequences[session_id] = steps
    return sequences


def test_summary_counts_each_workflow_exactly(default: DefaultSample, realism: Realism) -> None:
    """The summary's counts are the contiguous occurrences a build with the default
    vars finds: planted ones plus those noise forms by chance, never more, never less."""
    sequences = segment_steps(realism.sessions)
    for workflow in PLANTED_WORKFLOWS:
        found = len(occurrences(sequences, workflow.steps))
        assert found == default.summary.planted_occurrences[workflow.signature], workflow


# --- destroying order -------------------------------------------------------------------
def tool_calls(path: Path, shape: str) -> dict[str, list[tuple[Any, ...]]]:
    """Per session, its calls as (Pre time, Post time, tool, input, result) slots."""
    rows = read_jsonl(path)[0]
    calls: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    if shape == "claude":
        halves: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for row in rows:
            if row.get("hook_event_name") in TOOL_EVENTS:
                halves[row["tool_use_id"]][row["hook_event_name"]] = row
        for pair in halves.values():
            pre, post = pair.get("PreToolUse"), pair.get("PostToolUse")
            some = pre or post
            assert some is not None
            calls[some["session_id"]].append(
                (
                    pre and pre["timestamp"],
                    post and post["timestamp"],
                    some["tool_name"],
                    json.dumps(some["tool_input"], sort_keys=True),
                    json.dumps(post and post["tool_response"], sort_keys=True),
                    some["tool_use_id"],
                )
            )
    else:
        for events in by_session(valid_table_rows(rows)).values():
            tool_events = [e for e in events if e["event_type"] in TOOL_EVENTS]
            i = 0
            while i < len(tool_events):
                first = tool_events[i]
                second = tool_events[i + 1] if i + 1 < len(tool_events) else None
                # Calls never overlap in the sample: a Pre and the Post right after it
                # (same tool) are one call. (A Pre that lost its Post followed by a
                # Post that lost its Pre, same tool, would be read as one: rare.)
                paired = (
                    first["event_type"] == "PreToolUse"
                    and second is not None
                    and second["event_type"] == "PostToolUse"
                    and second["tool_name"] == first["tool_name"]
                )
                pre = first if first["event_type"] == "PreToolUse" else None
                post = second if paired else (None if pre else first)
                calls[first["session_id"]].append(
                    (
                        pre and pre["timestamp"],
                        post and post["timestamp"],
                        first["tool_name"],
                        json.dumps(pre and pre["payload"]["tool_input"], sort_keys=True),
                        json.dumps(post and post["payload"]["tool_result"], sort_keys=True),
                    )
                )
                i += 2 if paired else 1
    return {sid: sorted(c, key=lambda call: call[0] or call[1] or "") for sid, c in calls.items()}


@pytest.mark.parametrize(("shape", "name"), [("table", "events.jsonl"), ("claude", "events.jsonl")])
def test_destroy_order_keeps_calls_times_and_pairs(
    cli: CliRunner, tmp_path: Path, shape: str, name: str
) -> None:
    """--destroy-order: per session the same multiset of calls (tool, input, result:
    each call keeps its Pre/Post pair), the same time slots, the other events as they
    were; only which call sits in which slot changes, deterministically per seed."""
    args = ["--sessions", "30", "--days", "2", "--seed", "4", "--end-date", END_DATE]
    args += ["--shape", shape, "--no-bad-rows"]
    intact, shuffled, again = tmp_path / "i" / name, tmp_path / "s" / name, tmp_path / "a" / name
    run(cli, intact, *args)
    output = run(cli, shuffled, *args, "--destroy-order")
    run(cli, again, *args, "--destroy-order")
    assert shuffled.read_bytes() == again.read_bytes()
    assert "order destroyed" in output
    before, after = tool_calls(intact, shape), tool_calls(shuffled, shape)
    assert set(before) == set(after)
    moved = changed = 0
    for sid, calls in before.items():
        slots = sorted((c[0] or "", c[1] or "") for c in calls)
        assert slots == sorted((c[0] or "", c[1] or "") for c in after[sid]), "same time slots"
        assert Counter(c[2:] for c in calls) == Counter(c[2:] for c in after[sid]), "same calls"
        if len(calls) >= 5:
            moved += 1
            changed += [c[2:] for c in calls] != [c[2:] for c in after[sid]]
    assert changed >= 0.9 * moved

    # Other events: the same rows, untouched.
    def others(path: Path) -> list[str]:
        rows = read_jsonl(path)[0]
        key = "hook_event_name" if shape == "claude" else "event_type"
        return [json.dumps(r, sort_keys=True) for r in rows if r.get(key) not in TOOL_EVENTS]

    assert others(intact) == others(shuffled)


def test_destroy_order_breaks_runs_and_workflows(cli: CliRunner, tmp_path: Path) -> None:
    args = ["--sessions", "60", "--days", "2", "--seed", "8", "--end-date", END_DATE]
    run(cli, tmp_path / "intact.jsonl", *args)
    run(cli, tmp_path / "shuffled.jsonl", *args, "--destroy-order")
    intact = Realism.of(tmp_path / "intact.jsonl").signatures
    shuffled = Realism.of(tmp_path / "shuffled.jsonl").signatures

    def calls_per_step(signatures: dict[str, list[str]]) -> float:
        return sum(map(len, signatures.values())) / sum(
            len(collapsed(s)) for s in signatures.values()
        )

    assert calls_per_step(shuffled) < calls_per_step(intact) - 0.15
    steps = {
        sid: [(sig, dt.date(2025, 3, 10)) for sig in collapsed(s)] for sid, s in shuffled.items()
    }
    planted = {
        sid: [(sig, dt.date(2025, 3, 10)) for sig in collapsed(s)] for sid, s in intact.items()
    }
    for workflow in PLANTED_WORKFLOWS:
        assert (
            len(occurrences(steps, workflow.steps)) < len(occurrences(planted, workflow.steps)) / 4
        )


def test_noise_only_is_composition_without_order(cli: CliRunner, tmp_path: Path) -> None:
    """--noise-only: sessions still differ in make-up, but their calls come in random
    order: runs no longer than chance gives (no alternation, no workflow planted)."""
    run(cli, tmp_path / "noise.jsonl", *SMALL, "--noise-only")
    signatures = Realism.of(tmp_path / "noise.jsonl").signatures
    tops = [Counter(s).most_common(1)[0][1] / len(s) for s in signatures.values()]
    assert statistics.median(tops) >= 0.24, "heterogeneous sessions"
    # Under random order a session repeats its last signature with chance sum(p_i^2).
    expected = observed = 0.0
    for sigs in signatures.values():
        counts = Counter(sigs)
        n = len(sigs)
        if n > 1:
            expected += (n - 1) * sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))
            observed += sum(a == b for a, b in itertools.pairwise(sigs))
    assert abs(observed - expected) <= 4 * math.sqrt(expected) + 5, (observed, expected)


def as_jsonl(path: Path, tmp_path: Path) -> Path:
    """A Parquet file's rows as JSONL (the table shape is flat: the same records)."""
    import pyarrow.parquet as pq

    out = tmp_path / f"{path.parent.name}-{path.stem}.jsonl"
    rows = pq.read_table(str(path)).to_pylist()
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return out


@pytest.mark.parametrize(
    ("shape", "name", "extra"),
    [
        ("table", "events.jsonl", []),  # with bad rows: they stay where they are
        ("claude", "events.jsonl", ["--no-bad-rows"]),
        ("table", "events.parquet", ["--no-bad-rows"]),
    ],
)
def test_shuffle_sessions_destroys_order_of_a_file(
    cli: CliRunner, tmp_path: Path, shape: str, name: str, extra: list[str]
) -> None:
    """`runner shuffle-sessions` (shuffle_within_sessions) on an existing file, as on a
    real export: per session the same calls, slots and pairs; only the order changes;
    every other record is written back byte for byte (JSONL)."""
    args = ["--sessions", "30", "--days", "2", "--seed", "6", "--end-date", END_DATE]
    source = tmp_path / "in" / name
    run(cli, source, *args, "--shape", shape, *extra)
    shuffled, again = tmp_path / "out" / name, tmp_path / "again" / name
    for target in (shuffled, again):
        result = cli.invoke(
            app, ["shuffle-sessions", "--in", str(source), "--out", str(target), "--seed", "2"]
        )
        assert result.exit_code == 0, result.output
        assert "permuted" in result.output
    assert shuffled.read_bytes() == again.read_bytes()
    assert shuffled.read_bytes() != source.read_bytes()
    if name.endswith(".parquet"):
        source, shuffled = as_jsonl(source, tmp_path), as_jsonl(shuffled, tmp_path)
    else:
        before_lines = source.read_bytes().split(b"\n")
        after_lines = shuffled.read_bytes().split(b"\n")
        assert len(before_lines) == len(after_lines)
        key = b'"hook_event_name"' if shape == "claude" else b'"event_type"'
        for a, b in zip(before_lines, after_lines, strict=True):
            if not (key + b':"PreToolUse"' in a or key + b':"PostToolUse"' in a):
                assert a == b
    before, after = tool_calls(source, shape), tool_calls(shuffled, shape)
    assert set(before) == set(after)
    changed = 0
    for sid, calls in before.items():
        slots = sorted((c[0] or "", c[1] or "") for c in calls)
        assert slots == sorted((c[0] or "", c[1] or "") for c in after[sid])
        assert Counter(c[2:] for c in calls) == Counter(c[2:] for c in after[sid])
        changed += [c[2:] for c in calls] != [c[2:] for c in after[sid]]
    assert changed >= 0.6 * len(before)


def test_shuffle_sessions_refuses_mixed_formats(cli: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    run(cli, source, "--sessions", "2", "--days", "1", "--end-date", END_DATE)
    result = cli.invoke(
        app, ["shuffle-sessions", "--in", str(source), "--out", str(tmp_path / "x.parquet")]
    )
    assert result.exit_code == 1
    assert "same format" in result.output
