"""Measure how to read hook_events out of SQLite and PostgreSQL into DuckDB.

Two ways, each run in its own child process so peak RSS is its own:

- ``scanner``: DuckDB's sqlite/postgres scanner extensions (loaded from the PyPI wheels);
  rows stream from the source into an INSERT … SELECT without touching Python;
- ``driver``: Python drivers (sqlite3; psycopg with a server-side cursor), fetched in
  batches, turned into Arrow tables and appended to DuckDB.

Each child copies the rows into a DuckDB table, and ``ingest`` runs the real `runner
ingest` end to end (conform, hash, dedup) through the scanners. Usage:

    .venv/bin/python benchmarks/ingest_drivers.py --rows 1000000

PostgreSQL must be on 127.0.0.1:5432 (trust auth); the benchmark database is dropped after.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa

# The fixtures' DDL lives in the tests; make the checkout importable when run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runner.contracts import HOOK_EVENTS_COLUMNS

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "ingest_bench"
BATCH_ROWS = 50_000
COLUMNS = HOOK_EVENTS_COLUMNS
SELECT = f"select {', '.join(COLUMNS)} from hook_events"


def _rows(count: int) -> Iterator[tuple[Any, ...]]:
    """Realistic-sized rows (~350 bytes of payload), deterministic."""
    for n in range(1, count + 1):
        tool = ("Bash", "Read", "Edit", "Grep")[n % 4]
        payload = json.dumps(
            {
                "tool_name": tool,
                "tool_input": {"command": f"pytest tests/test_{n % 97}.py -q", "timeout": 120},
                "session_id": f"sess-{n // 500}",
                "context": {"cwd": "/home/dev/projects/hook-pattern-miner"},
            }
        )
        stamp = f"2025-03-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:{n % 59:02d}.{n % 999999:06d}"
        yield (
            n, f"evt-{n:016x}", "PreToolUse", "unknown", f"sess-{n // 500}", None,
            stamp, payload, tool, None, 0, None, stamp,
        )  # fmt: skip


def make_sqlite(path: Path, count: int) -> None:
    from tests.test_ingest_databases import SQLITE_DDL

    with sqlite3.connect(path) as con:
        con.execute(SQLITE_DDL)
        marks = ", ".join("?" for _ in COLUMNS)
        con.executemany(
            f"insert into hook_events ({', '.join(COLUMNS)}) values ({marks})", _rows(count)
        )


def make_postgres(url: str, count: int) -> None:
    from tests.test_ingest_databases import PG_DDL

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"drop database if exists {PG_BENCH_DB}")
        admin.execute(f"create database {PG_BENCH_DB}")
    with psycopg.connect(url) as con:
        con.execute(PG_DDL)
        with con.cursor().copy(f"copy hook_events ({', '.join(COLUMNS)}) from stdin") as copy:
            for row in _rows(count):
                copy.write_row(row)
        con.execute("select setval('hook_events_id_seq', (select max(id) from hook_events))")


# --- the measured children -----------------------------------------------------------


def _scanner(kind: str, source: str, target: duckdb.DuckDBPyConnection) -> None:
    from runner.sources.databases import load_scanner

    if kind == "sqlite":
        load_scanner(target, "sqlite_scanner")
        target.execute("set sqlite_all_varchar = true")
        target.execute(f"attach '{source}' as src (type sqlite, read_only)")
        query = f"sqlite_query('src', '{SELECT}')"
    else:
        load_scanner(target, "postgres_scanner")
        target.execute(f"attach '{source}' as src (type postgres, read_only)")
        query = f"postgres_query('src', '{SELECT}')"
    target.execute(f"create table copied as select * from {query}")


def _driver(kind: str, source: str, target: duckdb.DuckDBPyConnection) -> None:
    if kind == "sqlite":
        con: Any = sqlite3.connect(source)
        cursor = con.execute(SELECT)
    else:
        con = psycopg.connect(source)
        cursor = con.cursor(name="ingest_bench")  # server-side: rows stay on the server
        cursor.itersize = BATCH_ROWS
        cursor.execute(SELECT)
    first = True
    while batch := cursor.fetchmany(BATCH_ROWS):
        arrow = pa.Table.from_arrays(
            [pa.array([str(v) if v is not None else None for v in col], pa.string())
             for col in zip(*batch, strict=True)],
            names=list(COLUMNS),
        )  # fmt: skip
        target.register("batch", arrow)
        if first:
            target.execute("create table copied as select * from batch")
            first = False
        else:
            target.execute("insert into copied select * from batch")
        target.unregister("batch")
    con.close()


def _ingest(source: str, warehouse: Path) -> None:
    from runner.ingest import ingest_source

    ingest_source(source, warehouse)


def child(method: str, kind: str, source: str) -> None:
    """Run one measurement and print it as JSON (rows/s and this process's peak RSS)."""
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        if method == "ingest":
            _ingest(source if kind == "postgres" else f"sqlite:///{source}", warehouse)
            table = "raw.hook_events"
        else:
            with duckdb.connect(str(warehouse)) as target:
                (_scanner if method == "scanner" else _driver)(kind, source, target)
            table = "copied"
        seconds = time.perf_counter() - started
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "KIND", "SOURCE"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    pg_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_path = Path(tmp) / "app.db"
        print(f"building {args.rows:,} rows in SQLite and PostgreSQL …", flush=True)
        make_sqlite(sqlite_path, args.rows)
        make_postgres(pg_url, args.rows)
        sources = {"sqlite": str(sqlite_path), "postgres": pg_url}
        try:
            print(
                f"{'source':<9} {'method':<8} {'rows':>10} {'s':>7} {'rows/s':>10} {'peak RSS':>9}"
            )
            for kind, source in sources.items():
                for method in ("scanner", "driver", "ingest"):
                    cmd = [sys.executable, __file__, "--child", method, kind, source]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    print(
                        f"{kind:<9} {method:<8} {r['rows']:>10,} {r['seconds']:>7.1f} "
                        f"{r['rows'] / r['seconds']:>10,.0f} {r['peak_rss_mb']:>6.0f} MB",
                        flush=True,
                    )
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f"drop database if exists {PG_BENCH_DB} with (force)")


if __name__ == "__main__":
    main()
