"""The SQLite connection: one per request (or per sender thread), every PRAGMA set on each."""

from __future__ import annotations

import sqlite3
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
        conn.execute(pragma)
    return sqlite_utils.Database(conn)


def database_path(app: Flask) -> Path:
    """The configured database file, relative paths taken from the project folder."""
    return Path(app.root_path) / app.config["DATABASE"]


def get_db() -> sqlite_utils.Database:
    """The current request's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(database_path(current_app))
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()
