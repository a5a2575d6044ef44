"""The database file: PRAGMAs on every connection, one-transaction saves, one connection kept open
(migrations and workers starting together: test_migrations)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from inquiries import db as dbmod
from inquiries import store


def test_every_connection_sets_the_pragmas(tmp_path):
    database = dbmod.connect(tmp_path / "site.db")
    pragma = lambda name: database.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("busy_timeout") == 5000
    assert pragma("foreign_keys") == 1
    assert pragma("secure_delete") == 1


def test_inquiry_and_its_email_are_saved_together_or_not_at_all(tmp_path):
    database = dbmod.connect(tmp_path / "site.db")
    store.init_schema(database)
    database.conn.execute("CREATE TRIGGER fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        store.save_inquiry(database, {"name": "Sam"}, submission_key="k1")
    assert database["inquiries"].count == 0


def test_a_repeated_submission_key_returns_the_first_reference(tmp_path):
    database = dbmod.connect(tmp_path / "site.db")
    store.init_schema(database)
    first = store.save_inquiry(database, {"name": "Sam"}, submission_key="same")
    again = store.save_inquiry(database, {"name": "Sam"}, submission_key="same")
    assert (first.created, again.created, again.ref) == (True, False, first.ref)
    assert database["outbox"].count == 1


def open_descriptors(path: Path) -> list[str]:
    """This process's file descriptors open on ``path`` (Linux's /proc)."""
    fds = Path("/proc/self/fd")
    return sorted(fd.name for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_a_process_keeps_one_connection_open_so_requests_never_checkpoint_on_close(client, app):
    path = Path(dbmod.database_path(app))
    wal = path.with_name(path.name + "-wal")
    client.get("/healthz")
    held = open_descriptors(path)
    assert held  # the request has ended, and the process still has the database open
    assert wal.exists()  # so closing the request's connection did not checkpoint the WAL away
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        plain.close()
    client.get("/healthz")
    assert open_descriptors(path) == held and wal.exists()  # the same connection, still open
