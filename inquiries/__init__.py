"""The contact pipeline: form, spam defences, store, outbox, delivery, mailer, sender and their CLI commands."""

from __future__ import annotations

from flask import Flask
from flask_mail import Mail

from inquiries import db as dbmod
from inquiries import sender, store


def init_db(app: Flask) -> None:
    """Create the database file and its tables if they are missing."""
    db = dbmod.connect(dbmod.database_path(app))
    try:
        store.init_schema(db)
    finally:
        db.conn.close()


def init_app(app: Flask) -> None:
    """Wire the pipeline into the app: schema, connection teardown, mail and the sender.

    Its commands are registered by ``inquiries.cli``, which `create_app()` calls itself."""
    init_db(app)
    app.teardown_appcontext(dbmod.close_db)
    if "mail" not in app.extensions:
        Mail(app)  # Flask-Mail's Message reads its default sender from here
    sender.init_app(app)
