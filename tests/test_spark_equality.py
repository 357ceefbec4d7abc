"""The same dbt project on Apache Spark gives the marts DuckDB gives.

The generator's sample (planted workflows, noise, every kind of bad row) is ingested once
into a DuckDB warehouse and written to a Parquet lake, then built on both engines with
`runner build`: `--target duckdb` (the default) and `--target spark` (a local
SparkSession through dbt-spark's session method). The classification marts must match
in pattern ids, counts, statuses and destructive flags, and in confidence within 1e-9.
The labelled shell commands of tests/data/destructive_commands.csv ride along in the
first test's events (one session each), so Spark's regular expressions (Java) are held to
the same destructive flags as DuckDB's (RE2) and to the labels.
A second test builds on Spark in two batches, so its incremental models (insert_overwrite
of load-date partitions) are proven against DuckDB's full build too.

Spark needs the `spark` extra and Java 17+; `make test` installs both. Without them the
tests fail (in CI) or are skipped with the reason (elsewhere), never silently.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from runner.sample import SampleOptions, generate_sample
from tests.support.batches import split_in_two_batches, write_lines
from tests.test_destructive_commands import (
    case_event_lines,
    case_failures,
    load_cases,
    signed_flags,
)

RUN_DATE = "2026-11-22"
EXACT_COLUMNS = (
    "pattern_id, tool_sequence, pattern_length, window_occurrence_count, window_session_count, "
    "occurrence_count, session_count, status, is_destructive, destructive_rule_id"
)
CONFIDENCE_TOLERANCE = 1e-9


def _spark_unavailable() -> str | None:
    from runner import spark_env

    try:
        spark_env.require_spark()
    except Exception as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def spark_ready() -> None:
    reason = _spark_unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Spark is needed in CI: {reason}", pytrace=False)
    pytest.skip(f"Spark is not available here: {reason}")


def _runner(*args: str, env: dict[str, str] | None = None) -> str:
    """`runner …` in a child process, as an operator runs it; fails the test on exit != 0."""
    result = subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert result.returncode == 0, f"runner {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _spark_relation(spark_dir: Path, schema: str, table: str) -> str:
    """A Spark table, read back by DuckDB straight from its Parquet files."""
    folder = spark_dir / "warehouse" / f"{schema}.db" / table
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"


def _classifications(relation: str, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    exact = con.sql(f"select {EXACT_COLUMNS} from {relation} order by pattern_id").fetchall()
    confidence = dict(con.sql(f"select pattern_id, confidence_score from {relation}").fetchall())
    return {"exact": exact, "confidence": confidence}


def _assert_same_classifications(duck: dict[str, Any], spark: dict[str, Any]) -> None:
    assert spark["exact"] == duck["exact"]
    assert spark["confidence"].keys() == duck["confidence"].keys()
    worst = max(abs(spark["confidence"][p] - duck["confidence"][p]) for p in duck["confidence"])
    assert worst <= CONFIDENCE_TOLERANCE


def _sample(path: Path, *, sessions: int, days: int, seed: int) -> Path:
    generate_sample(
        path,
        SampleOptions(
            sessions=sessions,
            days=days,
            seed=seed,
            end_date=dt.date.fromisoformat(RUN_DATE),
            bad_rows=True,
        ),
    )
    return path


@pytest.mark.slow
def test_spark_and_duckdb_classify_the_sample_identically(
    spark_ready: None, tmp_path: Path
) -> None:
    events = _sample(tmp_path / "events.jsonl", sessions=200, days=3, seed=42)
    cases = load_cases()
    with events.open("a") as handle:
        handle.write("\n".join(case_event_lines(cases, "2026-11-21")) + "\n")
    warehouse, lake, spark_dir = tmp_path / "wh.duckdb", tmp_path / "lake", tmp_path / "spark"

    _runner("ingest", "--source", str(events), "--warehouse", str(warehouse), "--lake", str(lake))
    _runner("build", "--run-date", RUN_DATE, "--warehouse", str(warehouse))
    # --unit-tests: every node of the project runs on Spark, the dbt unit tests included
    _runner(
        "build", "--target", "spark", "--unit-tests", "--run-date", RUN_DATE,
        "--warehouse", str(warehouse), "--lake", str(lake),
        env={"RUNNER_SPARK_DIR": str(spark_dir)},
    )  # fmt: skip

    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        duck = _classifications("duck.marts.pattern_classifications", con)
        spark = _classifications(
            _spark_relation(spark_dir, "marts", "pattern_classifications"), con
        )
        statuses = con.sql(
            "select distinct status from duck.marts.pattern_classifications"
        ).fetchall()
        assert {row[0] for row in statuses} == {"auto-approved", "pending", "auto-rejected"}
        destructive = con.sql(
            "select count(*) from duck.marts.pattern_classifications where is_destructive"
        ).fetchone()
        assert destructive and destructive[0] > 0, "the sample must hold destructive patterns"
        _assert_same_classifications(duck, spark)

        duck_flags = signed_flags(con, "duck.intermediate.int_tool_calls_signed")
        spark_flags = signed_flags(
            con, _spark_relation(spark_dir, "intermediate", "int_tool_calls_signed")
        )
        assert spark_flags == duck_flags
        assert not case_failures(cases, spark_flags), case_failures(cases, spark_flags)

        quarantined = "select quarantine_reason, count(*) from {} group by 1 order by 1"
        assert (
            con.sql(
                quarantined.format(_spark_relation(spark_dir, "marts", "quarantined_events"))
            ).fetchall()
            == con.sql(quarantined.format("duck.marts.quarantined_events")).fetchall()
        )


@pytest.mark.slow
def test_spark_incremental_build_equals_duckdb_full_build(
    spark_ready: None, tmp_path: Path
) -> None:
    events = _sample(tmp_path / "events.jsonl", sessions=40, days=2, seed=7)
    first_lines, second_lines = split_in_two_batches(events, RUN_DATE)
    first = write_lines(tmp_path / "first.jsonl", first_lines)
    second = write_lines(tmp_path / "second.jsonl", second_lines)
    warehouse, lake, spark_dir = tmp_path / "wh.duckdb", tmp_path / "lake", tmp_path / "spark"
    spark_env = {"RUNNER_SPARK_DIR": str(spark_dir)}

    for batch in (first, second):
        _runner(
            "ingest", "--source", str(batch), "--warehouse", str(warehouse), "--lake", str(lake)
        )
        _runner(
            "build", "--target", "spark", "--run-date", RUN_DATE, "--warehouse", str(warehouse),
            "--lake", str(lake), env=spark_env,
        )  # fmt: skip
    _runner("build", "--run-date", RUN_DATE, "--warehouse", str(warehouse))

    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        _assert_same_classifications(
            _classifications("duck.marts.pattern_classifications", con),
            _classifications(_spark_relation(spark_dir, "marts", "pattern_classifications"), con),
        )
        occurrences = (
            "select count(*), count(distinct pattern_id), count(distinct session_id) from {}"
        )
        assert (
            con.sql(
                occurrences.format(_spark_relation(spark_dir, "marts", "fct_pattern_occurrences"))
            ).fetchall()
            == con.sql(occurrences.format("duck.marts.fct_pattern_occurrences")).fetchall()
        )
    shutil.rmtree(spark_dir, ignore_errors=True)


_SPARK_PARSE = """
import json, sys
from pyspark.sql import SparkSession

