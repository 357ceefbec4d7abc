"""The project's dbt macros, called from Python: a rule written in SQL gets no Python copy.

Each ``{% macro %}`` of a file is compiled on its own, as dbt compiles them, so the macros
of a file call one another through the context, and ``return(value)`` hands a value (a
date, a number) back to the caller as in dbt. Only plain Jinja is here: no adapter, no
refs, no dbt context beyond what the caller passes (``var``, ``modules``, …). That is
enough for a macro that builds an expression from its arguments, such as the DuckDB
timestamp parsing the data-quality checks share with staging.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from runner import paths

MACRO_DIR = paths.PROJECT_DIR / "macros"

_MACRO = re.compile(r"{%-?\s*macro\s+(?P<name>\w+)\s*\(.*?\)\s*-?%}.*?{%-?\s*endmacro\s*-?%}", re.S)


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _return(value: Any) -> None:
    raise _Return(value)


def project_macros(file: str | Path, **context: Any) -> dict[str, Callable[..., Any]]:
    """The macros of ``file`` (under macros/ unless absolute), by name, as callables.

    A call returns what the macro renders (str), or the value it passes to ``return()``.
    ``context`` is what the macros read besides their arguments (``var``, ``modules``,
    ``exceptions``, …).
    """
    text = (MACRO_DIR / file).read_text()
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    bodies = {match["name"]: match.group(0) for match in _MACRO.finditer(text)}
    compiled: dict[str, Any] = {}

    def call(name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return str(compiled[name](*args, **kwargs))
        except _Return as returned:
            return returned.value

    namespace: dict[str, Any] = {
        "return": _return,
        **context,
        **{name: functools.partial(call, name) for name in bodies},
    }
    for name, body in bodies.items():
        module = environment.from_string(body).make_module(vars=namespace)
        compiled[name] = getattr(module, name)
    return {name: namespace[name] for name in bodies}
