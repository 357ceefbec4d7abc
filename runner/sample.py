"""Realistic synthetic hook events (`runner generate-sample`), deterministic per seed.

What the file holds, and why:

- **Sessions** (UUID ids) shaped like real ones (see REAL_SESSIONS.md in the shared
  notes): many tiny sessions and a long tail (calls per session p10 ~3, median ~36, p90
  ~180; one autonomous session of over a thousand calls from 20 sessions up), uneven
  days, turns (UserPromptSubmit … Stop), gaps of hours, sessions crossing midnight and
  the other hook events (SessionStart/End, Notification, SubagentStop, PreCompact).
- **Tool calls** as a PreToolUse and a PostToolUse, the Post later by a per-tool lognormal
  duration (Bash ~1 s, Read 0.1 s, Task 2 min). About 1.2 % of calls lose one half.
- **Projects and habits** (``_Project``, ``_Habits``): each session belongs to a project
  (about 3.5 sessions per project, unevenly) with its own files, stack commands,
  scripts and MCP servers, and has its own habits drawn from them: its tool mix, a few
  Bash commands with Zipf weights, programs from a long tail, sometimes a command of
  its own. So sessions differ in make-up as real ones do (the median session spends
  about a third of its calls on one signature; about 45 % of signatures occur in one
  session only), which fools a null model drawn from global frequencies.
- **Noise** comes in bursts: runs of one tool (Read, Read, Read; a test rerun) and long
  Grep/Read alternations, about 1.5 calls per step once repeats collapse. That is the
  only order noise has. The Bash commands are compound (loops, subshells, heredocs,
  multi-line commit messages that mention SQL), with the odd secret, routine
  ``kill -9``/``rm -rf``, and in Windows users' results the odd lone surrogate escape
  (``\\udc9d``: valid JSON, a good event).
- **Planted workflows** (``PLANTED_WORKFLOWS``): fixed tool sequences, written as varying
  concrete commands with fixed signatures, recurring across sessions. Signatures are
  named as the dbt models name them (``bash_signature`` mirrors their rules). The
  summary counts each one's contiguous occurrences as ``int_tool_steps_sequenced`` cuts
  steps with the default vars (planted ones and those that form by chance): a build
  finds exactly those counts.
- **Destroyed order** (``destroy_order=True``, ``--destroy-order``): the tool calls of
  each session are permuted. A call's content (tool, input, result, tool_use_id) moves
  to another call's time slot, its Pre and Post together, among slots of the same kind
  (both halves, Pre only, Post only); every timestamp and every other event stays where
  it was. Per session the calls, the timestamps and the pairs are the same; only the
  order is gone, so no workflow is left but by chance: the null data for calibrating a
  confidence score. Deterministic per seed; each session is held in memory while it is
  permuted. ``noise_only=True`` leaves the planted workflows out and destroys the order
  of the noise too: sessions differ in make-up, never in order.
- **Bad rows** (``bad_rows=True``): extra records, one of each kind in turn, each of which
  staging must quarantine. They are *added*: the valid records are the same with and
  without them (only the table's ``id`` column shifts), so a pipeline must find the same
  patterns either way. A Parquet file has no lines to break: it leaves the unparseable
  lines out (their ids stay unused) and is otherwise the JSONL file's rows.

Output is streamed: sessions are generated lazily and merged by time with a heap, rows
are written in chunks, so memory stays bounded whatever the number of events.
Timestamps derive from ``end_date`` (never from the clock), and every random draw comes
from ``random.Random`` instances seeded from ``seed``: same options, same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import json
import math
import os
import random
import re
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from rich.markup import escape

from runner.contracts import HOOK_EVENTS_COLUMNS
from runner.errors import RunnerError

#: Changes whenever the same options would give other events (a cache of generated files,
#: such as the benchmark's, keys on it).
GENERATOR_VERSION = "2026-12-heterogeneous-sessions"
SHAPES = ("table", "claude")
FORMATS = (".jsonl", ".parquet")

#: Columns of the application's hook_events table (DESIGN.md), in order.
TABLE_COLUMNS = HOOK_EVENTS_COLUMNS
#: Columns of the Parquet form of Claude Code's hook JSON (JSONL lines carry only the
#: keys that apply to their event; nested objects become JSON text in Parquet).
CLAUDE_COLUMNS = (
    "session_id",
    "transcript_path",
    "cwd",
    "permission_mode",
    "hook_event_name",
    "tool_name",
    "tool_input",
    "tool_use_id",
    "tool_response",
    "prompt",
    "message",
    "source",
    "reason",
    "trigger",
    "custom_instructions",
    "stop_hook_active",
    "timestamp",
)
CLAUDE_JSON_COLUMNS = ("tool_input", "tool_response")

#: Bad-row kinds per shape, injected in this order, round robin. Named after the
#: staging quarantine reason each should trigger (``unparseable_line`` is a JSONL line
#: that is not JSON at all; Parquet files skip it).
BAD_ROW_KINDS: dict[str, tuple[str, ...]] = {
    "table": (
        "invalid_json",
        "unparseable_line",
        "missing_session_id",
        "unknown_event_type",
        "duplicate_event_id",
        "future_timestamp",
        "missing_tool_name",
        "missing_event_id",
        "unparseable_timestamp",
    ),
    "claude": (
        "unparseable_line",
        "missing_session_id",
        "unknown_event_type",
        "duplicate_event_id",
        "future_timestamp",
        "missing_tool_name",
        "unparseable_timestamp",
    ),
}
UNKNOWN_EVENT_TYPE = "ToolExplode"

# --- tunables ---------------------------------------------------------------------
MS = 1_000  # microseconds
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# Calls per session in real weeks: p10 3, median 20-43, p90 97-203, longest 560-1,544.
SESSION_CALLS_MEDIAN = 36  # lognormal number of tool calls per session …
SESSION_CALLS_SIGMA = 1.3
TINY_SESSION_SHARE = 0.15  # … and sessions of 1-4 calls (a question, a quick look)
SESSION_CALLS_MAX = 4_000  # below the models' step cap (5,000 per segment)
LONG_SESSION_MIN_SESSIONS = 20  # from this many sessions on, session 0 is the long one
LONG_SESSION_CALLS = (1_100, 1_500)
DAY_WEIGHT_SIGMA = 0.5  # sessions per day are uneven (3, 11, 45, 18, 7, 18 in one team)
DAY_WEIGHT_RANGE = (0.4, 2.5)
SESSIONS_PER_PROJECT = 3.5  # mean; a few projects have many sessions, most a few
TURN_CALLS_MEAN = 8.0  # calls between a prompt and Stop
# Gaps between calls in real weeks: median 2.7 s, p90 15 s, p99 about 9 minutes.
GAP_MEDIAN_US = 2_400 * MS
GAP_SIGMA = 0.9
TURN_GAP_MEDIAN_US = 6 * SECOND  # the user reads the answer and types the next prompt
RUN_GAP_MEDIAN_US = 900 * MS  # between the calls of one run (Read, Read, Read)
PAUSE_PER_CALL = 0.012  # the agent waits on something or the user looks elsewhere
PAUSE_US = (2 * MINUTE, 18 * MINUTE)
#: The models' default segment gap (hook_patterns_segment_gap_minutes): the summary
#: counts occurrences inside segments as the models cut them.
SEGMENT_GAP_US = 30 * MINUTE
LONG_GAP_PER_TURN = 0.015  # chance that the user leaves for hours before a prompt
LONG_GAP_US = (75 * MINUTE, 9 * HOUR)
FORCED_GAP_US = (75 * MINUTE, 4 * HOUR)  # the planned pause of the special sessions
PLANT_PER_BLOCK = 0.12  # chance that the next block of calls is a planted workflow
DROP_PRE = 0.006  # a Post without its Pre
DROP_POST = 0.006  # a Pre without its Post
BAD_ROW_RATE = 0.008  # bad rows per tool event

CHUNK_ROWS = 50_000  # rows per Parquet row group
JSONL_CHUNK_LINES = 10_000  # lines per write


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON with UTF-8 kept as is, as fast as the standard library allows.

    ``JSONEncoder.encode`` builds a new C encoder on every call; building it once saves
    about 40 % per object (orjson is not available). Falls back to the public API when
    the C accelerator is missing or behaves differently.
    """
    public = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    try:
        from json.encoder import c_make_encoder  # type: ignore[attr-defined]

        def refuse(obj: Any) -> Any:
            raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

        chunks = c_make_encoder(None, refuse, encode_basestring, None, ":", ",", False, False, True)

        def fast(obj: Any) -> str:
            return "".join(chunks(obj, 0))

        probe = {"a": [1, None, True, 'é\n"→'], "b": {"c": 1.5}}
        if fast(probe) == public(probe):
            return fast
    except (ImportError, TypeError):  # pragma: no cover - no C accelerator
        pass
    return public  # pragma: no cover


_encode = _make_encoder()


# --- public results ---------------------------------------------------------------
@dataclass(frozen=True)
class SampleOptions:
    """What to generate. ``end_date`` is the last day with events (UTC); ``days`` days
    end there. ``shape``: 'table' (hook_events rows) or 'claude' (Claude Code hook JSON)."""

    sessions: int = 200
    days: int = 3
    seed: int = 42
    end_date: dt.date = dt.date(2025, 1, 31)
    shape: str = "table"
    noise_only: bool = False
    bad_rows: bool = True
    destroy_order: bool = False


@dataclass(frozen=True)
class PlantedWorkflow:
    """A tool sequence the generator plants; ``steps`` are signatures (``Bash(git add)``)."""

    name: str
    steps: tuple[str, ...]
    description: str
    is_destructive: bool = False

    @property
    def signature(self) -> str:
        """The steps as the review UI writes a tool sequence: joined by '→'."""
        return "→".join(self.steps)


@dataclass
class SampleSummary:
    path: Path
    shape: str
    format: str
    events: int  # rows (or lines) written, bad rows included
    sessions: int
    tool_calls: int
    longest_session_calls: int
    planted_workflows: tuple[str, ...]
    planted_occurrences: dict[str, int]  # signature -> occurrences planted
    bad_rows: dict[str, int]  # kind -> rows written
    first_event_at: dt.datetime | None
    last_event_at: dt.datetime | None
    seconds: float = 0.0
    order_destroyed: bool = False

    @property
    def bad_row_count(self) -> int:
        return sum(self.bad_rows.values())

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        fmt = "JSONL" if self.format == ".jsonl" else "Parquet"
        lines = [
            f"[bold]wrote {self.events:,} events[/] to {escape(str(self.path))} "
            f"({self.shape} shape, {fmt})",
            f"  sessions {self.sessions:,}, tool calls {self.tool_calls:,}, "
            f"longest session {self.longest_session_calls:,} calls",
        ]
        if self.first_event_at and self.last_event_at:
            lines.append(
                f"  {self.first_event_at:%Y-%m-%d %H:%M} → {self.last_event_at:%Y-%m-%d %H:%M} UTC"
            )
        if self.order_destroyed:
            lines.append(
                "  order destroyed inside sessions: workflows occur by chance only"
                " (occurrences below)"
            )
        if self.planted_workflows:
            lines.append("  planted workflows (occurrences):")
            lines += [
                f"    {escape(sig)}  x{self.planted_occurrences.get(sig, 0):,}"
                for sig in self.planted_workflows
            ]
        else:
            lines.append("  noise only: no planted workflows")
        if self.bad_rows:
            kinds = ", ".join(f"{kind} {n}" for kind, n in self.bad_rows.items())
            lines.append(f"  bad rows: {self.bad_row_count:,} ({kinds})")
        else:
            lines.append("  bad rows: none")
        lines.append(f"  {self.seconds:.1f} s, {self.events_per_second:,.0f} events/s")
        return "\n".join(lines)


# --- signatures -------------------------------------------------------------------
@dataclass(frozen=True)
class SignatureRule:
    """How a Bash program is named in a signature (a row of the dbt seed)."""

    alias: str | None = None  # the name to show (python3 -> python)
    keep_subcommand: bool = False  # git commit, npm test, make lint
    unwrap_regex: str | None = None  # the program only launches the next one (uv run X)
    script_regex: str | None = None  # group 1 names what it runs (python x.py, python -c)


