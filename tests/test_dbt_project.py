"""The dbt project as a whole, on generator data in a real DuckDB file.

- every bad row the generator plants ends in quarantine with its reason, and every good
  row reaches the tool calls;
- `dbt docs generate` works offline and every model and column is described;
- the analyses compile and run against the marts;
- the marts' rules are dbt tests (not great-expectations checks): a destructive pattern
  marked auto-approved fails the build's tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from runner import paths
from runner.cli import app
from runner.dbt_invocation import run_dbt
from runner.sample import SampleOptions, SampleSummary, generate_sample

RUN_DATE = "2026-11-22"
#: How an analysis's header comment says to compile it (without a warehouse).
COMPILE_COMMENT = re.compile(r"RUNNER_WAREHOUSE=:memory: dbt compile --select (\S+)")

#: Generator bad-row kinds that staging files under another reason.
REASON_OF_KIND = {"unparseable_line": "invalid_json"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    work = tmp_path_factory.mktemp("project")
    sample = work / "events.jsonl"
    import datetime as dt

    summary = generate_sample(
        sample, SampleOptions(sessions=30, days=2, seed=11, end_date=dt.date(2026, 11, 22))
    )
    warehouse = work / "wh.duckdb"
    cli = CliRunner()
    ingested = cli.invoke(app, ["ingest", "--source", str(sample), "--warehouse", str(warehouse)])
    assert ingested.exit_code == 0, ingested.output
    built = cli.invoke(
        app, ["build", "--run-date", RUN_DATE, "--warehouse", str(warehouse), "--unit-tests"]
    )
    assert built.exit_code == 0, built.output
    return warehouse, summary


def rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_every_planted_bad_row_is_quarantined_with_its_reason(built) -> None:
    warehouse, summary = built
    expected: dict[str, int] = {}
    for kind, count in summary.bad_rows.items():
        reason = REASON_OF_KIND.get(kind, kind)
        expected[reason] = expected.get(reason, 0) + count
    assert len(expected) >= 8, "the generator should plant every kind of bad row"
    quarantined = dict(
        rows(
            warehouse, "select quarantine_reason, count(*) from marts.quarantined_events group by 1"
        )
    )
    assert quarantined == expected


def test_every_good_row_reaches_the_tool_calls(built) -> None:
    warehouse, summary = built
    valid = rows(
        warehouse,
        "select count(*) from staging.stg_raw__hook_events where quarantine_reason is null",
    )[0][0]
    assert valid == summary.events - sum(summary.bad_rows.values())
    missing = rows(
        warehouse,
        """
        select count(*)
        from staging.stg_raw__hook_events as events
        where events.quarantine_reason is null
          and events.is_tool_event
          and not exists (
              select 1 from intermediate.int_tool_calls_paired as calls
              where events.event_id in (calls.pre_event_id, calls.post_event_id)
          )
        """,
    )[0][0]
    assert missing == 0


def test_docs_generate_offline_and_everything_is_described(built) -> None:
    warehouse, _ = built
    result = run_dbt(
        "docs generate", warehouse=warehouse, dbt_vars={"hook_patterns_run_date": RUN_DATE}
    )
    assert result.success
    target = paths.PROJECT_DIR / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undescribed = []
    for unique_id, node in manifest["nodes"].items():
        if (
            node["resource_type"] not in {"model", "seed"}
            or node["package_name"] != "hook_patterns"
        ):
            continue
        if not node["description"].strip():
            undescribed.append(unique_id)
        documented = {name.lower() for name, col in node["columns"].items() if col["description"]}
        for column in catalog["nodes"].get(unique_id, {}).get("columns", {}):
            if column.lower() not in documented:
                undescribed.append(f"{unique_id}.{column}")
    assert not undescribed, undescribed
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) >= 10
    assert any(e["name"] == "pattern_approvals_sync" for e in manifest["exposures"].values())


def test_analyses_compile_as_their_comments_say_and_run_on_any_warehouse_file(
    built, tmp_path: Path
) -> None:
    """Each analysis's comment gives the command that compiles it; dbt must accept it.

    It compiles without a warehouse (in-memory DuckDB), and the compiled SQL runs on a
    warehouse file of another name than the profile's: no catalog is hard-coded.
    """
    warehouse, _ = built
    commented = {}
    for analysis in sorted((paths.PROJECT_DIR / "analyses").glob("*.sql")):
        match = COMPILE_COMMENT.search(analysis.read_text())
        assert match, f"{analysis.name}: its comment should say how to compile it"
        commented[analysis.stem] = match.group(1)
    assert {"top_patterns_by_savings", "destructive_catches", "pattern_drilldown"} <= set(commented)
    pattern_id = rows(
        warehouse,
        "select pattern_id from marts.pattern_classifications "
        "order by occurrence_count desc, pattern_id limit 1",
    )[0][0]
    target = tmp_path / "target"
    compiled = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--select",
            *commented.values(),
            "--project-dir",
            str(paths.PROJECT_DIR),
            "--profiles-dir",
            str(paths.PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            json.dumps(
                {
                    "hook_patterns_run_date": RUN_DATE,
                    "hook_patterns_drilldown_pattern_id": pattern_id,
                }
            ),
        ],
        env={**os.environ, "RUNNER_WAREHOUSE": ":memory:"},
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    other_name = tmp_path / "analyst copy.duckdb"
    shutil.copy(warehouse, other_name)
    results = {}
    for name in commented:
        sql = (target / "compiled" / "hook_patterns" / "analyses" / f"{name}.sql").read_text()
        assert f'"{warehouse.stem}".' not in sql and '"memory".' not in sql, sql
        results[name] = rows(other_name, sql)
    assert results["top_patterns_by_savings"], "the sample has patterns with savings"
    assert results["pattern_drilldown"], "the drill-down lists the pattern's occurrences"


def test_a_destructive_pattern_auto_approved_fails_the_marts_tests(built, tmp_path: Path) -> None:
    """The rule lives once, in pattern_classifications.yml; `runner check` no longer has it."""
    warehouse = tmp_path / "tampered.duckdb"
    shutil.copy(built[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        tampered = con.execute(
            """
            update marts.pattern_classifications
            set is_destructive = true,
                destructive_rule_id = coalesce(destructive_rule_id, 'git_force_push'),
                status = 'auto-approved'
            where pattern_id = (select min(pattern_id) from marts.pattern_classifications)
            returning pattern_id
            """
        ).fetchall()
    assert len(tampered) == 1
    result = run_dbt(
        "test",
        warehouse=warehouse,
        dbt_vars={"hook_patterns_run_date": RUN_DATE},
        args=["--select", "pattern_classifications", "--exclude-resource-type", "unit_test"],
    )
    assert not result.success
    assert [node.name for node in result.failed_nodes] == [
        next(
            node.name
            for node in result.outcomes
            if node.name.startswith("expression_is_true_pattern_classifications_not_is_destructive")
        )
    ]


def test_a_warehouse_whose_model_columns_changed_is_told_to_full_refresh(
    built, tmp_path: Path
) -> None:
    """An upgrade that drops a column (as staging's tool_response went): the operator is
    told the one command that fixes it, and that command does."""
    warehouse = tmp_path / "older.duckdb"
    shutil.copy(built[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table staging.stg_raw__hook_events add column tool_response json")
    args = ["build", "--run-date", RUN_DATE, "--warehouse", str(warehouse)]
    select = ["--select", "stg_raw__hook_events"]

    failed = CliRunner().invoke(app, [*args, *select])

    assert failed.exit_code == 1
    assert "run `runner build --full-refresh` once" in failed.output
    refreshed = CliRunner().invoke(app, [*args, *select, "--full-refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select column_name from duckdb_columns() "
            "where table_name = 'stg_raw__hook_events' and column_name = 'tool_response'"
        ).fetchall()
    assert columns == []


def test_the_grouped_column_tests_fail_on_one_broken_row(built, tmp_path: Path) -> None:
    """One `not_null_columns` test per model stands for a `not_null` test per column, one
    `relationships_of_columns` for a `relationships` test per column: one broken value
    in any of their columns fails them (macros/tests/)."""
    warehouse = tmp_path / "broken.duckdb"
    shutil.copy(built[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for statement in (
            "update intermediate.int_tool_steps_sequenced set is_beyond_step_cap = null",
            "update marts.pattern_classifications set status_reason = null",
            "update intermediate.int_tool_calls_paired set post_event_id = 'no-such-event'",
        ):
            con.execute(
                f"{statement} where rowid = (select min(rowid) from {statement.split()[1]})"
            )
    result = run_dbt(
        "test",
        warehouse=warehouse,
        dbt_vars={"hook_patterns_run_date": RUN_DATE},
        args=[
            "--select",
            "int_tool_steps_sequenced,test_name:not_null_columns",
            "pattern_classifications,test_name:not_null_columns",
            "int_tool_calls_paired,test_name:relationships_of_columns",
        ],
    )
    assert not result.success
    failed = sorted(node.name for node in result.failed_nodes)
    expected = (
        "not_null_columns_int_tool_s",
        "not_null_columns_pattern_c",
        "relationships_of_columns_int_t",
    )
    assert len(failed) == 3 and all(map(str.startswith, failed, expected)), failed
    assert all("Got 1 result" in (node.message or "") for node in result.failed_nodes)


def test_a_pattern_id_that_is_not_its_sequences_hash_fails_the_id_test(
    built, tmp_path: Path
) -> None:
    """The id test hashes each distinct (pattern_id, tool_sequence) pair once and lists
    the occurrences of a failing pair: one occurrence given another pattern's id is one
    failing pair, and only that occurrence is listed (its pattern's others are fine)."""
    warehouse = tmp_path / "wrong_id.duckdb"
    shutil.copy(built[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        row = con.execute(
            "select occurrence_id, pattern_id from marts.fct_pattern_occurrences "
            "where pattern_id <> (select min(pattern_id) from marts.fct_pattern_occurrences) "
            "order by occurrence_id limit 1"
        ).fetchone()
        assert row is not None
        con.execute(
            "update marts.fct_pattern_occurrences set pattern_id = "
            "(select min(pattern_id) from marts.fct_pattern_occurrences) "
            "where occurrence_id = ?",
            [row[0]],
        )
    result = run_dbt(
        "test",
        warehouse=warehouse,
        dbt_vars={"hook_patterns_run_date": RUN_DATE},
        args=["--select", "assert_pattern_id_is_sha256_prefix_of_tool_sequence"],
    )
    assert not result.success
    assert [node.name for node in result.failed_nodes] == [
        "assert_pattern_id_is_sha256_prefix_of_tool_sequence"
    ]
    assert "Got 1 result" in (result.failed_nodes[0].message or "")


def test_build_without_ingested_events_says_what_to_run(tmp_path: Path) -> None:
    cli = CliRunner()
    missing = tmp_path / "missing.duckdb"
    result = cli.invoke(app, ["build", "--warehouse", str(missing)])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "runner ingest" in result.output
    assert not missing.exists(), "a failed build must not create a warehouse"

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    result = cli.invoke(app, ["build", "--warehouse", str(empty)])
    assert result.exit_code == 1
    assert "no raw.hook_events" in result.output
