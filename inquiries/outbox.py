"""The outbox: staff emails waiting to be sent, claimed by one sender at a time, retried, dead-lettered.

This module is the queue only (its table, enqueue, claim, mark, retry); sending what it hands out
is ``inquiries.delivery``'s job.

A message moves ``pending → sending → sent``; a temporary failure puts it back to ``pending`` with
a later ``next_attempt_at``; a permanent one makes it ``dead`` (``retry_dead`` revives it). A claim
carries a lease: if its sender dies, another takes the message back once the lease has run out.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time

import sqlite_utils

from inquiries.db import immediate

log = logging.getLogger(__name__)

# Due: waiting and its time has come, or claimed by a sender whose lease ran out (it died).
DUE = """((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND claimed_until < :now))
         AND (kind = 'alert') = :alerts"""
ANY_DUE = f"SELECT EXISTS (SELECT 1 FROM outbox WHERE {DUE}) AS due"  # noqa: S608 - fixed SQL
CLAIM = f"""
UPDATE outbox SET status = 'sending', claimed_by = :worker, claimed_until = :until, attempts = attempts + 1
 WHERE id = (SELECT id FROM outbox WHERE {DUE} ORDER BY next_attempt_at, id LIMIT 1)
RETURNING *
"""  # noqa: S608 - fixed SQL
# Staff email and on-call notices are claimed apart (``alerts``), by senders of their own, so a
# notice service that is slow or down never holds up an email to staff.
STAFF_EMAIL = "kind != 'alert'"


def create_table(db: sqlite_utils.Database) -> None:
    """The outbox as the first release made it (``migrations`` brings it up to date)."""
    db["outbox"].create(
        {
            "id": int,
            "inquiry_id": int,
            "message_id": str,
            "status": str,
            "attempts": int,
            "created_at": float,
            "next_attempt_at": float,
            "claimed_by": str,
            "claimed_until": float,
            "sent_at": float,
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("inquiry_id", "inquiries", "id")],
        not_null={"inquiry_id", "status", "created_at", "next_attempt_at"},
        defaults={"status": "pending", "attempts": 0},
        if_not_exists=True,
    )
    db["outbox"].create_index(["status", "next_attempt_at"], if_not_exists=True)
    db["outbox"].create_index(["inquiry_id"], if_not_exists=True)


def enqueue(
    db: sqlite_utils.Database,
    label: str,
    *,
    domain: str,
    inquiry_id: int | None = None,
    digest_id: int | None = None,
    kind: str | None = None,
    payload: str | None = None,
    now: float | None = None,
) -> int:
    """Queue one staff email, due now: an inquiry's or a spam digest's (exactly one of the two ids).
    ``kind``: ``inquiry`` or ``digest`` by default; ``escalation`` for the reminder that nobody has
    picked the inquiry up yet; ``alert`` for an on-call notice about it, whose ``payload``
    (``inquiries.alerts``) says what and where.

    Call inside the caller's write transaction, so the message exists exactly when what it is
    about does. Its Message-ID (``<label.random@domain>``) is fixed here, the same on every retry.
    """
    now = time.time() if now is None else now
    row = {
        "message_id": f"<{label}.{secrets.token_hex(6)}@{domain}>",
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "kind": kind or ("inquiry" if digest_id is None else "digest"),
        "payload": payload,
    }
    row.update({"inquiry_id": inquiry_id} if digest_id is None else {"digest_id": digest_id})
    return db["outbox"].insert(row).last_pk


def backlog(db: sqlite_utils.Database, now: float | None = None) -> dict:
    """Staff email only (not on-call notices): counts by status and the age in seconds of the oldest
    undelivered message."""
    now = time.time() if now is None else now
    counts = {status: 0 for status in ("pending", "sending", "sent", "dead")}
    for row in db.query(f"SELECT status, count(*) AS n FROM outbox WHERE {STAFF_EMAIL} GROUP BY status"):  # noqa: S608
        counts[row["status"]] = row["n"]
    oldest = next(db.query(f"SELECT min(created_at) AS t FROM outbox WHERE status != 'sent' AND {STAFF_EMAIL}"))["t"]  # noqa: S608
    return {**counts, "oldest_undelivered_seconds": round(now - oldest) if oldest else 0}


def worker_name() -> str:
    """A sender's identity in ``claimed_by``: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(
    db: sqlite_utils.Database, worker_id: str, *, lease: float, alerts: bool = False, now: float | None = None
) -> dict | None:
    """Claim the next due message for ``worker_id`` for ``lease`` seconds, or ``None`` if none is due:
    a staff email, or with ``alerts`` an on-call notice.

    ``lease`` is the caller's ``OUTBOX_LEASE_SECONDS``: the setting is its only default.

    Due: pending with ``next_attempt_at`` reached, or sending with an expired lease (its sender died).
    The select and the update run under one write lock, so two senders never get the same message.
    """
    now = time.time() if now is None else now
    # A cheap read first: an idle sender polling every few seconds shouldn't take the write lock.
    if not next(db.query(ANY_DUE, {"now": now, "alerts": alerts}))["due"]:
        return None
    with immediate(db):
        rows = db.conn.execute(CLAIM, {"worker": worker_id, "until": now + lease, "now": now, "alerts": alerts})
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


def mark_sent(
    db: sqlite_utils.Database,
    outbox_id: int,
    worker_id: str,
    now: float | None = None,
    *,
    route: str | None = "primary",
) -> bool:
    """Record a delivery and the route (``primary`` or ``backup``) it took. False if this worker no
    longer held the claim."""
    now = time.time() if now is None else now
    return _finish(db, outbox_id, worker_id, "status = 'sent', sent_at = ?, route = ?, last_error = NULL", [now, route])


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones: base, 2×base, 4×base… up to ``cap``."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def mark_retry(
    db: sqlite_utils.Database,
    row: dict,
    worker_id: str,
    error: str,
    *,
    base: float,
    cap: float,
    delay: float | None = None,
    now: float | None = None,
) -> float:
    """Put a claimed message back to pending after a temporary failure; returns the delay chosen.

    ``base`` and ``cap`` are the caller's ``OUTBOX_RETRY_BASE_SECONDS`` and ``_MAX_SECONDS``;
    ``delay`` overrides the backoff (0: due again at once, e.g. on the other route).
    """
    now = time.time() if now is None else now
    delay = retry_delay(row["attempts"], base, cap) if delay is None else delay
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
            f"UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE status = 'dead' AND {STAFF_EMAIL}",  # noqa: S608
            [now],
        )
        return cursor.rowcount
