"""The consoles the runner prints to, terminal or cron log alike.

Rich wraps every line at the console's width, and a stream that is no terminal (a pipe,
a cron log, a test's capture) gets 80 columns: a long message (a path, a tool sequence,
a check's description) would come out broken over several lines, which grep and log
readers then see as separate lines. Printed to something other than a terminal, a line
stays one line (rich's soft wrap); on a terminal rich wraps it to the window as usual.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


class LogConsole(Console):
    """A rich Console that does not wrap lines when its output is not a terminal.

    Decided at each print, not at creation: the stream behind ``sys.stdout`` can change
    (a test runner's capture, a redirected child), and so can whether it is a terminal.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if kwargs.get("soft_wrap") is None and not self.is_terminal:
            kwargs["soft_wrap"] = True
        super().print(*objects, **kwargs)
