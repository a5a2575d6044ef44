"""A second mail route: when the primary SMTP server fails, the next try goes through the backup.

Two real aiosmtpd servers (or a closed port for a primary that refuses connections); the same
message, with the same Message-ID, goes out on whichever route works, once.
"""

from __future__ import annotations

import time

import pytest
from aiosmtpd.smtp import AuthResult

from inquiries import delivery
from tests.delivery.conftest import outbox_row, save
from tests.servers import free_port
from tests.smtp import MailServer


@pytest.fixture
def backup():
    """The second route's server."""
    with MailServer() as server:
        yield server


def with_backup(make_app, primary_port: int, backup: MailServer, **overrides):
    return make_app(
        primary_port,
        MAIL_BACKUP_SERVER="127.0.0.1",
        MAIL_BACKUP_PORT=backup.port,
        MAIL_BACKUP_USE_TLS=False,  # loopback, as the primary here
        **overrides,
    )


def refusing_login():
    """A primary whose provider rejects the password (a rotated credential)."""
    return MailServer(
        authenticator=lambda *args: AuthResult(success=False, handled=False),
        auth_require_tls=False,
    ).start()


@pytest.mark.parametrize(
    ("failure", "reason"),
    [("refused", "ConnectionRefusedError"), ("451", "SMTP 451"), ("login", "SMTP 535 (SMTPAuthenticationError)")],
)
def test_a_failing_primary_is_followed_at_once_by_the_backup_with_the_same_message_id(
    make_app, backup, db, caplog, failure, reason
):
    primary = None
    if failure == "refused":
        port = free_port()  # nothing listens there
    elif failure == "451":
        primary = MailServer().start()
        primary.handler.replies.append("451 4.3.0 Try again later")
        port = primary.port
    else:
        primary = refusing_login()
        port = primary.port
    logins = {"MAIL_USERNAME": "website", "MAIL_PASSWORD": "rotated"} if failure == "login" else {}
    try:
        app = with_backup(make_app, port, backup, **logins)
        ref = save(db)
        message_id = outbox_row(db, ref)["message_id"]
        started = time.monotonic()
        counts = delivery.send_due(app, db)
        took = time.monotonic() - started
        assert counts == {"sent": 1, "retry": 1, "dead": 0}  # one pass: the primary's try, then the backup's
        [message] = backup.received
        assert message["Message-ID"] == message_id
        row = outbox_row(db, ref)
        assert (row["status"], row["route"], row["attempts"]) == ("sent", "backup", 2)
        assert took < 5, f"{took:.1f} s from the primary's failure to the backup's delivery"
        assert f"not sent on the primary route ({reason}" in caplog.text
        print(f"{failure}: primary failure to backup delivery in {took:.2f} s")

        # The primary comes back: nothing more goes out, on either route.
        if primary is not None:
            primary.handler.replies.clear()
        assert delivery.send_due(app, db, now=time.time() + 3600) == {"sent": 0, "retry": 0, "dead": 0}
        assert len(backup.received) == 1
        assert primary is None or primary.received == []
    finally:
        if primary is not None:
            primary.stop()


def test_a_working_primary_is_used_and_the_backup_never_hears_of_it(make_app, mail_server, backup, db):
    app = with_backup(make_app, mail_server.port, backup)
    ref = save(db)
    assert delivery.send_due(app, db) == {"sent": 1, "retry": 0, "dead": 0}
    assert len(mail_server.received) == 1 and backup.received == [] and backup.handler.attempts == 0
    assert outbox_row(db, ref)["route"] == "primary"


def test_a_5xx_from_the_primary_gets_one_try_on_the_backup_before_the_message_is_dead(make_app, mail_server, db):
    mail_server.handler.replies.append("554 5.7.1 Account suspended")
    with MailServer() as backup:
        backup.handler.replies.append("554 5.7.1 Rejected here too")
        app = with_backup(make_app, mail_server.port, backup)
        ref = save(db)
        assert delivery.send_due(app, db) == {"sent": 0, "retry": 1, "dead": 1}
        row = outbox_row(db, ref)
        assert row["status"] == "dead" and row["attempts"] == 2
        assert backup.handler.attempts == 1 and mail_server.handler.attempts == 1

    # With a backup that takes it, the same 5xx from the primary costs nothing.
    mail_server.handler.replies.append("554 5.7.1 Account suspended")
    with MailServer() as backup:
        app = with_backup(make_app, mail_server.port, backup)
        ref = save(db)
        assert delivery.send_due(app, db) == {"sent": 1, "retry": 1, "dead": 0}
        assert outbox_row(db, ref)["route"] == "backup" and len(backup.received) == 1


def test_with_both_routes_down_the_message_keeps_waiting_and_alternates(make_app, db):
    app = with_backup(make_app, free_port(), MailServer(port=free_port()))  # neither is listening
    ref = save(db)
    assert delivery.send_due(app, db) == {"sent": 0, "retry": 2, "dead": 0}
    row = outbox_row(db, ref)
    assert row["status"] == "pending" and row["attempts"] == 2
    assert row["last_error"].startswith("backup: ")
    assert row["next_attempt_at"] > time.time()  # after the pair of failures, the normal backoff
    assert delivery.send_due(app, db, now=row["next_attempt_at"])["retry"] == 2  # primary, then backup again
    assert outbox_row(db, ref)["attempts"] == 4


def test_without_a_backup_nothing_changes(make_app, db):
    app = make_app(free_port())
    ref = save(db)
    assert delivery.send_due(app, db) == {"sent": 0, "retry": 1, "dead": 0}
    row = outbox_row(db, ref)
    assert row["attempts"] == 1 and row["last_error"].startswith("primary: ")


def test_staff_tools_say_which_route_delivered(make_app, backup, db):
    app = with_backup(make_app, free_port(), backup)
    ref = save(db)
    delivery.send_due(app, db)
    runner = app.test_cli_runner()
    assert "sent by route: backup=1" in runner.invoke(args=["outbox", "status"]).output
    shown = runner.invoke(args=["inquiries", "show", ref]).output
    assert "Sent by: the backup mail route" in shown


def test_a_5xx_from_the_backup_alone_sends_the_message_back_to_the_primary(make_app, mail_server, db):
    """A passing primary hiccup (greylisting) and a backup not set up to relay for us: not lost."""
    mail_server.handler.replies.append("451 4.7.1 Greylisted, try again")
    with MailServer() as backup:
        backup.handler.replies.append("550 5.7.1 Relaying denied")
        app = with_backup(make_app, mail_server.port, backup)
        ref = save(db)
        assert delivery.send_due(app, db) == {"sent": 0, "retry": 2, "dead": 0}
        row = outbox_row(db, ref)
        assert row["status"] == "pending" and row["last_error"].startswith("backup: SMTP 550")
        assert delivery.send_due(app, db, now=row["next_attempt_at"]) == {"sent": 1, "retry": 0, "dead": 0}
    assert outbox_row(db, ref)["route"] == "primary" and len(mail_server.received) == 1
