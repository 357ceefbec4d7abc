"""A session's shared context and its tool calls: what a call's PreToolUse and
PostToolUse describe (input, result, success, duration), drawn from the session's
habits, in runs and alternations as real noise comes."""

from __future__ import annotations

import math
import random
import re
from typing import Any

from runner.sample.json_text import encode, escape_surrogates
from runner.sample.signatures import bash_signature
from runner.sample.vocabulary import (
    BASH_PICKER,
    BRANCHES,
    COMMIT_SUBJECTS,
    RUN_CONTINUE,
    TABLES,
    Habits,
    Project,
    TemplateValues,
    file_snippet,
    make_project,
    random_token,
)

# (median ms, sigma) of lognormal durations. Real medians: Bash 0.8 s (p90 10 s), Read
# 0.1 s, Grep 0.15 s, Edit 0.14 s (p90 1 s), Task 2 min (p90 12 min).
_DURATIONS: dict[str, tuple[float, float]] = {
    "fast": (180, 1.0),
    "git": (250, 0.8),
    "git_net": (1_400, 0.7),
    "test": (4_000, 1.1),
    "build": (8_000, 1.0),
    "install": (5_000, 0.9),
    "docker": (4_000, 1.0),
    "net": (700, 0.9),
    "lint": (1_200, 0.7),
    "default": (900, 1.3),
    "deploy": (45_000, 0.7),
    "image_build": (300_000, 0.25),
    "e2e_suite": (600_000, 0.25),
    "Read": (100, 0.6),
    "Edit": (140, 1.5),
    "MultiEdit": (180, 1.3),
    "Write": (120, 1.0),
    "Grep": (150, 0.8),
    "Glob": (90, 0.7),
    "LS": (40, 0.5),
    "Task": (120_000, 1.4),
    "TodoWrite": (15, 0.4),
    "TaskCreate": (20, 0.4),
    "TaskUpdate": (15, 0.4),
    "BashOutput": (40, 0.6),
    "SlashCommand": (30, 0.5),
    "WebFetch": (2_500, 0.7),
    "WebSearch": (3_000, 0.5),
    "mcp": (700, 0.9),
}
_FAILURE_RATE = {"test": 0.2, "build": 0.08, "lint": 0.25, "install": 0.04, "deploy": 0.1}

_SENSITIVE_FILES = ("{cwd}/.env", "{home}/.ssh/config", "{cwd}/.env.production")


class Session:
    """Per-session context shared by all its events."""

    __slots__ = (
        "claude_prefix_json",
        "context",
        "ctx_json",
        "cwd",
        "files",
        "habits",
        "permission_mode",
        "project",
        "session_id",
        "sid_json",
        "source_app",
        "table_columns_json",
        "transcript_path",
        "workflow_id",
    )

    def __init__(self, session_id: str, rng: random.Random, project: Project | None = None) -> None:
        self.session_id = session_id
        self.project = project or make_project(rng.getrandbits(32), 0)
        self.habits = Habits(rng, self.project)
        self.files = self.habits.files
        self.cwd = self.project.cwd
        self.context = {"cwd": self.cwd}
        folder = re.sub(r"[/\\:.]", "-", self.cwd)
        home = self.project.home.replace("\\", "/")
        self.transcript_path = f"{home}/.claude/projects/{folder}/{session_id}.jsonl"
        roll = rng.random()
        if roll < 0.25:
            tag = f"{rng.getrandbits(32):08x}"
            self.source_app: str | None = f"adw_wf-{tag}"
            self.workflow_id: str | None = f"wf-{tag}"
        else:
            self.source_app = "unknown" if roll < 0.95 else None
            self.workflow_id = None
        self.permission_mode = "acceptEdits" if rng.random() < 0.3 else "default"
        # Pre-encoded JSON fragments: every event of the session repeats them.
        sid = encode(session_id)
        self.sid_json = sid
        self.ctx_json = encode(self.context)
        self.table_columns_json = (
            f'"source_app":{encode(self.source_app)},"session_id":{sid},'
            f'"workflow_id":{encode(self.workflow_id)}'
        )
        self.claude_prefix_json = (
            f'{{"session_id":{sid},"transcript_path":{encode(self.transcript_path)},'
            f'"cwd":{encode(self.cwd)},"permission_mode":{encode(self.permission_mode)}'
        )


