"""An inquiry nobody picks up is escalated once, after PICKUP_SECONDS, and never before; never a
picked-up or spam-flagged one. Real aiosmtpd servers, a real SQLite file, a real sender thread."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from inquiries import delivery, escalation, sender
from tests.delivery.conftest import STAFF, outbox_row, save
from tests.servers import wait_for

ON_CALL = ["oncall@center.test"]


def created_at(db, ref: str) -> float:
    row = next(db.query("SELECT created_at FROM inquiries WHERE ref = ?", [ref]))
    return dt.datetime.fromisoformat(row["created_at"]).timestamp()


def escalation_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM outbox WHERE kind = 'escalation' ORDER BY id"))


def test_escalated_once_after_pickup_seconds_and_not_a_second_before(make_app, mail_server, db):
    app = make_app(mail_server.port, PICKUP_SECONDS=1800, ESCALATION_EMAILS=ON_CALL)
    ref = save(db)
    start = created_at(db, ref)
    assert delivery.send_due(app, db)["sent"] == 1  # the staff email itself
    # `start` is the stored second; the inquiry came in within the second after it.
    assert escalation.queue_due(app, db, now=start + 1800.5) == []
    assert escalation.queue_due(app, db, now=start + 1801) == [ref]
    assert escalation.queue_due(app, db, now=start + 7200) == []  # once
    assert len(escalation_rows(db)) == 1

    assert delivery.send_due(app, db, now=start + 1801)["sent"] == 1
    first, reminder = mail_server.received
    assert reminder["Subject"] == f"Not picked up after 30 minutes: website inquiry #{ref}"
    assert reminder["To"] == ON_CALL[0]
    assert reminder["Message-ID"] == escalation_rows(db)[0]["message_id"] != first["Message-ID"]
    text = reminder.get_body(("plain",)).get_content()
    assert "It has waited 30 minutes" in text and "My brother needs help." in text  # the same inquiry
    # The staff tools still show the staff email's own state, not the reminder's.
    assert "Sent" in app.test_cli_runner().invoke(args=["inquiries", "list"]).output


def test_without_escalation_addresses_the_staff_are_reminded(make_app, mail_server, db):
    app = make_app(mail_server.port, PICKUP_SECONDS=60)
    ref = save(db)
    moment = created_at(db, ref) + 61
    escalation.queue_due(app, db, now=moment)
    delivery.send_due(app, db, now=moment)
    reminders = [m for m in mail_server.received if m["Subject"].startswith("Not picked up")]
    assert len(reminders) == 1
    assert sorted(a.strip() for a in reminders[0]["To"].split(",")) == sorted(STAFF)


@pytest.mark.parametrize(
    ("spam_reason", "picked_up"),
    [("too fast", False), ("honeypot filled", False), ("forged timer", False), (None, True)],
)
def test_spam_flagged_and_picked_up_inquiries_are_never_escalated(make_app, mail_server, db, spam_reason, picked_up):
    app = make_app(mail_server.port, PICKUP_SECONDS=60)
    ref = save(db, spam_reason=spam_reason)
    if spam_reason == "honeypot filled":
        db.execute("UPDATE inquiries SET emailed = 0 WHERE ref = ?", [ref])
    if picked_up:
        db.execute(
            "UPDATE inquiries SET picked_up_by = 'intake@center.test', picked_up_at = created_at WHERE ref = ?", [ref]
        )
    assert escalation.queue_due(app, db, now=created_at(db, ref) + 3600 * 24) == []
    assert escalation_rows(db) == []


def test_a_retried_reminder_is_the_very_same_message(make_app, mail_server, db):
    app = make_app(mail_server.port, PICKUP_SECONDS=60)
    ref = save(db)
    delivery.send_due(app, db)
    moment = created_at(db, ref) + 125
    escalation.queue_due(app, db, now=moment)
    mail_server.handler.replies.append("451 4.3.0 Try again later")
    # Refused once, then taken on the retry (due again within the same pass at this later moment).
    assert delivery.send_due(app, db, now=moment) == {"sent": 1, "retry": 1, "dead": 0}
    row = escalation_rows(db)[0]
    assert (row["status"], row["attempts"]) == ("sent", 2)
    reminder = mail_server.received[-1]
    assert reminder["Message-ID"] == row["message_id"]
    assert "after 2 minutes" in reminder["Subject"]  # fixed at escalation, not the time of the retry
    assert outbox_row(db, ref)["kind"] == "inquiry"


def test_the_running_sender_escalates_within_a_couple_of_polls_after_pickup_seconds(make_app, mail_server, db):
    app = make_app(
        mail_server.port, PICKUP_SECONDS=1.5, OUTBOX_WORKER=True, OUTBOX_POLL_SECONDS=0.2, ESCALATION_EMAILS=ON_CALL
    )
    saved = time.time()  # before the save: the inquiry is no older than this
    ref = save(db)
    running = sender.ensure_started(app)
    try:
        assert wait_for(lambda: any(m["To"] == ON_CALL[0] for m in mail_server.received), timeout=15)
        arrived = time.time()
    finally:
        running.stop(timeout=10)
    waited = arrived - saved
    print(f"escalation arrived {waited:.2f} s after the inquiry (PICKUP_SECONDS=1.5, poll 0.2 s)")
    assert waited >= 1.5  # never before PICKUP_SECONDS
    # Within a couple of polls after it, plus the second that stored times are rounded to, with
    # room for a loaded machine.
    assert waited < 1.5 + 1 + 2 * 0.2 + 2
    assert next(db.query("SELECT escalated_at FROM inquiries WHERE ref = ?", [ref]))["escalated_at"]
    assert len([m for m in mail_server.received if m["To"] == ON_CALL[0]]) == 1
