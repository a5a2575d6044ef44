"""Whether the site can take an inquiry now: the database takes a committed write, staff email moves,
and a sender runs while mail waits.

/healthz is public, so the answer names the problem only; counts stay in ``flask outbox status``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

import sqlite_utils
from flask import Flask

from inquiries import alerts, delivery
from inquiries.db import immediate
from inquiries.outbox import backlog
from inquiries.sender import last_run

log = logging.getLogger(__name__)

EXTENSION = "health_write_check"
# However the setting reads, a monitor learns of a database that stopped taking writes within this.
LONGEST_REUSE_SECONDS = 20.0

CANNOT_SAVE = "the database cannot save inquiries"
STAFF_EMAIL_LATE = "staff email is late"
SENDER_STOPPED = "sender stopped"


def write_heartbeat(db: sqlite_utils.Database, now: float | None = None) -> None:
    """Rewrite the one heartbeat row in a write transaction and commit it (raises if SQLite cannot)."""
    now = time.time() if now is None else now
    with immediate(db):
        db.execute(
            "INSERT INTO heartbeat (id, written_at) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
            [now],
        )


def can_write(app: Flask, db: sqlite_utils.Database, now: float | None = None) -> bool:
    """Whether a committed write succeeded, tried at most once per ``HEALTH_WRITE_SECONDS`` per process.

    The answer is reused for at most 20 s, so a flood of /healthz requests cannot turn into a
    flood of fsyncs, and a failure is still seen quickly. ``now`` is the moment on the
    `time.monotonic` clock (read when None, before the check and again once the write is done).
    """
    reuse = min(app.config["HEALTH_WRITE_SECONDS"], LONGEST_REUSE_SECONDS)
    cached = app.extensions.get(EXTENSION)
    checked = time.monotonic() if now is None else now
    if cached and cached[0] == os.getpid() and checked - cached[1] < reuse:
        return cached[2]
    try:
        write_heartbeat(db)
        ok = True
    except sqlite3.Error as exc:
        log.error("Health check: the database refused a write (%s)", type(exc).__name__)
        ok = False
    app.extensions[EXTENSION] = (os.getpid(), time.monotonic() if now is None else now, ok)
    return ok


def problem(app: Flask, db: sqlite_utils.Database) -> str | None:
    """None when all is well, otherwise what is wrong in a few public words."""
    if not can_write(app, db):
        return CANNOT_SAVE
    try:
        counts = backlog(db)
        stopped = sender_stopped(app, db, counts)
    except sqlite3.Error as exc:
        log.error("Health check: the outbox could not be read (%s)", type(exc).__name__)
        return CANNOT_SAVE
    if stopped:
        report_stopped(app, db)
    if counts["oldest_undelivered_seconds"] > app.config["OUTBOX_ALARM_SECONDS"]:
        return STAFF_EMAIL_LATE
    if stopped:
        return SENDER_STOPPED
    return None


def report_stopped(app: Flask, db: sqlite_utils.Database) -> None:
    """Tell on-call (``ALERT_URLS``) that no sender runs, once per stop, and send that notice from
    here and now: an uptime monitor's visit may be the only thing still running. It never changes
    the health answer. ``app`` must be the app itself, not ``current_app``: the thread outlives the
    request."""
    try:
        queued = alerts.report_stopped(app, db, last_run(db))
    except sqlite3.Error as exc:
        log.error("Health check: the stopped-sender notice could not be queued (%s)", type(exc).__name__)
        return
    if queued:
        threading.Thread(target=_send_notices, args=(app,), name="stopped-sender-notice", daemon=True).start()


def _send_notices(app: Flask) -> None:
    try:
        delivery.send_due(app, notices=True)
    except Exception as exc:  # a thread of its own: nothing above it to catch
        log.error("On-call notice error: %s", type(exc).__name__)


def sender_stopped(app: Flask, db: sqlite_utils.Database, counts: dict, now: float | None = None) -> bool:
    """Whether mail waits (``counts`` from `backlog`: pending or sending) and no sender has finished
    a round within ``OUTBOX_ALARM_SECONDS`` of ``now``, or none ever has.

    With nothing waiting, no sender is no problem: an idle site whose sender is off is fine.
    """
    if not counts["pending"] and not counts["sending"]:
        return False
    ran_at = last_run(db)
    now = time.time() if now is None else now
    return ran_at is None or now - ran_at > app.config["OUTBOX_ALARM_SECONDS"]
