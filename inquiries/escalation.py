"""Escalation: an inquiry nobody has picked up within ``PICKUP_SECONDS`` is sent again, once, to
``ESCALATION_EMAILS`` (the staff addresses if none are set), saying how long it has waited.

The sender asks every round (`queue_due`); the reminder goes through the outbox like any staff
email, with its own Message-ID, the same on every retry. Spam-flagged inquiries, for any reason,
and inquiries already picked up are never escalated.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import sqlite_utils
from flask import Flask

import settings
from inquiries import alerts, mailer, outbox
from inquiries.db import immediate

log = logging.getLogger(__name__)

# Matches the partial index idx_inquiries_awaiting_pickup (inquiries.migrations).
AWAITING = "picked_up_at IS NULL AND escalated_at IS NULL AND emailed = 1 AND (spam_reason IS NULL OR spam_reason = '')"


def queue_due(app: Flask, db: sqlite_utils.Database, now: float | None = None) -> list[str]:
    """Queue the reminder for every inquiry waiting longer than ``PICKUP_SECONDS``; returns their refs."""
    now = time.time() if now is None else now
    # created_at is kept to the second (rounded down): an inquiry stored as 12:00:00 may be from
    # 12:00:00.9, so one second more is waited to be sure it is never escalated early.
    waited = now - app.config["PICKUP_SECONDS"] - 1
    cutoff = dt.datetime.fromtimestamp(waited, dt.UTC).isoformat(timespec="seconds")
    sql = f"SELECT id, ref, created_at FROM inquiries WHERE {AWAITING} AND created_at <= ? ORDER BY created_at"  # noqa: S608
    # A cheap read first: every sender asks every round, and the answer is nearly always none.
    if not list(db.query(sql + " LIMIT 1", [cutoff])):
        return []
    escalated_at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
    domain = settings.site_domain(app.config)
    with immediate(db):  # re-read under the lock: two senders never escalate one inquiry twice
        due = list(db.query(sql, [cutoff]))
        for row in due:
            db.execute("UPDATE inquiries SET escalated_at = ? WHERE id = ?", [escalated_at, row["id"]])
            outbox.enqueue(
                db, f"escalation-{row['ref']}", domain=domain, inquiry_id=row["id"], kind="escalation", now=now
            )
            alerts.escalated(db, app.config, row, waited_minutes({**row, "escalated_at": escalated_at}))
    for row in due:
        log.warning("Inquiry %s not picked up after %g s: escalated", row["ref"], app.config["PICKUP_SECONDS"])
    return [row["ref"] for row in due]


def addresses(config: dict[str, Any]) -> list[str]:
    """Who gets the reminder: ``ESCALATION_EMAILS``, or the staff addresses again."""
    return list(config.get("ESCALATION_EMAILS") or []) or mailer.staff_addresses(config)


def waited_minutes(inquiry: dict[str, Any]) -> int:
    """Whole minutes from the inquiry to its escalation (fixed, so every retry says the same)."""
    created = dt.datetime.fromisoformat(inquiry["created_at"])
    escalated = dt.datetime.fromisoformat(inquiry["escalated_at"])
    return max(0, int((escalated - created).total_seconds() // 60))


def compose(inquiry: dict[str, Any], message_id: str, config: dict[str, Any]) -> mailer.Message:
    """The reminder: the same inquiry as the staff email, to the escalation addresses, saying how
    long it has waited (call inside an app context)."""
    return mailer.compose(inquiry, message_id, recipients=addresses(config), waited_minutes=waited_minutes(inquiry))
