"""The runner's side of the Spark target, without starting Spark: the Parquet lake that
`runner ingest --lake` writes, and the one-line errors when Spark cannot run.

The build on Spark itself, and its equality with DuckDB, is tests/test_spark_equality.py.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from runner import lake as lake_module
from runner import paths
from runner.cli import app
from runner.config import Settings
from runner.errors import RunnerError
from runner.ingest import ingest_source
from runner.sample import SampleOptions, generate_sample
from runner.sources.conform import RAW_TABLE_DDL
from runner.spark_env import is_local_session, parse_java_major, spark_environment, spark_output
from tests.support.lakes import lake_rows, warehouse_rows

RUN_DATE = dt.date(2026, 11, 22)

needs_spark_extra = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None
    or importlib.util.find_spec("dbt.adapters.spark") is None,
    reason="needs the spark extra (make setup-spark); `make test` installs it",
)


# --- helpers -----------------------------------------------------------------------
def _ingest(cli: CliRunner, source: Path, warehouse: Path, lake: Path) -> str:
    result = cli.invoke(
        app, ["ingest", "--source", str(source), "--warehouse", str(warehouse), "--lake", str(lake)]
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # as one line, whatever the terminal width


def _files(lake: Path) -> dict[str, bytes]:
    """Every file under the lake (hidden ones too), by relative path."""
    return {
        str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*")) if p.is_file()
    }


def _sample(path: Path, *, seed: int, end_date: dt.date = RUN_DATE, days: int = 2) -> Path:
    generate_sample(
        path, SampleOptions(sessions=12, days=days, seed=seed, end_date=end_date, bad_rows=True)
    )
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return _sample(tmp_path / "events.jsonl", seed=5)


# --- the lake ----------------------------------------------------------------------
def test_ingest_writes_one_partition_per_event_date(tmp_path: Path, sample: Path) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    output = _ingest(CliRunner(), sample, warehouse, lake)

    partitions = sorted(p.name for p in (lake / "hook_events").iterdir())
    assert "event_date=2026-11-21" in partitions and "event_date=2026-11-22" in partitions
    # bad rows whose timestamp is not a date still reach the lake, in their own partition
    assert "event_date=unknown" in partitions
    assert all(p.startswith("event_date=") for p in partitions)
    assert sorted(p.name for p in lake.iterdir()) == ["hook_events"], "no work folder left"
    assert lake_rows(lake) == warehouse_rows(warehouse)
    assert "event-date partition" in output


def test_lake_files_hold_exactly_the_raw_columns_with_a_naive_ingest_time(
    tmp_path: Path, sample: Path
) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    _ingest(CliRunner(), sample, warehouse, lake)
    one_file = next((lake / "hook_events").glob("event_date=2026-11-22/*.parquet"))
    with duckdb.connect() as con:
        con.execute(RAW_TABLE_DDL)
        raw_columns = con.sql(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'hook_events' order by ordinal_position"
        ).fetchall()
        file_columns = con.sql(
            f"describe select * from read_parquet('{one_file}', hive_partitioning = false)"
        ).fetchall()
        ingested_at = con.sql(
            f"select type, logical_type from parquet_schema('{one_file}') "
            "where name = '_ingested_at'"
        ).fetchone()
    assert [(name, dtype) for name, dtype, *_ in file_columns] == raw_columns
    assert ingested_at is not None and "isAdjustedToUTC=0" in str(ingested_at[1])


def test_reingest_leaves_the_lake_unchanged_and_a_new_day_adds_only_its_partitions(
    tmp_path: Path, sample: Path
) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    cli = CliRunner()
    _ingest(cli, sample, warehouse, lake)
    before = _files(lake)

    output = _ingest(cli, sample, warehouse, lake)  # every row already loaded
    assert "inserted 0" in output and "up to date" in output
    assert _files(lake) == before

    next_day = _sample(
        tmp_path / "next.jsonl", seed=6, end_date=RUN_DATE + dt.timedelta(days=1), days=1
    )
    _ingest(cli, next_day, warehouse, lake)
    after = _files(lake)
    untouched = [name for name in before if "2026-11-21" in name]
    assert untouched and all(after[name] == before[name] for name in untouched)
    assert any("2026-11-23" in name for name in after)
    assert lake_rows(lake) == warehouse_rows(warehouse)


def test_a_rewritten_partition_is_the_same_file(tmp_path: Path, sample: Path) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    _ingest(CliRunner(), sample, warehouse, lake)
    before = _files(lake)

    partition = lake / "hook_events" / "event_date=2026-11-21"
    for file in partition.iterdir():
        file.unlink()
    partition.rmdir()
    with duckdb.connect(str(warehouse)) as con:
        export = lake_module.export_raw_events(con, lake)
    assert export.partitions == ("2026-11-21",)
    assert _files(lake) == before


def test_a_lake_that_missed_an_export_catches_up_on_the_next_ingest(
    tmp_path: Path, sample: Path
) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    lake.write_text("not a folder")  # the export cannot write here
    cli = CliRunner()
    failed = cli.invoke(
        app, ["ingest", "--source", str(sample), "--warehouse", str(warehouse), "--lake", str(lake)]
    )
    assert failed.exit_code == 1
    assert "could not write the lake" in failed.output and "Traceback" not in failed.output
    assert warehouse_rows(warehouse), "the warehouse batch is committed first"

    lake.unlink()
    output = _ingest(cli, sample, warehouse, lake)  # nothing new to load ...
    assert "inserted 0" in output
    assert lake_rows(lake) == warehouse_rows(warehouse)  # ... and the lake caught up


def test_a_failed_swap_puts_back_the_partitions_it_replaced(
    tmp_path: Path, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    _ingest(CliRunner(), sample, warehouse, lake)
    before = _files(lake)
    # more events on the same two days, loaded without the lake: both partitions are stale
    ingest_source(str(_sample(tmp_path / "more.jsonl", seed=9)), warehouse)

    real_rename = Path.rename
    renamed: list[str] = []

    def failing_rename(self: Path, target: str | os.PathLike[str]) -> Path:
        destination = Path(target)
        if destination.parent == lake / "hook_events":
            renamed.append(destination.name)
            if renamed == ["event_date=2026-11-21", "event_date=2026-11-22"]:
                # the second new partition, once: the rollback's renames go through
                raise OSError(5, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with (
        duckdb.connect(str(warehouse)) as con,
        pytest.raises(RunnerError, match="could not write the lake") as caught,
    ):
        lake_module.export_raw_events(con, lake)
    assert "event_date=2026-11-21" in renamed, "one partition was replaced before the failure"
    assert "as it was" in (caught.value.hint or "")
    assert _files(lake) == before

    monkeypatch.setattr(Path, "rename", real_rename)
    with duckdb.connect(str(warehouse)) as con:
        lake_module.export_raw_events(con, lake)
    assert lake_rows(lake) == warehouse_rows(warehouse)


def test_work_folders_of_a_killed_export_are_removed(tmp_path: Path, sample: Path) -> None:
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    _ingest(CliRunner(), sample, warehouse, lake)
    leftover = lake / f"{lake_module.WORK_PREFIX}0123" / "new" / "event_date=2026-11-21"
    leftover.mkdir(parents=True)
    (leftover / "data_0.parquet").write_bytes(b"half a file")

    output = _ingest(CliRunner(), sample, warehouse, lake)
    assert "up to date" in output
    assert sorted(p.name for p in lake.iterdir()) == ["hook_events"]


# --- runner build --target spark: what is checked before dbt starts ------------------
def _runner_in_child(
    *args: str, env: dict[str, str], prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter, so imports and PATH are the child's own."""
    code = f"{prelude}\nfrom runner.cli import app\napp()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def _spark_build_args(tmp_path: Path) -> list[str]:
    lake = tmp_path / "lake"
    (lake / "hook_events").mkdir(parents=True, exist_ok=True)
    return [
        "build",
        "--target",
        "spark",
        "--warehouse",
        str(tmp_path / "no-warehouse.duckdb"),  # the DuckDB precheck must not run
        "--lake",
        str(lake),
    ]


