"""The data-quality page: one self-contained HTML file rendered from the run's results.

great-expectations' own data docs load Bootstrap, jQuery and fonts from CDNs, so offline
(where this project runs) they render unstyled with an empty validation list, and they
label a failed warning-level check "Failed". This page is built from the same results
that ``results.json`` holds: inline CSS, no script, no network, and each check shown as
passed, warning or failed by its own severity.
"""

from __future__ import annotations

import shutil
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runner.quality.params import CheckWindow
from runner.quality.results import CheckResult, CheckSummary, short_value

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
#: Example values shown per failed check (results.json keeps GX's bounded list).
EXAMPLES_SHOWN = 5


def outcome(result: CheckResult) -> str:
    """passed, warning (a failed warning-level check) or failed (a failed error check)."""
    if result.success:
        return "passed"
    return "warning" if result.severity == "warning" else "failed"


def write_data_docs(
    summary: CheckSummary, window: CheckWindow, warehouse: Path, docs_dir: Path
) -> Path:
    """Replace ``docs_dir`` with the page for this run; return its index.html."""
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    suites = [(suite, list(rows)) for suite, rows in groupby(summary.results, lambda r: r.suite)]
    if summary.failed_errors:
        verdict = "failed"
    elif summary.failed_warnings:
        verdict = "warning"
    else:
        verdict = "passed"
    html = env.get_template("checks.html.j2").render(
        summary=summary,
        window=window,
        warehouse=warehouse,
        suites=suites,
        verdict=verdict,
        passed=sum(1 for r in summary.results if r.success),
        outcome=outcome,
        observed=lambda r: short_value(r.observed_value),
        examples=_examples,
    )
    index = docs_dir / "index.html"
    index.write_text(html)
    return index


def _examples(result: CheckResult) -> str:
    values: list[Any] = list(result.details.get("partial_unexpected_list") or [])
    if not values:
        values = list(result.details.get("partial_unexpected_index_list") or [])
    shown = ", ".join(str(v) for v in values[:EXAMPLES_SHOWN])
    return shown + (", …" if len(values) > EXAMPLES_SHOWN else "")
