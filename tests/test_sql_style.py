"""The dbt project's SQL follows the project's sqlfluff rules (.sqlfluff at the root).

- models, analyses and singular tests go through the dbt templater, so every
  adapter-dispatched macro, ref() and var() renders as in `dbt build`;
- macro files are not dbt nodes (the dbt templater skips them), so they are linted on
  their own with the jinja templater.

The dbt templater opens a warehouse connection: RUNNER_WAREHOUSE=:memory: keeps it off
any file. The same two commands are `make lint`'s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQLFLUFF = Path(sys.executable).parent / "sqlfluff"

#: What to lint, and from where: the runner's queries (the report's, the daily summary's)
#: bind DuckDB parameters and have their own config in runner/queries (sqlfluff reads
#: `templater` from the cwd).
LINTS = {
    "dbt nodes (dbt templater)": (ROOT, ["models", "analyses", "tests/dbt"]),
    "macros (jinja templater)": (ROOT, ["macros", "--templater", "jinja"]),
    "runner queries (placeholder templater)": (ROOT / "runner" / "queries", ["report", "daily"]),
}


@pytest.mark.parametrize("what", list(LINTS))
def test_sql_follows_the_sqlfluff_rules(what: str) -> None:
    env = {
        **os.environ,
        "RUNNER_WAREHOUSE": ":memory:",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cwd, args = LINTS[what]
    result = subprocess.run(
        [str(SQLFLUFF), "lint", *args, "--processes", "2", "--nocolor"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    violations = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("== [", "L:", " " * 23 + "|"))
    ]
    assert result.returncode == 0, (
        f"sqlfluff lint of {what} failed (exit {result.returncode}); "
        "`make lint` shows the same, `sqlfluff fix <file>` repairs most.\n"
        + ("\n".join(violations) or result.stdout[-4000:] + result.stderr[-4000:])
    )
