"""Stored first, then sent: what staff receive, and what happens when the mail server misbehaves."""

from __future__ import annotations

import logging
import time

import pytest

from inquiries import delivery, outbox, sender
from tests.delivery.conftest import SENDER, STAFF, VISITOR, outbox_row, save
from tests.smtp import MailServer

HEALTH_WORDS = ("addiction", "heroin", "fentanyl", "overdose", "treatment", "withdrawal", "recovery", "drug", "rehab")


def body_parts(message) -> tuple[str, str]:
    # The wire format uses CRLF line ends; compare with what staff see.
    text, html = (message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    return text, html


def test_one_inquiry_becomes_exactly_one_email_with_the_right_headers(mail_app, mail_server, db):
    ref = save(db)
    # A fixed moment so the time shown to staff can be checked: 16:30 UTC is 12:30 PM in New York in July.
    db.execute("UPDATE inquiries SET created_at = '2026-07-04T16:30:00+00:00' WHERE ref = ?", [ref])
    row = outbox_row(db, ref)

    assert delivery.send_due(mail_app, db) == {"sent": 1, "retry": 0, "dead": 0}
    assert delivery.send_due(mail_app, db) == {"sent": 0, "retry": 0, "dead": 0}

    assert len(mail_server.received) == 1
    message = mail_server.received[0]
    assert message["From"] == SENDER
    assert sorted(a.strip() for a in message["To"].split(",")) == sorted(STAFF)
    assert sorted(mail_server.handler.envelopes[0].rcpt_tos) == sorted(STAFF)
    assert message["Reply-To"] == VISITOR["email"]
    assert message["Subject"] == f"New website inquiry #{ref}"
    assert message["Message-ID"] == row["message_id"]
    text, html = body_parts(message)
    for answer in ("Dana", "+1 212-555-0142", "dana@example.net", "Send a text message", "Someone they care about"):
        assert answer in text and answer in html
    assert "No: do not leave a voicemail" in text and "Acme Health" in text
    assert "My brother needs help.\nPlease text after 6pm." in text
    assert 'href="tel:+12125550142"' in html
    assert "Saturday, July 4, 2026 at 12:30 PM EDT" in text and "Saturday, July 4, 2026 at 12:30 PM EDT" in html
    assert ref in text
    assert outbox_row(db, ref)["status"] == "sent"


def test_subject_names_no_health_topic(mail_app, mail_server, db):
    save(db)
    delivery.send_due(mail_app, db)
    subject = mail_server.received[0]["Subject"].lower()
    assert not [word for word in HEALTH_WORDS if word in subject]


@pytest.mark.parametrize("given", ["", "not an address", "x@y.test\r\nBcc: evil@attacker.test"])
def test_no_reply_to_without_a_valid_visitor_address(mail_app, mail_server, db, given):
    save(db, email=given, phone="+1 212-555-0100")
    delivery.send_due(mail_app, db)
    message = mail_server.received[0]
    assert message["Reply-To"] is None
    assert message["Bcc"] is None
    assert sorted(mail_server.handler.envelopes[0].rcpt_tos) == sorted(STAFF)


def test_everything_the_visitor_typed_is_escaped_in_the_html(mail_app, mail_server, db):
    save(db, name="<script>alert(1)</script>", message='<img src=x onerror="alert(2)"> & more')
    delivery.send_due(mail_app, db)
    text, html = body_parts(mail_server.received[0])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "<script>alert(1)</script>" in text  # plain text is shown as typed


def test_a_timer_flagged_inquiry_is_still_sent_marked_as_possible_spam(mail_app, mail_server, db):
    ref = save(db, spam_reason="possible spam: sent 1 s after the form was shown")
    delivery.send_due(mail_app, db)
    message = mail_server.received[0]
    assert message["Subject"] == f"New website inquiry #{ref} (possible spam)"
    text, html = body_parts(message)
    assert "POSSIBLE SPAM: sent 1 s after the form was shown." in text
    assert "<strong>Possible spam:</strong> sent 1 s after the form was shown." in html


def test_a_451_is_retried_and_the_email_delivered_once(mail_app, mail_server, db):
    mail_server.handler.replies.append("451 4.3.0 Try again later")
    ref = save(db)
    before = time.time()

    assert delivery.send_due(mail_app, db) == {"sent": 0, "retry": 1, "dead": 0}
    row = outbox_row(db, ref)
    assert row["status"] == "pending" and row["attempts"] == 1 and "451" in row["last_error"]
    assert before + 0.2 <= row["next_attempt_at"] <= time.time() + 0.2  # OUTBOX_RETRY_BASE_SECONDS
    assert delivery.send_due(mail_app, db)["sent"] == 0  # not due yet

    assert delivery.send_due(mail_app, db, now=row["next_attempt_at"]) == {"sent": 1, "retry": 0, "dead": 0}
    assert mail_server.handler.attempts == 2
    assert len(mail_server.received) == 1
    assert outbox_row(db, ref)["status"] == "sent"


def test_a_554_makes_the_message_dead_keeps_the_inquiry_and_logs_an_error(mail_app, mail_server, db, caplog):
    mail_server.handler.replies.append("554 5.7.1 Message rejected")
    ref = save(db)
    with caplog.at_level(logging.INFO):
        assert delivery.send_due(mail_app, db) == {"sent": 0, "retry": 0, "dead": 1}
    assert outbox_row(db, ref)["status"] == "dead"
    assert next(db.query("SELECT name FROM inquiries WHERE ref = ?", [ref]))["name"] == "Dana"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and ref in errors[0].getMessage()
    assert_no_contents_logged(caplog)

    # Once someone has fixed the cause, retry-dead sends it.
    assert outbox.retry_dead(db) == 1
    assert delivery.send_due(mail_app, db)["sent"] == 1
    assert len(mail_server.received) == 1


def assert_no_contents_logged(caplog) -> None:
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for field in ("name", "phone", "email", "insurance", "message"):
        for piece in VISITOR[field].split("\n"):
            assert piece not in logged


def test_a_refused_connection_keeps_the_message_until_the_server_is_back(make_app, db, caplog):
    down = MailServer()  # its port has no listener yet: connection refused
    app = make_app(down.port)
    ref = save(db)
    with caplog.at_level(logging.INFO):
        assert delivery.send_due(app, db) == {"sent": 0, "retry": 1, "dead": 0}
    assert outbox_row(db, ref)["status"] == "pending"
    assert "ConnectionRefusedError" in outbox_row(db, ref)["last_error"]
    assert_no_contents_logged(caplog)

    down.start()
    try:
        assert delivery.send_due(app, db, now=outbox_row(db, ref)["next_attempt_at"])["sent"] == 1
        assert len(down.received) == 1
    finally:
        down.stop()


def test_a_server_that_never_answers_is_given_up_on_after_mail_timeout(make_app, blackhole, db):
    app = make_app(blackhole.port, MAIL_TIMEOUT=1)
    ref = save(db)
    started = time.monotonic()
    assert delivery.send_due(app, db) == {"sent": 0, "retry": 1, "dead": 0}
    assert time.monotonic() - started < 4  # MAIL_TIMEOUT plus slack for a busy machine
    row = outbox_row(db, ref)
    assert row["status"] == "pending" and "timed out" in row["last_error"]

    # The server comes back on the same port.
    port = blackhole.port
    blackhole.close()
    back = MailServer(port).start()
    try:
        assert delivery.send_due(app, db, now=outbox_row(db, ref)["next_attempt_at"])["sent"] == 1
        assert len(back.received) == 1
    finally:
        back.stop()


def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    delays = [outbox.retry_delay(n, 30, 3600) for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert delays[0] <= 60  # the first retry comes within a minute


def test_healthz_answers_503_when_a_message_waited_too_long(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_ALARM_SECONDS=5)
    client = app.test_client()
    ref = save(db)
    sender.record_run(db, "running")  # a sender runs: the new message merely waits its turn
    assert client.get("/healthz").status_code == 200
    db.execute("UPDATE outbox SET created_at = created_at - 10 WHERE id = ?", [outbox_row(db, ref)["id"]])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "problem": "staff email is late"}
    delivery.send_due(app, db)
    assert client.get("/healthz").status_code == 200


def test_a_staff_address_refused_does_not_stop_the_others(mail_app, mail_server, db, caplog):
    async def refuse_nurse(server, session, envelope, address, rcpt_options):
        if address.startswith("nurse@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    mail_server.handler.handle_RCPT = refuse_nurse
    ref = save(db)
    with caplog.at_level(logging.WARNING):
        assert delivery.send_due(mail_app, db)["sent"] == 1
    assert mail_server.handler.envelopes[0].rcpt_tos == ["intake@center.test"]
    assert any(ref in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)


def test_an_email_that_cannot_be_built_goes_dead_at_once_without_logging_contents(
    mail_app, mail_server, db, caplog, monkeypatch
):
    def broken(inquiry, message_id):
        raise ValueError(f"cannot handle {inquiry['message']}")

    monkeypatch.setattr("inquiries.mailer.compose", broken)
    ref = save(db)
    with caplog.at_level(logging.INFO):
        assert delivery.send_due(mail_app, db)["dead"] == 1
    assert "ValueError" in outbox_row(db, ref)["last_error"]
    assert "brother" not in outbox_row(db, ref)["last_error"]
    assert_no_contents_logged(caplog)
    assert mail_server.handler.attempts == 0
