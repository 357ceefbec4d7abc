"""The runner's side of the Spark target, without starting Spark: the Parquet lake that
`runner ingest --lake` writes, and the one-line errors when Spark cannot run."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from runner import lake as lake_module
from runner.cli import app
from runner.errors import RunnerError
from runner.sample import SampleOptions, generate_sample
from runner.spark_env import parse_java_major

RUN_DATE = dt.date(2026, 11, 22)


def _ingest(cli: CliRunner, source: Path, warehouse: Path, lake: Path) -> str:
    result = cli.invoke(
        app, ["ingest", "--source", str(source), "--warehouse", str(warehouse), "--lake", str(lake)]
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # as one line, whatever the terminal width


def _lake_rows(lake: Path) -> list[tuple[object, ...]]:
    with duckdb.connect() as con:
        return sorted(
            con.sql(
                f"select event_date, event_id, _row_hash, _source_line from read_parquet("
                f"'{lake}/hook_events/*/*.parquet', hive_partitioning = true)"
            ).fetchall(),
            key=repr,
        )


def _warehouse_rows(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(
            con.sql(
                f"select {lake_module.EVENT_DATE_SQL}, event_id, _row_hash, _source_line "
                "from raw.hook_events"
            ).fetchall(),
            key=repr,
        )


def _files(lake: Path) -> dict[str, bytes]:
    return {str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*.parquet"))}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    generate_sample(
        path, SampleOptions(sessions=12, days=2, seed=5, end_date=RUN_DATE, bad_rows=True)
    )
    return path


def test_ingest_writes_one_partition_per_event_date(tmp_path: Path, sample: Path) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    output = _ingest(CliRunner(), sample, warehouse, lake)

    partitions = sorted(p.name for p in (lake / "hook_events").iterdir())
    assert "event_date=2026-11-21" in partitions and "event_date=2026-11-22" in partitions
    # bad rows whose timestamp is not a date still reach the lake, in their own partition
    assert "event_date=unknown" in partitions
    assert not [p for p in lake.iterdir() if p.name.startswith(".")], "no staging folder left"
    assert _lake_rows(lake) == _warehouse_rows(warehouse)
    assert "event-date partition" in output


def test_reingest_leaves_the_lake_unchanged_and_a_new_day_adds_only_its_partitions(
    tmp_path: Path, sample: Path
) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    cli = CliRunner()
    _ingest(cli, sample, warehouse, lake)
    before = _files(lake)

    output = _ingest(cli, sample, warehouse, lake)  # every row already loaded
    assert "up to date" in output
    assert _files(lake) == before

    next_day = tmp_path / "next.jsonl"
    generate_sample(
        next_day,
        SampleOptions(
            sessions=5, days=1, seed=6, end_date=RUN_DATE + dt.timedelta(days=1), bad_rows=False
        ),
    )
    _ingest(cli, next_day, warehouse, lake)
    after = _files(lake)
    untouched = [name for name in before if "2026-11-21" in name]
    assert untouched and all(after[name] == before[name] for name in untouched)
    assert any("2026-11-23" in name for name in after)
    assert _lake_rows(lake) == _warehouse_rows(warehouse)


def test_a_failed_export_leaves_the_lake_as_it_was(tmp_path: Path, sample: Path) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    cli = CliRunner()
    _ingest(cli, sample, warehouse, lake)
    before = _files(lake)

    with duckdb.connect(str(warehouse)) as con:
        # the export's query fails (no raw table) after the lake folder exists
        con.execute("alter table raw.hook_events rename to hook_events_away")
        with pytest.raises(RunnerError, match="could not write the lake"):
            lake_module.export_raw_events(con, lake, batch_id=None)
    assert _files(lake) == before
    assert not [p for p in lake.iterdir() if p.name.startswith(".")]


def _runner_in_child(
    *args: str, env: dict[str, str], prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    code = f"{prelude}\nfrom runner.cli import app\napp()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _spark_build_args(tmp_path: Path) -> list[str]:
    lake = tmp_path / "lake"
    (lake / "hook_events").mkdir(parents=True)
    return [
        "build",
        "--target",
        "spark",
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
        "--lake",
        str(lake),
    ]


def test_spark_target_without_the_extra_names_the_install_command(tmp_path: Path) -> None:
    # pyspark made unimportable in the child, as on an install without the extra
    result = _runner_in_child(
        *_spark_build_args(tmp_path),
        env=dict(os.environ),
        prelude="import sys; sys.modules['pyspark'] = None",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "pyspark, which is not installed" in result.stderr
    assert "uv sync --extra spark" in result.stderr


@pytest.mark.parametrize(
    ("fake_java", "expected"),
    [
        ("echo 'openjdk version \"11.0.2\" 2019-01-15' >&2", "is Java 11"),
        (None, "no java was found"),
    ],
    ids=["java-11", "no-java"],
)
def test_spark_target_without_java_17_says_which_java_is_needed(
    tmp_path: Path, fake_java: str | None, expected: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if fake_java is not None:
        java = bin_dir / "java"
        java.write_text(f"#!/bin/sh\n{fake_java}\n")
        java.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(bin_dir)
    result = _runner_in_child(*_spark_build_args(tmp_path), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr
    assert "Java 17" in result.stderr


def test_spark_target_without_a_lake_says_how_to_write_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "build", "--target", "spark", "--warehouse", str(tmp_path / "wh.duckdb"),
            "--lake", str(tmp_path / "nowhere"),
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no lake at" in result.output and "--lake DIR" in result.output


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_versions_are_read_in_both_numbering_schemes(text: str, major: int | None) -> None:
    assert parse_java_major(text) == major
