"""One window, one timestamp parse: the Python side is the dbt macros' own definition.

runner/window.py states the analysis window in Python; the models state it in
macros/window.sql. Rendering the macros (runner/dbt_macros.py, the way dbt compiles them)
for several days and lengths must give the same bounds. The data-quality checks parse
timestamps with staging's macro itself (macros/timestamps.sql); the corpus below shows
the rendered SQL reads every accepted form as staging documents it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
from typing import Any

import duckdb
import pytest

from runner.dbt_invocation import RUN_VARS_ENV
from runner.dbt_macros import project_macros
from runner.quality.frames import PARSE_TIMESTAMP_SQL
from runner.quality.params import CheckWindow
from runner.window import AnalysisWindow


class CompilerError(Exception):
    pass


def _window_macros(run_date: str, hours: Any, *, in_env: bool = True) -> dict[str, Any]:
    """window.sql's macros, reading the run vars through the project's own run_var.

    ``in_env``: the vars come in RUNNER_RUN_VARS, as the runner passes them
    (runner/dbt_invocation.py); otherwise through ``var``, as with plain ``dbt --vars``.
    """
    dbt_vars = {"hook_patterns_run_date": run_date, "hook_patterns_window_hours": hours}
    environment = {RUN_VARS_ENV: json.dumps(dbt_vars)} if in_env else {}

    def raise_compiler_error(message: str) -> None:
        raise CompilerError(message)

    def var(name: str, default: Any = None) -> Any:
        assert not in_env, f"{name} was read from --vars, not from {RUN_VARS_ENV}"
        return dbt_vars[name]

    run_vars = project_macros(
        "run_vars.sql",
        execute=True,
        env_var=lambda name, default="": environment.get(name, default),
        fromjson=json.loads,
        var=var,
    )
    return project_macros(
        "window.sql",
        run_var=run_vars["run_var"],
        var=var,
        modules=types.SimpleNamespace(datetime=dt, re=re),
        exceptions=types.SimpleNamespace(raise_compiler_error=raise_compiler_error),
    )


def _literal(sql: str) -> str:
    found = re.fullmatch(r"cast\('([^']+)' as (?:timestamp|date)\)", sql.strip())
    assert found, sql
    return found.group(1)


@pytest.mark.parametrize(
    ("run_date", "hours"),
    [
        ("2026-11-22", 24),
        ("2026-11-22", 1),
        ("2026-03-01", 36),  # across the end of February
        ("2024-03-01", 48),  # … of a leap year
        ("2026-01-01", 24 * 7),  # across the new year
        ("2026-03-29", 24),  # a DST change day in Europe: UTC has none
    ],
)
@pytest.mark.parametrize("in_env", [True, False], ids=["RUNNER_RUN_VARS", "--vars"])
def test_python_and_the_macro_give_the_same_window(run_date: str, hours: int, in_env: bool) -> None:
    macros = _window_macros(run_date, hours, in_env=in_env)
    window = AnalysisWindow(dt.date.fromisoformat(run_date), hours)
    assert _literal(macros["analysis_run_date"]()) == window.run_date.isoformat()
    assert _literal(macros["analysis_window_start_at"]()) == f"{window.start_at:%Y-%m-%d %H:%M:%S}"
    assert _literal(macros["analysis_window_end_at"]()) == f"{window.end_at:%Y-%m-%d %H:%M:%S}"
    checks = CheckWindow.for_run(window.run_date, hours, future_tolerance_minutes=5)
    assert (checks.start_at, checks.end_at) == (window.start_at, window.end_at)


@pytest.mark.parametrize(("run_date", "hours"), [("22/11/2026", 24), ("2026-11-22", 0)])
def test_the_rendered_macros_still_refuse_bad_vars(run_date: str, hours: int) -> None:
    """The renderer runs the macros' own checks: it is the macro that is being compared."""
    macros = _window_macros(run_date, hours)
    with pytest.raises(CompilerError):
        macros["analysis_window_start_at"]()


#: (text, the naive UTC timestamp staging makes of it, or None: quarantined)
TIMESTAMPS = [
    ("2026-11-23 14:02:11.123456", "2026-11-23 14:02:11.123456"),
    ("  2026-11-23 14:02:11  ", "2026-11-23 14:02:11"),
    ("2026-11-23T14:02:11Z", "2026-11-23 14:02:11"),
    ("2026-11-23T14:02:11z", "2026-11-23 14:02:11"),  # RFC 3339 allows lower case
    ("2026-11-23t09:02:11-05:00", "2026-11-23 14:02:11"),
    ("2026-11-23t14:02:11", "2026-11-23 14:02:11"),
    ("2026-11-23 14:02:11.5+0200", "2026-11-23 12:02:11.5"),  # 26 characters, an offset
    ("2026-11-23T14:02:11.5+02:00", "2026-11-23 12:02:11.5"),
    ("2026-11-23 14:02:11+0200", "2026-11-23 12:02:11"),
    ("2026-11-23 14:02:11 +02:00", "2026-11-23 12:02:11"),
    ("2026-11-23T01:30:00-05:00", "2026-11-23 06:30:00"),
    # ISO 8601 lets the seconds out; neither engine's cast reads that beside an offset
    ("2026-11-23T01:30-05:00", "2026-11-23 06:30:00"),
    ("2026-11-23T01:30Z", "2026-11-23 01:30:00"),
    ("2026-11-23 01:30 +02:00", "2026-11-22 23:30:00"),
    ("2026-11-23T01:30+0530", "2026-11-22 20:00:00"),
    ("2026-11-23T01:30", "2026-11-23 01:30:00"),
    ("2026-11-23", "2026-11-23 00:00:00"),
    ("2026-02-30 10:00:00", None),
    ("yesterday", None),
    # words DuckDB's cast reads as 1970, year 9999 and year 1: no agent's time
    ("epoch", None),
    (" EPOCH ", None),
    ("infinity", None),
    ("-infinity", None),
    ("", None),
    (None, None),
]


def test_the_checks_parse_timestamps_with_the_staging_macro() -> None:
    rendered = project_macros("timestamps.sql")["duckdb__parse_utc_timestamp"]('"timestamp"')
    assert rendered == PARSE_TIMESTAMP_SQL
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'Asia/Kolkata'")  # the session zone must not matter
        con.execute('create table t (i integer, "timestamp" varchar)')
        con.executemany("insert into t values (?, ?)", list(enumerate(t for t, _ in TIMESTAMPS)))
        parsed = con.execute(f"select {PARSE_TIMESTAMP_SQL} from t order by i").fetchall()
    expected = [None if want is None else dt.datetime.fromisoformat(want) for _, want in TIMESTAMPS]
    assert [row[0] for row in parsed] == expected
