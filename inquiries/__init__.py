"""The contact pipeline: form, spam defences, store, outbox, delivery, mailer, sender and their CLI commands."""

from __future__ import annotations

import click
from flask import Flask
from flask_mail import Mail

from inquiries import cli, sender, store
from inquiries import db as dbmod


def init_db(app: Flask) -> None:
    """Create the database file and its tables if they are missing."""
    db = dbmod.connect(dbmod.database_path(app))
    try:
        store.init_schema(db)
    finally:
        db.conn.close()


def init_app(app: Flask) -> None:
    """Wire the pipeline into the app: schema, connection teardown and CLI commands."""
    init_db(app)
    app.teardown_appcontext(dbmod.close_db)
    if "mail" not in app.extensions:
        Mail(app)  # Flask-Mail's Message reads its default sender from here
    cli.init_app(app)
    sender.init_app(app)

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Create the database and its tables (safe to run again)."""
        init_db(app)
        click.echo(f"Database ready: {dbmod.database_path(app)}")

    from inquiries import staff_cli  # staff and operator commands: inquiries …, backup, check-config

    staff_cli.init_app(app)
