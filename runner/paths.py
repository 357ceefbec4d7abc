"""Where the project's files are, whether run from a checkout or an installed package."""

from __future__ import annotations

import os
from pathlib import Path

#: The dbt project (dbt_project.yml, models/, macros/, seeds/) lives beside the package.
PROJECT_DIR = Path(os.environ.get("RUNNER_PROJECT_DIR", Path(__file__).resolve().parents[1]))

#: Defaults that work on a fresh machine, relative to the working directory.
DEFAULT_DATA_DIR = Path("data")
DEFAULT_WAREHOUSE = DEFAULT_DATA_DIR / "warehouse.duckdb"
DEFAULT_TARGET = f"sqlite:///{DEFAULT_DATA_DIR / 'pattern_approvals.db'}"
DEFAULT_SAMPLE = DEFAULT_DATA_DIR / "sample" / "hook_events.jsonl"
DEFAULT_REPORT_DIR = Path("reports")
DEFAULT_CONFIG_FILE = Path("runner.toml")


def default_published(warehouse: Path) -> Path:
    """The copy of the marts analysts open, beside the warehouse (runner/publish.py):
    ``data/warehouse.duckdb`` → ``data/warehouse_published.duckdb``."""
    return warehouse.with_name(f"{warehouse.stem}_published.duckdb")
