"""The loop that sends on-call notices (``inquiries.alerts``), beside — never inside — the loop that
sends staff email (``inquiries.sender``), so a slow or broken notice service cannot delay an email."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from inquiries import alerts, delivery, outbox
from inquiries import db as dbmod

log = logging.getLogger(__name__)


class Notifier:
    """One notice loop: its own database connection, a stop switch and a wake-up call."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        """Report late staff email, send the due notices, sleep ``OUTBOX_POLL_SECONDS`` (or until
        woken); until stopped."""
        db = dbmod.connect(dbmod.database_path(self.app))
        worker_id = outbox.worker_name()
        try:
            while not self.stop_event.is_set():
                self.wake_event.clear()
                try:
                    alerts.queue_stuck(self.app, db)
                    delivery.send_due(self.app, db, worker_id=worker_id, notices=True, stop=self.stop_event)
                except Exception as exc:  # a locked database must not end the loop
                    log.error("On-call notice error: %s", type(exc).__name__)
                self.wake_event.wait(self.app.config["OUTBOX_POLL_SECONDS"])
        finally:
            db.conn.close()

    def start(self) -> None:
        """Run the loop in a daemon thread."""
        self.thread = threading.Thread(target=self.run, name="on-call-notices", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        """Look for due notices now."""
        self.wake_event.set()

    def stop(self, timeout: float | None = None) -> None:
        """End the loop after the current notice and wait for it."""
        self.stop_event.set()
        self.wake_event.set()
        if self.thread is not None:
            self.thread.join(timeout)