# What an interpreter runs: a script (its first word that is not an option) or an
# inline-code flag. Options before it are skipped (lazily, so `-c` is found first).
_SCRIPT = r"""[^\s;&|()<>"'-][^\s;&|()<>"']*"""
_SCRIPT_END = r"""(?:[\s;&|)"']|$)"""
# fmt: off
_KEEP_SUBCOMMAND = (
    "git", "gh", "npm", "yarn", "pip", "docker", "docker-compose", "podman", "kubectl",
    "helm", "terraform", "cargo", "go", "dotnet", "make", "brew", "apt", "apt-get", "dbt",
)
# fmt: on
_UNWRAP_OPTIONS = r"^(-\S+\s+)*"
_PYTHON = SignatureRule(
    "python",
    False,
    r"^(-[A-Za-z]+\s+)*-m\s+",
    r"^(?:-[WX]\s+\S+\s+|-\S+\s+)*?(-c|" + _SCRIPT + ")",
)
_SHELL = SignatureRule(
    None,
    False,
    r"""^(-\S+\s+)*-[A-Za-z]*c\s+["']?""",
    r"^(?:-[oO]\s+\S+\s+|-\S+\s+)*?(" + _SCRIPT + ")",
)
_TS_RUNNER = SignatureRule(None, False, None, r"^(?:-\S+\s+)*?(-e|--eval|" + _SCRIPT + ")")
#: Mirror of seeds/tool_signature_rules.csv, so that the generator (which must not
#: depend on files another team edits, or its output would change) names commands as
#: the dbt models do. tests/test_sample.py checks the mirror equals the seed
#: (benchmarks.reference.seed_rules reads it).
SIGNATURE_RULES: dict[str, SignatureRule] = {
    **{name: SignatureRule(keep_subcommand=True) for name in _KEEP_SUBCOMMAND},
    "bun": SignatureRule(
        None,
        True,
        None,
        r"^(?:run\s+)?(?:-\S+\s+)*?(-e|--eval|" + _SCRIPT + r"\.[cm]?[jt]sx?)" + _SCRIPT_END,
    ),
    "pnpm": SignatureRule(None, True, r"^(exec|dlx)\s+(-\S+\s+)*"),
    "npx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "bunx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "uv": SignatureRule(None, True, r"^run\s+(-\S+\s+)*"),
    "uvx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "poetry": SignatureRule(None, True, r"^run\s+"),
    "pipenv": SignatureRule(None, True, r"^run\s+"),
    "pip3": SignatureRule("pip", True),
    "python": SignatureRule(None, False, _PYTHON.unwrap_regex, _PYTHON.script_regex),
    **{f"python3{v}": _PYTHON for v in ("", ".9", ".10", ".11", ".12", ".13")},
    "py.test": SignatureRule("pytest"),
    "mvn": SignatureRule(),
    "gradle": SignatureRule(),
    "xargs": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "bash": _SHELL,
    "sh": _SHELL,
    "zsh": _SHELL,
    "node": SignatureRule(
        None,
        False,
        None,
        r"^(?:(?:-r|--require|--import|--loader)\s+\S+\s+|-\S+\s+)*?"
        r"(-e|-p|--eval|--print|" + _SCRIPT + ")",
    ),
    "deno": SignatureRule(None, True, None, r"^run\s+(?:-\S+\s+)*?(" + _SCRIPT + ")"),
    "tsx": _TS_RUNNER,
    "ts-node": _TS_RUNNER,
    "ruby": SignatureRule(None, False, None, r"^(?:-[IrC]\s+\S+\s+|-\S+\s+)*?(-e|" + _SCRIPT + ")"),
    "perl": SignatureRule(
        None,
        False,
        None,
        r"^(?:-[IM]\s+\S+\s+|-\S+\s+)*?(-[lnpai]*[eE]|" + _SCRIPT + ")" + _SCRIPT_END,
    ),
    "php": SignatureRule(None, False, None, r"^(?:-[dcz]\s+\S+\s+|-\S+\s+)*?(-r|" + _SCRIPT + ")"),
}

# The prefixes macros/bash_commands.sql strips before the real program: blanks, `(`,
# NAME=value, `export NAME=value &&`, `cd dir &&`, `source f &&`, sudo, timeout, nohup,
# time, env, exec, command, nice.
_WORD = r"""("[^"]*"|'[^']*'|[^\s;&|]+)"""
_PREFIXES = (
    r"\s+",
    r"\(",
    r"""[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|[^\s"']*)(\s+|\s*(&&|;)\s*)""",
    r"""export\s+[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|[^\s;&|"']*)\s*(&&|;)\s*""",
    r"(cd|pushd)(\s+" + _WORD + r")?\s*(&&|;)\s*",
    r"(source|\.)\s+" + _WORD + r"\s*(&&|;)\s*",
    r"sudo(\s+(-[ugCDhprt]\s+[^\s-]\S*|-\S+))*\s+",
    r"timeout(\s+(-[sk]\s+\S+|-\S+))*\s+[0-9.]+[smhd]?\s+",
    r"nohup\s+",
    r"time(\s+-p)?\s+",
    r"env(\s+-\S+)*\s+",
    r"exec\s+",
    r"command\s+",
    r"nice(\s+-n\s*-?[0-9]+|\s+-[0-9]+)?\s+",
)
STRIP_PREFIXES = "^(" + "|".join(_PREFIXES) + ")+"
FIRST_WORD = r"""^["']?([^\s;&|()<>"']+)"""
AFTER_FIRST_WORD = r"""^["']?[^\s;&|()<>"']*["']?\s*"""
SUBCOMMAND = r"""^([A-Za-z0-9][A-Za-z0-9:_.-]*)(\s|$|[;&|)"'])"""
_STRIP_PREFIXES = re.compile(STRIP_PREFIXES)
_FIRST_WORD = re.compile(FIRST_WORD)
_AFTER_FIRST_WORD = re.compile(AFTER_FIRST_WORD)
_SUBCOMMAND = re.compile(SUBCOMMAND)


def _first_word(text: str) -> tuple[str | None, str]:
    match = _FIRST_WORD.match(text)
    program = match.group(1).rsplit("/", 1)[-1] if match else ""
    return program or None, _AFTER_FIRST_WORD.sub("", text, count=1)


def _qualifier(rule: SignatureRule | None, rest: str) -> str | None:
    """What follows the program in the signature: the script's file name or inline-code
    flag (``script_regex``), else the subcommand where the rule keeps it."""
    if rule is None:
        return None
    if rule.script_regex:
        match = re.search(rule.script_regex, rest)
        script = match.group(1).rsplit("/", 1)[-1] if match and match.group(1) else ""
        if script:
            return script
    subcommand = _SUBCOMMAND.match(rest) if rule.keep_subcommand else None
    return subcommand.group(1) if subcommand else None


def bash_signature(command: str, rules: dict[str, SignatureRule] | None = None) -> str:
    """``Bash(<program>)`` or ``Bash(<program> <qualifier>)``, as the dbt models name it.

    A Python mirror of int_tool_calls_signed (macros/bash_commands.sql and the seed
    tool_signature_rules): strip the prefixes, take the first word without its directory,
    unwrap launchers twice (``uv run python -m pytest`` -> pytest), stripping the
    prefixes of what they launch (``bash -c "cd web && npm test"`` -> npm test), apply the
    alias, then name what an interpreter runs (``python -u scripts/x.py`` -> x.py,
    ``python -c``) or keep the subcommand where the rule says so.
    """
    rules = SIGNATURE_RULES if rules is None else rules
    program, rest = _first_word(_STRIP_PREFIXES.sub("", command, count=1))
    for _ in range(2):
        rule = rules.get(program) if program else None
        if rule is not None and rule.unwrap_regex and re.search(rule.unwrap_regex, rest):
            launched = re.sub(rule.unwrap_regex, "", rest, count=1)
            program, rest = _first_word(_STRIP_PREFIXES.sub("", launched, count=1))
    if program is None:
        return "Bash"
    rule = rules.get(program)
    name = (rule.alias if rule else None) or program
    qualifier = _qualifier(rule, rest)
    return f"Bash({name} {qualifier})" if qualifier else f"Bash({name})"


def tool_signature(tool_name: str, tool_input: dict[str, Any] | None = None) -> str:
    """The step signature of one tool call: ``Read``, ``Bash(pytest)``, ``mcp__github__…``."""
    if tool_name == "Bash" and tool_input and isinstance(tool_input.get("command"), str):
        return bash_signature(tool_input["command"])
    return tool_name


# --- content pools ----------------------------------------------------------------
@dataclass(frozen=True)
class _Project:
    """A code base: its place on disk, its files, its stack and its own commands.

    Sessions of one project share its vocabulary (files, Bash commands, scripts, MCP
    servers); each session then takes its own subset with its own weights (_Habits).
    """

    cwd: str
    home: str
    pkg: str
    files: tuple[str, ...]
    tests: tuple[str, ...]
    dirs: tuple[str, ...]
    stacks: tuple[str, ...] = ("python",)
    windows: bool = False
    #: Weighted Bash entries (weight, (profile, description, variants)) the project uses.
    bash: tuple[tuple[float, tuple[str, str, tuple[str, ...]]], ...] = ()
    #: The project's own scripts and targets (``make reindex-cart``): most of its
    #: sessions run some of them, no other project does.
    scripts: tuple[tuple[float, tuple[str, str, tuple[str, ...]]], ...] = ()
    mcp: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


# fmt: off
_NOUNS = (
    "invoice", "user", "auth", "session", "order", "report", "search", "index", "billing",
    "cache", "queue", "worker", "export", "sync", "payment", "webhook", "schema", "config",
    "metrics", "audit", "notify", "upload", "token", "profile", "cart", "catalog", "ledger",
    "tenant", "job", "event", "graph", "parser", "router", "client", "store", "feature",
    "admin", "backup", "ingest", "pricing", "shipment", "inventory", "review", "comment",
)
_VERBS = (
    "seed", "reset", "migrate", "backfill", "reindex", "rotate", "check", "sync", "dump",
    "restore", "build", "deploy", "bench", "clean", "fix", "gen", "verify", "warm", "prune",
    "replay", "export", "import", "refresh", "patch", "probe", "scan",
)
_SUFFIXES = (
    "api", "svc", "web", "app", "service", "pipeline", "infra", "cli", "worker", "dashboard",
    "backend", "frontend", "tools", "platform", "etl", "bot",
)
_USERS = ("dev", "ana", "sam", "ci", "jo", "priya", "li", "marc", "kofi", "eva", "tom", "yuki")
_STACK_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # stack: (file templates, test templates, directories); {m} is a module word
    "python": (
        ("src/{pkg}/{m}.py", "app/{m}.py", "{pkg}/{m}.py", "app/routes/{m}.py",
         "app/services/{m}.py"),
        ("tests/test_{m}.py", "tests/unit/test_{m}.py"),
        ("src/{pkg}", "tests", "migrations", "scripts", "app", "app/routes"),
    ),
    "js": (
        ("src/components/{M}.tsx", "src/api/{m}.ts", "src/hooks/use{M}.ts",
         "src/pages/{m}.tsx", "src/lib/{m}.ts"),
        ("src/components/{M}.test.tsx", "src/api/{m}.test.ts", "e2e/{m}.spec.ts"),
        ("src/components", "src/api", "src/pages", "e2e", "public"),
    ),
    "rust": (("src/{m}.rs", "src/bin/{m}.rs"), ("tests/{m}_test.rs",), ("src", "tests", "benches")),
    "go": (("internal/{m}/{m}.go", "cmd/{pkg}/main.go", "pkg/{m}/{m}.go"),
           ("internal/{m}/{m}_test.go",), ("internal", "cmd", "pkg")),
    "infra": (
        ("deploy/{m}.yaml", "charts/{pkg}/values.yaml", "terraform/{m}.tf",
         "scripts/{m}.sh", "docker-compose.yml"),
        ("tests/test_manifests.py",),
        ("deploy", "charts", "terraform", "scripts"),
    ),
}
_STACK_EXTRA_FILES = {
    "python": ("pyproject.toml", "README.md", "Makefile", "requirements.txt"),
    "js": ("package.json", "vite.config.ts", "tsconfig.json", "README.md"),
    "rust": ("Cargo.toml", "README.md"),
    "go": ("go.mod", "Makefile", "README.md"),
    "infra": ("Makefile", "README.md", ".github/workflows/deploy.yml"),
}
_STACK_WEIGHTS = (("python", 0.42), ("js", 0.33), ("infra", 0.1), ("rust", 0.07), ("go", 0.08))
_MCP_SERVERS = {
    "github": ("mcp__github__create_pull_request", "mcp__github__get_issue",
               "mcp__github__list_pull_requests"),
    "playwright": ("mcp__playwright__browser_navigate", "mcp__playwright__browser_snapshot",
                   "mcp__playwright__browser_click"),
    "postgres": ("mcp__postgres__query",),
    "linear": ("mcp__linear__create_issue", "mcp__linear__list_issues"),
    "sentry": ("mcp__sentry__get_issue_details",),
    "context7": ("mcp__context7__get-library-docs", "mcp__context7__resolve-library-id"),
}
# fmt: on


_PY_SNIPPETS = (
    'from decimal import Decimal\n\n\ndef total(lines):\n    """Sum of the invoice lines, tax '
    'included."""\n    subtotal = sum(Decimal(l.amount) for l in lines)\n    return subtotal + '
    "tax_for(subtotal)\n",
    "def load(rows, conn):\n    with conn.cursor() as cur:\n        cur.executemany(\n          "
    "  'insert into staging.orders values (%s, %s, %s)', rows\n        )\n    conn.commit()\n",
    '@router.get("/users/{user_id}")\nasync def get_user(user_id: int, db=Depends(get_db)):\n'
    "    user = await db.get(User, user_id)\n    if user is None:\n        raise "
    "HTTPException(404)\n    return user\n",
    "# Größenänderung: keep the café's receipts ≤ 80 columns → see docs/receipts.md\n"
    "WIDTH = 80\n\n\ndef test_receipt_width():\n    assert len(render(sample())) <= WIDTH\n",
)
_SNIPPETS: dict[str, tuple[str, ...]] = {
    "py": _PY_SNIPPETS,
    "ts": (
        "import { useEffect, useState } from 'react';\n\nexport function useSession() {\n  const "
        "[session, setSession] = useState(null);\n  useEffect(() => {\n    fetch('/api/session')."
        "then(r => r.json()).then(setSession);\n  }, []);\n  return session;\n}\n",
        "export async function getUsers(page = 1) {\n"
        "  const res = await fetch(`/api/users?page=${page}`);\n"
        "  if (!res.ok) throw new Error(res.statusText);\n  return res.json();\n}\n",
    ),
    "yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  "
        "template:\n    spec:\n      containers:\n        - name: api\n          image: "
        "registry.internal/api:1.42.0\n",
    ),
    "rs": (
        "pub fn search(index: &Index, q: &str) -> Vec<Hit> {\n    let terms = tokenize(q);\n    "
        "index.lookup(&terms).into_iter().take(20).collect()\n}\n",
    ),
    "toml": (
        '[project]\nname = "billing"\nversion = "0.8.1"\ndependencies = ["fastapi>=0.110", '
        '"sqlalchemy>=2", "httpx"]\n',
    ),
    "json": (
        '{\n  "name": "webapp",\n  "scripts": {\n    "test": "vitest run",\n    "build": '
        '"vite build",\n    "lint": "eslint src"\n  }\n}\n',
    ),
    "sh": (
        '#!/usr/bin/env bash\nset -euo pipefail\nkubectl rollout restart deploy/api -n "$1"\n'
        'kubectl rollout status deploy/api -n "$1" --timeout=120s\n',
    ),
    "tf": ('resource "aws_s3_bucket" "backups" {\n  bucket = "acme-backups"\n}\n',),
    "": (
        "test:\n\tpytest -q\n\nlint:\n\truff check .\n",
        "httpx==0.28.1\nfastapi==0.115.0\nsqlalchemy==2.0.36\n",
    ),
}
_SNIPPETS["tsx"] = _SNIPPETS["js"] = _SNIPPETS["ts"]
_SNIPPETS["yml"] = _SNIPPETS["yaml"]
_SNIPPETS["md"] = ("# search-svc\n\nRun `cargo run` and open http://localhost:8080.\n",)