class Call:
    """One tool call: what both its Pre and its Post event describe."""

    __slots__ = (
        "_input_json",
        "_result_json",
        "duration_ms",
        "reported_ms",
        "result",
        "signature",
        "success",
        "tool",
        "tool_input",
        "tool_use_id",
    )

    def __init__(self, tool: str, tool_input: dict[str, Any], signature: str) -> None:
        self.tool = tool
        self.tool_input = tool_input
        self.signature = signature
        self.result: Any = None
        self.success = True
        self.duration_ms = 0
        self.reported_ms = 0
        self.tool_use_id = ""
        self._input_json: str | None = None
        self._result_json: str | None = None

    @property
    def input_json(self) -> str:
        if self._input_json is None:
            self._input_json = encode(self.tool_input)
        return self._input_json

    @property
    def result_json(self) -> str:
        if self._result_json is None:
            self._result_json = escape_surrogates(encode(self.result))
        return self._result_json


def _lognormal_ms(rng: random.Random, profile: str) -> int:
    median, sigma = _DURATIONS[profile]
    return max(1, int(median * math.exp(sigma * rng.gauss(0.0, 1.0))))


def _abs(sess: Session, rel: str) -> str:
    if sess.project.windows:
        return rel if rel[1:3] == ":\\" else f"{sess.cwd}\\{rel.replace('/', chr(92))}"
    return rel if rel.startswith("/") else f"{sess.cwd}/{rel}"


#: A Windows user's file or output decoded with the wrong code page keeps a lone
#: surrogate (``\udc9d``): JSON can hold it as an escape; the event is good.
MOJIBAKE_RATE = 0.04  # of Read and Bash results in Windows projects


def _mojibake(rng: random.Random, text: str) -> str:
    cut = int(rng.random() * (len(text) + 1))
    return f"{text[:cut]}Caf\u00c3\udc9d {text[cut:]}"


def _bash_output(rng: random.Random, profile: str, ok: bool, command: str) -> str:
    if profile == "test":
        if ok:
            return f"{rng.randint(5, 400)} passed in {rng.uniform(0.4, 90):.2f}s"
        return (
            f"FAILED tests/test_api.py::test_pagination - AssertionError: assert 20 == 25\n"
            f"1 failed, {rng.randint(5, 400)} passed in {rng.uniform(0.4, 90):.2f}s"
        )
    if command.startswith("git status") or command.endswith("git status"):
        return (
            "On branch main\nChanges not staged for commit:\n\tmodified:   src/app.py\n\n"
            'no changes added to commit (use "git add" and/or "git commit -a")'
        )
    if profile == "git_net":
        return "To github.com:acme/app.git\n   3f2c1ab..9e8d7c6  HEAD -> main"
    if profile in ("build", "install", "docker", "deploy"):
        return "done" if ok else "error: exit status 1"
    if profile == "lint":
        return "All checks passed!" if ok else f"Found {rng.randint(1, 12)} errors."
    return ""


def noise_burst(rng: random.Random, sess: Session) -> list[Call]:
    """The session's next few noise calls: a run of one tool, or a Grep/Read alternation.

    Drawn from the session's own habits (``Habits``); a run repeats one tool (a Bash run
    repeats one command, as a test rerun does). The order inside a burst is the only
    sequential structure noise has: runs and alternations, as real sessions show.
    """
    habits = sess.habits
    tool = habits.tools.pick(rng)
    if tool == "Grep" and rng.random() < habits.alternation:
        calls = []
        for _ in range(rng.randint(4, 16)):  # Grep, Read, Grep, Read (, Read) …
            calls.append(make_call(rng, sess, "Grep"))
            calls.append(make_call(rng, sess, "Read"))
            if rng.random() < 0.2:
                calls.append(make_call(rng, sess, "Read"))
        return calls
    entry = habits.bash.pick(rng) if tool == "Bash" else None
    go_on = RUN_CONTINUE.get(tool, 0.1)
    calls = [make_call(rng, sess, tool, entry=entry)]
    while len(calls) < 40 and rng.random() < go_on:
        calls.append(make_call(rng, sess, tool, entry=entry))
    return calls


def noise_call(rng: random.Random, sess: Session) -> Call:
    """One call of the session's habits (its tool mix and Bash vocabulary), no run."""
    tool = sess.habits.tools.pick(rng)
    entry = sess.habits.bash.pick(rng) if tool == "Bash" else None
    return make_call(rng, sess, tool, entry=entry)


