"""Backups: an online, consistent copy of the database, checked, and pruned after the retention window.

``flask --app app backup PATH [--prune | --prune-days N]``; the README shows how to restore.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inquiries import db as dbmod

BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}Z)\.db$")


def backup(source: Path, target: str | Path, *, now: float | None = None) -> Path:
    """An online, consistent copy of the database at ``target`` (a folder or a file name).

    ``VACUUM INTO`` reads one snapshot while the site keeps writing (WAL readers never block
    writers), and the copy holds no deleted free pages. The copy is checked with
    ``integrity_check`` and only then renamed into place, readable by its owner only.
    """
    if not source.is_file():
        raise click.ClickException(f"No database at {source}.")
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    dest = Path(target) / f"{source.stem}-{stamp}.db" if is_folder(target) else Path(target)
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    db = dbmod.connect(source)
    try:
        db.execute("VACUUM INTO ?", [str(partial)])
    finally:
        db.conn.close()
    problem = integrity_problem(partial)
    if problem:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The backup copy failed its integrity check: {problem}")
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    return dest


def is_folder(target: str | Path) -> bool:
    """A backup target is a folder if it is one, ends with ``/`` or has no file extension."""
    return Path(target).is_dir() or str(target).endswith(os.sep) or not Path(target).suffix


def integrity_problem(path: Path) -> str | None:
    """None if ``PRAGMA integrity_check`` says ok, otherwise its first complaint."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return None if result == "ok" else str(result)


def prune_backups(folder: Path, stem: str, days: int, *, now: float | None = None) -> list[Path]:
    """Delete this site's backups in ``folder`` whose name says they are older than ``days``."""
    now = time.time() if now is None else now
    removed = []
    for path in sorted(folder.iterdir()):
        match = BACKUP_NAME.match(path.name)
        if not match or match["stem"] != stem or not path.is_file():
            continue
        taken = dt.datetime.strptime(match["stamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC).timestamp()
        if now - taken > days * 86400:
            path.unlink()
            removed.append(path)
    return removed


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@click.command("backup")
@click.argument("path", type=click.Path())
@click.option("--prune", is_flag=True, help="Also delete backups older than FLASK_RETENTION_DAYS in that folder.")
@click.option("--prune-days", type=click.IntRange(min=1), help="Also delete backups older than this many days.")
@with_appcontext
def backup_command(path: str, prune: bool, prune_days: int | None) -> None:
    """Copy the database to PATH while the site keeps running.

    PATH is a folder (created if missing; the copy is named SITE-YYYYMMDDTHHMMSSZ.db) or a file
    name with an extension such as .db.
    """
    source = dbmod.database_path(current_app)
    dest = backup(source, path)
    click.echo(f"Backup written: {dest} ({dest.stat().st_size} bytes, integrity ok).")
    if prune or prune_days:
        days = prune_days or int(current_app.config["RETENTION_DAYS"])
        removed = prune_backups(dest.parent, source.stem, days)
        click.echo(f"Removed {len(removed)} backup(s) older than {days} days.")