def _snippet(rng: random.Random, path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    choices = _SNIPPETS.get(name.rsplit(".", 1)[-1] if "." in name else "", _SNIPPETS[""])
    return choices[int(rng.random() * len(choices))]


_PROMPTS = (
    "fix the failing test in {test}",
    "add pagination to the users endpoint",
    "why is CI red on this branch?",
    "refactor {file} so the tax rules live in one place",
    "commit and push what we have",
    "run the linter and fix what it finds",
    "the deploy script hangs on step 3, can you look?",
    "write a migration that adds an index on orders(created_at)",
    "sync my branch with main, I don't care about local changes",
    "update the README with the new env vars",
    "bump httpx and make sure the tests still pass",
    "can you explain what {file} does?",
    "ajoute des tests pour le cas où la facture est vide",
    "make the dashboard load faster — it takes 8 s",
    "continue",
    "yes",
)
_COMMIT_SUBJECTS = (
    "Fix rounding in invoice totals",
    "Add pagination to /users",
    "Refactor tax rules into one module",
    "Handle empty payloads in the loader",
    "Bump httpx to 0.28",
    "Make the session hook idempotent",
    "Speed up dashboard queries",
    "Add index on orders(created_at)",
    # Real commit messages mention SQL: a text-based destructive rule flags them.
    "Update SQL processor to batch inserts",
    "Drop the unused DELETE FROM trigger on sessions",
    "Truncate long titles before the INSERT",
    "Fix UPDATE users SET in the backfill script",
)
#: Subjects of the planted commit workflow: plain words, so that it stays harmless
#: whatever the destructive rules make of SQL keywords in messages.
_PLAIN_COMMIT_SUBJECTS = _COMMIT_SUBJECTS[:8]
_KEYWORDS = (
    "TODO",
    "def total",
    "useSession",
    "tax_for",
    "DATABASE_URL",
    "retry",
    "FIXME",
    "session_id",
    "timeout",
)
_BRANCHES = (
    "feature/pagination",
    "fix/invoice-rounding",
    "chore/bump-deps",
    "feat/search-v2",
    "ana/hotfix-login",
    "wip",
)
_SERVICES = ("api", "worker", "web", "postgres", "redis", "scheduler")
_NAMESPACES = ("staging", "prod", "dev", "ml")
_TABLES = ("users", "sessions", "orders", "invoices", "events")
_HOSTS = ("deploy.internal.example", "registry.acme.test", "db.staging.acme.test")
_PY_PACKAGES = ("httpx", "rich", "pydantic", "sqlalchemy", "pytest-xdist")
_NPM_PACKAGES = ("vitest", "zod", "@tanstack/react-query", "eslint-plugin-react")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


class _Fill(dict):  # type: ignore[type-arg]
    """Template values, each drawn only when a template asks for it."""

    def __init__(self, rng: random.Random, sess: _Session) -> None:
        super().__init__()
        self.rng = rng
        self.sess = sess

    def __missing__(self, key: str) -> str:
        rng, proj = self.rng, self.sess.project
        value: Any
        if key == "cwd":
            value = self.sess.cwd
        elif key == "file":
            value = rng.choice(self.sess.files)
        elif key == "test_file":
            value = rng.choice(proj.tests)
        elif key == "dir":
            value = rng.choice(proj.dirs)
        elif key == "pkg":
            value = proj.pkg
        elif key == "m":
            value = rng.choice(proj.keywords)
        elif key == "M":
            value = rng.choice(proj.keywords).title()
        elif key == "verb":
            value = rng.choice(_VERBS)
        elif key == "n":
            value = rng.randint(3, 30)
        elif key == "pid":
            value = rng.randint(1200, 65000)
        elif key == "port":
            value = rng.choice((3000, 5173, 8000, 8080, 9000))
        elif key == "branch":
            value = rng.choice(_BRANCHES)
        elif key == "kw":
            value = rng.choice(_KEYWORDS)
        elif key == "svc":
            value = rng.choice(_SERVICES)
        elif key == "ns":
            value = rng.choice(_NAMESPACES)
        elif key == "table":
            value = rng.choice(_TABLES)
        elif key == "host":
            value = rng.choice(_HOSTS)
        elif key == "pypkg":
            value = rng.choice(_PY_PACKAGES)
        elif key == "npmpkg":
            value = rng.choice(_NPM_PACKAGES)
        elif key == "msg":
            value = rng.choice(_COMMIT_SUBJECTS)
        elif key == "plain_msg":
            value = rng.choice(_PLAIN_COMMIT_SUBJECTS)
        elif key == "pw":
            value = rng.choice(("hunter2", "Sup3rS3cret!", "changeme123", "p4ssw0rd-2024"))
        elif key == "ghp":
            value = "ghp_" + _token(rng, 36)
        elif key == "sk":
            value = "sk-" + _token(rng, 40)
        elif key == "aws":
            value = _token(rng, 40)
        else:  # pragma: no cover - a template names a value nobody defined
            raise KeyError(key)
        self[key] = value
        return str(value)


_COMMIT_HEREDOC = (
    "git commit -m \"$(cat <<'EOF'\n{msg}\n\n- keep behaviour for existing callers\n"
    "- cover the edge case with a test\n\n🤖 Generated with [Claude Code](https://claude.com/"
    'claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)"'
)

# Bash pool: (weight, duration profile, description, variants). All variants of an entry
# share one signature (tests check it), so noise draws signatures from a fixed law.
# fmt: off
_BASH_POOL: tuple[tuple[float, str, str, tuple[str, ...]], ...] = (
    (6.0, "git", "Show working tree status",
     ("git status", "git status --short", "cd {cwd} && git status", "git status -sb")),
    (5.0, "git", "Show changes",
     ("git diff", "git diff --stat", "git diff {file}", "git diff HEAD~1 -- {dir}")),
    (3.0, "git", "Recent commits",
     ("git log --oneline -{n}", "git log --oneline | head -20",
      "git log -p -1 -- {file} | head -80")),
    (2.0, "git", "Stage changes", ("git add -A", "git add {file} {test_file}", "git add .")),
    (2.0, "git", "Commit changes",
     (_COMMIT_HEREDOC, 'git commit -m "{msg}"', 'git commit -am "wip"')),
    (1.5, "git_net", "Push the branch",
     ("git push", "git push origin {branch}", "git push -u origin HEAD")),
    (1.0, "git_net", "Pull latest changes", ("git pull --rebase", "git pull origin main")),
    (1.0, "git_net", "Fetch from origin", ("git fetch origin", "git fetch --all --prune")),
    (1.0, "git", "Switch branch", ("git checkout -b {branch}", "git checkout main")),
    (0.6, "git", "Stash local changes", ("git stash", "git stash pop")),
    (5.0, "fast", "List files", ("ls", "ls -la", "ls -la {dir}", "ls {dir} | head -50")),
    (2.0, "fast", "Show file",
     ("cat {file}", "cat package.json | jq .scripts", "cat pyproject.toml")),
    (1.0, "fast", "Show file head", ("head -50 {file}", "head -n 20 {test_file}")),
    (1.0, "fast", "Show log tail",
     ("tail -n 100 logs/app.log", "tail -n 50 /var/log/nginx/error.log")),
    (1.0, "fast", "Write notes file",
     ("cat <<'EOF' > NOTES.md\n# Notes\n\n- {msg}\n- check {file}\nEOF",
      "cat > .env.example <<'EOF'\nDATABASE_URL=postgresql://localhost/app\nLOG_LEVEL=info\nEOF")),
    (9.0, "test", "Run tests",
     ("pytest", "pytest -q", "pytest {test_file} -q", "cd {cwd} && pytest -x -q",
      "PYTHONPATH=src pytest -q {test_file}", "timeout 900 pytest -q -x", "pytest -k {kw} -vv",
      "uv run pytest -q", "uv run --frozen pytest {test_file}", "python -m pytest -q")),
    # one entry per signature: an interpreter's signature names what it runs
    (0.5, "default", "Run a Python one-liner", ('python -c "import sys; print(sys.version)"',)),
    (0.6, "default", "Run the seed script",
     ("python scripts/seed.py --dry-run", "uv run python scripts/seed.py")),
    (0.4, "default", "Run Python from stdin",
     ("python - <<'EOF'\nimport json, pathlib\n"
      "print(json.loads(pathlib.Path('package.json').read_text())['version'])\nEOF",)),
    (0.5, "default", "Run Django migrations", ("DEBUG=1 python manage.py migrate",)),
    (1.0, "install", "Sync dependencies", ("uv sync", "uv sync --frozen")),
    (0.5, "install", "Add dependency", ("uv add {pypkg}", "uv add --dev {pypkg}")),
    (3.0, "test", "Run JS tests",
     ("npm test", "npm test -- {test_file}", "CI=1 npm test",
      "cd web && npm test -- --watch=false")),
    (3.0, "build", "Run npm script",
     ("npm run build", "npm run lint -- --fix", "npm run typecheck",
      "NODE_ENV=production npm run build")),
    (1.0, "install", "Install packages", ("npm install", "npm install -D {npmpkg}")),
    (3.5, "lint", "Lint",
     ("ruff check .", "ruff check --fix {dir}", "ruff format {file}", "uv run ruff check .")),
    (1.5, "lint", "Type check", ("mypy {pkg}", "mypy --strict {file}", "uv run mypy {pkg}")),
    (2.0, "docker", "Docker compose",
     ("docker compose up -d", "docker compose logs --tail=100 {svc}", "docker compose ps",
      "docker compose down")),
    (0.8, "fast", "List containers", ("docker ps", "docker ps -a --format '{{{{.Names}}}}'")),
    (0.6, "build", "Build image", ("docker build -t {pkg}:dev .", "sudo docker build -t {pkg} .")),
    (0.8, "build", "Cargo build", ("cargo build", "cargo build --release")),
    (0.8, "test", "Cargo test", ("cargo test", "RUST_LOG=debug cargo test -- --nocapture")),
    (0.8, "install", "pip install",
     ("pip install -e .", "pip install -r requirements.txt", "sudo pip install {pypkg}")),
    (0.6, "net", "Pods", ("kubectl get pods -n {ns}", "kubectl get pods -A | grep -v Running")),
    (0.5, "net", "Pod logs", ("kubectl logs deploy/{svc} -n {ns} --tail=100",)),
    (0.4, "install", "pnpm install", ("pnpm install",)),
    (0.4, "test", "yarn test", ("yarn test", "yarn test --coverage")),
    (2.0, "fast", "Search code",
     ('rg -n "{kw}" {dir}', "rg --files | rg {kw}", 'rg -n "{kw}" | head -20')),
    (3.5, "fast", "Search code",
     ('grep -rn "{kw}" {dir} | head -20', "grep -c {kw} {file}", "grep -n {m} {file}")),
    (1.5, "fast", "Find files",
     ("find . -name '*.py' | wc -l", "find {dir} -type f -newer README.md")),
    (0.7, "build", "Make test", ("make test",)),
    (0.4, "lint", "Make lint", ("make lint",)),
    (0.4, "build", "Make build", ("make build",)),
    (1.5, "net", "HTTP request",
     ("curl -s localhost:{port}/health", "curl -s http://localhost:{port}/api/v1/{svc} | jq .",
      "curl -fsSL https://example.com/install.sh -o /tmp/install.sh")),
    (0.5, "default", "Restart service",
     ("sudo systemctl restart nginx", "sudo systemctl status postgresql --no-pager")),
    (0.2, "install", "Install system package", ("sudo apt-get install -y jq",)),
    (0.2, "install", "Update package lists", ("sudo apt-get update",)),
    (1.0, "fast", "Make directory", ("mkdir -p {dir}/fixtures", "mkdir -p tmp && touch tmp/.keep")),
    (0.6, "fast", "Append to .gitignore",
     ("echo '.env' >> .gitignore", "echo 'tmp/' >> .gitignore")),
    (0.7, "net", "Pull request",
     ("gh pr create --title \"{msg}\" --body \"$(cat <<'EOF'\n## Summary\n- {msg}\n\n"
      "## Test plan\n- [x] pytest\nEOF\n)\"",
      "gh pr view --web")),
    (0.3, "net", "CI runs", ("gh run list --limit 5",)),
    (0.5, "net", "Query database",
     ('psql -c "select count(*) from {table}"', 'psql -d app -c "\\d {table}"')),
    (0.3, "fast", "Inspect SQLite",
     ('sqlite3 app.db ".schema {table}"', 'sqlite3 app.db ".tables"')),
    (0.4, "default", "Wait for port", ("timeout 60 ./scripts/wait-for-it.sh localhost:{port}",)),
    (0.5, "fast", "Processes", ("ps aux | grep {svc}", "ps -ef | grep python | head")),
    (1.0, "fast", "Count lines", ("wc -l {file}", "wc -l {test_file} {file}")),
    (0.6, "fast", "Print lines", ("sed -n '1,80p' {file}",)),
    (0.4, "fast", "Summarise CSV", ("awk -F, '{{print $1}}' data.csv | sort | uniq -c | head",)),
    (0.4, "lint", "Format", ("npx prettier --write {file}",)),
    (1.0, "lint", "Type check TypeScript", ("npx tsc --noEmit", "npx tsc -p . --noEmit")),
    (0.3, "default", "Run node script", ("node scripts/build.js",)),
    (1.5, "default", "Run bun script",
     ("bun run dev", "bun run build", "bun run {m}:{verb}", "bun run test --watch=false")),
    (1.0, "test", "Bun test", ("bun test", "bun test {test_file}")),
    (0.5, "fast", "Run node one-liner", ("node -e \"console.log(process.version)\"",)),
    (0.5, "fast", "Run node build", ("node scripts/build.js",)),
    (0.5, "fast", "Start node server", ("node --inspect dist/server.js",)),
    (1.5, "net", "GitHub CLI PR", ("gh pr view", "gh pr checks", "gh pr diff | head -200",
                                   "gh pr create --fill")),
    (0.6, "net", "GitHub CLI API", ("gh api repos/acme/{pkg}/pulls --jq '.[].title'",)),
    (1.0, "fast", "Echo", ("echo $PATH", "echo \"done\"", "echo $DATABASE_URL")),
    (0.8, "fast", "Which", ("which python", "which node && node --version")),
    # loops, subshells, conditionals: not a program name first (about 8 % of real Bash)
    (2.6, "fast", "Loop over files",
     ("for f in {dir}/*; do wc -l \"$f\"; done",
      "for f in $(git diff --name-only); do ruff check \"$f\"; done",
      "for i in 1 2 3; do curl -s localhost:{port}/health && break; sleep 2; done")),
    (0.6, "default", "Wait until up",
     ("while ! curl -sf localhost:{port}/health; do sleep 1; done",
      "while pgrep -f {svc} > /dev/null; do sleep 1; done")),
    (0.5, "fast", "Check a file",
     ("if [ -f .env ]; then echo present; else cp .env.example .env; fi",
      "if [ -d node_modules ]; then echo ok; fi")),
    (1.0, "test", "Run tests in a subshell",
     ("(cd {dir} && pytest -q)", "(cd {cwd} && pytest -x)")),
    (0.5, "test", "Run JS tests in a subshell", ("(cd web && npm test)",)),
    (0.8, "default", "Start the dev server",
     ("PORT={port} npm run dev", "NODE_ENV=development npm run dev")),
    # routine restarts and cleanups (destructive words, harmless intent)
    (0.6, "fast", "Restart: kill the old server",
     ("kill -9 $(lsof -ti:{port})", "kill -9 {pid}", "kill -9 {pid} && sleep 1")),
    (0.5, "fast", "Clean and rebuild",
     ("rm -rf dist && npm run build", "rm -rf .pytest_cache __pycache__",
      "rm -rf build/ && make build")),
    # secrets (about 0.6 % of Bash calls)
    (0.12, "deploy", "Deploy", ("PASSWORD={pw} ./deploy.sh staging",)),
    (0.10, "fast", "Set token", ("export GITHUB_TOKEN={ghp}",)),
    (0.08, "net", "Call API",
     ("curl https://deploy:{pw}@{host}/api/releases",
      'curl -H "Authorization: Bearer {sk}" https://api.openai.com/v1/models | jq ".data[0]"')),
    (0.06, "net", "List bucket", ("AWS_SECRET_ACCESS_KEY={aws} aws s3 ls s3://acme-backups/",)),
    (0.06, "net", "Connect to database",
     ('psql postgresql://app:{pw}@{host}:5432/app -c "select 1"',)),
    (0.05, "net", "Registry login", ("docker login -u deploy -p {pw} {host}",)),
    # destructive (about 1.5 % of Bash calls)
    (0.25, "fast", "Clean build output",
     ("rm -rf build", "rm -rf node_modules dist", "rm -rf .venv && uv sync")),
    (0.12, "git_net", "Force push", ("git push --force origin {branch}", "git push -f")),
    (0.12, "git", "Reset branch", ("git reset --hard HEAD~1", "git reset --hard origin/main")),
    (0.08, "git", "Remove untracked files", ("git clean -fd",)),
    (0.08, "git", "Delete branch", ("git branch -D {branch}",)),
    (0.10, "fast", "Kill process", ("kill -9 {pid}",)),
    (0.08, "fast", "Kill processes", ("pkill -f {svc}",)),
    (0.05, "net", "Drop table", ('psql -c "DROP TABLE {table}"',)),
    (0.05, "fast", "Clear sessions", ('sqlite3 app.db "DELETE FROM sessions"',)),
    (0.05, "fast", "Fix permissions", ("chmod -R 777 .",)),
    (0.05, "docker", "Free disk space", ("docker system prune -af",)),
    (0.06, "fast", "Remove bytecode", ("find . -name '*.pyc' | xargs rm -rf",)),
    (0.03, "net", "Delete namespace", ("kubectl delete namespace {ns}",)),
)
# fmt: on


#: Pool entries that belong to a stack (by description); the others suit every project.
# fmt: off
_STACK_ENTRIES: dict[str, tuple[str, ...]] = {
    "python": ("Run tests", "Run a Python one-liner", "Run the seed script",
               "Run Python from stdin", "Run Django migrations", "Sync dependencies",
               "Add dependency", "Lint",
               "Type check", "pip install", "Make test", "Run tests in a subshell"),
    "js": ("Run JS tests", "Run npm script", "Install packages", "pnpm install", "yarn test",
           "Format", "Type check TypeScript", "Run node script", "Run bun script", "Bun test",
           "Run node one-liner", "Run node build", "Start node server",
           "Run JS tests in a subshell", "Start the dev server"),
    "rust": ("Cargo build", "Cargo test"),
    "go": ("Make test", "Make build", "Make lint"),
    "infra": ("Pods", "Pod logs", "Docker compose", "Build image", "Deploy", "Delete namespace",
              "List containers", "Free disk space"),
}
#: The long tail: programs a few sessions run once or twice (58-115 distinct programs in
#: real weeks). Each session takes a handful; the sample as a whole meets most of them.
_RARE_BASH: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (profile, desc, (command,))
    for profile, desc, command in (
        ("fast", "Who holds the port", "lsof -i :{port}"),
        ("fast", "Random secret", "openssl rand -hex 32"),
        ("fast", "Hex dump", "xxd {file} | head"),
        ("fast", "Tree", "tree -L 2 {dir}"),
        ("fast", "Disk usage", "du -sh * | sort -h"),
        ("fast", "Free disk", "df -h"),
        ("fast", "Environment", "env | grep -i database"),
        ("fast", "Date", "date -u +%Y-%m-%dT%H:%M:%SZ"),
        ("default", "Sleep", "sleep 5"),
        ("fast", "Pretty JSON", "jq . package.json"),
        ("fast", "YAML query", "yq '.services' docker-compose.yml"),
        ("fast", "Compare files", "diff -u {file} {file}.orig"),
        ("default", "Archive", "tar czf /tmp/{pkg}.tgz {dir}"),
        ("default", "Unzip", "unzip -o fixtures.zip -d {dir}"),
        ("net", "Copy to host", "scp dist/app.tgz deploy@{host}:/srv/"),
        ("net", "Remote command", "ssh deploy@{host} 'systemctl status {svc}'"),
        ("net", "Sync folder", "rsync -av {dir}/ deploy@{host}:/srv/{pkg}/"),
        ("fast", "System", "uname -a"),
        ("fast", "Who am I", "whoami"),
        ("fast", "Where am I", "pwd"),
        ("fast", "Copy file", "cp .env.example .env"),
        ("fast", "Move file", "mv {file} {file}.bak"),
        ("fast", "Touch", "touch {dir}/__init__.py"),
        ("fast", "Make executable", "chmod +x scripts/*.sh"),
        ("fast", "Link", "ln -sf ../shared/.env .env"),
        ("fast", "Encode", "echo -n deploy | base64"),
        ("fast", "Checksum", "sha256sum dist/*.tgz"),
        ("fast", "Is it listening", "nc -z localhost {port}"),
        ("net", "DNS", "dig +short {host}"),
        ("net", "Ping", "ping -c 1 {host}"),
        ("net", "Cloud", "gcloud run services list"),
        ("net", "AWS", "aws sts get-caller-identity"),
        ("net", "Azure", "az account show"),
        ("build", "Terraform plan", "terraform plan -out plan.tfplan"),
        ("deploy", "Helm upgrade", "helm upgrade --install {svc} charts/{pkg}"),
        ("net", "Redis", "redis-cli -p 6379 info keyspace"),
        ("net", "Mongo", "mongosh --eval 'db.stats()'"),
        ("net", "MySQL", "mysql -u root -e 'show databases'"),
        ("default", "Migrate", "alembic upgrade head"),
        ("lint", "Black", "black {dir}"),
        ("lint", "Isort", "isort {file}"),
        ("lint", "Flake8", "flake8 {dir}"),
        ("lint", "Pylint", "pylint {pkg}"),
        ("lint", "ESLint", "eslint src --ext .ts,.tsx"),
        ("test", "Vitest", "vitest run {test_file}"),
        ("test", "Jest", "jest --runInBand"),
        ("test", "Playwright", "playwright test --project=chromium"),
        ("default", "Deno", "deno task dev"),
        ("build", "Go build", "go build ./..."),
        ("test", "Go test", "go test ./... -run {M}"),
        ("lint", "Go fmt", "gofmt -l ."),
        ("install", "pipx", "pipx install pre-commit"),
        ("install", "conda", "conda env update -f environment.yml"),
        ("lint", "pre-commit", "pre-commit run --all-files"),
        ("fast", "Open editor", "code ."),
        ("fast", "Open browser", "open http://localhost:{port}"),
        ("fast", "Top", "top -b -n 1 | head -20"),
        ("fast", "Sort lines", "sort -u {file} | head"),
        ("fast", "Cut column", "cut -d, -f1 data.csv | head"),
        ("fast", "Translate", "tr -d '\\r' < {file} > /tmp/clean"),
        ("fast", "Stream edit", "sed -i 's/{m}/{M}/g' {file}"),
        ("fast", "Count", "sort data.csv | uniq -c | sort -rn | head"),
        ("fast", "Listen", "ss -ltnp"),
        ("install", "Brew", "brew install jq"),
        ("fast", "Git blame", "git blame -L 10,40 {file}"),
        ("git", "Git bisect", "git bisect start"),
        ("git", "Git worktree", "git worktree list"),
        ("git", "Cherry-pick", "git cherry-pick {pid}"),
        ("git", "Rebase", "git rebase -i HEAD~3"),
        ("git", "Show commit", "git show --stat HEAD"),
        ("install", "npm ci", "npm ci"),
        ("fast", "npm outdated", "npm outdated"),
        ("docker", "Docker exec", "docker exec -it {svc} sh -c 'env'"),
        ("docker", "Docker logs", "docker logs --tail 50 {svc}"),
        ("net", "Rollout", "kubectl rollout status deploy/{svc} -n {ns}"),
        ("lint", "Clippy", "cargo clippy -- -D warnings"),
        ("build", "dbt", "dbt build --select {m}"),
        ("test", "Tox", "tox -e py312"),
        ("test", "Nox", "nox -s tests"),
        ("default", "Uvicorn", "uvicorn app.main:app --reload --port {port}"),
        ("default", "Gunicorn", "gunicorn app:app -b 0.0.0.0:{port}"),
        ("default", "Celery", "celery -A {pkg} worker -l info"),
        ("default", "Ngrok", "ngrok http {port}"),
        ("fast", "Watch", "watch -n 2 'ls -la {dir}'"),
        ("default", "Xargs", "git ls-files | xargs wc -l | tail -1"),
        ("fast", "Strings", "strings {file} | grep -i {m}"),
        ("fast", "Stat", "stat {file}"),
        ("fast", "File type", "file {file}"),
    )
)
#: Shapes of a project's or a session's own commands: (profile, description, variants)
#: with {t} the command's own name. Each keeps one signature across its variants.
_OWN_COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("build", "Run make target", ("make {t}", "make {t} V=1")),
    ("default", "Run project script", ("./scripts/{t}.sh", "./scripts/{t}.sh --dry-run")),
    ("default", "Run yarn script", ("yarn {t}", "yarn {t} --verbose")),
    ("default", "Run bun script", ("bun {t}", "bun {t} --watch")),
    ("default", "Run npx tool", ("npx {t}-cli", "npx -y {t}-cli --json")),
    ("default", "Run Python script", ("python scripts/{t}.py", "python scripts/{t}.py --limit 10")),
)
# fmt: on


