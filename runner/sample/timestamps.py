"""Time as integer microseconds since 1970 (UTC), and its two text forms: SQLite's
``YYYY-MM-DD HH:MM:SS.ffffff`` and ISO 8601 with Z. Formatting is cached per minute
(the hot path of writing a row)."""

from __future__ import annotations

import datetime as dt

MS = 1_000  # microseconds
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

EPOCH = dt.datetime(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()
_MINUTE_TEXT: dict[int, str] = {}
_MINUTE_ISO: dict[int, str] = {}


def _minute_prefix(minute: int, cache: dict[int, str], fmt: str) -> str:
    if len(cache) > 50_000:
        cache.clear()
    text = cache[minute] = (EPOCH + dt.timedelta(minutes=minute)).strftime(fmt)
    return text


def fmt_ts(ts_us: int) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff', UTC: how SQLite stores a timestamp as text."""
    minute, rest = divmod(ts_us, MINUTE)
    prefix = _MINUTE_TEXT.get(minute) or _minute_prefix(minute, _MINUTE_TEXT, "%Y-%m-%d %H:%M:")
    return "%s%02d.%06d" % (prefix, rest // SECOND, rest % SECOND)  # noqa: UP031 - hot path


def fmt_iso(ts_us: int) -> str:
    """ISO 8601 with Z, as a logging hook stamps Claude Code's records."""
    minute, rest = divmod(ts_us, MINUTE)
    prefix = _MINUTE_ISO.get(minute) or _minute_prefix(minute, _MINUTE_ISO, "%Y-%m-%dT%H:%M:")
    seconds, us = divmod(rest, SECOND)
    return f"{prefix}{seconds:02d}.{us:06d}Z"
