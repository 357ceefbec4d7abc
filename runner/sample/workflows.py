"""The planted workflows: fixed tool sequences (signatures), each step made by a
call maker that varies the concrete command or file while the signature stays."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from runner.sample.calls import Call, Session, make_call
from runner.sample.vocabulary import COMMIT_HEREDOC


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


def _bash(
    *templates: str, profile: str, desc: str
) -> Callable[[random.Random, Session, dict[str, str]], Call]:
    entry = (profile, desc, templates)

    def make(rng: random.Random, sess: Session, shared: dict[str, str]) -> Call:
        return make_call(rng, sess, "Bash", entry=entry)

    return make


def _file_tool(tool: str) -> Callable[[random.Random, Session, dict[str, str]], Call]:
    def make(rng: random.Random, sess: Session, shared: dict[str, str]) -> Call:
        if "file" not in shared:
            shared["file"] = rng.choice(sess.project.files)
        return make_call(rng, sess, tool, file=shared["file"])

    return make


def _grep(rng: random.Random, sess: Session, shared: dict[str, str]) -> Call:
    return make_call(rng, sess, "Grep")


_StepMaker = Callable[[random.Random, Session, dict[str, str]], Call]

PLANTED_RECIPES: tuple[tuple[PlantedWorkflow, tuple[_StepMaker, ...]], ...] = (
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
                COMMIT_HEREDOC.replace("{msg}", "{plain_msg}"),
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
PLANTED_WORKFLOWS: tuple[PlantedWorkflow, ...] = tuple(wf for wf, _ in PLANTED_RECIPES)
