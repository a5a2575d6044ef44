"""Real SMTP for the tests: one aiosmtpd server that keeps what it accepts, a blackhole, a closed port."""

from __future__ import annotations

import collections
import contextlib
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Handler:
    """Answers DATA with the next queued reply (``250`` once the queue is empty); keeps what it accepted."""

    def __init__(self) -> None:
        self.replies: collections.deque[str] = collections.deque()
        self.received: list[EmailMessage] = []
        self.envelopes: list = []
        self.attempts = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.attempts += 1
            reply = self.replies.popleft() if self.replies else "250 2.0.0 OK"
            if reply.startswith("250"):
                self.keep(envelope)
        return reply

    def keep(self, envelope) -> None:
        """Record an accepted message and its envelope (call with ``lock`` held)."""
        raw = envelope.original_content or envelope.content
        self.received.append(email.message_from_bytes(raw, policy=email.policy.default))
        self.envelopes.append(envelope)

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the accepted messages, oldest first."""
        with self.lock:
            return list(self.received)

    def envelope_of(self, message: EmailMessage):
        """The SMTP envelope (``mail_from``, ``rcpt_tos``) ``message`` arrived in."""
        with self.lock:
            return next(e for m, e in zip(self.received, self.envelopes, strict=True) if m is message)

    def matching(self, text: str) -> list[EmailMessage]:
        """Messages whose subject or any text part contains ``text``."""
        return [m for m in self.messages if text in message_text(m)]

    def wait_for(self, text: str, *, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """Wait until ``count`` messages contain ``text``; return them (fails on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(text)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} email(s) containing {text!r} within {timeout}s, got {self.matching(text)!r}"
        )


def message_text(message: EmailMessage) -> str:
    """Subject plus every text part, decoded."""
    parts = [str(message.get("Subject", ""))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


class MailServer:
    """An aiosmtpd server on 127.0.0.1; ``start``/``stop`` can be called again on the same port."""

    def __init__(self, port: int | None = None, *, handler: Handler | None = None, **smtp_options) -> None:
        self.port = port or free_port()
        self.chosen_port = port is not None
        self.handler = handler or Handler()
        self.options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        for attempt in range(5):
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
            try:
                self.controller.start()
                return self
            except OSError:
                # Another test process took the free port in the meantime: take another one,
                # unless the test asked for this port (a server coming back where it was).
                if self.chosen_port or attempt == 4:
                    raise
                self.port = free_port()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def inbox(self) -> Handler:
        """What the server accepted: ``messages``, ``matching``, ``wait_for``, ``envelope_of``."""
        return self.handler

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received


class Blackhole:
    """Accepts TCP connections and never says a word (a firewall or a hung server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port bound.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(5)
        self.sock.close()
        for conn in self.conns:
            conn.close()
