"""Blank out secrets in text that leaves the warehouse (defence in depth).

The marts already redact what they build from commands, but a pattern's text ends up in
a table many people read, in notifications and in reports. Everything the runner copies
out passes through ``redact_secrets`` once more, so a rule missed upstream does not leak
a password. The rules are deliberately greedy: hiding a harmless value costs little,
showing a credential costs a rotation.
"""

from __future__ import annotations

import re

MASK = "***"

#: Names whose value is a secret, as a word part of an environment variable, a JSON key
#: or an option: PASSWORD, DB_PASS, GITHUB_TOKEN, api_key, client-secret, PRIVATE_KEY, …
_SECRET_NAME = (
    r"[\w.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|_pass\b)[\w.-]*"
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole block.
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
        MASK,
    ),
    # Authorization headers and the like.
    (re.compile(r"\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.I), rf"\1\2{MASK}"),
    # Well-known token shapes: OpenAI/Anthropic, GitHub, Slack, AWS access keys, JWTs.
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), MASK),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), MASK),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MASK),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    # NAME=value, NAME: value, "name": "value" with a secret-looking name.
    (
        re.compile(
            rf"(?<![\w-])({_SECRET_NAME})([\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s\"'&;|,}}]+)",
            re.I,
        ),
        "",  # replaced by _keep_quotes
    ),
    # --password value, --token value (the `=` form is covered above).
    (re.compile(rf"(?<![\w-])(--?{_SECRET_NAME})(\s+)(?!-)[^\s\"']+", re.I), rf"\1\2{MASK}"),
)


def _keep_quotes(match: re.Match[str]) -> str:
    """Replace a quoted value by a quoted mask, so JSON and shell text stay well formed."""
    name, separator, value = match.groups()
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{name}{separator}{quote}{MASK}{quote}"


#: scheme://user:password@ — the user is kept. The password runs to the last "@" before
#: white space or a quote, so one holding "@", ":" or "/" unencoded is hidden whole; an
#: "@" further on (in a path or query) hides more than the password, never less.
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s\"'/@:?#]*):[^\s\"']*@", re.I)
#: A password or token as a query parameter (?password=…, &sslpassword=…, ?token=…), or as
#: a key=value pair of a libpq connection string.
_URL_SECRET_PARAMETER = re.compile(r"(?<![\w-])((?:ssl)?password|passwd|token)=[^\s\"'&#]*", re.I)


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it (user info or query) replaced by ``***``.

    The only definition of URL masking: targets, source names, database error messages
    (which may echo the DSN) and :func:`redact_secrets` all use it. Works on the text
    rather than re-assembling a parsed URL, which would turn ``sqlite:///x.db`` into
    ``sqlite:/x.db`` and choke on malformed input.
    """
    text = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    return _URL_SECRET_PARAMETER.sub(rf"\1={MASK}", text)


def redact_secrets(text: str) -> str:
    """``text`` with every password, token, key and URL credential replaced by ``***``.

    Idempotent: redacting a redacted text changes nothing, so re-syncing stays a no-op.
    """
    text = redact_url(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement or _keep_quotes, text)
    return text
