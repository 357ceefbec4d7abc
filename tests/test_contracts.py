"""The hook event types are one list, though Python and SQL each need it.

contracts.HOOK_EVENT_TYPES feeds the source check (great-expectations) and the sample
generator; staging quarantines any other type with its own Jinja list, and the staging
model's YAML tests the same set. dbt cannot import Python, so this keeps the three equal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from runner.contracts import HOOK_EVENT_TYPES

STAGING = Path(__file__).resolve().parents[1] / "models" / "staging"


def test_staging_knows_exactly_the_contracted_event_types() -> None:
    sql = (STAGING / "stg_raw__hook_events.sql").read_text()
    found = re.search(r"set known_event_types = (\[.*?\])", sql, re.S)
    assert found, "staging's known_event_types list moved: update this test"
    assert tuple(ast.literal_eval(found.group(1))) == HOOK_EVENT_TYPES


def test_the_staging_yaml_tests_the_same_event_types() -> None:
    document = yaml.safe_load((STAGING / "stg_raw__hook_events.yml").read_text())
    (model,) = (m for m in document["models"] if m["name"] == "stg_raw__hook_events")
    (column,) = (c for c in model["columns"] if c["name"] == "event_type")
    (test,) = (t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t)
    assert tuple(test["arguments"]["values"]) == HOOK_EVENT_TYPES
