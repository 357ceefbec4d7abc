"""Settings: command line > environment (RUNNER_*) > config file (runner.toml) > defaults.

Typer resolves the first two (every option declares its ``RUNNER_*`` variable); this
module adds the config file and the defaults, so every command sees one ``Settings``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from runner import paths
from runner.errors import RunnerError

#: A dbt var's value in the config file's [vars] table.
VarValue = StrictBool | StrictInt | StrictFloat | StrictStr


class ConfigFile(BaseModel):
    """What runner.toml may hold: the options of `runner daily`, and [vars] for dbt.

    Strict: a key it does not declare, or a value of the wrong type, is an error that
    names the key (``window_hours = "abc"``, ``channels = "slack://x"``), never a
    traceback or a silent conversion.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    warehouse: StrictStr | None = None
    source: StrictStr | None = None
    target: StrictStr | None = None
    window_hours: StrictInt | None = Field(default=None, gt=0)
    channels: list[StrictStr] | None = None
    review_url: StrictStr | None = None
    report_dir: StrictStr | None = None
    lake: StrictStr | None = None
    published: StrictStr | None = None
    vars: dict[str, VarValue] = Field(default_factory=dict)

    @field_validator("vars")
    @classmethod
    def _known_vars(cls, value: dict[str, VarValue]) -> dict[str, VarValue]:
        unknown = sorted(set(value) - dbt_project_vars())
        if unknown:
            raise ValueError(
                f"unknown dbt var(s) {', '.join(unknown)}; dbt_project.yml declares "
                + ", ".join(sorted(dbt_project_vars()))
            )
        return value


#: Keys a config file may set at its top level (the options of `runner daily`).
CONFIG_KEYS = set(ConfigFile.model_fields) - {"vars"}


@functools.cache
def dbt_project_vars() -> frozenset[str]:
    """The vars dbt_project.yml declares: the only ones a config file may set."""
    project = yaml.safe_load((paths.PROJECT_DIR / "dbt_project.yml").read_text())
    return frozenset(project.get("vars") or {})


def _validation_error(path: Path, exc: ValidationError) -> RunnerError:
    """One line that names each offending key and says what it should be."""
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(file)"
        if error["type"] == "extra_forbidden":
            problems.append(f"{key}: unknown key")
            continue
        given = error.get("input")
        problems.append(f"{key}: {error['msg'].removeprefix('Value error, ')} (got {given!r})")
    return RunnerError(
        f"config file {path}: {'; '.join(problems)}",
        "see runner.example.toml for every key and its type; allowed top-level keys: "
        + ", ".join(sorted(CONFIG_KEYS | {"vars"})),
    )


def default_run_date() -> dt.date:
    """The last complete UTC day: what a cron job at any time of day should analyse."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class Settings:
    warehouse: Path = paths.DEFAULT_WAREHOUSE
    source: str | None = None
    target: str = paths.DEFAULT_TARGET
    run_date: dt.date = field(default_factory=default_run_date)
    window_hours: int = 24
    channels: tuple[str, ...] = ()
    review_url: str = "http://localhost:8080/patterns"
    report_dir: Path = paths.DEFAULT_REPORT_DIR
    #: Parquet lake of the raw events, read by the Spark target: a folder (which `runner
    #: ingest --lake` writes) or, for a cluster, a URL such as s3a://bucket/lake.
    lake: str | None = None
    #: The copy of the marts analysts open (runner/publish.py); None: beside the warehouse.
    published: Path | None = None
    #: Extra dbt vars from the config file's [vars] table (thresholds, cost per hour, …).
    dbt_vars: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None

    @property
    def published_path(self) -> Path:
        """Where each successful build publishes the marts for analysts."""
        return self.published or paths.default_published(self.warehouse)

    def dbt_run_vars(self) -> dict[str, Any]:
        """The vars every dbt invocation gets: the window plus configured overrides."""
        return {
            **self.dbt_vars,
            "hook_patterns_run_date": self.run_date.isoformat(),
            "hook_patterns_window_hours": self.window_hours,
        }


def load_config_file(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """Read the config file. An explicitly named file must exist; the default may not."""
    explicit = path is not None or "RUNNER_CONFIG" in os.environ
    candidate = path or Path(os.environ.get("RUNNER_CONFIG", paths.DEFAULT_CONFIG_FILE))
    if not candidate.exists():
        if explicit:
            raise RunnerError(
                f"config file {candidate} does not exist",
                "check --config / RUNNER_CONFIG, or copy runner.example.toml",
            )
        return {}, None
    try:
        data = tomllib.loads(candidate.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RunnerError(f"config file {candidate} is not valid TOML: {exc}") from exc
    try:
        checked = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(candidate, exc) from None
    return checked.model_dump(exclude_none=True), candidate


def resolve(
    *,
    config: Path | None = None,
    warehouse: Path | None = None,
    source: str | None = None,
    target: str | None = None,
    run_date: dt.date | dt.datetime | None = None,
    window_hours: int | None = None,
    channels: list[str] | None = None,
    review_url: str | None = None,
    report_dir: Path | None = None,
    lake: str | None = None,
    published: Path | None = None,
) -> Settings:
    """Merge values given on the command line (or environment) over the config file."""
    data, config_path = load_config_file(config)
    defaults = Settings()

    def pick(cli_value: Any, key: str) -> Any:
        if cli_value is not None and cli_value != []:
            return cli_value
        if key in data:
            return data[key]
        return getattr(defaults, key)

    if isinstance(run_date, dt.datetime):
        run_date = run_date.date()
    hours = int(pick(window_hours, "window_hours"))
    if hours <= 0:
        raise RunnerError(f"window hours must be positive, got {hours}")
    return Settings(
        warehouse=Path(pick(warehouse, "warehouse")),
        source=pick(source, "source"),
        target=str(pick(target, "target")),
        run_date=run_date or defaults.run_date,
        window_hours=hours,
        channels=tuple(pick(channels, "channels")),
        review_url=str(pick(review_url, "review_url")),
        report_dir=Path(pick(report_dir, "report_dir")),
        lake=_optional_text(pick(lake, "lake")),
        published=_optional_path(pick(published, "published")),
        dbt_vars=dict(data.get("vars", {})),
        config_file=config_path,
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _optional_path(value: Any) -> Path | None:
    return None if value is None or value == "" else Path(value)
