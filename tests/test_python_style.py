"""The Python code passes the project's linters, so CI enforces what `make lint` checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

CHECKS = {
    "ruff check": [str(BIN / "ruff"), "check", "runner", "tests", "benchmarks"],
    "ruff format": [str(BIN / "ruff"), "format", "--check", "runner", "tests", "benchmarks"],
    "mypy": [str(BIN / "mypy"), "runner"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_python_code_passes(name: str) -> None:
    result = subprocess.run(
        CHECKS[name], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-6000:]}{result.stderr[-2000:]}"
