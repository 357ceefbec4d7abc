"""What `runner build --target spark` needs before dbt starts.

The `spark` output of profiles.yml says where Spark runs. With dbt-spark's `session`
method (the project's default) Spark starts inside the dbt process, which needs the
`spark` extra (pyspark, dbt-spark) and Java 17+ here. With any other method (`thrift`,
`http`, `odbc`) or another adapter (`type: databricks`) Spark runs elsewhere and only the
adapter is needed here. Each check fails with one line that says what to install, instead
of a traceback from deep inside dbt or pyspark; nothing starts a JVM but `java -version`.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints

from runner import paths
from runner.config import Settings
from runner.errors import RunnerError
from runner.lake import TABLE_FOLDER, is_url

#: Spark 4 runs on Java 17 or newer.
MINIMUM_JAVA = 17
#: The output of profiles.yml that `--target spark` selects.
SPARK_OUTPUT = "spark"
#: The modules of the `spark` extra, and the distribution that brings each.
EXTRA_MODULES = {"pyspark": "pyspark", "dbt.adapters.spark": "dbt-spark"}
EXTRA_HINT = (
    "install the spark extra: `make setup-spark` or `.tools/bin/uv sync --extra spark` "
    "in a checkout, `pip install 'hook-pattern-miner[spark]'` elsewhere"
)


def spark_output(project_dir: Path) -> dict[str, Any]:
    """The `spark` output of the project's profiles.yml, as written (Jinja unrendered)."""
    hint = f"the spark target is the `{SPARK_OUTPUT}` output of {project_dir / 'profiles.yml'}"
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text())
        output = profiles[project["profile"]]["outputs"][SPARK_OUTPUT]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise RunnerError(f"cannot read the spark output of profiles.yml: {exc!r}", hint) from exc
    if not isinstance(output, dict):
        raise RunnerError("the spark output of profiles.yml is not a mapping", hint)
    return output


def is_local_session(output: Mapping[str, Any]) -> bool:
    """Whether the output starts Spark in the dbt process (dbt-spark's session method).

    A method that is a Jinja expression can't be known here, so it counts as local: the
    stricter checks.
    """
    adapter, method = str(output.get("type", "spark")), str(output.get("method", "session"))
    return adapter == "spark" and (method == "session" or "{{" in method)


def require_spark(output: Mapping[str, Any] | None = None) -> None:
    """Raise RunnerError unless ``output`` (default: a local session) can run from here.

    A local session needs pyspark, dbt-spark and Java 17+; a remote Spark needs only the
    output's adapter. The modules are imported, not just looked up, so a broken install
    is caught here too.
    """
    output = output or {"type": "spark", "method": "session"}
    if is_local_session(output):
        modules = EXTRA_MODULES
        hint = EXTRA_HINT
    else:
        adapter = str(output.get("type", "spark"))
        modules = {f"dbt.adapters.{adapter}": f"dbt-{adapter}"}
        hint = f"install the adapter of the spark output: `pip install dbt-{adapter}`"
    for module, distribution in modules.items():
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise RunnerError(
                f"the spark target needs {distribution}, which is not installed", hint
            ) from exc
    if is_local_session(output):
        require_java()


def require_java() -> int:
    """The major version of the Java Spark would start; RunnerError when < 17 or missing.

    Looks where Spark's launcher looks: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set
    (even if nothing is there), else ``java`` on PATH.
    """
    hint = (
        f"install Java {MINIMUM_JAVA} or newer (Debian: `apt-get install -y "
        "openjdk-17-jre-headless`) and put it on PATH or set JAVA_HOME"
    )
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if java is None:
        raise RunnerError(f"the spark target needs Java {MINIMUM_JAVA}+; no java was found", hint)
    if java_home and not Path(java).is_file():
        raise RunnerError(
            f"the spark target needs Java {MINIMUM_JAVA}+; JAVA_HOME={java_home} has no bin/java",
            hint,
        )
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


def spark_environment(
    settings: Settings, output: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Check that the lake exists and Spark can run; the environment profiles.yml reads.

    ``output`` is the `spark` output of profiles.yml (read from the project by default).
    Cheapest first: the lake (a local folder must hold `hook_events/`; a URL is the
    cluster's to read), then what runs Spark from here (`require_spark` below), each a
    one-line RunnerError, all before dbt starts. A local session keeps its tables and
    metastore in RUNNER_SPARK_DIR, by default ``spark/`` beside the warehouse file.
    """
    output = output if output is not None else spark_output(paths.PROJECT_DIR)
    hint = "write it with `runner ingest --source … --lake DIR`, then pass the same --lake"
    if settings.lake is None:
        raise RunnerError(
            "the spark target reads the raw events from a lake, and no lake was given "
            "(--lake, RUNNER_LAKE_DIR or lake in runner.toml)",
            hint,
        )
    if is_url(settings.lake):
        lake = settings.lake
    elif (Path(settings.lake) / TABLE_FOLDER).is_dir():
        lake = str(Path(settings.lake).resolve())
    else:
        raise RunnerError(f"no lake at {settings.lake} (no {TABLE_FOLDER} folder in it)", hint)
    require_spark(output)
    spark_dir = Path(os.environ.get("RUNNER_SPARK_DIR") or default_spark_dir(settings.warehouse))
    if is_local_session(output):
        spark_dir.mkdir(parents=True, exist_ok=True)
    return {
        "RUNNER_LAKE_DIR": lake,
        "RUNNER_SPARK_DIR": str(spark_dir.resolve()),
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
    }


def default_spark_dir(warehouse: Path) -> Path:
    """Where Spark keeps its tables and metastore unless RUNNER_SPARK_DIR says otherwise."""
    return warehouse.parent / "spark"
