"""`make docs` and `make docs-serve` on a fresh clone: no warehouse, nothing built.

The project's tracked files are copied into an empty folder (what `git clone` gives);
make runs the real Makefile recipes with this checkout's .venv (``RUN=…``, and ``-o``
so make does not try to create a .venv in the copy).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from runner import paths

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=paths.PROJECT_DIR, capture_output=True, check=True
    ).stdout.decode()
    clone = tmp_path / "clone"
    for name in filter(None, tracked.split("\0")):
        source = paths.PROJECT_DIR / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    assert not (clone / "data").exists() and not (clone / "target").exists()
    return clone


def make(clone: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNER_")}
    return subprocess.Popen(
        ["make", *args, f"RUN={VENV_BIN}", "-o", ".venv/.synced"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_docs_works_on_a_fresh_clone_and_the_docs_are_served(fresh_clone: Path) -> None:
    built = make(fresh_clone, "docs")
    output, _ = built.communicate(timeout=300)
    assert built.returncode == 0, output
    assert "Traceback" not in output
    target = fresh_clone / "target"
    assert (target / "index.html").is_file() and (target / "catalog.json").is_file()
    manifest = json.loads((target / "manifest.json").read_text())
    resource_types = {node["resource_type"] for node in manifest["nodes"].values()}
    assert {"model", "seed", "analysis", "test"} <= resource_types
    # No warehouse was needed, and none was left behind.
    assert not (fresh_clone / "data").exists()
    assert not list(fresh_clone.rglob("*.duckdb"))

    # `make docs-serve` (the README's way) serves them on the loopback interface.
    port = free_port()
    server = make(fresh_clone, "docs-serve", "-o", "docs", f"DOCS_PORT={port}")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "dbt docs serve did not answer"
                time.sleep(0.5)
        assert "dbt" in page.lower()
    finally:
        server.terminate()
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
