"""The outbox: staff emails waiting to be sent, claimed by one sender at a time, retried, dead-lettered.

A message moves ``pending → sending → sent``; a temporary failure puts it back to ``pending`` with
a later ``next_attempt_at``; a permanent one makes it ``dead`` (``retry_dead`` revives it). A claim
carries a lease: if its sender dies, another takes the message back once the lease has run out.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import threading
import time

import sqlite_utils
from flask import Flask

from inquiries import db as dbmod
from inquiries import digest, mailer, smtp
from inquiries.store import immediate

log = logging.getLogger(__name__)

# Due: waiting and its time has come, or claimed by a sender whose lease ran out (it died).
ANY_DUE = """
SELECT EXISTS (SELECT 1 FROM outbox WHERE (status = 'pending' AND next_attempt_at <= :now)
                                       OR (status = 'sending' AND claimed_until < :now)) AS due
"""
CLAIM = """
UPDATE outbox SET status = 'sending', claimed_by = :worker, claimed_until = :until, attempts = attempts + 1
 WHERE id = (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= :now)
                                      OR (status = 'sending' AND claimed_until < :now)
              ORDER BY next_attempt_at, id LIMIT 1)
RETURNING *
"""


def backlog(db: sqlite_utils.Database, now: float | None = None) -> dict:
    """Counts by status and the age in seconds of the oldest undelivered message."""
    now = time.time() if now is None else now
    counts = {status: 0 for status in ("pending", "sending", "sent", "dead")}
    for row in db.query("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
        counts[row["status"]] = row["n"]
    oldest = next(db.query("SELECT min(created_at) AS t FROM outbox WHERE status != 'sent'"))["t"]
    return {**counts, "oldest_undelivered_seconds": round(now - oldest) if oldest else 0}


def worker_name() -> str:
    """A sender's identity in ``claimed_by``: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(db: sqlite_utils.Database, worker_id: str, now: float | None = None, lease: float = 120) -> dict | None:
    """Claim the next due message for ``worker_id`` for ``lease`` seconds, or ``None`` if none is due.

    Due: pending with ``next_attempt_at`` reached, or sending with an expired lease (its sender died).
    The select and the update run under one write lock, so two senders never get the same message.
    """
    now = time.time() if now is None else now
    # A cheap read first: an idle sender polling every few seconds shouldn't take the write lock.
    if not next(db.query(ANY_DUE, {"now": now}))["due"]:
        return None
    with immediate(db):
        rows = db.conn.execute(CLAIM, {"worker": worker_id, "until": now + lease, "now": now})
        columns = [c[0] for c in rows.description]
        found = rows.fetchall()
    return dict(zip(columns, found[0], strict=True)) if found else None


def _finish(db: sqlite_utils.Database, outbox_id: int, worker_id: str, sql: str, params: list) -> bool:
    # Only the current claim holder may finish a message; a sender whose lease was taken back
    # gets False and leaves the row alone.
    with immediate(db):
        cursor = db.conn.execute(
            f"UPDATE outbox SET {sql}, claimed_by = NULL, claimed_until = NULL "  # noqa: S608 - fixed SQL
            "WHERE id = ? AND status = 'sending' AND claimed_by = ?",
            [*params, outbox_id, worker_id],
        )
        return cursor.rowcount == 1


def mark_sent(db: sqlite_utils.Database, outbox_id: int, worker_id: str, now: float | None = None) -> bool:
    """Record a delivery. False if this worker no longer held the claim."""
    now = time.time() if now is None else now
    return _finish(db, outbox_id, worker_id, "status = 'sent', sent_at = ?, last_error = NULL", [now])


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones: base, 2×base, 4×base… up to ``cap``."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def mark_retry(
    db: sqlite_utils.Database,
    row: dict,
    worker_id: str,
    error: str,
    *,
    base: float = 30,
    cap: float = 3600,
    now: float | None = None,
) -> float:
    """Put a claimed message back to pending after a temporary failure; returns the delay chosen."""
    now = time.time() if now is None else now
    delay = retry_delay(row["attempts"], base, cap)
    sql = "status = 'pending', next_attempt_at = ?, last_error = ?"
    _finish(db, row["id"], worker_id, sql, [now + delay, error[:300]])
    return delay


