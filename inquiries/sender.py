"""The sender: a loop that sends due outbox messages, as a thread in the web process or on its own.

Each round it first queues the spam digest when one is due (``inquiries.digest``).

With ``OUTBOX_WORKER`` true, each web process starts one daemon thread as soon as it has built the
app (``serve.site``, which the server calls in each worker after any fork) or, under any other
server, on its first request; so a CLI command never starts one, and a thread never has to survive
a fork. With it false,
run ``flask outbox work``, which runs the same loop in the foreground. Several senders may run at
once: the outbox's atomic claim gives each message to one of them.

After its rounds each loop records that it ran (``sender_runs``, one row per sender), so /healthz
can tell a sender that stopped, or never started, while mail waits (``inquiries.health``).
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import threading
import time

import sqlite_utils
from flask import Flask

from inquiries import db as dbmod
from inquiries import delivery, digest, escalation, outbox
from inquiries.notifier import Notifier

log = logging.getLogger(__name__)

EXTENSION = "outbox_sender"
# A running sender rewrites its row at most this often (and at least five times per alarm period):
# a write every poll would take the write lock and ship a WAL page to any replica every few seconds.
RECORD_AT_MOST_EVERY = 30.0
# Rows of senders silent this long are dropped: each web process restart leaves one behind.
FORGET_AFTER_SECONDS = 86400.0
# How long an exiting process waits for its sender to finish the message in hand.
STOP_AT_EXIT_SECONDS = 15.0


def record_run(db: sqlite_utils.Database, worker_id: str, now: float | None = None) -> None:
    """Record that ``worker_id`` finished a round at ``now``, and forget senders silent for a day.

    The commit runs with ``synchronous=NORMAL``: in WAL mode it is then not synced on its own
    (losing it to a power cut costs nothing), and the next inquiry's FULL commit syncs it too.
    """
    now = time.time() if now is None else now
    previous = db.execute("PRAGMA synchronous").fetchone()[0]
    db.execute("PRAGMA synchronous=NORMAL")
    try:
        with dbmod.immediate(db):
            db.execute(
                "INSERT INTO sender_runs (worker, ran_at) VALUES (?, ?)"
                " ON CONFLICT (worker) DO UPDATE SET ran_at = excluded.ran_at",
                [worker_id, now],
            )
            db.execute("DELETE FROM sender_runs WHERE ran_at < ?", [now - FORGET_AFTER_SECONDS])
    finally:
        db.execute(f"PRAGMA synchronous={int(previous)}")


def last_run(db: sqlite_utils.Database) -> float | None:
    """When the most recent round of any sender ended (a Unix time), or None if none is recorded."""
    return next(db.query("SELECT max(ran_at) AS t FROM sender_runs"))["t"]


def runs(db: sqlite_utils.Database) -> list[dict]:
    """Each sender's row (``worker``, ``ran_at``), the most recent first."""
    return list(db.query("SELECT worker, ran_at FROM sender_runs ORDER BY ran_at DESC, worker"))


class Sender:
    """One send loop: its own database connection, a stop switch and a wake-up call."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.recorded_at: float | None = None  # time.monotonic() of this sender's last recorded run
        self.wake_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.notices = Notifier(app)  # on-call notices: a loop of their own, started and stopped with this one

    def run(self) -> None:
        """Send what is due, then sleep ``OUTBOX_POLL_SECONDS`` (or until woken); until stopped."""
        db = dbmod.connect(dbmod.database_path(self.app))
        worker_id = outbox.worker_name()
        poll = self.app.config["OUTBOX_POLL_SECONDS"]
        log.info("Outbox sender %s started", worker_id)
        try:
            while not self.stop_event.is_set():
                self.wake_event.clear()
                try:
                    digest.queue_for(self.app, db)  # the spam digest rides this loop: no timer needed
                except Exception as exc:
                    log.error("Spam digest error: %s", type(exc).__name__)
                try:
                    escalation.queue_due(self.app, db)  # and so do reminders nobody picked up
                except Exception as exc:
                    log.error("Escalation error: %s", type(exc).__name__)
                try:
                    delivery.send_due(self.app, db, worker_id=worker_id, stop=self.stop_event)
                except Exception as exc:  # a locked or missing database must not end the loop
                    log.error("Outbox sender error: %s", type(exc).__name__)
                self.record(db, worker_id)
                self.wake_event.wait(poll)
        finally:
            db.conn.close()

    def record(self, db: sqlite_utils.Database, worker_id: str, at: float | None = None) -> None:
        """`record_run`, unless this sender did so less than a fifth of ``OUTBOX_ALARM_SECONDS`` ago
        (or `RECORD_AT_MOST_EVERY`); ``at`` is the moment on the `time.monotonic` clock. Never raises."""
        at = time.monotonic() if at is None else at
        every = min(RECORD_AT_MOST_EVERY, self.app.config["OUTBOX_ALARM_SECONDS"] / 5)
        if self.recorded_at is not None and at - self.recorded_at < every:
            return
        try:
            record_run(db, worker_id)
        except Exception as exc:  # the run is only a signal for /healthz: sending goes on without it
            log.error("Sender run not recorded: %s", type(exc).__name__)
            return
        self.recorded_at = at

    def start(self) -> None:
        """Run the loop in a daemon thread (a claim cut short by exit is taken back after the lease)."""
        self.thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self.thread.start()
        self.notices.start()

    def wake(self) -> None:
        """Look for due messages (and notices about them) now instead of at the next poll."""
        self.wake_event.set()
        self.notices.wake()

    def stop(self, timeout: float | None = None) -> None:
        """Ask both loops to end after the message in hand and wait for them, ``timeout`` seconds in all."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.stop_event.set()
        self.wake_event.set()
        self.notices.stop_event.set()  # both stop at once: neither waits for the other's message
        self.notices.stop(timeout)
        if self.thread is not None:
            self.thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))


_lock = threading.Lock()


def ensure_started(app: Flask) -> Sender | None:
    """Start this process's sender thread if ``OUTBOX_WORKER`` is on and none runs yet."""
    if not app.config["OUTBOX_WORKER"]:
        return None
    sender = app.extensions.get(EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        return sender
    with _lock:
        sender = app.extensions.get(EXTENSION)
        if sender is None or sender.pid != os.getpid():  # none yet, or inherited through a fork
            sender = Sender(app)
            sender.start()
            app.extensions[EXTENSION] = sender
            stop_at_exit(sender)
    return sender


def stop_at_exit(sender: Sender) -> None:
    """When this process exits normally (a server stopping or replacing its worker), let the sender
    finish the message in hand instead of dying mid-send, which would leave it claimed until its
    lease ran out and, if the SMTP server had taken it, send it twice."""
    # Not `atexit`: a server's worker process started by `multiprocessing` (Granian's are) ends with
    # os._exit, which skips atexit; multiprocessing runs its finalizers then, and at a normal exit.
    multiprocessing.util.Finalize(sender, sender.stop, kwargs={"timeout": STOP_AT_EXIT_SECONDS}, exitpriority=10)


def wake(app: Flask) -> None:
    """Tell this process's sender a message was just saved (no-op without a sender thread)."""
    sender = app.extensions.get(EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        sender.wake()


def init_app(app: Flask) -> None:
    """Start the sender on the first request a process serves, if ``serve.site`` has not already."""
    if not app.config["OUTBOX_WORKER"]:
        return

    @app.before_request
    def start_sender() -> None:
        ensure_started(app)
