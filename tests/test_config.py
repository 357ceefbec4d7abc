"""Settings precedence: command line > environment > config file > defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from runner import config
from runner.errors import RunnerError


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_work_with_nothing_configured(workdir: Path) -> None:
    settings = config.resolve()
    assert settings.warehouse == Path("data/warehouse.duckdb")
    assert settings.target == "sqlite:///data/pattern_approvals.db"
    assert settings.window_hours == 24
    assert settings.run_date == dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert settings.config_file is None


def test_config_file_overrides_defaults_and_cli_overrides_file(workdir: Path) -> None:
    write_config(
        workdir / "runner.toml",
        'warehouse = "from-file.duckdb"\nwindow_hours = 48\nchannels = ["json://127.0.0.1:1/x"]\n'
        "[vars]\nhook_patterns_cost_per_hour_usd = 150\n",
    )
    from_file = config.resolve()
    assert from_file.warehouse == Path("from-file.duckdb")
    assert from_file.window_hours == 48
    assert from_file.channels == ("json://127.0.0.1:1/x",)
    assert from_file.dbt_run_vars()["hook_patterns_cost_per_hour_usd"] == 150

    from_cli = config.resolve(warehouse=Path("cli.duckdb"), window_hours=6)
    assert from_cli.warehouse == Path("cli.duckdb")
    assert from_cli.window_hours == 6
    assert from_cli.dbt_run_vars()["hook_patterns_window_hours"] == 6


def test_environment_beats_config_file_through_the_cli(
    workdir: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner.cli import app

    write_config(workdir / "runner.toml", 'source = "nothing-here-*.jsonl"\n')
    monkeypatch.setenv("RUNNER_SOURCE", "env-source-*.jsonl")
    result = cli.invoke(app, ["ingest"])
    assert result.exit_code == 1
    assert "env-source-" in result.output
    assert "nothing-here" not in result.output


def test_named_config_file_must_exist(workdir: Path) -> None:
    with pytest.raises(RunnerError, match="does not exist"):
        config.resolve(config=workdir / "missing.toml")


def test_unknown_keys_and_bad_toml_are_clear_errors(workdir: Path) -> None:
    bad_key = write_config(workdir / "a.toml", 'warehose = "typo.duckdb"\n')
    with pytest.raises(RunnerError, match="warehose: unknown key"):
        config.resolve(config=bad_key)
    bad_toml = write_config(workdir / "b.toml", "warehouse = \n")
    with pytest.raises(RunnerError, match="not valid TOML"):
        config.resolve(config=bad_toml)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('window_hours = "abc"\n', "window_hours: Input should be a valid integer (got 'abc')"),
        ("window_hours = 0\n", "window_hours: Input should be greater than 0 (got 0)"),
        ('channels = "slack://x"\n', "channels: Input should be a valid list (got 'slack://x')"),
        ("channels = [1]\n", "channels.0: Input should be a valid string (got 1)"),
        (
            "[vars]\nhook_patterns_cost_per_hour = 150\n",
            "unknown dbt var(s) hook_patterns_cost_per_hour",
        ),
        ("[vars]\nhook_patterns_min_sessions = [3]\n", "vars.hook_patterns_min_sessions"),
    ],
)
def test_wrong_values_are_one_line_naming_the_key(workdir: Path, text: str, message: str) -> None:
    path = write_config(workdir / "runner.toml", text)
    with pytest.raises(RunnerError) as caught:
        config.resolve(config=path)
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_a_config_mistake_is_one_line_on_the_cli(workdir: Path, cli) -> None:
    from runner.cli import app

    write_config(workdir / "runner.toml", 'window_hours = "abc"\n')
    result = cli.invoke(app, ["build"])
    assert result.exit_code == 1
    assert "window_hours" in result.output
    assert "Traceback" not in result.output


def test_example_config_is_valid(workdir: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "runner.example.toml"
    settings = config.resolve(config=example)
    assert settings.target.startswith("postgresql://")
    assert len(settings.channels) == 2
