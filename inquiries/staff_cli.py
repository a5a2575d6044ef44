"""The staff and operator commands: ``flask --app app inquiries …`` and ``check-config``.

The work itself is in ``inquiries.staff`` (reading, export, deleting) and its words in
``inquiries.words``; ``check-config``'s checks are the settings' own
(``settings.production_problems``). ``inquiries.cli`` registers them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import sqlite_utils
from flask import current_app
from flask.cli import with_appcontext

import center
import settings
from inquiries import db as dbmod
from inquiries.staff import (
    erase,
    erase_sink_copies,
    find,
    minutes_text,
    pickup_minutes,
    purge,
    query_inquiries,
    write_csv,
)
from inquiries.store import FIELDS
from inquiries.words import LABELS, local_time, printable, since_utc, site_zone, words
from replica import config as replica_config
from replica import pause as replica_pause


def _db() -> sqlite_utils.Database:
    return dbmod.connect(dbmod.database_path(current_app))


def _selected(since: dt.datetime | None, spam: bool) -> tuple[dt.tzinfo, list[dict]]:
    """The site's timezone and the inquiries a list or an export asks for."""
    zone = site_zone(current_app.config)
    with _db() as db:
        return zone, query_inquiries(db, since=since_utc(since, zone), spam=spam)


@click.group("inquiries")
def inquiries_cli() -> None:
    """Read, export, erase and purge inquiries; record and report pick-ups."""


# The list's columns before the last: field and width.
LIST_COLUMNS = (
    ("ref", 10),
    ("created_at", 16),
    ("name", 24),
    ("phone", 18),
    ("language", 8),
    ("contact_method", 12),
    ("picked_up_by", 24),
    ("picked_up_at", 16),
    ("pickup_minutes", 7),
)


@inquiries_cli.command("list")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only inquiries from this day on (YYYY-MM-DD).")
@click.option("--spam", is_flag=True, help="List the suspected spam instead of real inquiries.")
@with_appcontext
def list_command(since: dt.datetime | None, spam: bool) -> None:
    """List inquiries, oldest first."""
    zone, rows = _selected(since, spam)
    kind = "suspected spam" if spam else ("inquiry" if len(rows) == 1 else "inquiries")
    if not rows:
        click.echo("No suspected spam." if spam else "No inquiries.")
        return
    heading = {**LABELS, "contact_method": "Reach by", "pickup_minutes": "Minutes"}  # too wide for their columns
    click.echo(" ".join(f"{heading[f]:<{w}}" for f, w in LIST_COLUMNS) + f" {heading['email_status']}")
    for row in rows:
        picked_at = local_time(row["picked_up_at"], zone) if row.get("picked_up_at") else ""
        click.echo(
            f"{row['ref']:<10} {local_time(row['created_at'], zone):<16} {_cut(row['name'], 24):<24} "
            f"{_cut(row['phone'], 18):<18} {_cut(words('language', row['language']), 8):<8} "
            f"{_cut(words('contact_method', row['contact_method']), 12):<12} "
            f"{_cut(words('picked_up_by', row.get('picked_up_by')), 24):<24} {picked_at:<16} "
            f"{minutes_text(pickup_minutes(row)):<7} {words('email_status', row['email_status'])}"
        )
    click.echo(f"{len(rows)} {kind} (times in {zone}).")


def _cut(value, width: int) -> str:
    text = printable(" ".join(str(value or "").split()))
    return text if len(text) <= width else text[: width - 1] + "…"


@inquiries_cli.command("show")
@click.argument("ref")
@with_appcontext
def show_command(ref: str) -> None:
    """Show one inquiry in full."""
    zone = site_zone(current_app.config)
    db = _db()
    try:
        row = find(db, ref)
    finally:
        db.conn.close()
    if row is None:
        raise click.ClickException(f"No inquiry with reference {ref}.")
    click.echo(f"{LABELS['ref']}: {row['ref']}")
    click.echo(f"{LABELS['created_at']}: {local_time(row['created_at'], zone)} ({zone})")
    click.echo(f"{LABELS['language']}: {words('language', row['language'])}")
    for field in (*FIELDS, "email_status"):
        keep = "\n\t" if field == "message" else ""  # a message's own line breaks stay readable
        click.echo(f"{LABELS[field]}: {printable(words(field, row.get(field)), keep=keep)}")
    click.echo(f"{LABELS['picked_up_by']}: {printable(words('picked_up_by', row.get('picked_up_by')))}")
    if row.get("picked_up_at"):
        click.echo(f"{LABELS['picked_up_at']}: {local_time(row['picked_up_at'], zone)} ({zone})")
        click.echo(f"{LABELS['pickup_minutes']}: {minutes_text(pickup_minutes(row))}")
    if row.get("email_route"):
        click.echo(f"{LABELS['email_route']}: the {row['email_route']} mail route")
    if row.get("spam_reason"):
        click.echo(f"{LABELS['spam_reason']}: {printable(row['spam_reason'])}")


