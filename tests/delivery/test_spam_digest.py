"""Held-as-spam inquiries reach staff as one digest per period, each listed exactly once, via aiosmtpd."""

from __future__ import annotations

import itertools
import json
import os
import re
import time

import pytest

from inquiries import db as dbmod
from inquiries import delivery, digest, store
from tests.delivery.conftest import STAFF, VISITOR
from tests.servers import start_site, stop, wait_for
from tests.smtp import MailServer

_keys = itertools.count()
CANARY = "CANARY-HELD-7Q"


def hold(db, **fields) -> str:
    """Store an inquiry the way the contact form does when its honeypot was filled."""
    saved = store.save_inquiry(
        db,
        {**VISITOR, "name": CANARY, "message": f"{CANARY} please call", **fields},
        submission_key=f"held-{next(_keys)}-{time.time()}",
        spam_reason="honeypot filled",
        send_email=False,
    )
    return saved.ref


def listed(message) -> list[str]:
    """The references a digest lists, in order."""
    return re.findall(r"^([2-9A-Z]{4}-[2-9A-Z]{4}) ", message.get_content(), flags=re.M)


def test_one_digest_per_period_lists_each_held_inquiry_once_and_nothing_it_said(mail_app, mail_server, db):
    start = time.time() - 100  # every moment below is in the past, so what is queued is due now
    assert digest.queue_if_due(db, 60, now=start) is None  # nothing held: no digest
    first = hold(db)
    store.save_inquiry(db, VISITOR, submission_key="too-fast", spam_reason="possible spam: sent 1 s after")
    assert digest.queue_if_due(db, 60, now=start) is not None
    assert digest.queue_if_due(db, 60, now=start + 61) is None  # nothing new since: no digest
    second, third = hold(db), hold(db)
    assert digest.queue_if_due(db, 60, now=start + 30) is None  # too soon after the last one
    assert digest.queue_if_due(db, 60, now=start + 62) is not None

    assert delivery.send_due(mail_app, db)["sent"] == 3  # the too-fast inquiry's own email and two digests
    digests = [m for m in mail_server.received if m["Subject"].startswith("Website inquiries held")]
    assert [listed(m) for m in digests] == [[first], [second, third]]
    assert digests[1]["Subject"] == "Website inquiries held as possible spam: 2"
    assert sorted(a.strip() for a in digests[1]["To"].split(",")) == sorted(STAFF)
    body = digests[1].get_content()
    assert "a hidden field for robots was filled in" in body and "inquiries list --spam" in body
    for private in (CANARY, VISITOR["phone"], VISITOR["email"], "brother"):
        assert private not in digests[1].as_string()


def test_a_digest_whose_inquiries_were_erased_since_says_so(mail_app, mail_server, db):
    ref = hold(db)
    digest.queue_if_due(db, 60)
    status = mail_app.test_cli_runner().invoke(args=["outbox", "status"])
    assert "spam digest 1  pending" in status.output
    db.execute("DELETE FROM inquiries WHERE ref = ?", [ref])
    assert delivery.send_due(mail_app, db)["sent"] == 1
    (message,) = mail_server.received
    assert listed(message) == [] and "erased or purged" in message.get_content()


PERIOD = 2  # FLASK_SPAM_DIGEST_SECONDS of the running site below
# How much later than the moment it reads the clock a sender round claims its first message
# (one query in between); generous for a busy machine.
ROUND_MARGIN = 0.5


def a_round_looked_after(moment: float, db, mail) -> None:
    """Return once a sender of the running site has decided on a digest later than ``moment``.

    Each round decides whether a digest is due, queues it if so, then claims what is due. So an
    ordinary inquiry saved after ``moment`` (plus ``ROUND_MARGIN``) and delivered was claimed by a
    round that decided later than ``moment``, and any digest it queued is in spam_digests by then.
    Whether one is due depends only on the database and the clock, not on which sender asks.
    """
    assert wait_for(lambda: time.time() > moment + ROUND_MARGIN, timeout=PERIOD + 10)
    ref = store.save_inquiry(db, VISITOR, submission_key=f"ordinary-{next(_keys)}-{time.time()}").ref
    assert wait_for(lambda: any(ref in m["Subject"] for m in mail.received), timeout=20)


@pytest.mark.slow
def test_the_running_site_sends_digests_across_workers_and_restarts(tmp_path):
    """The production server as configured, two worker processes each with its sender thread, a 2 s period."""
    mail = MailServer().start()
    path = tmp_path / "site.db"
    env = {
        **os.environ,
        "FLASK_DATABASE": str(path),
        "FLASK_OUTBOX_WORKER": "true",
        "FLASK_OUTBOX_POLL_SECONDS": "0.1",
        "FLASK_SPAM_DIGEST_SECONDS": str(PERIOD),
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(mail.port),
        "FLASK_STAFF_EMAILS": json.dumps(STAFF),
        "WEB_CONCURRENCY": "2",
    }

    def digests() -> list:
        return [m for m in mail.received if m["Subject"].startswith("Website inquiries held")]

    def last_digest_at() -> float:
        return next(db.query("SELECT max(created_at) AS at FROM spam_digests"))["at"]

    def queued() -> int:
        return next(db.query("SELECT count(*) AS n FROM spam_digests"))["n"]

    db = dbmod.connect(path)
    server = None
    try:
        server, _url = start_site(env, tmp_path / "server.log")
        refs = [hold(db)]
        assert wait_for(lambda: len(digests()) == 1, timeout=20)
        refs += [hold(db), hold(db)]
        assert wait_for(lambda: len(digests()) == 2, timeout=20)
        stop(server)
        server, _url = start_site(env, tmp_path / "server.log")
        a_round_looked_after(last_digest_at() + PERIOD, db, mail)  # a digest would be due: nothing new held, none
        assert len(digests()) == 2 and queued() == 2
        refs.append(hold(db))
        assert wait_for(lambda: len(digests()) == 3, timeout=20), (tmp_path / "server.log").read_text()
        a_round_looked_after(last_digest_at() + PERIOD, db, mail)  # and nothing more after it
        assert queued() == 3
    finally:
        if server is not None:
            stop(server)
        db.conn.close()
        mail.stop()
    everything = [ref for message in digests() for ref in listed(message)]
    assert [listed(m) for m in digests()] == [refs[:1], refs[1:3], refs[3:]]
    assert sorted(everything) == sorted(refs)  # each in exactly one digest


def test_a_flood_of_held_inquiries_makes_one_short_digest(mail_app, mail_server, db):
    for _ in range(digest.LISTED_AT_MOST + 3):
        hold(db)
    digest.queue_if_due(db, 60)
    assert delivery.send_due(mail_app, db)["sent"] == 1
    (message,) = mail_server.received
    assert message["Subject"] == f"Website inquiries held as possible spam: {digest.LISTED_AT_MOST + 3}"
    assert len(listed(message)) == digest.LISTED_AT_MOST and "...and 3 more." in message.get_content()


def test_a_digest_is_seven_bit_with_short_lines_whatever_the_site_name(make_app, mail_server, db):
    """Built like the staff email (mailer.StaffMessage): a non-ASCII name needs no 8BITMIME."""
    app = make_app(mail_server.port, SITE_NAME="Centro de Recuperación Ñandú · 康复中心")
    refs = [hold(db) for _ in range(3)]
    digest.queue_if_due(db, 60)
    assert delivery.send_due(app, db)["sent"] == 1
    raw = mail_server.handler.envelopes[0].content
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    (message,) = mail_server.received
    assert "Centro de Recuperación Ñandú · 康复中心" in message.get_content()
    assert listed(message) == refs
