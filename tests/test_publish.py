"""Analysts read a published copy, and a warehouse in use is one line, never a traceback.

The warehouse here is a small literal one with the shapes that matter: tables in the
schemas that are copied, a view that stays a view over tables of another schema (as
`marts.pattern_occurrence_calls` reads `intermediate`), a view over per-event staging
that is copied as a table, and schemas that are never copied. Other processes are real
processes holding real DuckDB connections.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from runner import publish
from runner.config import Settings
from runner.dbt_invocation import run_dbt
from runner.errors import RunnerError
from runner.publish import publish_marts

WAREHOUSE_DDL = """
create schema marts; create schema intermediate; create schema staging;
create schema reference; create schema raw; create schema runner;
create table raw.hook_events as select 'e' || i as event_id from range(6) t(i);
create table staging.stg_raw__hook_events as
    select 'e' || i as event_id, case when i % 3 = 0 then 'invalid_json' end as quarantine_reason
    from range(6) t(i);
create table intermediate.int_tool_steps_sequenced as
    select 's' || (i // 3) as segment_id, 'Bash(rm)' as tool_signature, i % 3 as step_index,
        ['cmd ' || i] as commands, i as is_beyond_step_cap
    from range(6) t(i);
create table intermediate.int_pattern_families as select 1 as unused;
create table marts.fct_pattern_occurrences as
    select 'o' || i as occurrence_id, 's' || i as segment_id, 0 as start_step_index
    from range(2) t(i);
create table marts.pattern_classifications as
    select 'p' || i as pattern_id, {version} as build from range(3) t(i);
create table reference.destructive_rules as select 'rm' as rule_id;
create table runner.daily_runs as select 1 as run_id;
create view marts.pattern_occurrence_calls as
    with steps as (select * from intermediate.int_tool_steps_sequenced)
    select o.occurrence_id, flatten(list(s.commands order by s.step_index)) as commands
    from marts.fct_pattern_occurrences as o
    inner join steps as s using (segment_id)
    where s.is_beyond_step_cap < 5
    group by all;
create view marts.quarantined_events as
    select event_id, quarantine_reason from staging.stg_raw__hook_events
    where quarantine_reason is not null;
"""


def copy_columns(published: Path, schema: str, table: str) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, table],
        ).fetchall()
    return [str(column) for (column,) in rows]


def make_warehouse(path: Path, version: int = 1) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(WAREHOUSE_DDL.format(version=version))
    return path


def rebuild_marts(path: Path, version: int) -> None:
    """What a new build does to the mart analysts read."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create or replace table marts.pattern_classifications as "
            f"select 'p' || i as pattern_id, {version} as build from range({version + 2}) t(i)"
        )


def builds(published: Path) -> list[tuple[int, int]]:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.sql(
            "select build, count(*) from marts.pattern_classifications group by all"
        ).fetchall()


