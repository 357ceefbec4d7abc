"""Real local stand-ins for the notification channels: an SMTP server and an HTTP receiver.

Both listen on 127.0.0.1 only, on a free port, for the duration of one test. Tests point
Apprise URLs at them (``smtp_server.mailto_url()``, ``http_receiver.apprise_url()``) and
then read what actually arrived. Either can be told to fail, to exercise error handling:

- ``smtp_server.reject_with = "550 rejected"`` makes the server refuse every message;
- ``http_receiver.status = 500`` makes the receiver answer every request with that status.

Import the fixtures into a conftest (``from tests.support.receivers import http_receiver,
smtp_server``) or a test module to use them.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"


def unused_port() -> int:
    """A TCP port on the loopback interface that nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


# --- SMTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The plain-text body (decoded), or the first body part when there is no text/plain."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    @property
    def raw(self) -> str:
        """The whole message, every part decoded, for 'does X appear anywhere' checks."""
        chunks = [f"{key}: {value}" for key, value in self.message.items()]
        for part in self.message.walk():
            if not part.is_multipart():
                chunks.append(str(part.get_content()))
        return "\n".join(chunks)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that records what it accepts.

    It accepts AUTH (PLAIN/LOGIN, without TLS) for ``username``/``password`` only, and
    works without AUTH too. Set ``reject_with`` to an SMTP reply such as
    ``"550 rejected"`` to refuse every message at the DATA stage; set it back to
    ``None`` to accept again.
    """

    username = "runner"
    password = "smtp-s3cret-Passw0rd"

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = unused_port()
        self.messages: list[ReceivedMail] = []
        self.reject_with: str | None = None
        self._controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            auth_require_tls=False,
            authenticator=self._authenticate,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def mailto_url(
        self,
        *,
        to: str = "reviewers@example.com",
        sender: str = "runner@example.com",
        with_auth: bool = True,
    ) -> str:
        """The Apprise URL that delivers to this server (with credentials by default)."""
        auth = f"{quote(self.username)}:{quote(self.password, safe='')}@" if with_auth else ""
        query = urlencode({"to": to, "from": sender})
        return f"mailto://{auth}{self.host}:{self.port}?{query}"

    # aiosmtpd hooks ---------------------------------------------------------------------
    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reject_with:
            return self.reject_with
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=message,
            )
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1; see `SmtpServer` for its API."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- HTTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode())


@dataclass
class HttpReceiver:
    """An HTTP server on 127.0.0.1 that records every request and answers ``status``.

    ``requests`` holds every request received, including the ones answered with an
    error status. Set ``status = 500`` (or any code) to fail requests, and back to 200
    to succeed again.
    """

    host: str = LOOPBACK
    port: int = 0
    status: int = 200
    requests: list[ReceivedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def apprise_url(self, path: str = "/hook", scheme: str = "json") -> str:
        """An Apprise URL for this receiver: ``json://`` by default, or ``form://``/``xml://``."""
        return f"{scheme}://{self.host}:{self.port}{path}"

    def record(self, request: ReceivedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return self.status


def _handler_for(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status = receiver.record(
                ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={key: value for key, value in self.headers.items()},
                    body=body,
                )
            )
            payload = b'{"ok": true}' if status < 400 else b'{"error": "receiver told to fail"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_PUT = do_GET = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet; the requests are recorded instead."""

    return Handler


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A running HTTP receiver on 127.0.0.1; see `HttpReceiver` for its API."""
    receiver = HttpReceiver()
    server = ThreadingHTTPServer((LOOPBACK, 0), _handler_for(receiver))
    server.daemon_threads = True
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="http-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
