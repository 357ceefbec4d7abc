"""Run dbt (in process) against the warehouse, for one analysis window."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import paths
from runner.errors import RunnerError


@dataclass
class NodeOutcome:
    name: str
    resource_type: str
    status: str
    message: str | None


@dataclass
class BuildResult:
    success: bool
    outcomes: list[NodeOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status in {"error", "fail", "runtime error"}]

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)


@contextmanager
def _environment(warehouse: Path) -> Iterator[None]:
    """dbt reads the warehouse path from RUNNER_WAREHOUSE through profiles.yml."""
    saved = {k: os.environ.get(k) for k in ("RUNNER_WAREHOUSE", "DBT_SEND_ANONYMOUS_USAGE_STATS")}
    os.environ["RUNNER_WAREHOUSE"] = str(warehouse.resolve())
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(
    command: str,
    *,
    warehouse: Path,
    dbt_vars: dict[str, Any] | None = None,
    args: Sequence[str] = (),
    on_node: Callable[[NodeOutcome], None] | None = None,
) -> BuildResult:
    """Invoke ``dbt <command>`` in this process and collect per-node outcomes.

    Raises RunnerError when dbt cannot run at all (bad project, unreadable warehouse);
    a build whose models or tests fail returns ``success=False`` with the failures.
    """
    from dbt.cli.main import dbtRunner

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    cli_args = [
        command,
        "--project-dir",
        str(paths.PROJECT_DIR),
        "--profiles-dir",
        str(paths.PROJECT_DIR),
        "--quiet",
        *args,
    ]
    if dbt_vars:
        cli_args += ["--vars", json.dumps(dbt_vars)]

    outcomes: list[NodeOutcome] = []

    def callback(event: Any) -> None:
        if event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        outcome = NodeOutcome(
            name=node.node_name,
            resource_type=node.resource_type,
            status=node.node_status,
            message=None,
        )
        outcomes.append(outcome)
        if on_node is not None:
            on_node(outcome)

    with _environment(warehouse):
        result = dbtRunner(callbacks=[callback]).invoke(cli_args)

    if result.exception is not None:
        raise RunnerError(
            f"dbt {command} could not run: {result.exception}",
            f"check the dbt project in {paths.PROJECT_DIR} and the warehouse {warehouse}",
        )
    # Attach messages of failed nodes from the run results (the events carry no text).
    by_name = {o.name: o for o in outcomes}
    for node_result in getattr(result.result, "results", None) or []:
        outcome = by_name.get(node_result.node.name)
        if outcome is not None:
            outcome.status = str(node_result.status)
            outcome.message = node_result.message
    return BuildResult(success=bool(result.success), outcomes=outcomes)
