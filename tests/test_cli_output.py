"""How the command line reads at 80 columns and in a cron log.

- `runner <command> --help` at COLUMNS=80: every paragraph wraps as one flow of words,
  never broken mid-sentence where the docstring's source lines ended ("well over" /
  "1,000");
- printed to something other than a terminal, a long line stays one line.
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys

import pytest

from runner.cli import app
from runner.consoles import LogConsole

COMMANDS = [
    info.name or info.callback.__name__ for info in app.registered_commands if info.callback
]
WIDTH = 80


def help_paragraphs(command: str) -> list[list[str]]:
    """The description paragraphs of a command's help (between Usage and the options)."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "runner.cli", command, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    text = result.stdout.split("╭")[0]
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("Usage:") for line in lines), result.stdout
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("Usage:")) + 1 :]
    paragraphs: list[list[str]] = [[]]
    for line in body:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def test_every_command_is_listed() -> None:
    assert {"daily", "generate-sample", "build", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_paragraphs_wrap_as_one_flow_of_words(command: str) -> None:
    """Greedy wrapping fills a line until the next word does not fit: a line followed by a
    word that would have fitted on it was broken by the source, not by the width."""
    paragraphs = help_paragraphs(command)
    assert paragraphs, f"{command} --help shows no description"
    room = WIDTH - 2  # rich pads the description one column on each side
    for paragraph in paragraphs:
        for line, following in itertools.pairwise(paragraph):
            next_word = following.split()[0]
            assert len(line) + 1 + len(next_word) > room - 1, (
                f"{command} --help breaks a paragraph early: {line!r} / {following!r}"
            )


def test_a_long_line_stays_one_line_when_not_a_terminal() -> None:
    stream = io.StringIO()
    console = LogConsole(file=stream)
    message = "synced 198 patterns to sqlite:///" + "very/long/" * 20 + "approvals.db"
    console.print(message)
    assert stream.getvalue() == message + "\n"


def test_a_terminal_still_wraps_to_its_width() -> None:
    stream = io.StringIO()
    console = LogConsole(file=stream, force_terminal=True, width=40, color_system=None)
    console.print("word " * 20)
    assert all(len(line) <= 40 for line in stream.getvalue().splitlines())
    assert len(stream.getvalue().splitlines()) > 1
