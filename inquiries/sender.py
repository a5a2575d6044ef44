"""The sender: a loop that sends due outbox messages, as a thread in the web process or on its own.

Each round it first queues the spam digest when one is due (``inquiries.digest``).

With ``OUTBOX_WORKER`` true, each web process starts one daemon thread when gunicorn has booted it
(``post_worker_init`` in gunicorn.conf.py) or, under any other server, on its first request; so a
CLI command never starts one, and a thread never has to survive gunicorn's fork. With it false,
run ``flask outbox work``, which runs the same loop in the foreground. Several senders may run at
once: the outbox's atomic claim gives each message to one of them.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

from inquiries import db as dbmod
from inquiries import delivery, digest, escalation, outbox
from inquiries.notifier import Notifier

log = logging.getLogger(__name__)

EXTENSION = "outbox_sender"


class Sender:
    """One send loop: its own database connection, a stop switch and a wake-up call."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stop_event = threading.Event()
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
                    delivery.send_due(self.app, db, worker_id=worker_id)
                except Exception as exc:  # a locked or missing database must not end the loop
                    log.error("Outbox sender error: %s", type(exc).__name__)
                self.wake_event.wait(poll)
        finally:
            db.conn.close()

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
        """Ask the loop to end after the current message and wait for it."""
        self.stop_event.set()
        self.wake_event.set()
        self.notices.stop(timeout)
        if self.thread is not None:
            self.thread.join(timeout)


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
    return sender


def wake(app: Flask) -> None:
    """Tell this process's sender a message was just saved (no-op without a sender thread)."""
    sender = app.extensions.get(EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        sender.wake()


def init_app(app: Flask) -> None:
    """Start the sender on the first request a process serves, if gunicorn has not already."""
    if not app.config["OUTBOX_WORKER"]:
        return

    @app.before_request
    def start_sender() -> None:
        ensure_started(app)
