"""The SQLite connection: one per request (or per sender thread), every PRAGMA set on each; and the
write transaction every writer uses."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from flask import Flask, current_app, g

# sqlite-utils sets none of these; each matters for "never lose an inquiry".
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # an acknowledged inquiry survives power loss, not just a crash
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",  # erased and purged text is overwritten, not left in free pages
)


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database file with every PRAGMA set."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=5, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        _execute_when_free(conn, pragma)
    return sqlite_utils.Database(conn)


def _execute_when_free(conn: sqlite3.Connection, statement: str, seconds: float = 5.0) -> None:
    """Run ``statement``, retrying while the file is locked, for up to ``seconds``.

    Switching a file to WAL needs it to itself, and SQLite may refuse that at once, without its busy
    handler: several workers opening a database from before WAL at the same moment saw "database
    is locked" from ``PRAGMA journal_mode=WAL`` and one of them failed to start.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute(statement)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def database_path(app: Flask) -> Path:
    """The configured database file, relative paths taken from the project folder."""
    return Path(app.root_path) / app.config["DATABASE"]


def get_db() -> sqlite_utils.Database:
    """The current request's connection, opened on first use."""
    if "db" not in g:
        keep_one_open(current_app)
        g.db = connect(database_path(current_app))
    return g.db


def keep_one_open(app: Flask) -> None:
    """Hold one idle connection for the life of this process.

    SQLite checkpoints the WAL into the database file whenever the last connection to it closes,
    which would add that work and its fsyncs to every request that closes its own connection.
    """
    keeper = app.extensions.get("sqlite_keeper")
    if keeper is None or keeper[0] != os.getpid():  # none yet, or inherited through a fork
        app.extensions["sqlite_keeper"] = (os.getpid(), connect(database_path(app)))


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@contextlib.contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the lock up front, so it waits (busy_timeout) instead of failing."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
