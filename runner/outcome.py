"""What a step of `runner daily` reports: the one interface `daily` and the report read.

The check, sync, notify and dbt results each carry their own figures, but whoever runs
a step needs only these four things from it, so every result implements them and no
caller looks further.
"""

from __future__ import annotations

from typing import Protocol


class StepOutcome(Protocol):
    """A step's result as `runner daily` logs it and the daily report lists it.

    Every text is one line, safe to print and store (no passwords or tokens).
    """

    @property
    def success(self) -> bool:
        """False fails the step (and stops the steps that depend on it)."""
        ...

    @property
    def description(self) -> str:
        """What the step did, in one line."""
        ...

    @property
    def failures(self) -> list[str]:
        """One line per thing that failed; empty when ``success``."""
        ...

    @property
    def warnings(self) -> list[str]:
        """One line per problem that does not fail the step."""
        ...


def first_line(text: str) -> str:
    """The first line of a multi-line description, for a one-line one."""
    return (text.strip().splitlines() or [""])[0].strip()
