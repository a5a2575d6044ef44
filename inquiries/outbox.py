"""The outbox: staff emails waiting to be sent, and how far behind sending is."""

from __future__ import annotations

import time

import sqlite_utils


def backlog(db: sqlite_utils.Database, now: float | None = None) -> dict:
    """Counts by status and the age in seconds of the oldest undelivered message."""
    now = time.time() if now is None else now
    counts = {status: 0 for status in ("pending", "sending", "sent", "dead")}
    for row in db.query("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
        counts[row["status"]] = row["n"]
    oldest = next(db.query("SELECT min(created_at) AS t FROM outbox WHERE status != 'sent'"))["t"]
    return {**counts, "oldest_undelivered_seconds": round(now - oldest) if oldest else 0}
