"""Backups: an online, consistent copy of the database, checked, and pruned after the retention window.

``flask --app app backup PATH [--prune | --prune-days N]``; the README shows how to restore.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from inquiries import db as dbmod

BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}Z)\.db$")
PARTIAL_SUFFIX = ".partial"
# A partial copy and the files SQLite may leave beside it when the copy fails (a rollback journal).
PARTIAL_NAME = re.compile(r"^\.(?P<name>.+)\.partial(?:-journal|-wal|-shm)?$")
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")
STOP = (signal.SIGINT, signal.SIGTERM)


def backup(source: Path, target: str | Path, *, now: float | None = None) -> Path:
    """An online, consistent copy of the database at ``target`` (a folder or a file name).

    ``VACUUM INTO`` reads one snapshot while the site keeps writing (WAL readers never block
    writers), and the copy holds no deleted free pages. It is written to a hidden ``.partial``
    file, owner-only from the moment it exists and locked while it is written, checked with
    ``integrity_check`` and only then renamed into place. On any failure, Ctrl-C or SIGTERM the
    partial copy is removed before the error is raised.
    """
    if not source.is_file():
        raise click.ClickException(f"No database at {source}.")
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    dest = Path(target) / f"{source.stem}-{stamp}.db" if is_folder(target) else Path(target)
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = dest.with_name(f".{dest.name}{PARTIAL_SUFFIX}")
    with stop_on_signals() as signals:
        fd = _create_partial(partial)
        try:
            _copy(source, partial, signals)
            signals.check()
            problem = integrity_problem(partial)
            if problem:
                raise click.ClickException(f"The backup copy failed its integrity check: {problem}")
            os.fsync(fd)
            signals.check()
            os.replace(partial, dest)
        except BaseException:
            remove_partial(partial)
            raise
        finally:
            os.close(fd)  # also releases the lock
    _fsync_dir(dest.parent)
    return dest


class Signals:
    """SIGINT and SIGTERM received while a backup runs; ``check`` turns them into an exit."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def __bool__(self) -> bool:
        return bool(self.received)

    def check(self) -> None:
        """Raise KeyboardInterrupt (Ctrl-C) or SystemExit(143) (SIGTERM) if one arrived."""
        if not self.received:
            return
        if self.received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + self.received[0])


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Signals]:
    """Record SIGINT/SIGTERM instead of dying at once, so a copy in progress can be removed.

    A signal only reaches Python between SQLite's steps: the copy checks for one through a
    progress handler and stops within milliseconds. (Only the main thread may set handlers.)
    """
    signals = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {sig: signal.signal(sig, lambda number, _frame: signals.received.append(number)) for sig in STOP}
    try:
        yield signals
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _create_partial(partial: Path) -> int:
    """Create the partial file owner-only (never wider, not even for a moment) and lock it."""
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if remove_if_abandoned(partial) is None:
            raise click.ClickException(f"Another backup is writing {partial.name} right now.") from None
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _copy(source: Path, partial: Path, signals: Signals) -> None:
    db = dbmod.connect(source)
    try:
        db.conn.set_progress_handler(signals.__bool__, 1000)  # true: SQLite stops the copy
        try:
            db.execute("VACUUM INTO ?", [str(partial)])
        except sqlite3.OperationalError:
            signals.check()  # interrupted by a signal: say so rather than "interrupted"
            raise
    finally:
        db.conn.close()


def remove_partial(partial: Path) -> list[Path]:
    """Delete a partial copy and any journal SQLite left beside it; the paths that were there."""
    removed = []
    for path in (partial, *(partial.with_name(partial.name + side) for side in SQLITE_SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def remove_if_abandoned(partial: Path) -> list[Path] | None:
    """Delete a partial copy (and its journal) that no running backup holds; None if one is writing it."""
    try:
        fd = os.open(partial, os.O_RDONLY)
    except FileNotFoundError:
        return remove_partial(partial)  # a journal left without its copy
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return None
    else:
        return remove_partial(partial)
    finally:
        os.close(fd)


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
    """Delete this site's backups in ``folder`` older than ``days``, and its abandoned partial copies.

    A partial copy (``.SITE-STAMP.db.partial``, left by a backup killed outright or a power cut)
    holds inquiries like any backup, so it goes whatever its age, unless a backup is writing it.
    """
    now = time.time() if now is None else now
    removed = []
    for path in sorted(folder.iterdir()):
        partial = PARTIAL_NAME.match(path.name)
        match = BACKUP_NAME.match(partial["name"] if partial else path.name)
        if not match or match["stem"] != stem or not path.is_file():
            continue
        if partial:
            removed += remove_if_abandoned(folder / f".{partial['name']}{PARTIAL_SUFFIX}") or []
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
    try:
        dest = backup(source, path)
    except (KeyboardInterrupt, SystemExit):
        click.echo("Backup interrupted; the partial copy was removed.", err=True)
        raise
    click.echo(f"Backup written: {dest} ({dest.stat().st_size} bytes, integrity ok).")
    if prune or prune_days:
        days = prune_days or current_app.config["RETENTION_DAYS"]
        removed = prune_backups(dest.parent, source.stem, days)
        partials = sum(1 for p in removed if PARTIAL_NAME.match(p.name))
        click.echo(
            f"Removed {len(removed) - partials} backup(s) older than {days} days and {partials} partial file(s)."
        )