def _own_entry(rng: random.Random, sep: str) -> tuple[str, str, tuple[str, ...]]:
    """A command of a project's or session's own, named from words (``make reindex-cart``)."""
    profile, desc, variants = _OWN_COMMANDS[int(rng.random() * len(_OWN_COMMANDS))]
    name = f"{rng.choice(_VERBS)}{sep}{rng.choice(_NOUNS)}"
    if "{t}-cli" in variants[0]:
        name = f"{rng.choice(_NOUNS)}-{rng.choice(_VERBS)}"
    return profile, desc, tuple(v.replace("{t}", name) for v in variants)


def _make_project(seed: int, index: int) -> _Project:
    """Project ``index`` of the sample with seed ``seed``: same arguments, same project."""
    rng = random.Random(f"project:{seed}:{index}")
    stacks = [_pick_weighted(rng, _STACK_WEIGHTS)]
    if rng.random() < 0.3:
        second = _pick_weighted(rng, _STACK_WEIGHTS)
        if second != stacks[0]:
            stacks.append(second)
    words = rng.sample(_NOUNS, rng.randint(4, 9))
    name = f"{words[0]}-{rng.choice(_SUFFIXES)}"
    pkg = words[0].replace("-", "_")
    user = rng.choice(_USERS)
    windows = rng.random() < 0.06
    if windows:
        home = f"C:\\Users\\{user}"
        cwd = f"{home}\\source\\repos\\{name}"
    else:
        roll = rng.random()
        home = f"/Users/{user}" if roll < 0.35 else "/root" if roll < 0.45 else f"/home/{user}"
        parent = rng.choice(("src", "code", "projects", "work", "repos"))
        cwd = f"/workspace/{name}" if home == "/root" else f"{home}/{parent}/{name}"
    files: list[str] = []
    tests: list[str] = []
    dirs: list[str] = []
    for stack in stacks:
        file_forms, test_forms, stack_dirs = _STACK_FILES[stack]
        for word in words:
            values = {"pkg": pkg, "m": word, "M": word.title()}
            files.append(rng.choice(file_forms).format(**values))
            if rng.random() < 0.5:
                tests.append(rng.choice(test_forms).format(**values))
        files += rng.sample(_STACK_EXTRA_FILES[stack], 2)
        dirs += [d.format(pkg=pkg) for d in stack_dirs]
    if not tests:
        tests.append(_STACK_FILES[stacks[0]][1][0].format(pkg=pkg, m=words[0], M=words[0].title()))
    # Bash vocabulary: the generic entries and the stacks' own, each with the project's
    # own weight; a few of the project's own scripts on top.
    own = {desc for stack in stacks for desc in _STACK_ENTRIES[stack]}
    stack_specific = {desc for descs in _STACK_ENTRIES.values() for desc in descs}
    bash = [
        (weight * rng.lognormvariate(0.0, 1.0), (profile, desc, variants))
        for weight, profile, desc, variants in _BASH_POOL
        if desc in own or desc not in stack_specific
    ]
    scripts = [(rng.uniform(0.5, 4.0), _own_entry(rng, "-")) for _ in range(rng.randint(1, 4))]
    servers = rng.sample(sorted(_MCP_SERVERS), rng.choice((0, 0, 1, 1, 2)))
    return _Project(
        cwd=cwd,
        home=home,
        pkg=pkg,
        files=tuple(dict.fromkeys(files)),
        tests=tuple(dict.fromkeys(tests)),
        dirs=tuple(dict.fromkeys(dirs)),
        stacks=tuple(stacks),
        windows=windows,
        bash=tuple(bash),
        scripts=tuple(scripts),
        mcp=tuple(tool for server in servers for tool in _MCP_SERVERS[server]),
        keywords=tuple(words),
    )


