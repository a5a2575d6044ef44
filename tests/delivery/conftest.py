"""Real SMTP servers for the delivery tests: aiosmtpd with programmable replies, a blackhole, a refused port."""

from __future__ import annotations

import collections
import contextlib
import email
import email.policy
import itertools
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from inquiries import db as dbmod
from inquiries import store
from tests.servers import free_port

STAFF = ["intake@center.test", "nurse@center.test"]
SENDER = "website@center.test"
VISITOR = {
    "name": "Dana",
    "phone": "+1 212-555-0142",
    "email": "dana@example.net",
    "contact_method": "text",
    "voicemail_ok": "no",
    "who": "loved_one",
    "insurance": "Acme Health",
    "message": "My brother needs help.\nPlease text after 6pm.",
}


class Handler:
    """Answers DATA with the next queued reply (``250`` once the queue is empty); keeps what it accepted."""

    def __init__(self) -> None:
        self.replies: collections.deque[str] = collections.deque()
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.attempts = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.attempts += 1
            reply = self.replies.popleft() if self.replies else "250 2.0.0 OK"
            if reply.startswith("250"):
                self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                self.envelopes.append(envelope)
        return reply


class MailServer:
    """An aiosmtpd server on 127.0.0.1; ``start``/``stop`` can be called again on the same port."""

    def __init__(self, port: int | None = None, **smtp_options) -> None:
        self.port = port or free_port()
        self.handler = Handler()
        self.options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[email.message.EmailMessage]:
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


@pytest.fixture
def mail_server():
    """A running aiosmtpd server that accepts everything unless told otherwise."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def blackhole():
    """A port that accepts connections and never answers."""
    hole = Blackhole()
    yield hole
    hole.close()


def delivery_config(tmp_path, port: int, **overrides) -> dict:
    """App settings for delivery tests: tiny timings so retries take fractions of a second."""
    return {
        "TESTING": True,
        "DATABASE": str(tmp_path / "site.db"),
        "OUTBOX_WORKER": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_DEFAULT_SENDER": SENDER,
        "STAFF_EMAILS": STAFF,
        "MAIL_TIMEOUT": 1,
        "MAIL_DATA_TIMEOUT": 2,
        "OUTBOX_RETRY_BASE_SECONDS": 0.2,
        "OUTBOX_RETRY_MAX_SECONDS": 1,
        "OUTBOX_LEASE_SECONDS": 10,
        "SITE_TIMEZONE": "America/New_York",
        **overrides,
    }


@pytest.fixture
def make_app(tmp_path):
    """Build an app whose mail goes to ``port``."""

    def make(port: int, **overrides):
        return create_app(delivery_config(tmp_path, port, **overrides))

    return make


@pytest.fixture
def mail_app(make_app, mail_server):
    """An app sending to ``mail_server``."""
    return make_app(mail_server.port)


@pytest.fixture
def db(tmp_path):
    """A connection to the test database (the app creates the schema)."""
    conn = dbmod.connect(tmp_path / "site.db")
    store.init_schema(conn)
    yield conn
    conn.conn.close()


_keys = itertools.count()


def save(db, spam_reason=None, **fields) -> str:
    """Store an inquiry the way the contact form does; returns its ref."""
    saved = store.save_inquiry(
        db, {**VISITOR, **fields}, submission_key=f"key-{next(_keys)}", spam_reason=spam_reason, domain="center.test"
    )
    return saved.ref


def outbox_row(db, ref: str) -> dict:
    """The outbox row of the inquiry ``ref``."""
    sql = "SELECT o.* FROM outbox o JOIN inquiries i ON i.id = o.inquiry_id WHERE i.ref = ?"
    return next(db.query(sql, [ref]))
