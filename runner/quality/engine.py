"""Run the suites in one in-memory great-expectations context and render its data docs.

One context per run (not per suite or expectation): building a context and importing GX
dominate the cost of a check run, validating a few small frames takes milliseconds.
The context is ephemeral with in-memory stores, analytics and progress bars off, and a
single data docs site whose filesystem backend points into the run's report folder, so
GX writes nothing anywhere else (no ``gx/`` folder in the working directory).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from runner.quality.suites import Suite

DOCS_SITE = "checks"
DATASOURCE = "warehouse"


@dataclass(frozen=True)
class SuiteRun:
    """A suite and GX's result of validating it."""

    suite: Suite
    result: ExpectationSuiteValidationResult


def _context(docs_dir: Path) -> Any:
    """An ephemeral context whose only on-disk output is the data docs in ``docs_dir``."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _result_format(suite: Suite) -> dict[str, Any]:
    """SUMMARY keeps the report bounded (≤ 20 example values), whatever the frame size."""
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if suite.index_columns:
        result_format["unexpected_index_column_names"] = list(suite.index_columns)
    return result_format


def validate_suites(
    suites: tuple[Suite, ...], frames: dict[str, pd.DataFrame], docs_dir: Path
) -> tuple[list[SuiteRun], Path]:
    """Validate each suite against its frame; return the results and the docs index page.

    The docs folder is replaced, so a second run of the same day shows only its results.
    """
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    context = _context(docs_dir)
    datasource = context.data_sources.add_pandas(DATASOURCE)
    runs: list[SuiteRun] = []
    for suite in suites:
        batch = datasource.add_dataframe_asset(suite.frame).add_batch_definition_whole_dataframe(
            "whole"
        )
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for check in suite.checks:
            gx_suite.add_expectation(check.expectation)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frames[suite.frame]},
            result_format=_result_format(suite),
        )
        runs.append(SuiteRun(suite=suite, result=result))
    context.build_data_docs(site_names=[DOCS_SITE])
    return runs, docs_dir / "index.html"
