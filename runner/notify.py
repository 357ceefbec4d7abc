"""`runner notify`: tell reviewers about patterns that became pending since the last notice.

What is sent, and to whom:
- The target's ``pattern_approvals`` is the source of truth: only patterns whose status is
  ``pending`` there *now* are announced (a reviewer may already have acted on others).
  Notify only reads the target; it never writes to it and never blocks the sync.
- Each channel (an Apprise URL) gets at most one message per run, listing the pending
  patterns it has not been told about yet.

Never twice: the warehouse keeps ``runner.notifications`` (one row per pattern and channel
that was announced successfully) and ``runner.notification_attempts`` (one row per send,
ok or not). Channels are identified by ``channel_key``, a hash of the URL without its
password, so no secret lands in the warehouse and a password rotation does not re-announce
everything. A failed channel is retried on the next run; the others are not affected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

import apprise
import duckdb
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from runner import bookkeeping
from runner import warehouse as warehouse_db
from runner.config import Settings
from runner.errors import RunnerError
from runner.redaction import redact_secrets
from runner.targets import Target, connect, describe_db_error, parse_target

log = logging.getLogger(__name__)

#: Bounds on one channel, so that a dead server cannot hang the daily run. Apprise's
#: per-URL ``?cto=``/``?rto=`` parameters win over these when the operator sets them.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
#: Hard ceiling on one send attempt, whatever the plugin does (Apprise stops waiting).
SERVICE_TIMEOUT_S = 30.0
#: Attempts per channel and run (the first one plus quick retries), then wait for the next run.
SEND_ATTEMPTS = 2
RETRY_WAIT_S = 0.5
#: Patterns listed one by one in a message; the rest are counted and linked.
MAX_LISTED_PATTERNS = 50

PENDING_SQL = """
select pattern_id, tool_sequence, occurrence_count, confidence_score, estimated_savings_usd
from pattern_approvals
where status = 'pending'
order by estimated_savings_usd desc, pattern_id
"""


# --- what is announced -------------------------------------------------------------------
@dataclass(frozen=True)
class PendingPattern:
    pattern_id: str
    tool_sequence: str
    occurrence_count: int
    confidence_score: float
    estimated_savings_usd: float


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def compose_message(patterns: Sequence[PendingPattern], review_url: str) -> Message:
    """One message for one channel: a summary line, the patterns, and the review UI link."""
    base = review_url.rstrip("/")
    total = sum(p.estimated_savings_usd for p in patterns)
    # each synced row heads a family (its sub-patterns and repetitions are not synced)
    noun = "pattern family" if len(patterns) == 1 else "pattern families"
    summary = (
        f"{len(patterns)} new pending {noun} to review, estimated savings {_usd(total)} in total."
    )
    lines = [summary, ""]
    for number, pattern in enumerate(patterns[:MAX_LISTED_PATTERNS], start=1):
        lines += [
            f"{number}. {pattern.tool_sequence}",
            f"   occurrences {pattern.occurrence_count} · "
            f"confidence {pattern.confidence_score:.3f} · "
            f"savings {_usd(pattern.estimated_savings_usd)}",
            f"   {base}/{pattern.pattern_id}",
        ]
    hidden = len(patterns) - MAX_LISTED_PATTERNS
    if hidden > 0:
        lines.append(f"… and {hidden} more in the review UI.")
    lines += ["", f"Review them: {base}"]
    title = f"{len(patterns)} new pending {noun} to review ({_usd(total)})"
    return Message(title=redact_secrets(title), body=redact_secrets("\n".join(lines)))


def _usd(amount: float) -> str:
    return f"${amount:,.2f}"


# --- channels ----------------------------------------------------------------------------
#: Schemes whose host part is a real host name; for every other scheme (slack://TokenA/…)
#: the "host" is a credential and is hidden from labels.
_HOST_SCHEMES = frozenset(
    {"mailto", "mailtos", "json", "jsons", "form", "forms", "xml", "xmls", "http", "https"}
)


_SECRET_QUERY_KEY = re.compile(r"(?i)pass|pwd|token|secret|key|auth|sig")


@dataclass(frozen=True)
class Channel:
    """One notification channel: the Apprise URL plus its secret-free identities."""

    url: str

    @property
    def key(self) -> str:
        """Stable id for bookkeeping: sha256 of the URL without its password."""
        without_password = _without_password(urlsplit(self.url.strip()))
        return hashlib.sha256(urlunsplit(without_password).encode()).hexdigest()[:32]

    @property
    def secrets(self) -> list[str]:
        """The parts of the URL that the label hides, to scrub from error messages."""
        parts = urlsplit(self.url.strip())
        found = [parts.password or ""]
        pairs = (pair.partition("=") for pair in parts.query.split("&"))
        found += [value for key, _, value in pairs if _SECRET_QUERY_KEY.search(key)]
        found += [seg for seg in parts.path.split("/") if _looks_secret(seg)]
        if parts.scheme.lower() not in _HOST_SCHEMES:
            found += [parts.netloc, *parts.path.split("/")]
        return [secret for secret in found if len(secret) >= 4]

    @property
    def label(self) -> str:
        """A readable name safe to print and store: no password, token or query string."""
        return channel_label(self.url)


def channel_label(url: str) -> str:
    """scheme://[user:***@]host[:port]/path, with token-like parts masked and no query."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "<unparseable channel URL>"
    scheme = parts.scheme.lower() or "?"
    if scheme not in _HOST_SCHEMES:
        return f"{scheme}://***"
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username and parts.password else ""
    if parts.username and not parts.password:
        user = f"{parts.username}@"
    netloc = f"{user}{host}{f':{port}' if port else ''}"
    path = "/".join("***" if _looks_secret(seg) else seg for seg in parts.path.split("/"))
    return f"{scheme}://{netloc}{path}"


