"""Bash signatures: the generator's Python mirror (runner.sample.bash_signature) names
every command exactly as the dbt model int_tool_calls_signed does.

The model's side is its `unit_tests:` (models/intermediate/tool_calls/int_tool_calls_signed.yml),
which `dbt build` runs on the real model against the real seed (tests/test_models_core.py,
tests/test_dbt_project.py, and on Spark tests/test_spark_equality.py builds the same
models). Here the mirror, and the mirror's code fed the seed's rules, must give the
signature those unit tests expect for every Bash command they hold: one case list, two
implementations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from benchmarks.reference import seed_rules
from runner import paths
from runner.sample import SIGNATURE_RULES, bash_signature

MODEL_YAML = (
    Path(paths.PROJECT_DIR) / "models" / "intermediate" / "tool_calls" / "int_tool_calls_signed.yml"
)


def _unit_test_cases() -> list[tuple[str, str, str]]:
    """(unit test, command, expected signature) for every Bash row the unit tests sign."""
    cases = []
    for unit_test in yaml.safe_load(MODEL_YAML.read_text())["unit_tests"]:
        calls = next(g["rows"] for g in unit_test["given"] if "int_tool_calls_paired" in g["input"])
        expected = {
            row["tool_call_id"]: row["tool_signature"]
            for row in unit_test["expect"]["rows"]
            if "tool_signature" in row
        }
        for call in calls:
            if call["tool_name"] == "Bash" and call["tool_call_id"] in expected:
                command = json.loads(call["tool_input"])["command"]
                cases.append((unit_test["name"], command, expected[call["tool_call_id"]]))
    return cases


CASES = _unit_test_cases()


def test_the_unit_tests_cover_every_interpreter_rule() -> None:
    signatures = {signature for _, _, signature in CASES}
    for expected in (
        "Bash(python server.py)",
        "Bash(python migrate.py)",
        "Bash(python -c)",
        "Bash(python)",
        "Bash(pytest)",
        "Bash(bash deploy.sh)",
        "Bash(sh run.sh)",
        "Bash(node build.js)",
        "Bash(node -e)",
        "Bash(bun x.ts)",
        "Bash(deno x.ts)",
        "Bash(ruby x.rb)",
        "Bash(perl x.pl)",
    ):
        assert expected in signatures, expected


def test_the_mirror_is_the_seed() -> None:
    """Every row of seeds/tool_signature_rules.csv, column for column, and no other."""
    assert seed_rules() == SIGNATURE_RULES


@pytest.mark.parametrize(
    ("unit_test", "command", "signature"),
    CASES,
    ids=[f"{i:02d}:{command[:30]}" for i, (_, command, _) in enumerate(CASES)],
)
def test_the_mirror_signs_each_unit_test_command_as_the_model(
    unit_test: str, command: str, signature: str
) -> None:
    assert bash_signature(command) == signature, (unit_test, command)
    assert bash_signature(command, seed_rules()) == signature, (unit_test, command)


@pytest.mark.parametrize(
    ("same", "other"),
    [
        ("python -m pytest -q", "pytest -q"),
        ("python3 -m pytest -x", "uv run pytest -x"),
        ("uv run python server.py", "python server.py"),
        ("python3 -u ./backend/server.py", "python server.py"),
        ('bash -c "cd web && npm test"', "npm test"),
        ("bash -lc 'uv run pytest -q'", "pytest"),
    ],
)
def test_the_same_work_gets_the_same_signature(same: str, other: str) -> None:
    assert bash_signature(same) == bash_signature(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("python server.py", 'python -c "import server"'),
        ("python server.py", "python migrate.py"),
        ("python scripts/seed.py", "python - <<'EOF'\nprint(1)\nEOF"),
        ("bash deploy.sh", "bash setup.sh"),
        ("node build.js", 'node -e "1"'),
    ],
)
def test_different_work_gets_different_signatures(one: str, other: str) -> None:
    assert bash_signature(one) != bash_signature(other)
