"""Stop Litestream for a moment so that erase and purge can truncate the write-ahead log.

Litestream keeps a read transaction open on the database so that it alone checkpoints: while it
runs, ``wal_checkpoint(TRUNCATE)`` waits out busy_timeout and fails (measured: 5 s, busy), and a
PASSIVE checkpoint leaves the erased pages in the log file. Its guidance is to leave
checkpointing to it; the one way to truncate is to stop it, truncate, and start it again, which
it handles like any restart (it picks the database up where it is). ``flask replica run``
restarts it within a second or two.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from replica.restore import open_by


def litestream_pids(db_path: Path) -> list[int]:
    """The Litestream processes that have ``db_path`` open."""
    pids = []
    for pid in open_by(db_path):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "litestream":
                pids.append(pid)
        except OSError:
            continue
    return pids


def stop_litestream(db_path: Path, timeout: float = 20) -> bool:
    """SIGTERM every Litestream replicating ``db_path`` (it ships what it has, then exits) and wait
    until they are gone; False if one is still there after ``timeout`` seconds."""
    pids = litestream_pids(db_path)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not litestream_pids(db_path):
            return True
        time.sleep(0.05)
    return not litestream_pids(db_path)