def _pick_weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in items)
    roll = rng.random() * total
    for value, weight in items:
        roll -= weight
        if roll < 0:
            return value
    return items[-1][0]


_project_cache: dict[tuple[int, int], _Project] = {}


def _project(seed: int, index: int) -> _Project:
    """A cached ``_make_project`` (bounded: sessions of a project start close in time)."""
    key = (seed, index)
    project = _project_cache.get(key)
    if project is None:
        if len(_project_cache) > 512:
            _project_cache.clear()
        project = _project_cache[key] = _make_project(seed, index)
    return project


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

_MCP_TOOLS: tuple[tuple[float, str], ...] = (
    (1.5, "mcp__github__create_pull_request"),
    (1.5, "mcp__github__get_issue"),
    (1.0, "mcp__github__list_pull_requests"),
    (1.0, "mcp__playwright__browser_navigate"),
    (1.0, "mcp__playwright__browser_snapshot"),
    (0.8, "mcp__postgres__query"),
    (0.5, "mcp__linear__create_issue"),
    (0.7, "mcp__sentry__get_issue_details"),
)
#: Share of calls per tool (percent) over all noise, as real weeks have it: Bash 28-33,
#: Read 25-28, Edit 9-19, Grep 7-14, TodoWrite 5-7, Glob 2-5, Write 2-4, Task 1-2, and
#: newer tools. Planted workflows add Bash, Read and Edit on top.
_TOOL_SHARES: dict[str, float] = {
    "Bash": 27.0,
    "Read": 24.0,
    "Edit": 14.0,
    "Grep": 7.0,
    "TodoWrite": 6.5,
    "Glob": 3.5,
    "Write": 3.0,
    "Task": 1.5,
    "MultiEdit": 0.7,
    "BashOutput": 1.2,
    "SlashCommand": 0.3,
    "TaskCreate": 0.5,
    "TaskUpdate": 0.8,
    "WebFetch": 0.7,
    "WebSearch": 0.4,
    "LS": 0.3,
    "mcp": 1.6,  # spread over the session's MCP tools
}
#: Chance that a run of one tool goes on for another call (Read, Read, Read …): the mean
#: run is 1 / (1 - p). Real sessions average about 1.5 calls per collapsed step.
_RUN_CONTINUE: dict[str, float] = {
    "Bash": 0.22,
    "Read": 0.55,
    "Edit": 0.45,
    "MultiEdit": 0.2,
    "Grep": 0.3,
    "Glob": 0.25,
    "Write": 0.3,
    "Task": 0.35,
    "TodoWrite": 0.05,
    "BashOutput": 0.4,
    "TaskUpdate": 0.3,
    "TaskCreate": 0.4,
}
_SENSITIVE_FILES = ("{cwd}/.env", "{home}/.ssh/config", "{cwd}/.env.production")


class _Picker:
    """Weighted choice by bisecting cumulative weights (one random() per draw)."""

    def __init__(self, items: Sequence[tuple[float, Any]]) -> None:
        self.values = [value for _, value in items]
        total = 0.0
        self.cum: list[float] = []
        for weight, _ in items:
            total += weight
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum, rng.random() * self.total)]


#: The pool's rare entries (secrets inline, then destructive commands): a session may
#: add one of each to its habits.
_INCIDENT_BASH = [(profile, desc, v) for w, profile, desc, v in _BASH_POOL if w <= 0.12]
_SECRET_BASH = tuple(_INCIDENT_BASH[:6])
_DESTRUCTIVE_BASH = tuple(_INCIDENT_BASH[6:])
_BASH_PICKER = _Picker(
    [(w, (profile, desc, variants)) for w, profile, desc, variants in _BASH_POOL]
)


class _Habits:
    """One session's own way of working, drawn from its project's vocabulary.

    Real sessions differ: one runs ``Bash(bun run)`` and ``Edit`` all day, another
    ``Grep`` and ``Read``; a rare script appears in one session only. So each session
    gets its own tool mix (the global shares times a heavy-tailed factor), its own few
    Bash commands (a Zipf-weighted subset of the project's, a few long-tail programs and
    sometimes a command of its own), its own files and search words, and its own taste
    for long Grep/Read alternations.
    """

    __slots__ = ("alternation", "bash", "files", "keywords", "tools")

    def __init__(self, rng: random.Random, project: _Project) -> None:
        mcp = project.mcp or tuple(name for _, name in _MCP_TOOLS)
        weights: list[tuple[float, str]] = []
        for tool, share in _TOOL_SHARES.items():
            factor = rng.gammavariate(1.1, 1.0 / 1.1)  # mean 1, heavy spread
            if tool == "mcp":
                chosen = rng.sample(mcp, min(len(mcp), rng.randint(1, 3)))
                weights += [(share * factor / len(chosen), name) for name in chosen]
            else:
                weights.append((share * factor, tool))
        # A tool with mean run r takes r calls per pick: divide, so the shares hold.
        self.tools = _Picker(
            [(w * (1.0 - _RUN_CONTINUE.get(tool, 0.1)), tool) for w, tool in weights]
        )
        # A weighted draw without replacement: the project's usual commands come first.
        entries = sorted(project.bash, key=lambda e: rng.random() ** (1.0 / e[0]), reverse=True)
        keep = entries[: rng.randint(4, 14)]
        bash = [
            (w * rng.lognormvariate(0.0, 1.2) / (rank + 1), e) for rank, (w, e) in enumerate(keep)
        ]
        top = max(w for w, _ in bash)
        bash += [(top * rng.uniform(0.1, 0.8), e) for _, e in project.scripts if rng.random() < 0.6]
        for incidents in (_SECRET_BASH, _DESTRUCTIVE_BASH):  # the odd secret, a cleanup
            if rng.random() < 0.4:
                bash.append((top * rng.uniform(0.02, 0.1), rng.choice(incidents)))
        bash += [
            (top * rng.uniform(0.03, 0.15), rng.choice(_RARE_BASH))
            for _ in range(rng.randint(0, 3))
        ]
        if rng.random() < 0.35:  # a command of this session only
            bash.append((top * rng.uniform(0.1, 0.5), _own_entry(rng, "_")))
        self.bash = _Picker(bash)
        pool = project.files + project.tests
        self.files = tuple(rng.sample(pool, min(len(pool), rng.randint(2, 7))))
        self.keywords = tuple(rng.sample(_KEYWORDS, 3)) + tuple(rng.sample(project.keywords, 2))
        self.alternation = rng.choice((0.0, 0.0, 0.0, 0.05, 0.1, 0.3))


# --- sessions and calls -----------------------------------------------------------
class _Session:
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

    def __init__(
        self, session_id: str, rng: random.Random, project: _Project | None = None
    ) -> None:
        self.session_id = session_id
        self.project = project or _make_project(rng.getrandbits(32), 0)
        self.habits = _Habits(rng, self.project)
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
        sid = _encode(session_id)
        self.sid_json = sid
        self.ctx_json = _encode(self.context)
        self.table_columns_json = (
            f'"source_app":{_encode(self.source_app)},"session_id":{sid},'
            f'"workflow_id":{_encode(self.workflow_id)}'
        )
        self.claude_prefix_json = (
            f'{{"session_id":{sid},"transcript_path":{_encode(self.transcript_path)},'
            f'"cwd":{_encode(self.cwd)},"permission_mode":{_encode(self.permission_mode)}'
        )


class _Call:
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
            self._input_json = _encode(self.tool_input)
        return self._input_json

    @property
    def result_json(self) -> str:
        if self._result_json is None:
            self._result_json = _escape_surrogates(_encode(self.result))
        return self._result_json


def _lognormal_ms(rng: random.Random, profile: str) -> int:
    median, sigma = _DURATIONS[profile]
    return max(1, int(median * math.exp(sigma * rng.gauss(0.0, 1.0))))


def _abs(sess: _Session, rel: str) -> str:
    if sess.project.windows:
        return rel if rel[1:3] == ":\\" else f"{sess.cwd}\\{rel.replace('/', chr(92))}"
    return rel if rel.startswith("/") else f"{sess.cwd}/{rel}"


#: A Windows user's file or output decoded with the wrong code page keeps a lone
#: surrogate (``\udc9d``): JSON can hold it as an escape; the event is good.
MOJIBAKE_RATE = 0.04  # of Read and Bash results in Windows projects
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    """JSON text with lone surrogates written as ``\\udXXX`` escapes (UTF-8 refuses them)."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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


def _noise_burst(rng: random.Random, sess: _Session) -> list[_Call]:
    """The session's next few noise calls: a run of one tool, or a Grep/Read alternation.

    Drawn from the session's own habits (``_Habits``); a run repeats one tool (a Bash run
    repeats one command, as a test rerun does). The order inside a burst is the only
    sequential structure noise has: runs and alternations, as real sessions show.
    """
    habits = sess.habits
    tool = habits.tools.pick(rng)
    if tool == "Grep" and rng.random() < habits.alternation:
        calls = []
        for _ in range(rng.randint(4, 16)):  # Grep, Read, Grep, Read (, Read) …
            calls.append(_make_call(rng, sess, "Grep"))
            calls.append(_make_call(rng, sess, "Read"))
            if rng.random() < 0.2:
                calls.append(_make_call(rng, sess, "Read"))
        return calls
    entry = habits.bash.pick(rng) if tool == "Bash" else None
    go_on = _RUN_CONTINUE.get(tool, 0.1)
    calls = [_make_call(rng, sess, tool, entry=entry)]
    while len(calls) < 40 and rng.random() < go_on:
        calls.append(_make_call(rng, sess, tool, entry=entry))
    return calls


def _noise_call(rng: random.Random, sess: _Session) -> _Call:
    """One call of the session's habits (its tool mix and Bash vocabulary), no run."""
    tool = sess.habits.tools.pick(rng)
    entry = sess.habits.bash.pick(rng) if tool == "Bash" else None
    return _make_call(rng, sess, tool, entry=entry)


