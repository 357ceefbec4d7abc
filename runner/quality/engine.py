"""Run the suites in one in-memory great-expectations context.

One context per run (not per suite or expectation): building a context and importing GX
dominate the cost of a check run, validating a few small frames takes milliseconds.
The context is ephemeral with in-memory stores, analytics and progress bars off, and no
data docs site: GX writes nothing to disk (no ``gx/`` folder in the working directory).
The run's data-quality page is rendered by runner/quality/docs.py from the results, as
GX's data docs need CDNs to display and call a failed warning "Failed".
"""

from __future__ import annotations

from dataclasses import dataclass
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

DATASOURCE = "warehouse"


@dataclass(frozen=True)
class SuiteRun:
    """A suite and GX's result of validating it."""

    suite: Suite
    result: ExpectationSuiteValidationResult


def _context() -> Any:
    """An ephemeral context that writes nothing to disk."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={},
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _result_format(suite: Suite) -> dict[str, Any]:
    """SUMMARY keeps the report bounded (≤ 20 example values), whatever the frame size."""
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if suite.index_columns:
        result_format["unexpected_index_column_names"] = list(suite.index_columns)
    return result_format


def validate_suites(suites: tuple[Suite, ...], frames: dict[str, pd.DataFrame]) -> list[SuiteRun]:
    """Validate each suite against its frame."""
    context = _context()
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
    return runs