def _fake_java(folder: Path, version_line: str) -> Path:
    """A `java` that only answers -version, the way a JDK does (on stderr)."""
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return java


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2, lines  # the error and its hint
    return " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("module", "distribution"),
    [("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark")],
)
def test_spark_target_without_the_extra_names_the_install_command(
    tmp_path: Path, module: str, distribution: str
) -> None:
    # None in sys.modules is Python's way of making a module unimportable: every import
    # of it raises ModuleNotFoundError, as on an install without the extra.
    result = _runner_in_child(
        *_spark_build_args(tmp_path),
        env=dict(os.environ),
        prelude=f"import sys; sys.modules[{module!r}] = None",
    )
    message = _one_line_error(result)
    assert f"needs {distribution}, which is not installed" in message
    assert "uv sync --extra spark" in message
    assert "pip install 'hook-pattern-miner[spark]'" in message


@needs_spark_extra
@pytest.mark.parametrize(
    ("version_line", "expected"),
    [
        ('openjdk version "11.0.2" 2019-01-15', "is Java 11"),
        ('java version "1.8.0_392"', "is Java 8"),
        (None, "no java was found"),
    ],
    ids=["java-11", "java-8", "no-java"],
)
def test_spark_target_without_java_17_says_which_java_is_needed(
    tmp_path: Path, version_line: str | None, expected: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if version_line is not None:
        _fake_java(bin_dir, version_line)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(bin_dir)
    message = _one_line_error(_runner_in_child(*_spark_build_args(tmp_path), env=env))
    assert expected in message
    assert "Java 17" in message


@needs_spark_extra
def test_spark_target_uses_the_java_of_java_home_as_spark_does(tmp_path: Path) -> None:
    path_java = _fake_java(tmp_path / "path-bin", 'openjdk version "21.0.1" 2023-10-17')
    env = dict(os.environ, PATH=str(path_java.parent))

    _fake_java(tmp_path / "jdk11" / "bin", 'openjdk version "11.0.2" 2019-01-15')
    old_home = dict(env, JAVA_HOME=str(tmp_path / "jdk11"))
    message = _one_line_error(_runner_in_child(*_spark_build_args(tmp_path), env=old_home))
    assert "is Java 11" in message and "jdk11" in message

    empty_home = dict(env, JAVA_HOME=str(tmp_path / "nothing-here"))
    message = _one_line_error(_runner_in_child(*_spark_build_args(tmp_path), env=empty_home))
    assert "has no bin/java" in message and "Java 17" in message


@pytest.mark.parametrize("lake_args", [[], ["--lake", "nowhere"]], ids=["no-lake", "missing"])
def test_spark_target_without_a_lake_says_how_to_write_one(
    workdir: Path, lake_args: list[str]
) -> None:
    result = CliRunner().invoke(
        app, ["build", "--target", "spark", "--warehouse", "wh.duckdb", *lake_args]
    )
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "lake" in message and "runner ingest --source … --lake DIR" in message
    assert "raw.hook_events" not in message  # the DuckDB precheck did not run
    assert not (workdir / "wh.duckdb").exists()


@needs_spark_extra
def test_spark_environment_gives_dbt_absolute_folders(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_java(workdir / "bin", 'openjdk version "17.0.15" 2025-04-15')
    monkeypatch.setenv("PATH", str(workdir / "bin"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_LOCAL_IP", raising=False)
    (workdir / "lake" / "hook_events").mkdir(parents=True)
    settings = Settings(warehouse=Path("data/wh.duckdb"), lake="lake")

    env = spark_environment(settings)
    assert env == {
        "RUNNER_LAKE_DIR": str(workdir / "lake"),
        "RUNNER_SPARK_DIR": str(workdir / "data" / "spark"),  # beside the warehouse
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    assert (workdir / "data" / "spark").is_dir()

    monkeypatch.setenv("RUNNER_SPARK_DIR", "elsewhere/spark")
    assert spark_environment(settings)["RUNNER_SPARK_DIR"] == str(workdir / "elsewhere" / "spark")


def test_a_remote_spark_needs_neither_pyspark_nor_java_here_and_reads_a_url_lake(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # unimportable, as without the extra
    monkeypatch.setenv("PATH", str(workdir))  # no java
    monkeypatch.delenv("JAVA_HOME", raising=False)
    thrift = {"type": "spark", "method": "thrift", "host": "spark-thrift.internal", "port": 10000}
    settings = Settings(warehouse=Path("data/wh.duckdb"), lake="s3a://events/hook-lake")

    env = spark_environment(settings, thrift)
    assert env["RUNNER_LAKE_DIR"] == "s3a://events/hook-lake"  # passed on as written
    assert not (workdir / "data" / "spark").exists()  # no local session, no local folders

    with pytest.raises(RunnerError, match="needs pyspark"):
        spark_environment(settings, {"type": "spark", "method": "session", "host": "NA"})
    databricks = {"type": "databricks", "host": "adb-1.azuredatabricks.net"}
    with pytest.raises(RunnerError, match="needs dbt-databricks") as caught:
        spark_environment(settings, databricks)
    assert "pip install dbt-databricks" in (caught.value.hint or "")


def test_the_project_spark_output_is_a_local_session() -> None:
    output = spark_output(paths.PROJECT_DIR)
    assert output["type"] == "spark" and is_local_session(output)
    assert is_local_session({"type": "spark", "method": "{{ env_var('SPARK_METHOD') }}"})
    assert not is_local_session({"type": "spark", "method": "http"})


def test_ingest_refuses_a_url_lake_before_loading_anything(workdir: Path, sample: Path) -> None:
    result = CliRunner().invoke(
        app, ["ingest", "--source", str(sample), "--warehouse", "wh.duckdb", "--lake", "s3a://b/l"]
    )
    assert result.exit_code == 1
    assert "is a URL" in " ".join(result.output.split())
    assert not (workdir / "wh.duckdb").exists()


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