def _looks_secret(segment: str) -> bool:
    has_digit = any(c.isdigit() for c in segment)
    has_alpha = any(c.isalpha() for c in segment)
    return len(segment) >= 20 or (len(segment) >= 8 and has_digit and has_alpha)


def _without_password(parts: SplitResult) -> SplitResult:
    if parts.password is None:
        return parts
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username or ''}@{host}")


def load_channel(url: str) -> apprise.Apprise | None:
    """An Apprise object holding just this URL, with bounded timeouts; None if invalid.

    Nothing is sent here, so this is also how a URL is validated.
    """
    asset = apprise.AppriseAsset(service_timeout=SERVICE_TIMEOUT_S, storage_mode="memory")
    service = apprise.Apprise.instantiate(url, asset=asset)
    if service is None:
        return None
    query = urlsplit(url).query
    if not re.search(r"(^|&)cto=", query):
        service.socket_connect_timeout = min(service.socket_connect_timeout, CONNECT_TIMEOUT_S)
    if not re.search(r"(^|&)rto=", query):
        service.socket_read_timeout = min(service.socket_read_timeout, READ_TIMEOUT_S)
    # One message per channel and run: no rate limit to respect, so the quick retry
    # need not wait out the plugin's throttle (5.5 s for email).
    service.request_rate_per_sec = 0
    sender = apprise.Apprise(asset=asset)
    sender.add(service)
    return sender


class DeliveryError(Exception):
    """A send that Apprise reported as failed (the message is safe to print)."""


def deliver(sender: apprise.Apprise, message: Message, secrets: Sequence[str] = ()) -> None:
    """Send, retrying quickly a couple of times; raise DeliveryError when it still fails."""

    @retry(
        stop=stop_after_attempt(SEND_ATTEMPTS),
        wait=wait_fixed(RETRY_WAIT_S),
        retry=retry_if_exception_type(DeliveryError),
        reraise=True,
    )
    def attempt() -> None:
        with _apprise_details_logged():
            result = sender.notify(
                body=message.body,
                title=message.title,
                body_format=apprise.NotifyFormat.TEXT,
                log_level=logging.DEBUG,
            )
        if not result:
            raise DeliveryError(_failure_reason(result, secrets))

    attempt()


#: Apprise logs a failure's cause (SMTP reply, socket error) at DEBUG only, with this prefix.
_DETAIL_PREFIX = "Socket Exception:"


