"""Realistic synthetic hook events (`runner generate-sample`), deterministic per seed.

What the file holds, and why:

- **Sessions** (UUID ids) shaped like real ones (see REAL_SESSIONS.md in the shared
  notes): many tiny sessions and a long tail (calls per session p10 ~3, median ~36, p90
  ~180; one autonomous session of over a thousand calls from 20 sessions up), uneven
  days, turns (UserPromptSubmit … Stop), gaps of hours, sessions crossing midnight and
  the other hook events (SessionStart/End, Notification, SubagentStop, PreCompact).
- **Tool calls** as a PreToolUse and a PostToolUse, the Post later by a per-tool lognormal
  duration (Bash ~1 s, Read 0.1 s, Task 2 min). About 1.2 % of calls lose one half.
- **Projects and habits** (``Project``, ``Habits``): each session belongs to a project
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

The package, in the order of the data's way (each module imports only those above it;
``vocabulary`` names a call's session for the type checker only):

- ``options``: what to generate (``SampleOptions``), the shapes and formats, and
  ``GENERATOR_VERSION``;
- ``json_text`` and ``timestamps``: how values become text, fast;
- ``signatures``: the Python mirror of the dbt models' signature rules (public: the
  benchmark's reference miner imports it);
- ``vocabulary``: projects, their files and commands, the Bash pool, prompts and
  snippets, and each session's habits drawn from them;
- ``calls``: a session's context and its tool calls (input, result, duration);
- ``workflows``: the planted workflows, as fixed sequences of varying calls;
- ``sessions``: session planning and the event stream (one session's events, the
  destroyed order, all sessions merged by time);
- ``rows``: the records of both shapes and their bad rows;
- ``writers``: JSONL and Parquet sinks;
- ``generate``: the entry point, ``generate_sample``;
- ``shuffle``: destroying the order of an existing file (``shuffle_within_sessions``).
"""

from __future__ import annotations

from runner.sample.generate import SampleSummary, generate_sample
from runner.sample.options import FORMATS, GENERATOR_VERSION, SHAPES, SampleOptions
from runner.sample.rows import (
    BAD_ROW_KINDS,
    CLAUDE_COLUMNS,
    CLAUDE_JSON_COLUMNS,
    TABLE_COLUMNS,
    UNKNOWN_EVENT_TYPE,
)
from runner.sample.shuffle import ShuffleSummary, shuffle_within_sessions
from runner.sample.signatures import (
    AFTER_FIRST_WORD,
    FIRST_WORD,
    SIGNATURE_RULES,
    STRIP_PREFIXES,
    SUBCOMMAND,
    SignatureRule,
    bash_signature,
    tool_signature,
)
from runner.sample.workflows import PLANTED_WORKFLOWS, PlantedWorkflow

__all__ = [
    "AFTER_FIRST_WORD",
    "BAD_ROW_KINDS",
    "CLAUDE_COLUMNS",
    "CLAUDE_JSON_COLUMNS",
    "FIRST_WORD",
    "FORMATS",
    "GENERATOR_VERSION",
    "PLANTED_WORKFLOWS",
    "SHAPES",
    "SIGNATURE_RULES",
    "STRIP_PREFIXES",
    "SUBCOMMAND",
    "TABLE_COLUMNS",
    "UNKNOWN_EVENT_TYPE",
    "PlantedWorkflow",
    "SampleOptions",
    "SampleSummary",
    "ShuffleSummary",
    "SignatureRule",
    "bash_signature",
    "generate_sample",
    "shuffle_within_sessions",
    "tool_signature",
]
