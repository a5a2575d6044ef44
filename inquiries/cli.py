"""Every ``flask`` command, registered in one place by `init_app`, which `create_app()` calls.

``init-db`` and ``outbox status|send|work|retry-dead`` (the staff-email queue) are here; the staff
and operator commands (``inquiries …``, ``check-config``) are in ``inquiries.staff_cli`` and
``backup`` in ``inquiries.backups``; ``replica …`` in ``replica.cli``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from inquiries import alerts, backups, delivery, init_db, outbox, pickup_cli, staff_cli
from inquiries import db as dbmod
from inquiries.db import get_db
from inquiries.health import sender_stopped
from inquiries.sender import Sender, runs
from replica import cli as replica_cli

group = AppGroup("outbox", help="The queue of staff emails: status, send, work, retry-dead.")


@group.command("status")
def status_command() -> None:
    """Counts, the oldest undelivered message, each message not yet sent (ref only), and when each
    sender last ran.

    Exits with status 1 when a message has waited longer than OUTBOX_ALARM_SECONDS.
    """
    db = get_db()
    counts = outbox.backlog(db)
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
    routes = db.query(
        "SELECT coalesce(route, 'primary') AS route, count(*) AS n FROM outbox"
        " WHERE status = 'sent' AND kind != 'alert' GROUP BY 1"
    )
    click.echo("sent by route: " + (" ".join(f"{r['route']}={r['n']}" for r in routes) or "none yet"))
    rows = db.query(
        "SELECT coalesce(i.ref, 'spam digest ' || o.digest_id) AS ref, o.status, o.attempts, o.next_attempt_at,"
        " o.last_error FROM outbox o LEFT JOIN inquiries i ON i.id = o.inquiry_id"
        " WHERE o.status != 'sent' AND o.kind != 'alert' ORDER BY o.created_at"
    )
    for row in rows:
        when = dt.datetime.fromtimestamp(row["next_attempt_at"], dt.UTC).isoformat(timespec="seconds")
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        click.echo(f"{row['ref']}  {row['status']:<7}  attempts={row['attempts']}  next={when}{error}")
    _echo_senders(db, counts)
    if counts["oldest_undelivered_seconds"] > current_app.config["OUTBOX_ALARM_SECONDS"]:
        click.echo("ALARM: a staff email has waited too long; check the mail settings.", err=True)
        raise SystemExit(1)


def _echo_senders(db, counts: dict) -> None:
    now = time.time()
    recorded = runs(db)
    for run in recorded:
        when = dt.datetime.fromtimestamp(run["ran_at"], dt.UTC).isoformat(timespec="seconds")
        click.echo(f"sender {run['worker']}  last ran {when} ({round(now - run['ran_at'])} s ago)")
    if not recorded:
        click.echo("no sender has run (in the last day)")
    if sender_stopped(current_app, db, counts, now=now):
        click.echo(
            "No sender has run lately while mail waits: /healthz says 'sender stopped'. Start one"
            " (FLASK_OUTBOX_WORKER=true, or `flask outbox work`)."
        )


@group.command("send")
def send_command() -> None:
    """Send every message that is due now, once, and exit."""
    app = current_app._get_current_object()
    counts = delivery.send_due(app)
    click.echo(f"sent={counts['sent']} retry={counts['retry']} dead={counts['dead']}")
    if app.config["ALERT_URLS"]:
        alerts.queue_stuck(app, get_db())
        notices = delivery.send_due(app, notices=True)
        click.echo(f"on-call notices: sent={notices['sent']} retry={notices['retry']} dead={notices['dead']}")


@group.command("work")
def work_command() -> None:
    """Run the sender in the foreground until interrupted (use with OUTBOX_WORKER=false)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sender = Sender(current_app._get_current_object())
    signal.signal(signal.SIGTERM, lambda *_: sender.stop_event.set() or sender.wake())
    click.echo(f"Sending staff email every {current_app.config['OUTBOX_POLL_SECONDS']}s; Ctrl-C stops.")
    sender.notices.start()  # on-call notices, in their own thread beside the staff email
    try:
        with contextlib.suppress(KeyboardInterrupt):
            sender.run()
    finally:
        sender.notices.stop(timeout=10)


@group.command("retry-dead")
def retry_dead_command() -> None:
    """Queue every dead message again (after fixing the mail settings), due now."""
    count = outbox.retry_dead(get_db(), now=time.time())
    click.echo(f"{count} message(s) queued again; run `flask outbox send` or wait for the sender.")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database and its tables and apply pending migrations (safe to run again)."""
    init_db(current_app)
    # Loading the app for this command already applied what was pending: report those too.
    applied = list(dict.fromkeys(current_app.extensions.get("migrations_applied", [])))
    click.echo(f"Database ready: {dbmod.database_path(current_app)}")
    if applied:
        plural = "" if len(applied) == 1 else "s"
        click.echo(f"Applied {len(applied)} migration{plural}: {', '.join(applied)}")
    else:
        click.echo("Database up to date: no migration pending")


def init_app(app: Flask) -> None:
    """Register every command on ``app.cli``: init-db, outbox …, inquiries …, backup, check-config, replica …."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(group)
    staff_cli.inquiries_cli.add_command(pickup_cli.pickup_command)
    staff_cli.inquiries_cli.add_command(pickup_cli.report_command)
    app.cli.add_command(staff_cli.inquiries_cli)
    app.cli.add_command(backups.backup_command)
    app.cli.add_command(staff_cli.check_config_command)
    replica_cli.init_app(app)
