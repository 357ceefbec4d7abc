"""Column lists of the contracted marts, read from their YAML (one definition per rule).

Tests that build a mart by hand (the sync and report tests, without dbt) take its
columns from the model's contract, so a column added to the mart reaches them at once.
"""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
#: dbt contract data types → DuckDB column types
_DUCKDB_TYPES = {"string": "varchar"}


def contract_columns(model: str) -> dict[str, str]:
    """``{column: data_type}`` of a marts model with an enforced contract, in order."""
    document = yaml.safe_load((REPO / "models" / "marts" / f"{model}.yml").read_text())
    (node,) = (m for m in document["models"] if m["name"] == model)
    return {column["name"]: column["data_type"] for column in node["columns"]}


def mart_ddl(model: str, defaults: dict[str, str] | None = None) -> str:
    """``create or replace table marts.<model> (...)`` in DuckDB types; pattern_id is the
    primary key; ``defaults`` gives SQL default expressions by column."""
    defaults = defaults or {}
    columns = []
    for name, data_type in contract_columns(model).items():
        column = f"{name} {_DUCKDB_TYPES.get(data_type, data_type)}"
        if name == "pattern_id":
            column += " primary key"
        if name in defaults:
            column += f" default {defaults[name]}"
        columns.append(column)
    return f"create or replace table marts.{model} ({', '.join(columns)})"


#: A hand-built classification row is its own family head unless a test says otherwise.
FAMILY_HEAD_DEFAULTS = {"is_family_head": "true", "family_pattern_count": "1"}
