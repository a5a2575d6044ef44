"""The contact pipeline: form, spam defences, store, outbox, delivery, mailer, sender and their CLI commands."""

from __future__ import annotations

from flask import Flask

from inquiries import db as dbmod
from inquiries import store


def init_db(app: Flask) -> None:
    """Create the database file and its tables if they are missing."""
    db = dbmod.connect(dbmod.database_path(app))
    try:
        store.init_schema(db)
    finally:
        db.conn.close()


def init_app(app: Flask) -> None:
    """The database: its tables at start, and the request's connection closed at teardown."""
    init_db(app)
    app.teardown_appcontext(dbmod.close_db)
