"""Backups never leave a copy of the inquiries behind: partial copies are owner-only, removed when
a backup fails or is stopped, and swept by every ``--prune``. Run through the real ``flask`` CLI."""

from __future__ import annotations

import fcntl
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inquiries import db as dbmod
from inquiries import store
from tests.conftest import ROOT

FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def make_database(path: Path, megabytes: int) -> None:
    """A site database with enough inquiries that copying it takes a moment."""
    db = dbmod.connect(path)
    try:
        store.init_schema(db)
        db["inquiries"].insert_all(
            {
                "ref": f"R{i:07d}",
                "submission_key": f"k{i}",
                "created_at": "2026-12-01T00:00:00+00:00",
                "message": "m" * 1000,
            }
            for i in range(megabytes * 1000)
        )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.conn.close()


def flask_backup(database: Path, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "FLASK_DATABASE": str(database), "FLASK_OUTBOX_WORKER": "false"}
    return subprocess.Popen(
        [*FLASK, "backup", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.partial"))


@pytest.mark.slow
def test_a_backup_that_fails_writing_leaves_no_partial_copy(tmp_path):
    """A disk that fills up mid-copy, for real: the process may not write past 64 KB (as root too)."""
    database, folder = tmp_path / "site.db", tmp_path / "backups"
    make_database(database, 2)

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    process = flask_backup(database, str(folder), preexec_fn=small_disk)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0, output
    assert list(folder.iterdir()) == [], output  # neither a copy nor a partial one


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_backup_stopped_mid_copy_removes_its_owner_only_partial(tmp_path, stop_signal):
    database, folder = tmp_path / "site.db", tmp_path / "backups"
    make_database(database, 40)
    folder.mkdir()
    process = flask_backup(database, str(folder), preexec_fn=lambda: os.umask(0))  # the widest umask
    try:
        deadline = time.monotonic() + 60
        # Wait until the copy has started writing: the stop must interrupt SQLite mid-copy.
        while process.poll() is None and time.monotonic() < deadline:
            if any(p.stat().st_size > 0 for p in partials(folder) if p.exists()):
                break
            time.sleep(0.001)
        os.kill(process.pid, signal.SIGSTOP)  # freeze it mid-copy to look at the partial file
        (partial,) = partials(folder)
        assert partial.stat().st_mode & 0o777 == 0o600  # owner-only from creation, despite umask 0
        assert not list(folder.glob("site-*.db")), "the copy finished before it could be stopped"
        os.kill(process.pid, stop_signal)
    finally:
        os.kill(process.pid, signal.SIGCONT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "partial copy was removed" in output
    assert list(folder.iterdir()) == [], output


def test_every_prune_sweeps_abandoned_partials_whatever_their_age(app, runner, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    fresh = folder / f".site-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(time.time() - 60))}.db.partial"
    journal = fresh.with_name(fresh.name + "-journal")
    old = folder / ".site-20200101T000000Z.db.partial"
    running = folder / ".site-20261201T000000Z.db.partial"
    foreign = folder / ".notes-20200101T000000Z.db.partial"
    for path in (fresh, journal, old, running, foreign):
        path.write_bytes(b"SQLite format 3\0 inquiries")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a backup still writing this one
        result = runner.invoke(args=["backup", str(folder), "--prune"])
    assert result.exit_code == 0, result.output
    assert "3 partial file(s)" in result.output
    assert not fresh.exists() and not journal.exists() and not old.exists()
    assert running.exists() and foreign.exists()
    assert len(list(folder.glob("site-*.db"))) == 1