@contextmanager
def holder(path: Path, *, read_only: bool, query: str = "select 1") -> Iterator[subprocess.Popen]:
    """Another process with a DuckDB connection open on ``path``.

    It prints ``query``'s first row once connected, and again, on its still open
    connection, each time it reads a line on stdin.
    """
    code = textwrap.dedent(
        f"""
        import sys, duckdb
        con = duckdb.connect({str(path)!r}, read_only={read_only})
        print(con.sql({query!r}).fetchone(), flush=True)
        for _ in sys.stdin:
            print(con.sql({query!r}).fetchone(), flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline(), "the holder did not connect"
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def ask(proc: subprocess.Popen) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


# --- what the copy holds ------------------------------------------------------------
def test_the_copy_holds_the_marts_and_reference_and_reads_like_the_warehouse(
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "analysts" / "analytics.duckdb"

    result = publish_marts(warehouse, published)

    assert result.describe().startswith(f"published 5 tables and 1 view to {published}")
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        duckdb.connect(str(published), read_only=True) as copy,
    ):
        for relation in (
            "marts.pattern_classifications",
            "marts.fct_pattern_occurrences",
            "marts.pattern_occurrence_calls",
            "marts.quarantined_events",
            "reference.destructive_rules",
        ):
            query = f"select * from {relation} order by all"
            assert copy.sql(query).fetchall() == source.sql(query).fetchall(), relation
        kinds = dict(
            copy.sql(
                "select schema_name || '.' || table_name, 'table' from duckdb_tables() union all "
                "select schema_name || '.' || view_name, 'view' from duckdb_views() "
                "where not internal"
            ).fetchall()
        )
    assert kinds == {
        "marts.pattern_classifications": "table",
        "marts.fct_pattern_occurrences": "table",
        "marts.quarantined_events": "table",  # its rows, not a copy of every staged event
        "marts.pattern_occurrence_calls": "view",
        "intermediate.int_tool_steps_sequenced": "table",  # what that view reads
        "reference.destructive_rules": "table",
    }
    # of a table copied for a kept view, the columns the view reads (a join's USING
    # column and a filter's included), not its others
    columns = copy_columns(published, "intermediate", "int_tool_steps_sequenced")
    assert columns == ["segment_id", "step_index", "commands", "is_beyond_step_cap"]
    assert stat.S_IMODE(published.stat().st_mode) == 0o444
    assert sorted(p.name for p in published.parent.iterdir()) == ["analytics.duckdb"]


def test_a_kept_view_whose_output_has_every_column_of_a_table_gets_them_all(
    tmp_path: Path,
) -> None:
    """A ``*`` that reaches a kept view's output reads every column of its table (DuckDB's
    plan of the view says so): the copy keeps them all, and the view reads the same."""
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create or replace view marts.pattern_occurrence_calls as "
            "select o.occurrence_id, s.* from marts.fct_pattern_occurrences as o "
            "inner join intermediate.int_tool_steps_sequenced as s on s.segment_id = o.segment_id"
        )
    published = tmp_path / "analytics.duckdb"

    publish_marts(warehouse, published)

    assert copy_columns(published, "intermediate", "int_tool_steps_sequenced") == [
        "segment_id",
        "tool_signature",
        "step_index",
        "commands",
        "is_beyond_step_cap",
    ]
    query = "select * from marts.pattern_occurrence_calls order by all"
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        duckdb.connect(str(published), read_only=True) as copy,
    ):
        assert copy.sql(query).fetchall() == source.sql(query).fetchall()


# --- a publish after the first: an update of the previous copy ---------------------
SESSION_ROWS_DDL = """
create table marts.fct_session_rows as
    select 's' || (i % 40) as session_id, i as row_no, 'v' || i as value from range(400) t(i);
"""


def published_with_sessions(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse with a session-keyed mart (40 sessions of 10 rows), published once."""
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    run_sql(warehouse, SESSION_ROWS_DDL)
    published = tmp_path / "analytics.duckdb"
    assert publish_marts(warehouse, published).sessions_updated is None
    return warehouse, published


def run_sql(warehouse: Path, *statements: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def same_rows(warehouse: Path, published: Path, relation: str) -> bool:
    query = f"select * from {relation} order by all"
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        duckdb.connect(str(published), read_only=True) as copy,
    ):
        return copy.sql(query).fetchall() == source.sql(query).fetchall()


def test_a_second_publish_replaces_the_rows_of_the_changed_sessions_only(
    tmp_path: Path,
) -> None:
    warehouse, published = published_with_sessions(tmp_path)

    # s4: a value changed; s1: a row added; s2: gone; s50: new, a row twice (a sum of
    # hashes that cancelled out would hide it); the other 37 as they were
    run_sql(
        warehouse,
        "update marts.fct_session_rows set value = 'changed' where row_no = 44",
        "insert into marts.fct_session_rows values ('s1', 1000, 'new')",
        "delete from marts.fct_session_rows where session_id = 's2'",
        "insert into marts.fct_session_rows values ('s50', 1, 'x'), ('s50', 1, 'x')",
    )
    rebuild_marts(warehouse, version=2)
    second = publish_marts(warehouse, published)

    assert second.sessions_updated == 4
    assert second.describe().endswith("updated: 4 changed sessions)")
    for relation in (
        "marts.fct_session_rows",
        "marts.pattern_classifications",
        "marts.pattern_occurrence_calls",
        "marts.quarantined_events",
    ):
        assert same_rows(warehouse, published, relation), relation
    assert stat.S_IMODE(published.stat().st_mode) == 0o444

    # the same rows again: nothing to replace
    assert publish_marts(warehouse, published).sessions_updated == 0
    assert same_rows(warehouse, published, "marts.fct_session_rows")