@inquiries_cli.command("export")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file.")
@click.option("--spam", is_flag=True, help="Export the suspected spam instead of real inquiries.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only inquiries from this day on (YYYY-MM-DD).")
@with_appcontext
def export_command(output: Path, spam: bool, since: dt.datetime | None) -> None:
    """Export inquiries to a CSV file that is safe to open in a spreadsheet."""
    zone, rows = _selected(since, spam)
    count = write_csv(rows, output, zone=zone, spam=spam)
    kind = "suspected spam" if spam else ("inquiry" if count == 1 else "inquiries")
    click.echo(f"Wrote {count} {kind} to {output}. It holds health information: delete it when done.")


@inquiries_cli.command("erase")
@click.argument("ref")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(ref: str, yes: bool) -> None:
    """Erase one person's inquiry and its queued email, everywhere the site keeps them."""
    path = dbmod.database_path(current_app)
    db = dbmod.connect(path)
    try:
        row = find(db, ref)
        if row is None:
            raise click.ClickException(f"No inquiry with reference {ref}.")
        if not yes:
            received = local_time(row["created_at"], site_zone(current_app.config))
            click.confirm(f"Erase {row['ref']} from {row['name'] or 'no name'}, received {received}?", abort=True)
        counts = erase(db, row["ref"], before_checkpoint=lambda: _pause_replica(current_app.config, path))
    finally:
        db.conn.close()
    sink = erase_sink_copies(Path(current_app.root_path) / settings.SINK_FOLDER, row["ref"])
    click.echo(
        f"Erased {row['ref']}: {counts['inquiries']} inquiry, {counts.get('outbox', 0)} queued email(s)"
        + (f", {sink} saved local copies" if sink else "")
        + "."
    )
    click.echo(
        "Also delete the email about it from the staff mailboxes. Backups keep a copy until they are "
        f"pruned after {current_app.config['RETENTION_DAYS']} days."
    )
    _echo_replica(current_app.config)
    if not counts["checkpointed"]:
        click.echo("Warning: the database was busy; run `flask inquiries purge` later to finish.", err=True)
        raise SystemExit(1)


@inquiries_cli.command("purge")
@click.option("--older-than-days", type=click.IntRange(min=1), help="Default: FLASK_RETENTION_DAYS.")
@with_appcontext
def purge_command(older_than_days: int | None) -> None:
    """Delete inquiries past the retention period (suspected spam after FLASK_SPAM_RETENTION_DAYS)."""
    config = current_app.config
    days = older_than_days or config["RETENTION_DAYS"]
    spam_days = min(days, config["SPAM_RETENTION_DAYS"])
    db = _db()
    try:
        path = dbmod.database_path(current_app)
        counts = purge(db, days=days, spam_days=spam_days, before_checkpoint=lambda: _pause_replica(config, path))
    finally:
        db.conn.close()
    click.echo(
        f"Purged {counts['inquiries']} inquiries ({counts['spam']} suspected spam) older than {days} days "
        f"(suspected spam: {spam_days} days)."
    )
    _echo_replica(config)
    if not counts["checkpointed"]:
        click.echo("Warning: the database was busy, the write-ahead log was not truncated; run again.", err=True)
        raise SystemExit(1)


def _pause_replica(config, path: Path) -> None:
    """Stop Litestream (``flask replica run`` starts it again) so the log can be truncated."""
    if replica_config.enabled(config) and not replica_pause.stop_litestream(path.resolve()):
        click.echo("Warning: Litestream did not stop; the write-ahead log may not be truncated.", err=True)


def _echo_replica(config) -> None:
    """What happens to the deleted text in the off-box replica, when there is one."""
    if replica_config.enabled(config):
        seconds = replica_config.erased_within_seconds(config)
        within = f"{seconds / 3600:.1f} hours" if seconds >= 3600 else f"{seconds:.0f} seconds"
        click.echo(
            f"The replica ({config['REPLICA_URL']}) keeps the deleted text in its history until that expires: "
            f"gone from it within {within} (FLASK_REPLICA_RETENTION_SECONDS + 2 × FLASK_REPLICA_SNAPSHOT_SECONDS "
            "+ 5 minutes), with no command to run while `flask replica run` runs (it restarted Litestream, "
            "stopped for the log's truncation)."
        )


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """List every production setting that is missing or still a demo value, and the center's own
    content (content/center.toml) still holding the shipped examples; exit 1 if any."""
    config = current_app.config
    problems = settings.check_config_problems(config, dbmod.database_path(current_app).parent)
    problems += center.example_problems(current_app.extensions["center"], config["CENTER_FILE"])
    for problem in problems:
        click.echo(f"- {problem}")
    for note in current_app.extensions.get("config_notes", []):
        click.echo(f"Note: {note}")
    if problems:
        click.echo(
            f"{len(problems)} problem(s). Fix them in the environment file (or the file named), then run this again."
        )
        raise SystemExit(1)
    click.echo("Configuration OK")