def _make_call(rng: random.Random, sess: _Session, tool: str, **given: Any) -> _Call:
    proj = sess.project
    profile = tool
    if tool == "Bash":
        profile, desc, variants = given.get("entry") or _BASH_PICKER.pick(rng)
        template = variants[int(rng.random() * len(variants))]
        command = template.format_map(_Fill(rng, sess))
        tool_input: dict[str, Any] = {"command": command, "description": desc}
        if profile in ("test", "build", "docker", "deploy") and rng.random() < 0.3:
            tool_input["timeout"] = 600000
        call = _Call(tool, tool_input, bash_signature(command))
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
        snippet = _snippet(rng, path)
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
                    f"DATABASE_URL=postgresql://app:{_token(rng, 12)}@db:5432/app\n"
                    f"STRIPE_SECRET_KEY=sk_live_{_token(rng, 24)}\n"
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
                old, new = "LOG_LEVEL=info", f"LOG_LEVEL=debug\nOPENAI_API_KEY=sk-{_token(rng, 40)}"
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
        call = _Call(tool, tool_input, tool)
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
        call = _Call(tool, tool_input, tool)
        call.result = {"mode": "files_with_matches", "filenames": hits, "numFiles": len(hits)}
    elif tool == "Glob":
        tool_input = {
            "pattern": rng.choice(("**/*.py", "src/**/*.ts", "**/test_*.py", "*.md")),
            "path": sess.cwd,
        }
        hits = [_abs(sess, f) for f in proj.files[: rng.randint(0, 5)]]
        call = _Call(tool, tool_input, tool)
        call.result = {
            "filenames": hits,
            "durationMs": rng.randint(2, 90),
            "numFiles": len(hits),
            "truncated": False,
        }
    elif tool == "LS":
        tool_input = {"path": _abs(sess, rng.choice(proj.dirs))}
        call = _Call(tool, tool_input, tool)
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
        call = _Call(tool, {"todos": todos}, tool)
        call.result = {"oldTodos": [], "newTodos": todos}
    elif tool == "BashOutput":
        call = _Call(tool, {"bash_id": f"bash_{rng.randint(1, 9)}"}, tool)
        call.result = {"stdout": "Server listening on :8000", "status": "running", "exitCode": None}
    elif tool == "SlashCommand":
        command = rng.choice(("/review", "/compact", "/pr-comments", "/test-all", "/init"))
        call = _Call(tool, {"command": command}, tool)
        call.result = {"success": True, "commandName": command.lstrip("/")}
    elif tool in ("TaskCreate", "TaskUpdate"):
        task_id = str(rng.randint(1, 12))
        if tool == "TaskCreate":
            subject = rng.choice(("Reproduce the failure", "Fix the bug", "Run the tests"))
            tool_input = {"subject": subject, "description": subject, "activeForm": subject}
        else:
            tool_input = {"taskId": task_id, "status": rng.choice(("in_progress", "completed"))}
        call = _Call(tool, tool_input, tool)
        call.result = {"task": {"id": task_id}, "success": True}
    elif tool == "Task":
        kind = rng.choice(("general-purpose", "Explore", "code-reviewer"))
        tool_input = {
            "description": "Survey the code base",
            "prompt": "Find every place that computes tax and list the files.",
            "subagent_type": kind,
        }
        call = _Call(tool, tool_input, tool)
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
        call = _Call(tool, {"url": url, "prompt": "Summarise the relevant API"}, tool)
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
        call = _Call(tool, {"query": query}, tool)
        call.result = {"query": query, "results": [{"title": "…", "url": "https://example.com/"}]}
    else:  # MCP
        if tool == "mcp__github__create_pull_request":
            tool_input = {
                "owner": "acme",
                "repo": proj.pkg,
                "title": rng.choice(_COMMIT_SUBJECTS),
                "head": rng.choice(_BRANCHES),
                "base": "main",
                "body": "Automated PR",
            }
        elif tool == "mcp__postgres__query":
            tool_input = {"sql": f"select count(*) from {rng.choice(_TABLES)}"}
        elif tool.startswith("mcp__playwright"):
            tool_input = {"url": "http://localhost:5173/settings"}
        else:
            tool_input = {"owner": "acme", "repo": proj.pkg, "issue_number": rng.randint(1, 900)}
        call = _Call(tool, tool_input, tool)
        call.result = [{"type": "text", "text": '{"ok":true}'}]
        profile = "mcp"
    call.duration_ms = _lognormal_ms(rng, profile)
    call.reported_ms = 0 if rng.random() < 0.6 else call.duration_ms
    return call


# --- planted workflows ------------------------------------------------------------
def _bash(
    *templates: str, profile: str, desc: str
) -> Callable[[random.Random, _Session, dict[str, str]], _Call]:
    entry = (profile, desc, templates)

    def make(rng: random.Random, sess: _Session, shared: dict[str, str]) -> _Call:
        return _make_call(rng, sess, "Bash", entry=entry)

    return make


def _file_tool(tool: str) -> Callable[[random.Random, _Session, dict[str, str]], _Call]:
    def make(rng: random.Random, sess: _Session, shared: dict[str, str]) -> _Call:
        if "file" not in shared:
            shared["file"] = rng.choice(sess.project.files)
        return _make_call(rng, sess, tool, file=shared["file"])

    return make


def _grep(rng: random.Random, sess: _Session, shared: dict[str, str]) -> _Call:
    return _make_call(rng, sess, "Grep")


_StepMaker = Callable[[random.Random, _Session, dict[str, str]], _Call]

_PLANTED: tuple[tuple[PlantedWorkflow, tuple[_StepMaker, ...]], ...] = (
    (
        PlantedWorkflow(
            "edit-test loop",
            ("Read", "Edit", "Bash(pytest)"),
            "read a file, edit it, run the Python tests",
        ),
        (
            _file_tool("Read"),
            _file_tool("Edit"),
            _bash(
                "pytest -q {test_file}",
                "cd {cwd} && pytest -x -q",
                "PYTHONPATH=src pytest -q",
                "timeout 900 pytest -q {test_file}",
                "pytest",
                profile="test",
                desc="Run tests",
            ),
        ),
    ),
    (
        PlantedWorkflow(
            "search-fix-test",
            ("Grep", "Read", "Edit", "Bash(npm test)"),
            "search the code, read and fix the hit, run the JS tests",
        ),
        (
            _grep,
            _file_tool("Read"),
            _file_tool("Edit"),
            _bash(
                "npm test",
                "npm test -- {test_file}",
                "CI=1 npm test",
                "cd {cwd} && npm test -- --watch=false",
                profile="test",
                desc="Run JS tests",
            ),
        ),
    ),
    (
        PlantedWorkflow(
            "commit and push",
            ("Bash(git status)", "Bash(git add)", "Bash(git commit)", "Bash(git push)"),
            "check status, stage, commit with a message, push",
        ),
        (
            _bash(
                "git status",
                "git status --short",
                "cd {cwd} && git status",
                profile="git",
                desc="Show working tree status",
            ),
            _bash(
                "git add -A",
                "git add {file} {test_file}",
                "git add .",
                profile="git",
                desc="Stage changes",
            ),
            _bash(
                _COMMIT_HEREDOC.replace("{msg}", "{plain_msg}"),
                'git commit -m "{plain_msg}"',
                profile="git",
                desc="Commit changes",
            ),
            _bash(
                "git push",
                "git push origin {branch}",
                "git push -u origin HEAD",
                profile="git_net",
                desc="Push the branch",
            ),
        ),
    ),
    (
        PlantedWorkflow(
            "hard sync with origin",
            ("Bash(git fetch)", "Bash(git reset)", "Bash(git clean)"),
            "throw local work away: fetch, reset --hard to origin/main, clean",
            is_destructive=True,
        ),
        (
            _bash(
                "git fetch origin",
                "git fetch --all --prune",
                "cd {cwd} && git fetch origin",
                profile="git_net",
                desc="Fetch from origin",
            ),
            _bash(
                "git reset --hard origin/main",
                "git reset --hard @{{u}}",
                profile="git",
                desc="Reset to the remote branch",
            ),
            _bash("git clean -fd", "git clean -fdx", profile="git", desc="Remove untracked files"),
        ),
    ),
    (
        PlantedWorkflow(
            "container end-to-end suite",
            ("Bash(docker build)", "Bash(docker run)", "Read"),
            "build the image, run the end-to-end suite in it (minutes each), read the report",
        ),
        (
            _bash(
                "docker build -t {svc}:dev .",
                "cd {cwd} && docker build -t {svc}:e2e -f Dockerfile.e2e .",
                profile="image_build",
                desc="Build the test image",
            ),
            _bash(
                "docker run --rm {svc}:dev npm run e2e",
                "docker run --rm -v $PWD/reports:/reports {svc}:e2e",
                profile="e2e_suite",
                desc="Run the end-to-end suite",
            ),
            _file_tool("Read"),
        ),
    ),
)

#: The tool sequences the generator plants (absent with ``noise_only``).
PLANTED_WORKFLOWS: tuple[PlantedWorkflow, ...] = tuple(wf for wf, _ in _PLANTED)


# --- the event stream -------------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    order: int
    session_id: str
    seed: int
    start_us: int
    n_calls: int
    turn_mean: float
    forced_gap_turn: int  # -1: none
    random_gaps: bool
    project: int


@dataclass
class _Stats:
    tool_calls: int = 0
    longest: int = 0
    planted: Counter[str] = field(default_factory=Counter)


# An event: (timestamp µs, event type, session, call or None, extra fields or None, 64 random bits)
_Event = tuple[int, str, _Session, "_Call | None", "dict[str, Any] | None", int]


def _session_calls(master: random.Random) -> int:
    if master.random() < TINY_SESSION_SHARE:
        return master.randint(1, 4)
    n_calls = int(SESSION_CALLS_MEDIAN * math.exp(SESSION_CALLS_SIGMA * master.gauss(0.0, 1.0)))
    return min(SESSION_CALLS_MAX, max(1, n_calls))


def _plan_sessions(options: SampleOptions, window_start_us: int) -> list[_Plan]:
    master = random.Random(options.seed)
    lo_w, hi_w = DAY_WEIGHT_RANGE
    day_picker = _Picker(
        [
            (min(hi_w, max(lo_w, master.lognormvariate(0.0, DAY_WEIGHT_SIGMA))), day)
            for day in range(options.days)
        ]
    )
    projects = max(1, round(options.sessions / SESSIONS_PER_PROJECT))
    plans = []
    for i in range(options.sessions):
        session_id = f"{master.getrandbits(128):032x}"
        session_id = (
            f"{session_id[:8]}-{session_id[8:12]}-4{session_id[13:16]}-"
            f"{'89ab'[int(session_id[16], 16) & 3]}{session_id[17:20]}-{session_id[20:]}"
        )
        seed = master.getrandbits(64)
        n_calls = _session_calls(master)
        day = day_picker.pick(master)
        if master.random() < 0.75:  # working hours, spread around early afternoon UTC
            tod = min(DAY - 1, max(0, int(master.gauss(13.5, 3.5) * HOUR)))
        else:
            tod = int(master.random() * DAY)
        extra = master.random()  # for the special sessions below
        # Sessions share projects unevenly: low indexes are the busy projects.
        project = int(projects * master.random() ** 1.6)
        turn_mean, forced_gap, random_gaps = TURN_CALLS_MEAN, -1, True
        if i == 0 and options.sessions >= LONG_SESSION_MIN_SESSIONS:
            # An autonomous run: long turns, one pause of hours, no random long gaps.
            day, tod = 0, int((3 + 2 * extra) * HOUR)
            lo, hi = LONG_SESSION_CALLS
            n_calls = lo + int(extra * (hi - lo))
            turn_mean, forced_gap, random_gaps = 40.0, 3, False
        elif i == 1 and options.days >= 2:
            # Starts late in the evening and pauses for hours: crosses midnight.
            day = int(extra * (options.days - 1))
            tod = int((22.5 + extra) * HOUR)
            n_calls, forced_gap = max(n_calls, 40), 1
        elif i == 2:
            n_calls, forced_gap = max(n_calls, 30), 1
        plans.append(
            _Plan(
                i,
                session_id,
                seed,
                window_start_us + day * DAY + tod,
                n_calls,
                turn_mean,
                forced_gap,
                random_gaps,
                project,
            )
        )
    plans.sort(key=lambda p: (p.start_us, p.order))
    return plans


def _session_events(plan: _Plan, end_us: int, options: SampleOptions) -> Iterator[_Event]:
    """One session's events in time order, stopping at the end of the window."""
    rng = random.Random(plan.seed)
    sess = _Session(plan.session_id, rng, _project(options.seed, plan.project))
    bits = rng.getrandbits
    t = plan.start_us
    yield (t, "SessionStart", sess, None, {"source": "startup"}, bits(64))
    t += rng.randint(2_000, 40_000) * MS  # typing the first prompt
    remaining = plan.n_calls
    turn = 0
    since_compact = 0
    compact_at = rng.randint(150, 400)
    prev_sig = ""
    after_planted = False
    while remaining > 0:
        if turn:
            if turn == plan.forced_gap_turn:
                t += rng.randint(*FORCED_GAP_US)
            elif plan.random_gaps and rng.random() < LONG_GAP_PER_TURN:
                t += rng.randint(*LONG_GAP_US)
                if rng.random() < 0.4:
                    if t >= end_us:
                        return
                    yield (t, "SessionStart", sess, None, {"source": "resume"}, bits(64))
                    t += rng.randint(2, 30) * SECOND
            else:
                t += min(20 * MINUTE, int(TURN_GAP_MEDIAN_US * math.exp(rng.gauss(0.0, 1.1))))
        if t >= end_us:
            return
        prompt = _PROMPTS[int(rng.random() * len(_PROMPTS))].format(
            file=rng.choice(sess.project.files), test=rng.choice(sess.project.tests)
        )
        yield (t, "UserPromptSubmit", sess, None, {"prompt": prompt}, bits(64))
        t += int(1.5 * SECOND * math.exp(0.6 * rng.gauss(0.0, 1.0)))
        target = min(remaining, 1 + int(rng.expovariate(1.0 / plan.turn_mean)))
        if turn < plan.forced_gap_turn:  # leave calls for after the planned pause
            target = max(1, min(target, remaining - 1))
        done = 0
        while done < target:
            calls: Sequence[_Call]
            in_run = False  # a noise burst: its calls follow each other quickly
            if not options.noise_only and rng.random() < PLANT_PER_BLOCK:
                workflow, makers = _PLANTED[int(rng.random() * len(_PLANTED))]
                if workflow.steps[0] == prev_sig:  # would merge with the step before
                    calls = (_noise_call(rng, sess),)
                    after_planted = False
                else:
                    shared: dict[str, str] = {}
                    calls = [make(rng, sess, shared) for make in makers]
                    after_planted = True
            else:
                calls = _noise_burst(rng, sess)
                if after_planted:  # keep the planted workflow's last step distinct
                    for _ in range(3):
                        if calls[0].signature != prev_sig:
                            break
                        calls = _noise_burst(rng, sess)
                after_planted = False
                in_run = True
            for i, call in enumerate(calls):
                if i and in_run:
                    t += max(50 * MS, int(RUN_GAP_MEDIAN_US * math.exp(0.8 * rng.gauss(0.0, 1.0))))
                elif done or i:
                    t += max(
                        150 * MS, int(GAP_MEDIAN_US * math.exp(GAP_SIGMA * rng.gauss(0.0, 1.0)))
                    )
                    if rng.random() < PAUSE_PER_CALL:
                        t += rng.randint(*PAUSE_US)
                drop = rng.random()
                call.tool_use_id = f"toolu_01{bits(88):022x}"
                if t >= end_us:
                    return
                if drop >= DROP_PRE:
                    yield (t, "PreToolUse", sess, call, None, bits(64))
                if call.tool == "Bash" and rng.random() < 0.03:
                    t += rng.randint(20, 400) * MS
                    if t >= end_us:
                        return
                    yield (
                        t,
                        "Notification",
                        sess,
                        None,
                        {"message": "Claude needs your permission to use Bash"},
                        bits(64),
                    )
                    t += int(rng.uniform(2, 90) * SECOND)
                t += call.duration_ms * MS
                if call.tool == "Task":
                    if t >= end_us:
                        return
                    yield (t, "SubagentStop", sess, None, {"stop_hook_active": False}, bits(64))
                    t += rng.randint(5, 300) * MS
                if t >= end_us:
                    return
                if drop < DROP_PRE or drop >= DROP_PRE + DROP_POST:
                    yield (t, "PostToolUse", sess, call, None, bits(64))
                prev_sig = call.signature
            done += len(calls)
        remaining -= done
        since_compact += done
        t += rng.randint(300, 4000) * MS
        if t >= end_us:
            return
        yield (t, "Stop", sess, None, {"stop_hook_active": False, "prompt": prompt}, bits(64))
        if rng.random() < 0.1:
            t += 60 * SECOND
            if t >= end_us:
                return
            yield (
                t,
                "Notification",
                sess,
                None,
                {"message": "Claude is waiting for your input"},
                bits(64),
            )
        if since_compact >= compact_at:
            t += rng.randint(1, 5) * SECOND
            if t >= end_us:
                return
            yield (
                t,
                "PreCompact",
                sess,
                None,
                {"trigger": "auto", "custom_instructions": ""},
                bits(64),
            )
            t += rng.randint(20, 90) * SECOND
            if t >= end_us:
                return
            yield (t, "SessionStart", sess, None, {"source": "compact"}, bits(64))
            since_compact, compact_at = 0, rng.randint(150, 400)
        turn += 1
    if rng.random() < 0.85:
        t += rng.randint(2, 600) * SECOND
        if t < end_us:
            yield (
                t,
                "SessionEnd",
                sess,
                None,
                {"reason": rng.choice(("prompt_input_exit", "clear", "logout", "other"))},
                bits(64),
            )


