"""URL passwords are masked by one function, wherever a URL is shown or stored.

runner.redaction.redact_url serves the sync target's display name, the ingest source's
name, database error messages and redact_secrets; each is checked here on passwords
that hold the characters URL parsers trip over.
"""

from __future__ import annotations

import pytest

from runner.errors import RunnerError
from runner.redaction import redact_secrets, redact_url
from runner.sources.databases import PostgresSource
from runner.targets import parse_target

#: (URL, its password): "@", ":", "/" unencoded, and a percent-encoded one.
PASSWORDS = [
    ("postgresql://reader:p@ss@db.internal:5432/events", "p@ss"),
    ("postgresql://reader:pa:ss:wd@db.internal:5432/events", "pa:ss:wd"),
    ("postgresql://reader:pa/ss/wd@db.internal:5432/events", "pa/ss/wd"),
    ("postgresql://reader:p%40ss%2Fw%3Ad@db.internal:5432/events", "p%40ss%2Fw%3Ad"),
    ("postgresql+psycopg://reader:@:/@db.internal/events?sslmode=require", "@:/"),
]


@pytest.mark.parametrize(("url", "password"), PASSWORDS)
def test_a_url_password_never_shows(url: str, password: str) -> None:
    masked = redact_url(url)
    assert masked.startswith(url.split("://")[0] + "://reader:***@db.internal")
    assert password not in masked.replace("***", "")
    assert redact_url(masked) == masked  # idempotent


@pytest.mark.parametrize(("url", "password"), PASSWORDS)
def test_every_caller_masks_the_same_way(url: str, password: str) -> None:
    shown = {
        "target": _target_shown(url),
        "source": PostgresSource.from_url(url).name,
        "error message": redact_url(f'could not connect to "{url}": timeout'),
        "free text": redact_secrets(f"psql {url} -c 'select 1'"),
    }
    for where, text in shown.items():
        assert redact_url(url) in text, where
        assert password not in text.replace(redact_url(url), ""), where


def _target_shown(url: str) -> str:
    """The target as the sync shows it, or (an unencoded "/" is no valid URL) its refusal."""
    try:
        return parse_target(url).display
    except RunnerError as exc:
        assert "is malformed" in exc.message
        return exc.message


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "postgresql://reader@h/db?password=s3cret&sslpassword=k3y&application_name=x",
            "postgresql://reader@h/db?password=***&sslpassword=***&application_name=x",
        ),
        ("host=h password=s3cret dbname=events", "host=h password=*** dbname=events"),
        (
            '{"dsn":"postgres://u:pw@h/db","mail":"a@b.c"}',
            '{"dsn":"postgres://u:***@h/db","mail":"a@b.c"}',
        ),
    ],
)
def test_query_passwords_and_quoted_urls(text: str, masked: str) -> None:
    assert redact_url(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "sqlite:///data/pattern_approvals.db",
        "sqlite:////srv/x:y@z.db",
        "postgresql://reader@db.internal:5432/events",
        "https://host:8080/path",
        "mail me at someone@example.com",
    ],
)
def test_urls_without_a_password_are_left_alone(text: str) -> None:
    assert redact_url(text) == text
