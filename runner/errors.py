"""Known failures, turned by the CLI into a one-line message and exit code 1."""

from __future__ import annotations


class RunnerError(Exception):
    """A failure the operator can act on.

    ``message`` says what went wrong; ``hint`` says what to do about it. The CLI prints
    both on one line and exits 1, without a traceback.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