def _destroy_order(events: list[_Event], seed: int) -> None:
    """Permute the tool calls of one session's events in place (see ``destroy_order``).

    A call's content (tool, input, result, tool_use_id) moves into another call's time
    slot; both halves of a call move together, so pairs stay pairs. Calls are permuted
    among slots of their own kind (both halves, Pre only, Post only), so every
    timestamp stays where it was. Other events are not touched.
    """
    halves: dict[int, list[int]] = {}
    for i, ev in enumerate(events):
        if ev[3] is not None:
            halves.setdefault(id(ev[3]), []).append(i)
    kinds: dict[tuple[str, ...], list[list[int]]] = {}
    for positions in halves.values():
        kinds.setdefault(tuple(events[i][1] for i in positions), []).append(positions)
    rng = random.Random(seed)
    for slots in kinds.values():
        contents = [events[positions[0]][3] for positions in slots]
        rng.shuffle(contents)
        for positions, call in zip(slots, contents, strict=True):
            for i in positions:
                ts, etype, sess, _old, extra, bits = events[i]
                events[i] = (ts, etype, sess, call, extra, bits)


def _counted_session(
    plan: _Plan, end_us: int, options: SampleOptions, stats: _Stats
) -> Iterator[_Event]:
    """A session's events, order destroyed if asked, counted as the models will count.

    Counts the tool calls and, per planted workflow, its contiguous occurrences in the
    session's steps as ``int_tool_steps_sequenced`` cuts them (segments split after
    ``SEGMENT_GAP_US`` of inactivity, consecutive equal signatures collapsed): planted
    ones and those that noise or a shuffle happens to form. Those are the exact counts a
    build with the default vars finds.
    """
    events: Iterator[_Event] = _session_events(plan, end_us, options)
    if options.noise_only or options.destroy_order:
        # noise_only: the session's composition without its order (no runs, no
        # alternations, no workflow but by chance). The session is held in memory.
        buffered = list(events)
        _destroy_order(buffered, plan.seed ^ 0x5EED_0F_0DE7)
        events = iter(buffered)
    watched = [] if options.noise_only else [wf.steps for wf in PLANTED_WORKFLOWS]
    post_has_input = options.shape == "claude"  # Claude Code's Post repeats tool_input
    steps: list[str] = []
    last_active = -1
    last_pre: _Call | None = None
    calls = 0
    try:
        for ev in events:
            call = ev[3]
            if call is not None:
                ts = ev[0]
                if ev[1] == "PreToolUse" or call is not last_pre:  # a new call starts
                    calls += 1
                    if last_active >= 0 and ts > last_active + SEGMENT_GAP_US:
                        steps.clear()
                    sig = call.signature
                    if ev[1] == "PostToolUse" and not post_has_input:
                        sig = call.tool  # a Post alone: no command to name (``Bash``)
                    if not steps or steps[-1] != sig:
                        steps.append(sig)
                        if len(steps) > 8:
                            del steps[:-5]
                        for wf_steps in watched:
                            n = len(wf_steps)
                            if len(steps) >= n and tuple(steps[-n:]) == wf_steps:
                                stats.planted["→".join(wf_steps)] += 1
                last_pre = call if ev[1] == "PreToolUse" else None
                last_active = max(last_active, ts)
            yield ev
    finally:
        stats.tool_calls += calls
        stats.longest = max(stats.longest, calls)


def _merged_events(
    plans: list[_Plan], end_us: int, options: SampleOptions, stats: _Stats
) -> Iterator[_Event]:
    """All sessions' events in time order: a heap over the sessions in progress."""
    heap: list[tuple[int, int, _Event, Iterator[_Event]]] = []
    i, n = 0, len(plans)
    while i < n or heap:
        if i < n and (not heap or plans[i].start_us <= heap[0][0]):
            plan = plans[i]
            i += 1
            gen = _counted_session(plan, end_us, options, stats)
            first = next(gen, None)
            if first is not None:
                heapq.heappush(heap, (first[0], plan.order, first, gen))
            continue
        _, order, event, gen = heap[0]
        yield event
        nxt = next(gen, None)
        if nxt is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (nxt[0], order, nxt, gen))


# --- formatting -------------------------------------------------------------------
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_MINUTE_TEXT: dict[int, str] = {}
_MINUTE_ISO: dict[int, str] = {}
_NAME_JSON: dict[str | None, str] = {}
_encode_str = encode_basestring  # a str as a JSON string literal (C, no ASCII escaping)


def _minute_prefix(minute: int, cache: dict[int, str], fmt: str) -> str:
    if len(cache) > 50_000:
        cache.clear()
    text = cache[minute] = (_EPOCH + dt.timedelta(minutes=minute)).strftime(fmt)
    return text


