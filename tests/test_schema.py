"""The database file: PRAGMAs on every connection, schema creation safe when workers start together."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from inquiries import db as dbmod
from inquiries import store


def create_schema(path: str) -> None:
    database = dbmod.connect(path)
    store.init_schema(database)
    database.conn.close()


@pytest.mark.slow
def test_workers_starting_together_on_a_fresh_file_all_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    for attempt in range(3):
        path = str(tmp_path / f"fresh-{attempt}.db")
        workers = [context.Process(target=create_schema, args=(path,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)  # spawn re-imports the app: slow on a loaded machine
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]


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


PREVIOUS_RELEASE = Path(__file__).parent / "data" / "site-2026-12-01.sql"


def schema(database) -> list[tuple[str, str]]:
    return sorted(database.conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def test_a_database_from_the_previous_release_is_upgraded_in_place_and_keeps_every_row(tmp_path, make_app):
    path = tmp_path / "site.db"
    old = sqlite3.connect(path)
    old.executescript(PREVIOUS_RELEASE.read_text(encoding="utf-8"))
    old.close()

    app = make_app(DATABASE=str(path))  # upgrades on start
    database = dbmod.connect(path)
    upgraded = schema(database)
    assert {"heartbeat", "spam_digests"} <= set(database.table_names())
    assert "spam_digest_id" in database["inquiries"].columns_dict
    assert "digest_id" in database["outbox"].columns_dict
    assert database["outbox"].columns_dict["inquiry_id"] is int
    assert [r["name"] for r in database.query("SELECT name FROM inquiries ORDER BY id")] == ["Old Sam", "Bot"]
    (row,) = database.query("SELECT * FROM outbox")
    assert (row["inquiry_id"], row["status"], row["message_id"]) == (
        1,
        "pending",
        "<inquiry-Q23Z-PQRH.d0e99b14308b@localhost>",
    )
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    store.init_schema(database)  # every later start: nothing changes
    assert schema(database) == upgraded
    fresh = dbmod.connect(tmp_path / "fresh.db")
    store.init_schema(fresh)
    assert schema(fresh) == upgraded  # an upgraded file and a new one are the same
    # The upgraded file takes writes; the old file's queued email is long overdue, and says so.
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.get_json()) == (503, {"status": "error", "problem": "staff email is late"})