def mark_dead(
    db: sqlite_utils.Database, row: dict, worker_id: str, error: str, *, ref: str = "?", reason: str = ""
) -> bool:
    """Give up on a message (refused with a 5xx, or unbuildable); logged as an error with the ref only.

    ``error`` (stored) may quote the server; ``reason`` (logged) must not carry any contents.
    """
    log.error("Staff email for inquiry %s failed for good (%s); see `flask outbox status`", ref, reason)
    return _finish(db, row["id"], worker_id, "status = 'dead', last_error = ?", [error[:300]])


def retry_dead(db: sqlite_utils.Database, now: float | None = None) -> int:
    """Put every dead message back in the queue, due now with a fresh backoff; returns how many."""
    now = time.time() if now is None else now
    with immediate(db):
        cursor = db.conn.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE status = 'dead'", [now]
        )
        return cursor.rowcount


def send_due(
    app: Flask,
    db: sqlite_utils.Database | None = None,
    *,
    worker_id: str | None = None,
    limit: int = 100,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, int]:
    """Send every message due now (at most ``limit``), once each; returns counts of sent/retry/dead."""
    own = db is None
    db = dbmod.connect(dbmod.database_path(app)) if own else db
    worker_id = worker_id or worker_name()
    config = app.config
    lease = float(config["OUTBOX_LEASE_SECONDS"])
    counts = {"sent": 0, "retry": 0, "dead": 0}
    try:
        with app.app_context():
            for _ in range(limit):
                row = claim_next(db, worker_id, lease=lease)
                if row is None:
                    break
                outcome = _deliver(app, db, row, worker_id, ssl_context)
                counts[outcome] += 1
    finally:
        if own:
            db.conn.close()
    return counts


def _deliver(app: Flask, db, row: dict, worker_id: str, ssl_context) -> str:
    if row.get("digest_id") is not None:  # the spam digest (inquiries.digest), not one inquiry
        inquiry, ref = None, f"(spam digest {row['digest_id']})"
    else:
        inquiry = next(db.query("SELECT * FROM inquiries WHERE id = ?", [row["inquiry_id"]]), None)
        ref = inquiry["ref"] if inquiry else f"(outbox {row['id']})"
    config = app.config
    try:
        if inquiry is None and row.get("digest_id") is None:
            raise mailer.DeliveryError("inquiry erased", permanent=True)
        try:
            message = mailer.compose(inquiry, row["message_id"]) if inquiry else digest.compose(db, row)
        except Exception as exc:
            # Building the email is deterministic: what fails now fails on every retry (a bug).
            # Only the type is kept: an exception's text could quote what the visitor wrote.
            raise mailer.DeliveryError(f"could not build the email: {type(exc).__name__}", permanent=True) from None
        # The lease is longer than this (settings.lease_problems), so no other sender takes the
        # message back while the server may still be confirming it.
        refused = mailer.send(message, config, ssl_context=ssl_context, budget=smtp.conversation_seconds(config))
    except mailer.DeliveryError as exc:
        if exc.permanent:
            mark_dead(db, row, worker_id, _error_text(exc), ref=ref, reason=exc.reason)
            return "dead"
        error, reason = _error_text(exc), exc.reason
    except Exception as exc:  # a bug must not stop the other messages; only the type is kept
        error = reason = f"unexpected {type(exc).__name__}"
    else:
        if not mark_sent(db, row["id"], worker_id):
            log.warning("Staff email for inquiry %s sent after its claim expired", ref)
        if refused:
            log.warning("Staff email for inquiry %s sent, but %d staff address(es) refused it", ref, refused)
        log.info("Staff email for inquiry %s sent", ref)
        return "sent"
    base, cap = float(config["OUTBOX_RETRY_BASE_SECONDS"]), float(config["OUTBOX_RETRY_MAX_SECONDS"])
    delay = mark_retry(db, row, worker_id, error, base=base, cap=cap)
    log.warning("Staff email for inquiry %s not sent (%s); retry %d in %gs", ref, reason, row["attempts"], delay)
    return "retry"


def _error_text(exc: mailer.DeliveryError) -> str:
    return f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