def _fmt_ts(ts_us: int) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff', UTC: how SQLite stores a timestamp as text."""
    minute, rest = divmod(ts_us, MINUTE)
    prefix = _MINUTE_TEXT.get(minute) or _minute_prefix(minute, _MINUTE_TEXT, "%Y-%m-%d %H:%M:")
    return "%s%02d.%06d" % (prefix, rest // SECOND, rest % SECOND)  # noqa: UP031 - hot path


def _fmt_iso(ts_us: int) -> str:
    """ISO 8601 with Z, as a logging hook stamps Claude Code's records."""
    minute, rest = divmod(ts_us, MINUTE)
    prefix = _MINUTE_ISO.get(minute) or _minute_prefix(minute, _MINUTE_ISO, "%Y-%m-%dT%H:%M:")
    seconds, us = divmod(rest, SECOND)
    return f"{prefix}{seconds:02d}.{us:06d}Z"


def _name(value: str | None) -> str:
    text = _NAME_JSON.get(value)
    if text is None:
        text = _NAME_JSON[value] = _encode(value)
    return text


def _future(text: str) -> str:
    """The same moment in 2099 (a clock gone wrong); 29 February becomes the 28th."""
    text = "2099" + text[4:]
    return text.replace("2099-02-29", "2099-02-28")


def _shift(text: str, delta_us: int) -> str:
    """A timestamp text ``delta_us`` later, in the same format."""
    iso = text.endswith("Z")
    moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    epoch_us = (moment - _EPOCH) // dt.timedelta(microseconds=1) + delta_us
    return _fmt_iso(epoch_us) if iso else _fmt_ts(epoch_us)


def _truncated(text: str, rng: random.Random) -> str:
    """A strict prefix of a JSON object's text: never valid JSON."""
    return text[: rng.randint(1, max(1, len(text) - 2))]


_BAD_TIMESTAMPS = ("31/02/2025 10:00", "yesterday 14:03", "2025-13-45 99:99:99")


class _TableRows:
    """Rows of the application's hook_events table.

    ``line`` writes a row's JSON from pre-encoded fragments (the hot path); ``row`` builds
    the same row as a dict (Parquet, bad rows). ``_encode(row(...)) == line(...)``.
    """

    columns = TABLE_COLUMNS
    json_columns: tuple[str, ...] = ()

    def __init__(self, processed_before_us: int) -> None:
        self.processed_before_us = processed_before_us

    @staticmethod
    def _payload(ev: _Event) -> tuple[str, str | None]:
        _ts, etype, sess, call, extra, bits = ev
        if call is not None:
            if etype == "PreToolUse":
                return (
                    f'{{"tool_name":{_name(call.tool)},"tool_input":{call.input_json},'
                    f'"session_id":{sess.sid_json},"context":{sess.ctx_json}}}'
                ), None
            return (
                f'{{"tool_name":{_name(call.tool)},"tool_result":{call.result_json},'
                f'"duration_ms":{call.reported_ms},"session_id":{sess.sid_json},'
                f'"success":{"true" if call.success else "false"},"context":{sess.ctx_json}}}'
            ), None
        payload = {**(extra or {}), "session_id": sess.session_id, "context": sess.context}
        chat_history = None
        if etype == "Stop":
            prompt = payload.pop("prompt")
            if bits & 0xFF < 13:  # ~5 %: the app stored the conversation
                chat_history = _encode(
                    [{"role": "user", "content": prompt}, {"role": "assistant", "content": "Done."}]
                )
        return _encode(payload), chat_history

    def _times(self, ts: int, bits: int) -> tuple[int, str | None, str]:
        processed = 1 if ts < self.processed_before_us else 0
        processed_at = _fmt_ts(ts + 5 * MINUTE + (bits >> 20) % MINUTE) if processed else None
        return processed, processed_at, _fmt_ts(ts + (bits >> 8) % (40 * MS))

    def row(self, ev: _Event, row_id: int) -> dict[str, Any]:
        ts, etype, sess, call, _extra, bits = ev
        payload, chat_history = self._payload(ev)
        processed, processed_at, created_at = self._times(ts, bits)
        return {
            "id": row_id,
            "event_id": f"evt-{bits:016x}",
            "event_type": etype,
            "source_app": sess.source_app,
            "session_id": sess.session_id,
            "workflow_id": sess.workflow_id,
            "timestamp": _fmt_ts(ts),
            "payload": payload,
            "tool_name": call.tool if call is not None else None,
            "chat_history": chat_history,
            "processed": processed,
            "processed_at": processed_at,
            "created_at": created_at,
        }

    def line(self, ev: _Event, row_id: int) -> str:
        ts, etype, sess, call, _extra, bits = ev
        payload, chat_history = self._payload(ev)
        processed, processed_at, created_at = self._times(ts, bits)
        return (
            f'{{"id":{row_id},"event_id":"evt-{bits:016x}","event_type":{_name(etype)},'
            f'{sess.table_columns_json},"timestamp":"{_fmt_ts(ts)}",'
            f'"payload":{_encode_str(payload)},'
            f'"tool_name":{_name(call.tool if call is not None else None)},'
            f'"chat_history":{"null" if chat_history is None else _encode_str(chat_history)},'
            f'"processed":{processed},'
            f'"processed_at":{"null" if processed_at is None else _encode_str(processed_at)},'
            f'"created_at":"{created_at}"}}'
        )

    @staticmethod
    def bad(
        kind: str, good: dict[str, Any], rng: random.Random, row_id: int
    ) -> dict[str, Any] | str:
        row = dict(good, id=row_id, event_id=f"evt-{rng.getrandbits(64):016x}")
        if kind == "invalid_json":
            row["payload"] = _truncated(row["payload"], rng)
        elif kind == "unparseable_line":
            return _truncated(_encode(row), rng)
        elif kind == "missing_session_id":
            row["session_id"] = None
            row["payload"] = _encode({**json.loads(row["payload"]), "session_id": None})
        elif kind == "unknown_event_type":
            row["event_type"] = UNKNOWN_EVENT_TYPE
            row["tool_name"] = None
            row["payload"] = _encode({"session_id": row["session_id"], "detail": "boom"})
        elif kind == "duplicate_event_id":  # the hook fired again, a little later
            row["event_id"] = good["event_id"]
            delay = rng.randint(1, 3_000) * MS
            row["timestamp"] = _shift(good["timestamp"], delay)
            row["created_at"] = _shift(good["created_at"], delay)
        elif kind == "future_timestamp":
            row["timestamp"] = _future(good["timestamp"])
        elif kind == "missing_tool_name":
            row["tool_name"] = ""
            row["payload"] = _encode({**json.loads(row["payload"]), "tool_name": ""})
        elif kind == "missing_event_id":
            row["event_id"] = None
        elif kind == "unparseable_timestamp":
            row["timestamp"] = rng.choice(_BAD_TIMESTAMPS)
        return row


class _ClaudeRows:
    """Claude Code's own hook stdin JSON, plus the timestamp a logging hook adds."""

    columns = CLAUDE_COLUMNS
    json_columns = CLAUDE_JSON_COLUMNS

    @staticmethod
    def row(ev: _Event, row_id: int) -> dict[str, Any]:
        ts, etype, sess, call, extra, _bits = ev
        record: dict[str, Any] = {
            "session_id": sess.session_id,
            "transcript_path": sess.transcript_path,
            "cwd": sess.cwd,
            "permission_mode": sess.permission_mode,
            "hook_event_name": etype,
        }
        if call is not None:
            record["tool_name"] = call.tool
            record["tool_input"] = call.tool_input
            if etype == "PostToolUse":
                record["tool_response"] = call.result
            record["tool_use_id"] = call.tool_use_id
        elif extra:
            record.update(extra)
            if etype == "Stop":
                del record["prompt"]  # the table shape keeps it for chat_history
        record["timestamp"] = _fmt_iso(ts)
        return record

    def line(self, ev: _Event, row_id: int) -> str:
        ts, etype, sess, call, _extra, _bits = ev
        if call is None:
            return _encode(self.row(ev, row_id))
        response = f',"tool_response":{call.result_json}' if etype == "PostToolUse" else ""
        return (
            f'{sess.claude_prefix_json},"hook_event_name":{_name(etype)},'
            f'"tool_name":{_name(call.tool)},"tool_input":{call.input_json}{response},'
            f'"tool_use_id":"{call.tool_use_id}","timestamp":"{_fmt_iso(ts)}"}}'
        )

    @staticmethod
    def bad(
        kind: str, good: dict[str, Any], rng: random.Random, row_id: int
    ) -> dict[str, Any] | str:
        row = dict(good)
        if "tool_use_id" in row and kind != "duplicate_event_id":
            # A fresh id, or the derived event id would make every kind a duplicate.
            row["tool_use_id"] = f"toolu_01{rng.getrandbits(88):022x}"
        if kind == "unparseable_line":
            return _truncated(_encode(row), rng)
        if kind == "missing_session_id":
            row["session_id"] = None
        elif kind == "unknown_event_type":
            row = {k: row[k] for k in ("session_id", "transcript_path", "cwd", "permission_mode")}
            row["hook_event_name"] = UNKNOWN_EVENT_TYPE
            row["timestamp"] = good["timestamp"]
        elif kind == "duplicate_event_id":  # the hook fired again, a little later
            row["timestamp"] = _shift(good["timestamp"], rng.randint(1, 3_000) * MS)
        elif kind == "future_timestamp":
            row["timestamp"] = _future(good["timestamp"])
        elif kind == "missing_tool_name":
            row["tool_name"] = ""
        elif kind == "unparseable_timestamp":
            row["timestamp"] = rng.choice(_BAD_TIMESTAMPS)
        return row


# --- writers ----------------------------------------------------------------------
class _JsonlSink:
    """UTF-8 lines, written in chunks of bytes.

    Lines are encoded one by one: joining them as ``str`` would widen the whole chunk to
    four bytes per character as soon as one line holds an emoji.
    """

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")
        self.lines: list[bytes] = []

    def write(self, row: dict[str, Any]) -> None:
        self.write_line(_escape_surrogates(_encode(row)))

    def write_line(self, text: str) -> bool:
        self.lines.append(text.encode())
        if len(self.lines) >= JSONL_CHUNK_LINES:
            self.flush()
        return True

    def flush(self) -> None:
        if self.lines:
            self.lines.append(b"")
            self.file.write(b"\n".join(self.lines))
            self.lines.clear()

    def close(self) -> None:
        self.flush()
        self.file.close()


class _ParquetSink:
    """Row groups of ``CHUNK_ROWS`` rows; nested JSON columns stored as JSON text."""

    def __init__(self, path: Path, columns: Sequence[str], json_columns: Sequence[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        types = {"id": pa.int64(), "processed": pa.int64(), "stop_hook_active": pa.bool_()}
        self.schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        self.json_columns = frozenset(json_columns)
        self.pending: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    def write(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def write_line(self, text: str) -> bool:
        return False  # a Parquet file has no lines to break

    def flush(self) -> None:
        if not self.pending:
            return
        arrays = []
        for column in self.schema:
            name, rows = column.name, self.pending
            if name in self.json_columns:
                values = [
                    None if r.get(name) is None else _escape_surrogates(_encode(r[name]))
                    for r in rows
                ]
            else:
                values = [r.get(name) for r in rows]
            arrays.append(self.pa.array(values, type=column.type))
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


# --- entry point ------------------------------------------------------------------
def _validate(out_file: Path, options: SampleOptions) -> str:
    suffix = out_file.suffix.lower()
    if suffix not in FORMATS:
        raise RunnerError(
            f"cannot write {out_file}: unknown format {suffix or '(no extension)'}",
            "name the output file *.jsonl or *.parquet",
        )
    if options.shape not in SHAPES:
        raise RunnerError(f"unknown shape {options.shape!r}", "use --shape table or --shape claude")
    if options.sessions < 1 or options.days < 1:
        raise RunnerError("sessions and days must be at least 1")
    return suffix


def generate_sample(out_file: Path, options: SampleOptions) -> SampleSummary:
    """Write the sample to ``out_file`` (.jsonl or .parquet) and say what is in it."""
    started = time.perf_counter()
    fmt = _validate(out_file, options)
    end_date = options.end_date
    if isinstance(end_date, dt.datetime):
        end_date = end_date.date()
    end_us = (end_date.toordinal() + 1 - _EPOCH_ORDINAL) * DAY
    start_us = end_us - options.days * DAY

    plans = _plan_sessions(options, start_us)
    stats = _Stats()
    rows: _TableRows | _ClaudeRows = (
        _TableRows(processed_before_us=end_us - DAY) if options.shape == "table" else _ClaudeRows()
    )
    kinds = BAD_ROW_KINDS[options.shape]
    bad_rng = random.Random(f"bad-rows:{options.seed}")
    bad_counts: Counter[str] = Counter()

    # Write beside the target and rename at the end: no half-written sample on failure.
    partial = out_file.with_name(f".{out_file.name}.partial")
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        sink: _JsonlSink | _ParquetSink = (
            _JsonlSink(partial)
            if fmt == ".jsonl"
            else _ParquetSink(partial, rows.columns, rows.json_columns)
        )
    except OSError as exc:
        raise RunnerError(f"cannot write {out_file}: {exc.strerror or exc}") from exc
    written = 0
    row_id = 0
    injected = 0
    first_us = last_us = None
    try:
        jsonl = fmt == ".jsonl"
        for ev in _merged_events(plans, end_us, options, stats):
            row_id += 1
            if jsonl:
                sink.write_line(rows.line(ev, row_id))
            else:
                sink.write(rows.row(ev, row_id))
            written += 1
            if first_us is None:
                first_us = ev[0]
            last_us = ev[0]
            if options.bad_rows and ev[3] is not None and bad_rng.random() < BAD_ROW_RATE:
                kind = kinds[injected % len(kinds)]
                injected += 1
                good = rows.row(ev, row_id)
                row_id += 1
                bad = rows.bad(kind, good, bad_rng, row_id)
                if isinstance(bad, str):
                    if not sink.write_line(bad):
                        continue
                else:
                    sink.write(bad)
                written += 1
                bad_counts[kind] += 1
        sink.close()
        os.replace(partial, out_file)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            sink.close()
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RunnerError(f"cannot write {out_file}: {exc.strerror or exc}") from exc
        raise

    def moment(us: int | None) -> dt.datetime | None:
        return None if us is None else _EPOCH + dt.timedelta(microseconds=us)

    planted = () if options.noise_only else tuple(wf.signature for wf in PLANTED_WORKFLOWS)
    return SampleSummary(
        path=out_file,
        shape=options.shape,
        format=fmt,
        events=written,
        sessions=len(plans),
        tool_calls=stats.tool_calls,
        longest_session_calls=stats.longest,
        planted_workflows=planted,
        planted_occurrences={sig: stats.planted[sig] for sig in planted},
        bad_rows={kind: bad_counts[kind] for kind in kinds if bad_counts[kind]},
        first_event_at=moment(first_us),
        last_event_at=moment(last_us),
        seconds=time.perf_counter() - started,
        order_destroyed=options.destroy_order,
    )


# --- destroying the order of an existing file -------------------------------------
@dataclass
class ShuffleSummary:
    path: Path
    records: int
    sessions: int
    calls_moved: int  # calls that took part in the permutation
    calls_kept: int  # tool events left where they were (unreadable, duplicate, …)

    def describe(self) -> str:
        return (
            f"[bold]wrote {self.records:,} records[/] to {escape(str(self.path))}: the tool "
            f"calls of {self.sessions:,} sessions permuted ({self.calls_moved:,} calls; "
            f"{self.calls_kept:,} unreadable or duplicate tool events left in place)"
        )


def _read_records(path: Path) -> tuple[list[Any], list[bytes]]:
    """The file's records (dicts; a JSONL line that is not a JSON object stays a str),
    and for JSONL the lines as they were written (without their newline)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(str(path)).to_pylist(), []
    records: list[Any] = []
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        records.append(value if isinstance(value, dict) else None)
    return records, lines


def shuffle_within_sessions(in_path: Path, out_path: Path, seed: int = 0) -> ShuffleSummary:
    """Destroy the order of the tool calls inside every session of a hook-events file.

    ``in_path`` is a .jsonl or .parquet file of either shape (hook_events rows or Claude
    Code hook JSON), generated or real; ``out_path`` gets the same format. What moves
    is a call's content: for rows, ``tool_name`` and ``payload``; for Claude Code JSON,
    ``tool_name``, ``tool_input``, ``tool_response`` and ``tool_use_id``. Everything
    else (ids, timestamps, other events, the order of the records) stays. A Pre is
    paired with the next Post of its session and tool (by ``tool_use_id`` when the
    records have it), and the calls of a session are permuted among slots of the same
    kind (both halves, Pre only, Post only): per session the same calls, the same
    timestamps, the same pairs, in another order. Records that staging would not read
    (not JSON, no session, no tool name, a bad or future timestamp, an event id seen
    before in the file) stay as they are. Deterministic per seed; the whole file is
    held in memory (a few million events are fine).
    """
    suffix = in_path.suffix.lower()
    if suffix not in FORMATS or out_path.suffix.lower() != suffix:
        raise RunnerError(
            f"cannot shuffle {in_path} into {out_path}",
            "give a .jsonl or .parquet input and an output of the same format",
        )
    try:
        records, lines = _read_records(in_path)
    except (OSError, ValueError) as exc:
        raise RunnerError(f"cannot read {in_path}: {exc}") from exc
    dicts = [r for r in records if isinstance(r, dict)]
    claude = bool(dicts) and "hook_event_name" in dicts[0]
    etype_key = "hook_event_name" if claude else "event_type"
    content = (
        ("tool_name", "tool_input", "tool_response", "tool_use_id")
        if claude
        else ("tool_name", "payload")
    )

    def key(record: dict[str, Any]) -> Any:
        if claude:
            return (record.get("tool_use_id"), record.get(etype_key))
        return record.get("event_id")

    seen: set[Any] = set()  # a repeated event id: the first record takes part, not the rest
    # Staging quarantines a timestamp in the future: such a record must not take part.
    latest = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    sessions: dict[str, list[tuple[dt.datetime, int]]] = {}
    kept = 0
    for i, record in enumerate(records):
        if not isinstance(record, dict) or record.get(etype_key) not in (
            "PreToolUse",
            "PostToolUse",
        ):
            continue
        session, tool = record.get("session_id"), record.get("tool_name")
        try:
            moment = dt.datetime.fromisoformat(str(record.get("timestamp")).removesuffix("Z"))
            if not claude:
                json.loads(record["payload"])
        except (TypeError, ValueError):
            moment = None
        if (
            not session
            or not tool
            or moment is None
            or moment.replace(tzinfo=None) > latest
            or key(record) in (None, (None, record.get(etype_key)))
            or key(record) in seen
        ):
            kept += 1
            continue
        seen.add(key(record))
        sessions.setdefault(str(session), []).append((moment.replace(tzinfo=None), i))

    moved = 0
    changed: set[int] = set()
    for session_id in sorted(sessions):
        events = sorted(sessions[session_id])
        slots: dict[str, list[list[int]]] = {"both": [], "pre": [], "post": []}
        # As int_tool_calls_paired: by tool_use_id when there is one, else a Pre and
        # the event right after it among the session's events of that tool, if a Post.
        open_pre: dict[Any, int] = {}  # the slot of the last event per key, if an open Pre
        halves: list[list[int]] = []
        for _, i in events:
            record = records[i]
            match = record.get("tool_use_id") if claude else None
            match = match or ("tool", record["tool_name"])
            slot_of_pre = open_pre.pop(match, None)
            if record[etype_key] == "PreToolUse":
                halves.append([i])
                open_pre[match] = len(halves) - 1
            elif slot_of_pre is not None:
                halves[slot_of_pre].append(i)
            else:
                halves.append([i])
        for slot in halves:
            kind = (
                "both"
                if len(slot) == 2
                else "pre"
                if records[slot[0]][etype_key] == "PreToolUse"
                else "post"
            )
            slots[kind].append(slot)
        rng = random.Random(f"shuffle:{seed}:{session_id}")
        for group in slots.values():
            contents = [[{c: records[i].get(c) for c in content} for i in slot] for slot in group]
            rng.shuffle(contents)
            for slot, values in zip(group, contents, strict=True):
                for i, value in zip(slot, values, strict=True):
                    records[i] = {**records[i], **value}
                    changed.add(i)
                moved += 1

    partial = out_path.with_name(f".{out_path.name}.partial")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pq.read_schema(str(in_path))
            pq.write_table(
                pa.Table.from_pylist(records, schema=schema), str(partial), compression="zstd"
            )
        else:
            with partial.open("wb") as handle:
                for i, line in enumerate(lines):  # untouched lines: byte for byte
                    if i in changed:
                        line = _escape_surrogates(_encode(records[i])).encode()
                    handle.write(line + b"\n")
        os.replace(partial, out_path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise RunnerError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
    return ShuffleSummary(out_path, len(records), len(sessions), moved, kept)
