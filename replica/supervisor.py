"""Keep ``litestream replicate`` running beside the site, restarting it with backoff when it exits.

Litestream exits at once when its target is unreachable at start-up; the site never waits for it
and never stops with it: this loop is its own process (``flask replica run``).
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from inquiries import db as dbmod
from inquiries import health
from replica import config as replica_config
from replica import status

log = logging.getLogger(__name__)

FIRST_BACKOFF = 1.0
LONGEST_BACKOFF = 60.0
STEADY_SECONDS = 60.0  # a run this long resets the backoff


class Supervisor:
    """Runs Litestream for one database until `stop` is called; takes a status reading every
    `status.check_every` seconds for /healthz."""

    def __init__(self, config: dict[str, Any], db_path: Path) -> None:
        self.config = config
        self.db_path = db_path
        self.stop_event = threading.Event()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        """``litestream replicate`` with the configuration generated from the settings."""
        cfg = replica_config.write(self.config, self.db_path)
        return [replica_config.binary(), "replicate", "-config", str(cfg), "-no-expand-env"]

    def run(self) -> None:
        """Start, watch and restart Litestream until stopped."""
        backoff = FIRST_BACKOFF
        checker = threading.Thread(target=self._check_loop, name="replica-status", daemon=True)
        checker.start()
        while not self.stop_event.is_set():
            started = time.monotonic()
            self.starts += 1
            self.process = subprocess.Popen(self.command())
            while self.process.poll() is None and not self.stop_event.wait(0.2):
                pass
            if self.stop_event.is_set():
                break
            if time.monotonic() - started > STEADY_SECONDS:
                backoff = FIRST_BACKOFF
            log.warning("litestream exited with %s; starting it again in %.0f s", self.process.returncode, backoff)
            if self.stop_event.wait(backoff):
                break
            backoff = min(LONGEST_BACKOFF, backoff * 2)
        self._end_process()

    def stop(self) -> None:
        """Ask `run` to end: Litestream gets SIGTERM (it ships what it has first)."""
        self.stop_event.set()

    def _end_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _check_loop(self) -> None:
        every = status.check_every(self.config)
        beat_every = self.config["REPLICA_SNAPSHOT_SECONDS"] / 2
        last_beat = time.monotonic()
        while not self.stop_event.wait(min(every, beat_every)):
            try:
                status.save(status.read(self.config, self.db_path), self.db_path)
            except OSError as error:
                log.error("replica status could not be saved: %s", error)
            if time.monotonic() - last_beat >= beat_every:
                last_beat = time.monotonic()
                self._beat()

    def _beat(self) -> None:
        """One small write, so that even a quiet site gets new snapshots: Litestream deletes old
        history (and erased text with it) only when a newer snapshot exists."""
        try:
            db = dbmod.connect(self.db_path)
            try:
                health.write_heartbeat(db)
            finally:
                db.conn.close()
        except sqlite3.Error as error:
            log.error("replica heartbeat write failed: %s", error)
