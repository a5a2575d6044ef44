"""The pick-up commands, in the ``inquiries`` group: ``inquiries pickup REF --by NAME`` (a phone call
came first) and ``inquiries report [--since DATE]`` (how fast inquiries are picked up).
``inquiries.cli`` adds them to the group."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from inquiries import db as dbmod
from inquiries import pickup
from inquiries.staff import find, pickup_report
from inquiries.words import local_time, printable, since_utc, site_zone


def _db():
    return dbmod.connect(dbmod.database_path(current_app))


@click.command("pickup")
@click.argument("ref")
@click.option("--by", "by", required=True, help="Who is contacting them (a name or staff address).")
@with_appcontext
def pickup_command(ref: str, by: str) -> None:
    """Record that someone is contacting the person (e.g. they phoned before the email was read)."""
    by = " ".join(by.split())
    if not by:
        raise click.BadParameter("say who is contacting them", param_hint="--by")
    zone = site_zone(current_app.config)
    db = _db()
    try:
        row = find(db, ref)
        if row is None:
            raise click.ClickException(f"No inquiry with reference {ref}.")
        outcome = pickup.record(db, row["id"], by)
    finally:
        db.conn.close()
    if outcome is None:
        raise click.ClickException(f"No inquiry with reference {ref}.")
    when = f"{local_time(outcome.picked_up_at, zone)} ({zone})"
    who = printable(outcome.picked_up_by)
    if outcome.recorded:
        click.echo(f"Recorded: {outcome.ref} picked up by {who} at {when}.")
    else:
        click.echo(f"{outcome.ref} was already picked up by {who} at {when}. Nothing was changed.")


@click.command("report")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only inquiries from this day on (YYYY-MM-DD).")
@with_appcontext
def report_command(since: dt.datetime | None) -> None:
    """How many inquiries were picked up, how fast, and which never were."""
    zone = site_zone(current_app.config)
    with _db() as db:
        figures = pickup_report(db, since=since_utc(since, zone))
    period = f"inquiries received since {since:%Y-%m-%d}" if since else "every stored inquiry"
    spam = figures["spam_left_out"]
    click.echo(f"Pick-up report: {period} (times in {zone}).")
    click.echo(f"Suspected spam is left out: {spam} held or flagged.")
    click.echo(f"Inquiries: {figures['inquiries']}")
    click.echo(f"Picked up: {figures['picked_up']}")
    click.echo(f"Not yet picked up: {figures['not_yet']}")
    if figures["median_minutes"] is None:
        click.echo("Minutes to pick-up: none picked up yet.")
    else:
        click.echo(
            f"Minutes to pick-up: median {_figure(figures['median_minutes'])}, "
            f"90th percentile {_figure(figures['p90_minutes'])}"
        )
    waiting = figures["never_picked_up"]
    if waiting:
        click.echo("Never picked up:")
        for row in waiting:
            click.echo(f"  {row['ref']}  received {local_time(row['created_at'], zone)}")
    else:
        click.echo("Never picked up: none.")


def _figure(minutes: float) -> str:
    """Minutes to one decimal, without a trailing ``.0``."""
    return f"{minutes:.1f}".removesuffix(".0")
