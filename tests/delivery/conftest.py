"""Fixtures for the delivery tests: real SMTP servers (tests.smtp), tiny timings, stored inquiries."""

from __future__ import annotations

import itertools

import pytest

from inquiries import db as dbmod
from inquiries import store
from tests.smtp import Blackhole, MailServer

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


def delivery_config(port: int) -> dict:
    """Mail to ``port`` on loopback, with tiny timings so retries take fractions of a second."""
    return {
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
    }


@pytest.fixture
def make_app(make_app):
    """The suite's ``make_app``, mail first: ``make_app(port, **overrides)`` sends to ``port`` with
    `delivery_config`'s timings; ``make_app(**overrides)`` without a port is the plain test app."""

    def make(port: int | None = None, **overrides):
        mail = delivery_config(port) if port is not None else {}
        return make_app(**{**mail, **overrides})

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