@contextmanager
def _apprise_details_logged() -> Iterator[None]:
    """Let Apprise create its DEBUG records for this call, so the result carries the cause."""
    logger = logging.getLogger("apprise")
    saved = logger.level
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.setLevel(saved)


def _failure_reason(result: apprise.AppriseResult, secrets: Sequence[str]) -> str:
    """What Apprise said went wrong, plus the underlying cause, without any secret."""
    said: list[str] = []
    causes: list[str] = []
    for entry in result.logs():
        text = str(entry.message).strip()
        if text.startswith(_DETAIL_PREFIX):
            causes.append(_short_cause(text.removeprefix(_DETAIL_PREFIX)))
        elif str(entry.level).upper() in {"WARNING", "ERROR", "CRITICAL"}:
            said.append(text.rstrip("."))
    reason = "; ".join(dict.fromkeys(said)) or "the channel reported a failure"
    if causes:
        reason += f" ({'; '.join(dict.fromkeys(causes))})"
    for secret in sorted(secrets, key=len, reverse=True):
        reason = reason.replace(secret, "***")
    return redact_secrets(reason)


def _short_cause(text: str) -> str:
    """The OS error or timeout inside a requests/urllib3 exception, else the text itself."""
    if match := re.search(r"\[Errno -?\d+\] [^\"')]+", text):
        return match.group(0).strip()
    if match := re.search(r"(?i)(read|connect) timed out[^)]*\)?", text):
        return match.group(0).strip()
    return text.strip()[:300]


# --- outcome -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelOutcome:
    label: str
    pattern_count: int
    ok: bool
    error: str | None = None

    def describe(self) -> str:
        if not self.ok:
            return f"  ✗ {self.label}: failed: {self.error}; queued for the next run"
        if self.pattern_count == 0:
            return f"  · {self.label}: nothing new"
        return f"  ✓ {self.label}: sent {self.pattern_count} pattern(s)"


@dataclass
class NotifySummary:
    """What `runner notify` did; the CLI prints `describe()` and exits 1 unless `success`.

    A :class:`runner.outcome.StepOutcome`: each failed channel is a failure.
    """

    pending_count: int = 0
    outcomes: list[ChannelOutcome] = field(default_factory=list)
    channels_configured: bool = True

    @property
    def success(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes)

    @property
    def failed_channels(self) -> list[str]:
        return [outcome.label for outcome in self.outcomes if not outcome.ok]

    @property
    def sent_count(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.ok and outcome.pattern_count)

    @property
    def description(self) -> str:
        if not self.channels_configured:
            return (
                "notify: no notification channel configured; nothing sent "
                "(use --channel, RUNNER_CHANNELS or `channels` in runner.toml)"
            )
        head = (
            f"notify: {self.pending_count} pending pattern(s); "
            f"{self.sent_count} of {len(self.outcomes)} channel(s) got a message"
        )
        if self.failed_channels:
            head += f", {len(self.failed_channels)} failed (retried next run): " + ", ".join(
                self.failed_channels
            )
        return head

    @property
    def failures(self) -> list[str]:
        return [f"{o.label}: {o.error}" for o in self.outcomes if not o.ok]

    @property
    def warnings(self) -> list[str]:
        return []

    def describe(self) -> str:
        return "\n".join([self.description, *(outcome.describe() for outcome in self.outcomes)])


# --- the service -------------------------------------------------------------------------
def notify_reviewers(settings: Settings) -> NotifySummary:
    """Send each channel the pending patterns it has not been told about yet."""
    channels = _unique_channels(settings.channels)
    if not channels:
        return NotifySummary(channels_configured=False)
    pending = fetch_pending_patterns(settings.target)
    announced = _announced_pattern_ids(settings.warehouse)
    summary = NotifySummary(pending_count=len(pending))
    run_id = f"notify-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    for channel in channels:
        told = announced.get(channel.key, set())
        new = [pattern for pattern in pending if pattern.pattern_id not in told]
        outcome = _notify_channel(settings, run_id, channel, new)
        if not outcome.ok:
            log.warning("notification to %s failed: %s", outcome.label, outcome.error)
        summary.outcomes.append(outcome)
    return summary


