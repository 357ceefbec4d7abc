"""What `runner build --target spark` needs before dbt starts: the extra and Java.

Each check fails with one line that says what to install, instead of a traceback from
deep inside dbt or pyspark.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from runner.errors import RunnerError

#: Spark 4 runs on Java 17 or newer.
MINIMUM_JAVA = 17
EXTRA_HINT = (
    "install the spark extra: `.tools/bin/uv sync --extra spark` in a checkout "
    "(`make test` does it), or `pip install 'hook-pattern-miner[spark]'`"
)


def require_spark() -> None:
    """Raise RunnerError unless pyspark, dbt-spark and a Java 17+ are available."""
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise RunnerError(
                f"the spark target needs {module.split('.')[-1]}, which is not installed",
                EXTRA_HINT,
            ) from exc
    require_java()


def require_java() -> int:
    """The major version of the Java Spark would start; RunnerError when < 17 or missing."""
    java = _java_executable()
    hint = (
        f"install Java {MINIMUM_JAVA} or newer (Debian: `apt-get install -y "
        "openjdk-17-jre-headless`) and put it on PATH or set JAVA_HOME"
    )
    if java is None:
        raise RunnerError(f"the spark target needs Java {MINIMUM_JAVA}+; no java was found", hint)
    try:
        probe = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RunnerError(f"could not run {java} -version: {exc}", hint) from exc
    major = parse_java_major(probe.stderr + probe.stdout)
    if major is None:
        raise RunnerError(f"could not read the version of {java}", hint)
    if major < MINIMUM_JAVA:
        raise RunnerError(
            f"the spark target needs Java {MINIMUM_JAVA}+, and {java} is Java {major}", hint
        )
    return major


def parse_java_major(version_output: str) -> int | None:
    """17 from `openjdk version "17.0.15"`, 8 from `java version "1.8.0_392"`."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not found:
        return None
    major = int(found.group(1))
    if major == 1 and found.group(2):  # the 1.x scheme of Java 8 and older
        return int(found.group(2))
    return major


def _java_executable() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.exists():
            return str(candidate)
    return shutil.which("java")
