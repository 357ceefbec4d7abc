"""Opening the DuckDB warehouse: one configuration and one set of errors for every step."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from runner.errors import RunnerError

#: Extensions load only from the installed wheels (see runner.sources.databases), never
#: from the network: DuckDB must not try to install or autoload anything by itself.
WAREHOUSE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

BUILD_HINT = "run `runner ingest --source …` and `runner build` first"
BUSY_HINT = (
    "another process (a runner or dbt run, a DuckDB shell) may be writing it; "
    "retry when it has finished"
)
IN_USE_HINT = (
    "close that connection (a DuckDB shell, a notebook, a dbt run) or wait for it to end, "
    "then run again; analysts read the published copy of the marts, never the warehouse"
)

#: DuckDB's words for a file locked by another process; its advice to open the file
#: read-only instead is no help to a step that writes.
_LOCK_HELD = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def in_use_message(path: Path | str, error_text: str) -> str | None:
    """One line naming the process that holds ``path``, if ``error_text`` is DuckDB's lock error.

    Used for the runner's own connections and for dbt's, whose failure arrives as a
    traceback of several hundred lines with DuckDB's message at its end.
    """
    found = _LOCK_HELD.search(error_text)
    if found is None:
        return None
    program = Path(found["program"].strip()).name
    return f"warehouse {path} is in use by another process ({program}, PID {found['pid']})"


def connect(
    path: Path, *, read_only: bool = False, missing_hint: str = BUILD_HINT
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file.

    Read-only opens never create a file: a missing warehouse is an error that says what
    to run first. A file held by another process is an error too, not a traceback.
    """
    if read_only and not path.is_file():
        raise RunnerError(f"warehouse {path} does not exist", missing_hint)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=WAREHOUSE_CONFIG)
    except duckdb.Error as exc:
        if (in_use := in_use_message(path, str(exc))) is not None:
            raise RunnerError(in_use, IN_USE_HINT) from None
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise RunnerError(f"cannot open warehouse {path}: {first_line}", BUSY_HINT) from None


def require_writable(path: Path) -> None:
    """Fail now, in one line, if another process holds the warehouse.

    A DuckDB connection anywhere else, even a read-only one, stops dbt from opening the
    file for writing; found before the run starts, it costs no step.
    """
    if path.is_file():
        connect(path).close()
