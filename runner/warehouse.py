"""Opening the DuckDB warehouse: one configuration and one set of errors for every step."""

from __future__ import annotations

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
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise RunnerError(f"cannot open warehouse {path}: {first_line}", BUSY_HINT) from None
