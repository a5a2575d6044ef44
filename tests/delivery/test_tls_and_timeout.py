"""Our SMTP path verifies certificates and never waits forever (Flask-Mail 0.10 does neither)."""

from __future__ import annotations

import asyncio
import ssl
import time

import pytest
import trustme

from inquiries import delivery, mailer, smtp
from tests.delivery.conftest import outbox_row, save
from tests.servers import free_port
from tests.smtp import Handler, MailServer


@pytest.fixture(scope="module")
def ca():
    """A private certificate authority, unknown to the system's trust store."""
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture
def starttls_server(ca):
    """A server that offers STARTTLS (and refuses mail before it) with a certificate from ``ca``."""
    server = MailServer(tls_context=server_context(ca, "localhost", "127.0.0.1"), require_starttls=True).start()
    yield server
    server.stop()


@pytest.fixture
def implicit_tls_server(ca):
    """A server speaking TLS from the first byte (port 465 style)."""
    server = MailServer(ssl_context=server_context(ca, "localhost", "127.0.0.1")).start()
    yield server
    server.stop()


def test_starttls_refuses_a_certificate_it_cannot_verify(make_app, starttls_server, db):
    app = make_app(starttls_server.port, MAIL_USE_TLS=True)
    ref = save(db)
    assert delivery.send_due(app, db) == {"sent": 0, "retry": 1, "dead": 0}
    assert "certificate" in outbox_row(db, ref)["last_error"]
    assert starttls_server.handler.attempts == 0


def test_starttls_delivers_when_the_ca_is_trusted(make_app, starttls_server, ca_file, db):
    app = make_app(starttls_server.port, MAIL_USE_TLS=True, MAIL_CA_FILE=ca_file)
    save(db)
    assert delivery.send_due(app, db)["sent"] == 1
    assert len(starttls_server.received) == 1


def test_no_clear_text_fallback_when_the_server_offers_no_starttls(make_app, mail_server, db):
    app = make_app(mail_server.port, MAIL_USE_TLS=True)
    ref = save(db)
    assert delivery.send_due(app, db)["retry"] == 1
    assert "SMTPNotSupportedError" in outbox_row(db, ref)["last_error"]
    assert mail_server.handler.attempts == 0  # the server would have taken it in clear text


def test_a_certificate_for_another_host_is_refused(make_app, ca, ca_file, db):
    server = MailServer(tls_context=server_context(ca, "mail.elsewhere.test"), require_starttls=True).start()
    try:
        app = make_app(server.port, MAIL_USE_TLS=True, MAIL_CA_FILE=ca_file)
        ref = save(db)
        assert delivery.send_due(app, db)["retry"] == 1
        assert "certificate" in outbox_row(db, ref)["last_error"]
        assert server.handler.attempts == 0
    finally:
        server.stop()


@pytest.mark.parametrize(("trusted", "sent"), [(False, 0), (True, 1)])
def test_implicit_tls_verifies_the_certificate(make_app, implicit_tls_server, ca_file, db, trusted, sent):
    extra = {"MAIL_CA_FILE": ca_file} if trusted else {}
    app = make_app(implicit_tls_server.port, MAIL_USE_SSL=True, **extra)
    save(db)
    assert delivery.send_due(app, db)["sent"] == sent
    assert len(implicit_tls_server.received) == sent


def test_every_socket_operation_has_the_configured_timeout(mail_app, mail_server):
    conn = smtp.open_smtp(mail_app.config)
    try:
        assert conn.sock.gettimeout() == 1.0
    finally:
        conn.close()


@pytest.mark.parametrize(("configured", "used"), [(1, 1), (20, 20), (300, 30), (None, 30), (0, 30)])
def test_mail_timeout_is_never_more_than_30_seconds(configured, used):
    assert smtp.smtp_timeout({"MAIL_TIMEOUT": configured}) == used


SLOW_REPLY = 0.25  # seconds: well within MAIL_TIMEOUT (1 s); MAIL, two RCPTs and DATA take 1 s, past the 0.6 s budget


class SlowHandler(Handler):
    """Answers MAIL, RCPT and DATA after ``SLOW_REPLY``: each reply within MAIL_TIMEOUT, the whole far too slow."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await asyncio.sleep(SLOW_REPLY)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        await asyncio.sleep(SLOW_REPLY)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(SLOW_REPLY)
        return await super().handle_DATA(server, session, envelope)


def test_the_whole_conversation_has_a_deadline(make_app, db):
    server = MailServer(handler=SlowHandler())
    server.start()
    try:
        app = make_app(server.port, MAIL_TIMEOUT=1)
        with app.app_context():
            message = mailer.compose(next(db.query("SELECT * FROM inquiries WHERE ref = ?", [save(db)])), "<m@t>")
            started = time.monotonic()
            with pytest.raises(mailer.DeliveryError, match="timed out"):
                mailer.send(message, app.config, budget=0.6)
            assert time.monotonic() - started < 2.5  # each reply came within MAIL_TIMEOUT: only the deadline cut it
            mailer.send(message, app.config)  # the same server, given time, takes it
        assert len(server.received) == 1
    finally:
        server.stop()


def test_a_silent_server_is_given_up_within_the_budget(mail_app, blackhole):
    config = {**mail_app.config, "MAIL_PORT": blackhole.port, "MAIL_TIMEOUT": 30}
    started = time.monotonic()
    with pytest.raises(OSError):
        smtp.open_smtp(config, budget=0.5)
    assert time.monotonic() - started < 5  # MAIL_TIMEOUT is 30 s here: only the budget ended it


def test_the_backup_route_verifies_its_certificate_too(make_app, starttls_server, ca_file, db):
    """The backup is held to the primary's rules: STARTTLS verified against the same trust store."""
    backup = {"MAIL_BACKUP_SERVER": "127.0.0.1", "MAIL_BACKUP_PORT": starttls_server.port, "MAIL_BACKUP_USE_TLS": True}
    dead_primary = free_port()
    untrusted = make_app(dead_primary, **backup)
    ref = save(db)
    assert delivery.send_due(untrusted, db) == {"sent": 0, "retry": 2, "dead": 0}
    assert "backup: TLS certificate not trusted" in outbox_row(db, ref)["last_error"]
    assert starttls_server.handler.attempts == 0

    trusted = make_app(dead_primary, MAIL_CA_FILE=ca_file, **backup)
    # Judged a minute ahead: the primary's refusal reschedules the backup from the real clock, which
    # on a loaded machine is already past the retry time, so "now" must be later than both.
    later = max(time.time(), outbox_row(db, ref)["next_attempt_at"]) + 60
    assert delivery.send_due(trusted, db, now=later)["sent"] == 1
    assert len(starttls_server.received) == 1 and outbox_row(db, ref)["route"] == "backup"