def make_call(rng: random.Random, sess: Session, tool: str, **given: Any) -> Call:
    proj = sess.project
    profile = tool
    if tool == "Bash":
        profile, desc, variants = given.get("entry") or BASH_PICKER.pick(rng)
        template = variants[int(rng.random() * len(variants))]
        command = template.format_map(TemplateValues(rng, sess))
        tool_input: dict[str, Any] = {"command": command, "description": desc}
        if profile in ("test", "build", "docker", "deploy") and rng.random() < 0.3:
            tool_input["timeout"] = 600000
        call = Call(tool, tool_input, bash_signature(command))
        ok = rng.random() >= _FAILURE_RATE.get(profile, 0.03)
        call.success = ok
        stdout = _bash_output(rng, profile, ok, command)
        if proj.windows and rng.random() < MOJIBAKE_RATE:
            stdout = _mojibake(rng, stdout)
        call.result = {
            "stdout": stdout,
            "stderr": "" if ok else "exit status 1",
            "interrupted": False,
            "isImage": False,
        }
    elif tool in ("Read", "Edit", "Write", "MultiEdit"):
        rel = given.get("file") or (
            rng.choice(sess.files) if rng.random() < 0.85 else rng.choice(proj.files + proj.tests)
        )
        if tool in ("Write", "Edit") and "file" not in given and rng.random() < 0.006:
            rel = rng.choice(_SENSITIVE_FILES).format(cwd=sess.cwd, home=proj.home)
        path = _abs(sess, rel)
        snippet = file_snippet(rng, path)
        if tool == "Read":
            if proj.windows and rng.random() < MOJIBAKE_RATE:
                snippet = _mojibake(rng, snippet)
            tool_input = {"file_path": path}
            if rng.random() < 0.1:
                tool_input["offset"] = rng.randint(1, 400)
                tool_input["limit"] = 200
            lines = snippet.count("\n")
            result: Any = {
                "type": "text",
                "file": {
                    "filePath": path,
                    "content": snippet,
                    "numLines": lines,
                    "startLine": 1,
                    "totalLines": lines + rng.randint(0, 600),
                },
            }
        elif tool == "Write":
            if path.endswith((".env", ".env.production")):
                snippet = (
                    f"DATABASE_URL=postgresql://app:{random_token(rng, 12)}@db:5432/app\n"
                    f"STRIPE_SECRET_KEY=sk_live_{random_token(rng, 24)}\n"
                )
            elif path.endswith("/.ssh/config"):
                snippet = (
                    "Host bastion\n  HostName 10.0.4.12\n  User deploy\n"
                    "  IdentityFile ~/.ssh/id_ed25519\n"
                )
            tool_input = {"file_path": path, "content": snippet}
            result = {"type": "create", "filePath": path, "content": snippet, "structuredPatch": []}
        else:
            old = snippet.splitlines()[-2] if snippet.count("\n") > 1 else snippet
            new = old.replace("    ", "        ", 1) + "  # reviewed"
            if path.endswith("/.ssh/config"):
                old, new = "  User deploy", "  User root\n  StrictHostKeyChecking no"
            elif path.endswith((".env", ".env.production")):
                old, new = (
                    "LOG_LEVEL=info",
                    f"LOG_LEVEL=debug\nOPENAI_API_KEY=sk-{random_token(rng, 40)}",
                )
            if tool == "Edit":
                tool_input = {
                    "file_path": path,
                    "old_string": old,
                    "new_string": new,
                    "replace_all": False,
                }
            else:
                tool_input = {"file_path": path, "edits": [{"old_string": old, "new_string": new}]}
            result = {
                "filePath": path,
                "oldString": old,
                "newString": new,
                "replaceAll": False,
                "userModified": False,
                "structuredPatch": [
                    {
                        "oldStart": 12,
                        "oldLines": 1,
                        "newStart": 12,
                        "newLines": 1,
                        "lines": [f"-{old}", f"+{new}"],
                    }
                ],
            }
        call = Call(tool, tool_input, tool)
        call.result = result
    elif tool == "Grep":
        pattern = rng.choice(sess.habits.keywords)
        tool_input = {
            "pattern": pattern,
            "path": _abs(sess, rng.choice(proj.dirs)),
            "output_mode": "files_with_matches",
        }
        if rng.random() < 0.4:
            tool_input["glob"] = rng.choice(("*.py", "*.ts", "*.tsx", "**/*.yaml"))
        hits = [_abs(sess, f) for f in sess.files[: rng.randint(0, 3)]]
        call = Call(tool, tool_input, tool)
        call.result = {"mode": "files_with_matches", "filenames": hits, "numFiles": len(hits)}
    elif tool == "Glob":
        tool_input = {
            "pattern": rng.choice(("**/*.py", "src/**/*.ts", "**/test_*.py", "*.md")),
            "path": sess.cwd,
        }
        hits = [_abs(sess, f) for f in proj.files[: rng.randint(0, 5)]]
        call = Call(tool, tool_input, tool)
        call.result = {
            "filenames": hits,
            "durationMs": rng.randint(2, 90),
            "numFiles": len(hits),
            "truncated": False,
        }
    elif tool == "LS":
        tool_input = {"path": _abs(sess, rng.choice(proj.dirs))}
        call = Call(tool, tool_input, tool)
        call.result = "\n".join(f"- {f.rsplit('/', 1)[-1]}" for f in proj.files)
    elif tool == "TodoWrite":
        todos = [
            {"content": s, "status": st, "activeForm": s}
            for s, st in zip(
                ("Reproduce the failure", "Fix the bug", "Run the tests"),
                ("completed", "in_progress", "pending"),
                strict=True,
            )
        ]
        call = Call(tool, {"todos": todos}, tool)
        call.result = {"oldTodos": [], "newTodos": todos}
    elif tool == "BashOutput":
        call = Call(tool, {"bash_id": f"bash_{rng.randint(1, 9)}"}, tool)
        call.result = {"stdout": "Server listening on :8000", "status": "running", "exitCode": None}
    elif tool == "SlashCommand":
        command = rng.choice(("/review", "/compact", "/pr-comments", "/test-all", "/init"))
        call = Call(tool, {"command": command}, tool)
        call.result = {"success": True, "commandName": command.lstrip("/")}
    elif tool in ("TaskCreate", "TaskUpdate"):
        task_id = str(rng.randint(1, 12))
        if tool == "TaskCreate":
            subject = rng.choice(("Reproduce the failure", "Fix the bug", "Run the tests"))
            tool_input = {"subject": subject, "description": subject, "activeForm": subject}
        else:
            tool_input = {"taskId": task_id, "status": rng.choice(("in_progress", "completed"))}
        call = Call(tool, tool_input, tool)
        call.result = {"task": {"id": task_id}, "success": True}
    elif tool == "Task":
        kind = rng.choice(("general-purpose", "Explore", "code-reviewer"))
        tool_input = {
            "description": "Survey the code base",
            "prompt": "Find every place that computes tax and list the files.",
            "subagent_type": kind,
        }
        call = Call(tool, tool_input, tool)
        call.result = {
            "content": [{"type": "text", "text": "Tax is computed in 3 places: …"}],
            "totalDurationMs": 0,
            "totalTokens": rng.randint(2_000, 60_000),
            "totalToolUseCount": rng.randint(2, 40),
        }
    elif tool == "WebFetch":
        url = rng.choice(
            (
                "https://docs.python.org/3/library/decimal.html",
                "https://react.dev/reference/react/useEffect",
                "https://docs.github.com/en/rest/pulls/pulls",
            )
        )
        call = Call(tool, {"url": url, "prompt": "Summarise the relevant API"}, tool)
        call.result = {
            "bytes": rng.randint(2_000, 300_000),
            "code": 200,
            "codeText": "OK",
            "result": "The page documents …",
            "durationMs": 0,
            "url": url,
        }
    elif tool == "WebSearch":
        query = rng.choice(
            (
                "duckdb read_json format newline_delimited",
                "vitest mock fetch",
                "alembic add index concurrently",
            )
        )
        call = Call(tool, {"query": query}, tool)
        call.result = {"query": query, "results": [{"title": "…", "url": "https://example.com/"}]}
    else:  # MCP
        if tool == "mcp__github__create_pull_request":
            tool_input = {
                "owner": "acme",
                "repo": proj.pkg,
                "title": rng.choice(COMMIT_SUBJECTS),
                "head": rng.choice(BRANCHES),
                "base": "main",
                "body": "Automated PR",
            }
        elif tool == "mcp__postgres__query":
            tool_input = {"sql": f"select count(*) from {rng.choice(TABLES)}"}
        elif tool.startswith("mcp__playwright"):
            tool_input = {"url": "http://localhost:5173/settings"}
        else:
            tool_input = {"owner": "acme", "repo": proj.pkg, "issue_number": rng.randint(1, 900)}
        call = Call(tool, tool_input, tool)
        call.result = [{"type": "text", "text": '{"ok":true}'}]
        profile = "mcp"
    call.duration_ms = _lognormal_ms(rng, profile)
    call.reported_ms = 0 if rng.random() < 0.6 else call.duration_ms
    return call