texts, expression = json.loads(sys.stdin.read())
spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "i int, timestamp string") \\
    .createOrReplaceTempView("t")
rows = spark.sql(f"select i, {expression} as parsed from t order by i").collect()
print(json.dumps([None if r.parsed is None else r.parsed.isoformat(sep=" ") for r in rows]))
spark.stop()
"""


def test_spark_parses_event_times_as_duckdb_does(spark_ready: None) -> None:
    """Spark's parse_utc_timestamp on every text of tests/test_window.TIMESTAMPS (offsets,
    missing seconds, DuckDB's words for times, impossible dates) gives staging's answer."""
    from runner.dbt_macros import project_macros
    from tests.test_window import TIMESTAMPS

    expression = project_macros("timestamps.sql")["spark__parse_utc_timestamp"]("`timestamp`")
    result = subprocess.run(
        [sys.executable, "-c", _SPARK_PARSE],
        input=json.dumps([[text for text, _ in TIMESTAMPS], expression]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    expected = [
        None if want is None else str(dt.datetime.fromisoformat(want)) for _, want in TIMESTAMPS
    ]
    assert list(zip([t for t, _ in TIMESTAMPS], parsed, strict=True)) == list(
        zip([t for t, _ in TIMESTAMPS], expected, strict=True)
    )