def _unique_channels(urls: Sequence[str]) -> list[Channel]:
    seen: dict[str, Channel] = {}
    for url in urls:
        if url.strip():
            channel = Channel(url.strip())
            seen.setdefault(channel.key, channel)
    return list(seen.values())


def _notify_channel(
    settings: Settings, run_id: str, channel: Channel, new: Sequence[PendingPattern]
) -> ChannelOutcome:
    """One message with the channel's new patterns; logged before the next channel is tried."""
    if not new:
        return ChannelOutcome(channel.label, 0, ok=True)
    error = _send(channel, compose_message(new, settings.review_url))
    _record_attempt(settings.warehouse, run_id, channel, new, error)
    return ChannelOutcome(channel.label, len(new), ok=error is None, error=error)


def _send(channel: Channel, message: Message) -> str | None:
    """None when delivered, else why not. Never raises for a channel's own failure."""
    sender = load_channel(channel.url)
    if sender is None:
        return "invalid channel URL (Apprise cannot load it; check the scheme and its fields)"
    try:
        deliver(sender, message, secrets=channel.secrets)
    except DeliveryError as exc:
        return str(exc)
    return None


# --- target (read only) ------------------------------------------------------------------
def fetch_pending_patterns(target_url: str) -> list[PendingPattern]:
    """The patterns whose status in the target's pattern_approvals is pending, right now."""
    target = parse_target(target_url)
    if not target.exists:
        raise RunnerError(
            f"cannot read pending patterns: {target.display} does not exist",
            _TARGET_HINT,
        )
    with closing(connect(target, read_only=True)) as con:
        try:
            rows = con.execute(PENDING_SQL).fetchall()
        except _driver_errors(target) as exc:
            raise RunnerError(
                "cannot read pending patterns from "
                f"{target.display}: {describe_db_error(exc, target)}",
                _TARGET_HINT,
            ) from None
    return [
        PendingPattern(
            pattern_id=str(row[0]),
            tool_sequence=str(row[1]),
            occurrence_count=int(row[2]),
            confidence_score=float(row[3]),
            estimated_savings_usd=float(row[4]),
        )
        for row in rows
    ]


_TARGET_HINT = "run `runner sync-approvals` first, and check --target / RUNNER_TARGET"


def _driver_errors(target: Target) -> tuple[type[Exception], ...]:
    if target.dialect == "postgres":
        import psycopg

        return (psycopg.Error,)
    return (sqlite3.Error,)


# --- warehouse bookkeeping ---------------------------------------------------------------
@contextmanager
def _warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection (the file is not held while messages go out)."""
    con = warehouse_db.connect(path)
    try:
        bookkeeping.create_tables(con)
        yield con
    finally:
        con.close()


def _announced_pattern_ids(warehouse: Path) -> dict[str, set[str]]:
    """Per channel_key, the patterns already announced successfully on that channel."""
    with _warehouse(warehouse) as con:
        rows = con.execute("select channel_key, pattern_id from runner.notifications").fetchall()
    announced: dict[str, set[str]] = {}
    for channel_key, pattern_id in rows:
        announced.setdefault(str(channel_key), set()).add(str(pattern_id))
    return announced


def _record_attempt(
    warehouse: Path,
    run_id: str,
    channel: Channel,
    patterns: Sequence[PendingPattern],
    error: str | None,
) -> None:
    """Log the attempt and, when it succeeded, mark its patterns announced: one transaction."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with _warehouse(warehouse) as con:
        con.execute("begin transaction")
        con.execute(
            "insert into runner.notification_attempts values (?, ?, ?, ?, ?, ?, ?)",
            [run_id, channel.key, channel.label, now, error is None, error, len(patterns)],
        )
        if error is None:
            con.executemany(
                "insert into runner.notifications values (?, ?, ?) on conflict do nothing",
                [[pattern.pattern_id, channel.key, now] for pattern in patterns],
            )
        con.execute("commit")