def test_an_update_copies_whole_a_table_whose_columns_changed_and_drops_a_gone_one(
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    run_sql(warehouse, SESSION_ROWS_DDL, "create table marts.dropped_later as select 1 as x")
    published = tmp_path / "analytics.duckdb"
    publish_marts(warehouse, published)

    run_sql(
        warehouse,
        "alter table marts.fct_session_rows add column added integer default 7",
        "drop table marts.dropped_later",
    )
    result = publish_marts(warehouse, published)

    assert result.sessions_updated == 0
    assert copy_columns(published, "marts", "fct_session_rows") == [
        "session_id",
        "row_no",
        "value",
        "added",
    ]
    assert same_rows(warehouse, published, "marts.fct_session_rows")
    assert copy_columns(published, "marts", "dropped_later") == []


def test_a_previous_copy_that_cannot_be_read_is_replaced_by_a_copy_from_nothing(
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "analytics.duckdb"
    published.write_bytes(b"not a DuckDB file")

    result = publish_marts(warehouse, published)

    assert result.sessions_updated is None
    assert same_rows(warehouse, published, "marts.pattern_classifications")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analytics.duckdb", "wh.duckdb"]


def test_an_update_that_ends_with_other_row_counts_starts_again_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row-count check after an update is what makes the update safe to trust."""
    warehouse, published = published_with_sessions(tmp_path)
    run_sql(warehouse, "insert into marts.fct_session_rows values ('s1', 1000, 'new')")
    monkeypatch.setattr(publish, "_bring_up_to_date", lambda *args: 0)  # an update that forgets

    result = publish_marts(warehouse, published)

    assert result.sessions_updated is None
    assert same_rows(warehouse, published, "marts.fct_session_rows")


def test_a_copy_left_with_much_free_space_is_written_again_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse, published = published_with_sessions(tmp_path)
    rebuild_marts(warehouse, version=2)  # the table copied whole frees its old blocks
    monkeypatch.setattr(publish, "FREE_BYTES_LIMIT", 0)

    result = publish_marts(warehouse, published)

    assert result.sessions_updated is None
    assert builds(published) == [(2, 4)]
    with duckdb.connect(str(published), read_only=True) as con:
        row = con.sql("select free_blocks from pragma_database_size()").fetchone()
    assert row == (0,)


def test_a_table_with_many_deleted_rows_is_copied_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted rows may stay in their row groups: past the limit the table is written anew."""
    warehouse, published = published_with_sessions(tmp_path)
    monkeypatch.setattr(publish, "DELETED_SHARE_LIMIT", 0.3)  # 120 of the 400 rows

    run_sql(warehouse, "update marts.fct_session_rows set value = 'changed' where row_no % 40 < 10")
    assert publish_marts(warehouse, published).sessions_updated == 10  # 100 rows deleted

    run_sql(warehouse, "update marts.fct_session_rows set value = 'again' where row_no % 40 < 15")
    result = publish_marts(warehouse, published)  # 150 rows to delete

    assert result.sessions_updated == 0
    assert same_rows(warehouse, published, "marts.fct_session_rows")


def test_a_copy_named_like_a_schema_in_it_is_refused(tmp_path: Path) -> None:
    """marts.duckdb opens as the catalog `marts`: `marts.pattern_classifications` is ambiguous."""
    warehouse = make_warehouse(tmp_path / "wh.duckdb")

    with pytest.raises(RunnerError, match="catalog named 'marts'"):
        publish_marts(warehouse, tmp_path / "marts.duckdb")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["wh.duckdb"]


def test_the_default_copy_lies_beside_the_warehouse() -> None:
    settings = Settings(warehouse=Path("data/warehouse.duckdb"))
    assert settings.published_path == Path("data/warehouse_published.duckdb")
    assert Settings(published=Path("/srv/a.duckdb")).published_path == Path("/srv/a.duckdb")


# --- analysts never block a build, never see half a copy ---------------------------
def test_an_analyst_on_the_published_copy_does_not_block_the_next_publish(
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published.duckdb"
    publish_marts(warehouse, published)
    query = "select max(build) from marts.pattern_classifications"

    with holder(published, read_only=True, query=query) as analyst:
        rebuild_marts(warehouse, version=2)  # the warehouse is free: the build writes
        publish_marts(warehouse, published)

        # the open connection keeps reading the copy it opened; new ones get the new copy
        assert ask(analyst) == "(1,)"
        assert builds(published) == [(2, 4)]


def test_a_reader_opening_the_copy_during_publishes_always_sees_a_whole_one(
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published.duckdb"
    publish_marts(warehouse, published)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                seen = set()
                print("ready", flush=True)
                while not sys.stdin.closed:
                    with duckdb.connect({str(published)!r}, read_only=True) as con:
                        seen.add(con.sql(
                            "select max(build), count(*) from marts.pattern_classifications"
                        ).fetchone())
                    if len(seen) > 50 or __import__("select").select([sys.stdin], [], [], 0)[0]:
                        break
                print(__import__("json").dumps(sorted(seen)), flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
    for version in range(2, 7):
        rebuild_marts(warehouse, version)
        publish_marts(warehouse, published)
    out, err = reader.communicate("stop\n", timeout=60)

    assert reader.returncode == 0, err
    # every read was one whole published build: its version with its own row count
    seen = json.loads(out)
    assert seen and all(count == build + 2 for build, count in seen), seen


def test_a_failed_publish_leaves_the_previous_copy_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published.duckdb"
    publish_marts(warehouse, published)
    rebuild_marts(warehouse, version=2)
    write_copy = publish._write_copy

    def fail_after_writing(source: Path, temporary: Path, *, update: bool = False) -> None:
        write_copy(source, temporary, update=update)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "_write_copy", fail_after_writing)
    with pytest.raises(OSError, match="No space left"):
        publish_marts(warehouse, published)

    assert builds(published) == [(1, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.duckdb", "wh.duckdb"]


def test_copies_left_by_a_killed_publish_are_removed(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    published = tmp_path / "published.duckdb"
    abandoned = tmp_path / ".published.duckdb.4194999.tmp"  # above Linux's largest pid
    abandoned.write_bytes(b"half a copy")

    publish_marts(warehouse, published)

    assert not abandoned.exists()


# --- a warehouse in use: one line ---------------------------------------------------
def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console command: its own process, its real stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNER_")}
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=cwd,
        env={**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "read-only reader"])
@pytest.mark.parametrize("command", ["daily", "build"])
def test_a_warehouse_held_by_another_process_is_one_line(
    tmp_path: Path, command: str, read_only: bool
) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    args = [command, "--warehouse", str(warehouse), "--run-date", "2026-11-20"]
    if command == "daily":
        args += ["--target", f"sqlite:///{tmp_path / 'approvals.db'}"]

    with holder(warehouse, read_only=read_only) as other:
        result = run_cli(tmp_path, *args)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        f"error: warehouse {warehouse} is in use by another process "
        f"({Path(os.path.realpath(sys.executable)).name}, PID {other.pid})",
        "hint: close that connection (a DuckDB shell, a notebook, a dbt run) or wait for it "
        "to end, then run again; analysts read the published copy of the marts, never the "
        "warehouse",
    ]
    assert not (tmp_path / "approvals.db").exists()


def test_dbt_meeting_a_warehouse_in_use_fails_in_one_line(tmp_path: Path) -> None:
    """An analyst who connects after the runner's own checks: dbt's failure, in one line."""
    warehouse = make_warehouse(tmp_path / "wh.duckdb")

    with holder(warehouse, read_only=True) as other, pytest.raises(RunnerError) as caught:
        run_dbt("seed", warehouse=warehouse, args=["--select", "destructive_rules"])

    assert caught.value.message == (
        f"warehouse {warehouse} is in use by another process "
        f"({Path(os.path.realpath(sys.executable)).name}, PID {other.pid})"
    )
    assert "\n" not in str(caught.value)
