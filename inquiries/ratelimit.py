"""Rate-limit counts in the site's SQLite database, shared by every worker and kept across restarts.

A storage for the ``limits`` library (the one Flask-Limiter is built on), registered under the
``sqlite://`` scheme: ``storage_from_string("sqlite:////srv/site/data/site.db", salt=...)``. It
supports the fixed-window and the moving-window strategies. Keys are stored only as an HMAC with
a secret salt, so the table never holds a client address, and expired rows are deleted on every
write. `acquire_on` takes an entry inside a caller's own write transaction, which is how the
contact form counts an inquiry and stores it under one lock (see ``inquiries.store``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import sqlite3
import time
from collections.abc import Iterator
from typing import ClassVar

import sqlite_utils
from limits.storage import MovingWindowSupport, Storage

from inquiries import db as dbmod


def init_schema(db: sqlite_utils.Database) -> None:
    """Create the table and its indexes if missing: an existing database gains them in place."""
    db.execute("CREATE TABLE IF NOT EXISTS rate_limits (key TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_rate_limits_key_at ON rate_limits (key, at)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_rate_limits_expires_at ON rate_limits (expires_at)")


class SQLiteStorage(Storage, MovingWindowSupport):
    """``limits`` storage in a SQLite file: one row per counted hit, keyed by a salted hash."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, salt: str = "", **options: object) -> None:
        """``uri`` is ``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``."""
        self.path = uri.split("://", 1)[1][1:]
        self.salt = salt.encode()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        """What a failing database raises (wrapped as StorageError when asked)."""
        return sqlite3.Error

    def hashed(self, key: str) -> str:
        """The stored form of a key: an HMAC-SHA256 with the salt, so no address is kept."""
        return hmac.new(self.salt, key.encode(), hashlib.sha256).hexdigest()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = dbmod.connect(self.path).conn
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self.purge(conn)
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    def purge(conn: sqlite3.Connection) -> None:
        """Delete every row whose window has passed."""
        conn.execute("DELETE FROM rate_limits WHERE expires_at <= ?", [time.time()])

    def acquire_on(self, conn: sqlite3.Connection, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Moving window: take ``amount`` entries if fewer than ``limit`` remain taken within ``expiry``
        seconds. ``conn`` must be inside a write transaction (BEGIN IMMEDIATE), so the count and
        the insert are one step for every process."""
        if amount > limit:
            return False
        now = time.time()
        self.purge(conn)
        hashed = self.hashed(key)
        (taken,) = conn.execute(
            "SELECT count(*) FROM rate_limits WHERE key = ? AND at > ?", [hashed, now - expiry]
        ).fetchone()
        if taken + amount > limit:
            return False
        conn.executemany(
            "INSERT INTO rate_limits (key, at, expires_at) VALUES (?, ?, ?)", [(hashed, now, now + expiry)] * amount
        )
        return True

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Moving window: take entries in a transaction of its own (see `acquire_on`)."""
        with self._write() as conn:
            return self.acquire_on(conn, key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(oldest entry still in the window, or now; number of entries in the window)."""
        now = time.time()
        with self._connection() as conn:
            oldest, taken = conn.execute(
                "SELECT min(at), count(*) FROM rate_limits WHERE key = ? AND at > ?", [self.hashed(key), now - expiry]
            ).fetchone()
        return (oldest or now), taken

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed window: count ``amount`` more hits in the key's current window (opened now if none)."""
        hashed = self.hashed(key)
        with self._write() as conn:
            (ends,) = conn.execute("SELECT min(expires_at) FROM rate_limits WHERE key = ?", [hashed]).fetchone()
            ends = ends or time.time() + expiry
            conn.executemany(
                "INSERT INTO rate_limits (key, at, expires_at) VALUES (?, ?, ?)", [(hashed, time.time(), ends)] * amount
            )
            (count,) = conn.execute("SELECT count(*) FROM rate_limits WHERE key = ?", [hashed]).fetchone()
        return count

    def get(self, key: str) -> int:
        """Fixed window: the hits counted in the key's current window."""
        with self._connection() as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM rate_limits WHERE key = ? AND expires_at > ?", [self.hashed(key), time.time()]
            ).fetchone()
        return count

    def get_expiry(self, key: str) -> float:
        """Fixed window: when the key's current window ends (now, if it has none)."""
        with self._connection() as conn:
            (ends,) = conn.execute(
                "SELECT min(expires_at) FROM rate_limits WHERE key = ? AND expires_at > ?",
                [self.hashed(key), time.time()],
            ).fetchone()
        return ends or time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self._connection() as conn:
                conn.execute("SELECT 1 FROM rate_limits LIMIT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; returns how many keys there were."""
        with self._write() as conn:
            (keys,) = conn.execute("SELECT count(DISTINCT key) FROM rate_limits").fetchone()
            conn.execute("DELETE FROM rate_limits")
        return keys

    def clear(self, key: str) -> None:
        """Forget one key's counts."""
        with self._write() as conn:
            conn.execute("DELETE FROM rate_limits WHERE key = ?", [self.hashed(key)])
