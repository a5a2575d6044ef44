"""The spam digest: inquiries held as spam (never emailed one by one) listed to staff, one email per period.

A filled honeypot keeps an inquiry out of the staff inbox, and a password manager can fill it for
a real person. So every ``SPAM_DIGEST_SECONDS`` the sender loop queues, through the outbox (same
retries, same alarm), one email listing the held inquiries not yet listed: reference, time and
reason, nothing the visitor wrote. Staff read them with ``flask inquiries list --spam``.

Each held inquiry records the digest that listed it (``inquiries.spam_digest_id``), set in the
same transaction that queues the digest, so it is listed exactly once, across restarts and any
number of sender processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import sqlite_utils
from flask import Flask, current_app, render_template

import settings
from inquiries import outbox
from inquiries.db import immediate
from inquiries.mailer import StaffMessage, received_at, spam_note, staff_addresses
from inquiries.words import SPAM_REASONS

log = logging.getLogger(__name__)

# Held: flagged and therefore never emailed on its own (a form sent too fast is emailed, marked).
HELD = "emailed = 0 AND spam_reason IS NOT NULL AND spam_reason != ''"
DUE = f"""
SELECT EXISTS (SELECT 1 FROM inquiries WHERE spam_digest_id IS NULL AND {HELD})
   AND coalesce((SELECT max(created_at) FROM spam_digests), 0) <= :since AS due
"""  # noqa: S608 - fixed SQL

# A flood of bots must not make one enormous email; the rest are one command away.
LISTED_AT_MOST = 200


def queue_if_due(
    db: sqlite_utils.Database, every: float, *, domain: str = "localhost", now: float | None = None
) -> int | None:
    """Queue a digest if something was held since the last one and that one is ``every`` seconds old.

    Returns the new digest's id, or None when none is due.
    """
    now = time.time() if now is None else now
    params = {"since": now - every}
    # A cheap read first: every sender asks every few seconds, and the answer is nearly always no.
    if not next(db.query(DUE, params))["due"]:
        return None
    with immediate(db):
        if not next(db.query(DUE, params))["due"]:  # another process queued it a moment ago
            return None
        digest_id = db["spam_digests"].insert({"created_at": now}).last_pk
        listed = db.execute(
            f"UPDATE inquiries SET spam_digest_id = ? WHERE spam_digest_id IS NULL AND {HELD}",  # noqa: S608
            [digest_id],
        ).rowcount
        outbox.enqueue(db, f"spam-digest-{digest_id}", domain=domain, digest_id=digest_id, now=now)
    log.info("Spam digest %d queued, listing %d held inquiries", digest_id, listed)
    return digest_id


def queue_for(app: Flask, db: sqlite_utils.Database) -> int | None:
    """:func:`queue_if_due` with the app's ``SPAM_DIGEST_SECONDS`` and the site's domain."""
    return queue_if_due(db, app.config["SPAM_DIGEST_SECONDS"], domain=settings.site_domain(app.config))


def compose(db: sqlite_utils.Database, row: dict) -> StaffMessage:
    """The digest email for the outbox ``row`` (call inside an app context); the same on every retry.

    Lists what is still stored: an inquiry erased or purged since is left out.
    """
    config = current_app.config
    created = next(db.query("SELECT created_at FROM spam_digests WHERE id = ?", [row["digest_id"]]))["created_at"]
    held = [
        {
            "ref": inquiry["ref"],
            "received": received_at(dt.datetime.fromisoformat(inquiry["created_at"]), config["SITE_TIMEZONE"]),
            "reason": one_line_reason(inquiry["spam_reason"]),
        }
        for inquiry in db.query(
            "SELECT ref, created_at, spam_reason FROM inquiries WHERE spam_digest_id = ? ORDER BY created_at, id"
            " LIMIT ?",
            [row["digest_id"], LISTED_AT_MOST],
        )
    ]
    total = next(db.query("SELECT count(*) AS n FROM inquiries WHERE spam_digest_id = ?", [row["digest_id"]]))["n"]
    message = StaffMessage(
        subject=f"Website inquiries held as possible spam: {total}",
        recipients=staff_addresses(config),
        body=render_template("email/spam_digest.txt", held=held, total=total, site_name=config["SITE_NAME"]),
        sender=config["MAIL_DEFAULT_SENDER"],
        date=created,
    )
    message.msgId = row["message_id"]
    return message


def one_line_reason(reason: str | None) -> str:
    """Why an inquiry was held, in plain words on one line."""
    note = spam_note(reason) or "flagged"
    return SPAM_REASONS.get(note, note).replace("\n", " ")
