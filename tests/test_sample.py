"""`runner generate-sample`: realistic, deterministic synthetic hook events.

Most checks read one small sample written through the CLI (24 sessions over 2 days,
enough for the guaranteed long session, a midnight crossing and every bad-row kind).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
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

from runner import paths, sample
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
def test_tool_mix_is_realistic(small: Sample) -> None:
    tools = Counter(r["tool_name"] for r in small.valid if r["event_type"] == "PreToolUse")
    total = sum(tools.values())
    assert 0.4 < (tools["Bash"] + tools["Read"]) / total < 0.65
    for tool in ("Edit", "Write", "Grep", "Glob", "Task", "TodoWrite", "WebFetch"):
        assert tools[tool] > 0, tool
    assert any(re.fullmatch(r"mcp__[a-z0-9]+__[a-z_]+", t) for t in tools)


def bash_commands(rows: list[dict[str, Any]]) -> list[str]:
    return [
        r["payload"]["tool_input"]["command"]
        for r in rows
        if r["event_type"] == "PreToolUse" and r["tool_name"] == "Bash"
    ]


def test_bash_commands_are_compound(small: Sample) -> None:
    commands = bash_commands(small.valid)
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
    pool = [template for *_, variants in sample._BASH_POOL for template in variants]
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
    session = sample._Session("00000000-0000-4000-8000-000000000000", rng)
    for _, _, _, variants in sample._BASH_POOL:
        signatures = {bash_signature(v.format_map(sample._Fill(rng, session))) for v in variants}
        assert len(signatures) == 1, variants
    for workflow, makers in sample._PLANTED:
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
    session = sample._Session("00000000-0000-4000-8000-000000000000", rng)
    templates = [t for *_, variants in sample._BASH_POOL for t in variants]
    for template in templates:
        for _ in range(3):
            command = template.format_map(sample._Fill(rng, session))
            assert bash_signature(command, rules) == bash_signature(command), command
    for workflow, makers in sample._PLANTED:
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
        assert len({session for session, _ in found}) >= 6, workflow.signature
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


def test_default_sample_plants_each_workflow_30_times_a_day(default: DefaultSample) -> None:
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
        assert min(per_day.values()) >= 30, (workflow.signature, per_day)
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
    run(cli, path, "--sessions", "12", "--days", "2", "--end-date", END_DATE, "--shape", "claude")
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
