"""How the dbt models name a tool call (``Bash(git commit)``), mirrored in Python.

The generator names its calls with it, so the summary can count the planted workflows
as a build counts them; the benchmark's reference miner (benchmarks/reference.py) and
the tests use it too, fed the rules of the dbt seed. Public: nothing here is private to
the generator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SignatureRule:
    """How a Bash program is named in a signature (a row of the dbt seed)."""

    alias: str | None = None  # the name to show (python3 -> python)
    keep_subcommand: bool = False  # git commit, npm test, make lint
    unwrap_regex: str | None = None  # the program only launches the next one (uv run X)
    script_regex: str | None = None  # group 1 names what it runs (python x.py, python -c)


# What an interpreter runs: a script (its first word that is not an option) or an
# inline-code flag. Options before it are skipped (lazily, so `-c` is found first).
_SCRIPT = r"""[^\s;&|()<>"'-][^\s;&|()<>"']*"""
_SCRIPT_END = r"""(?:[\s;&|)"']|$)"""
# fmt: off
_KEEP_SUBCOMMAND = (
    "git", "gh", "npm", "yarn", "pip", "docker", "docker-compose", "podman", "kubectl",
    "helm", "terraform", "cargo", "go", "dotnet", "make", "brew", "apt", "apt-get", "dbt",
)
# fmt: on
_UNWRAP_OPTIONS = r"^(-\S+\s+)*"
_PYTHON = SignatureRule(
    "python",
    False,
    r"^(-[A-Za-z]+\s+)*-m\s+",
    r"^(?:-[WX]\s+\S+\s+|-\S+\s+)*?(-c|" + _SCRIPT + ")",
)
_SHELL = SignatureRule(
    None,
    False,
    r"""^(-\S+\s+)*-[A-Za-z]*c\s+["']?""",
    r"^(?:-[oO]\s+\S+\s+|-\S+\s+)*?(" + _SCRIPT + ")",
)
_TS_RUNNER = SignatureRule(None, False, None, r"^(?:-\S+\s+)*?(-e|--eval|" + _SCRIPT + ")")
#: Mirror of seeds/tool_signature_rules.csv, so that the generator (which must not
#: depend on files another team edits, or its output would change) names commands as
#: the dbt models do. tests/test_sample.py checks the mirror equals the seed
#: (benchmarks.reference.seed_rules reads it).
SIGNATURE_RULES: dict[str, SignatureRule] = {
    **{name: SignatureRule(keep_subcommand=True) for name in _KEEP_SUBCOMMAND},
    "bun": SignatureRule(
        None,
        True,
        None,
        r"^(?:run\s+)?(?:-\S+\s+)*?(-e|--eval|" + _SCRIPT + r"\.[cm]?[jt]sx?)" + _SCRIPT_END,
    ),
    "pnpm": SignatureRule(None, True, r"^(exec|dlx)\s+(-\S+\s+)*"),
    "npx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "bunx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "uv": SignatureRule(None, True, r"^run\s+(-\S+\s+)*"),
    "uvx": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "poetry": SignatureRule(None, True, r"^run\s+"),
    "pipenv": SignatureRule(None, True, r"^run\s+"),
    "pip3": SignatureRule("pip", True),
    "python": SignatureRule(None, False, _PYTHON.unwrap_regex, _PYTHON.script_regex),
    **{f"python3{v}": _PYTHON for v in ("", ".9", ".10", ".11", ".12", ".13")},
    "py.test": SignatureRule("pytest"),
    "mvn": SignatureRule(),
    "gradle": SignatureRule(),
    "xargs": SignatureRule(None, False, _UNWRAP_OPTIONS),
    "bash": _SHELL,
    "sh": _SHELL,
    "zsh": _SHELL,
    "node": SignatureRule(
        None,
        False,
        None,
        r"^(?:(?:-r|--require|--import|--loader)\s+\S+\s+|-\S+\s+)*?"
        r"(-e|-p|--eval|--print|" + _SCRIPT + ")",
    ),
    "deno": SignatureRule(None, True, None, r"^run\s+(?:-\S+\s+)*?(" + _SCRIPT + ")"),
    "tsx": _TS_RUNNER,
    "ts-node": _TS_RUNNER,
    "ruby": SignatureRule(None, False, None, r"^(?:-[IrC]\s+\S+\s+|-\S+\s+)*?(-e|" + _SCRIPT + ")"),
    "perl": SignatureRule(
        None,
        False,
        None,
        r"^(?:-[IM]\s+\S+\s+|-\S+\s+)*?(-[lnpai]*[eE]|" + _SCRIPT + ")" + _SCRIPT_END,
    ),
    "php": SignatureRule(None, False, None, r"^(?:-[dcz]\s+\S+\s+|-\S+\s+)*?(-r|" + _SCRIPT + ")"),
}

# The prefixes macros/bash_commands.sql strips before the real program: blanks, `(`,
# NAME=value, `export NAME=value &&`, `cd dir &&`, `source f &&`, sudo, timeout, nohup,
# time, env, exec, command, nice.
_WORD = r"""("[^"]*"|'[^']*'|[^\s;&|]+)"""
_PREFIXES = (
    r"\s+",
    r"\(",
    r"""[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|[^\s"']*)(\s+|\s*(&&|;)\s*)""",
    r"""export\s+[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|[^\s;&|"']*)\s*(&&|;)\s*""",
    r"(cd|pushd)(\s+" + _WORD + r")?\s*(&&|;)\s*",
    r"(source|\.)\s+" + _WORD + r"\s*(&&|;)\s*",
    r"sudo(\s+(-[ugCDhprt]\s+[^\s-]\S*|-\S+))*\s+",
    r"timeout(\s+(-[sk]\s+\S+|-\S+))*\s+[0-9.]+[smhd]?\s+",
    r"nohup\s+",
    r"time(\s+-p)?\s+",
    r"env(\s+-\S+)*\s+",
    r"exec\s+",
    r"command\s+",
    r"nice(\s+-n\s*-?[0-9]+|\s+-[0-9]+)?\s+",
)
STRIP_PREFIXES = "^(" + "|".join(_PREFIXES) + ")+"
FIRST_WORD = r"""^["']?([^\s;&|()<>"']+)"""
AFTER_FIRST_WORD = r"""^["']?[^\s;&|()<>"']*["']?\s*"""
SUBCOMMAND = r"""^([A-Za-z0-9][A-Za-z0-9:_.-]*)(\s|$|[;&|)"'])"""
_STRIP_PREFIXES = re.compile(STRIP_PREFIXES)
_FIRST_WORD = re.compile(FIRST_WORD)
_AFTER_FIRST_WORD = re.compile(AFTER_FIRST_WORD)
_SUBCOMMAND = re.compile(SUBCOMMAND)


def _first_word(text: str) -> tuple[str | None, str]:
    match = _FIRST_WORD.match(text)
    program = match.group(1).rsplit("/", 1)[-1] if match else ""
    return program or None, _AFTER_FIRST_WORD.sub("", text, count=1)


def _qualifier(rule: SignatureRule | None, rest: str) -> str | None:
    """What follows the program in the signature: the script's file name or inline-code
    flag (``script_regex``), else the subcommand where the rule keeps it."""
    if rule is None:
        return None
    if rule.script_regex:
        match = re.search(rule.script_regex, rest)
        script = match.group(1).rsplit("/", 1)[-1] if match and match.group(1) else ""
        if script:
            return script
    subcommand = _SUBCOMMAND.match(rest) if rule.keep_subcommand else None
    return subcommand.group(1) if subcommand else None


def bash_signature(command: str, rules: dict[str, SignatureRule] | None = None) -> str:
    """``Bash(<program>)`` or ``Bash(<program> <qualifier>)``, as the dbt models name it.

    A Python mirror of int_tool_calls_signed (macros/bash_commands.sql and the seed
    tool_signature_rules): strip the prefixes, take the first word without its directory,
    unwrap launchers twice (``uv run python -m pytest`` -> pytest), stripping the
    prefixes of what they launch (``bash -c "cd web && npm test"`` -> npm test), apply the
    alias, then name what an interpreter runs (``python -u scripts/x.py`` -> x.py,
    ``python -c``) or keep the subcommand where the rule says so.
    """
    rules = SIGNATURE_RULES if rules is None else rules
    program, rest = _first_word(_STRIP_PREFIXES.sub("", command, count=1))
    for _ in range(2):
        rule = rules.get(program) if program else None
        if rule is not None and rule.unwrap_regex and re.search(rule.unwrap_regex, rest):
            launched = re.sub(rule.unwrap_regex, "", rest, count=1)
            program, rest = _first_word(_STRIP_PREFIXES.sub("", launched, count=1))
    if program is None:
        return "Bash"
    rule = rules.get(program)
    name = (rule.alias if rule else None) or program
    qualifier = _qualifier(rule, rest)
    return f"Bash({name} {qualifier})" if qualifier else f"Bash({name})"


def tool_signature(tool_name: str, tool_input: dict[str, Any] | None = None) -> str:
    """The step signature of one tool call: ``Read``, ``Bash(pytest)``, ``mcp__github__…``."""
    if tool_name == "Bash" and tool_input and isinstance(tool_input.get("command"), str):
        return bash_signature(tool_input["command"])
    return tool_name
