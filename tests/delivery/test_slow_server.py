"""A mail server that takes the message but answers late gets it once: the wait after the body is long."""

from __future__ import annotations

import asyncio
import time

import pytest

import settings
from inquiries import delivery, mailer, smtp
from tests.delivery.conftest import outbox_row, save
from tests.smtp import Handler, MailServer


class LateHandler(Handler):
    """Has the message as soon as it arrives (as a real server does) and says so after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.attempts += 1
            self.keep(envelope)
        await asyncio.sleep(self.delay)
        return "250 2.0.0 OK"


class SlowMailHandler(Handler):
    """Slow to answer MAIL FROM, an ordinary step that keeps the short timeout."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await asyncio.sleep(3)  # past MAIL_TIMEOUT (1 s), within MAIL_DATA_TIMEOUT (8 s)
        envelope.mail_from = address
        return "250 OK"


@pytest.fixture
def server_with(request):
    servers = []

    def start(handler: Handler) -> MailServer:
        server = MailServer(handler=handler)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def test_a_server_that_answers_the_message_late_gets_it_exactly_once(make_app, server_with, db):
    # Compressed: the server answers 2 s after the body, past MAIL_TIMEOUT (1 s) but within MAIL_DATA_TIMEOUT.
    server = server_with(LateHandler(delay=2))
    app = make_app(server.port, MAIL_TIMEOUT=1, MAIL_DATA_TIMEOUT=4, OUTBOX_LEASE_SECONDS=12)
    ref = save(db)
    assert delivery.send_due(app, db) == {"sent": 1, "retry": 0, "dead": 0}
    # And nothing goes out again afterwards, even once the lease and any backoff have run out.
    assert delivery.send_due(app, db, now=time.time() + 12 + 1) == {"sent": 0, "retry": 0, "dead": 0}
    row = outbox_row(db, ref)
    assert len(server.received) == 1, f"{len(server.received)} copies"
    assert row["status"] == "sent" and row["attempts"] == 1


def test_a_final_reply_later_than_mail_data_timeout_is_given_up_after_it(make_app, server_with, db):
    server = server_with(LateHandler(delay=3))  # past MAIL_DATA_TIMEOUT (1.5 s)
    app = make_app(server.port, MAIL_TIMEOUT=1, MAIL_DATA_TIMEOUT=1.5)
    with app.app_context():
        message = mailer.compose(next(db.query("SELECT * FROM inquiries WHERE ref = ?", [save(db)])), "<m@t>")
        started = time.monotonic()
        with pytest.raises(mailer.DeliveryError, match="timed out"):
            mailer.send(message, app.config)
    assert 1.4 < time.monotonic() - started < 3  # MAIL_DATA_TIMEOUT, not MAIL_TIMEOUT, not for ever


def test_the_other_steps_keep_the_short_timeout(make_app, server_with, db):
    server = server_with(SlowMailHandler())
    app = make_app(server.port, MAIL_TIMEOUT=1, MAIL_DATA_TIMEOUT=8, OUTBOX_LEASE_SECONDS=20)
    with app.app_context():
        message = mailer.compose(next(db.query("SELECT * FROM inquiries WHERE ref = ?", [save(db)])), "<m@t>")
        started = time.monotonic()
        with pytest.raises(mailer.DeliveryError, match="timed out"):
            mailer.send(message, app.config)
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(("configured", "used"), [(None, 600), (0, 600), (5, 5), (600, 600), (3600, 600)])
def test_mail_data_timeout_defaults_to_and_never_passes_ten_minutes(configured, used):
    assert smtp.data_timeout({"MAIL_DATA_TIMEOUT": configured}) == used


def test_the_default_lease_outlasts_the_longest_conversation():
    config = settings.defaults()
    assert settings.lease_problems(config) == []
    assert config["OUTBOX_LEASE_SECONDS"] > smtp.conversation_seconds(config) >= 600
    assert settings.lease_problems({**config, "MAIL_TIMEOUT": 30}) == []


def test_a_lease_shorter_than_the_wait_is_lengthened_at_start_and_named_by_check_config(make_app):
    """An env file from an older release (lease 120 s) must not keep the site down, nor send twice."""
    app = make_app(OUTBOX_LEASE_SECONDS=120)
    assert app.config["OUTBOX_LEASE_SECONDS"] > smtp.conversation_seconds(app.config)
    [note] = app.extensions["config_notes"]
    assert "FLASK_OUTBOX_LEASE_SECONDS (120)" in note and "FLASK_MAIL_DATA_TIMEOUT" in note
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert f"Note: {note}" in result.output
    short = make_app(OUTBOX_LEASE_SECONDS=30, MAIL_DATA_TIMEOUT=5, MAIL_TIMEOUT=2)
    assert short.config["OUTBOX_LEASE_SECONDS"] == 30 and short.extensions["config_notes"] == []
