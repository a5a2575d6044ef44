"""The contact pipeline: form, spam defences, store, outbox, delivery, mailer, sender and their CLI commands."""

from __future__ import annotations

import logging

from flask import Flask

from inquiries import db as dbmod
from inquiries import store

log = logging.getLogger(__name__)


def init_db(app: Flask) -> list[str]:
    """Create the database file and its tables if they are missing and apply pending migrations.

    Returns the names of the migrations applied; ``app.extensions["migrations_applied"]`` keeps
    every one this process has applied, so ``flask init-db`` can report those its start applied.
    """
    db = dbmod.connect(dbmod.database_path(app))
    try:
        applied = store.init_schema(db)
    finally:
        db.conn.close()
    for name in applied:
        log.info("Database migration applied: %s", name)
    app.extensions.setdefault("migrations_applied", []).extend(applied)
    return applied


def init_app(app: Flask) -> None:
    """The database: its tables at start, and the request's connection closed at teardown."""
    init_db(app)
    app.teardown_appcontext(dbmod.close_db)
