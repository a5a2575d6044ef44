"""Versioned migrations: a file from an earlier release upgrades in place keeping every row, each migration
is recorded once in ``_sqlite_migrations``, and workers starting together apply them once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from sqlite_utils.cli import cli as sqlite_utils_cli
from sqlite_utils.migrations import Migrations

from app import create_app
from inquiries import db as dbmod
from inquiries import escalation, migrations, store
from tests.conftest import ROOT, base_config

DATA = Path(__file__).parent / "data"
PREVIOUS_RELEASE = DATA / "site-2026-12-01.sql"  # before spam digests and the heartbeat
TODAYS_RELEASE = DATA / "site-2026-12-02.sql"  # made by that release's `flask init-db`, then used
LANGUAGE_RELEASE = DATA / "site-2026-12-03.sql"  # records its migrations; inquiries have no language yet
RELEASES = {"2026-12-01": PREVIOUS_RELEASE, "2026-12-02": TODAYS_RELEASE, "2026-12-03": LANGUAGE_RELEASE}
# Every migration, in order: what a file that never recorded one has pending.
EVERY = [migration.name for migration in migrations.migrations.pending(sqlite_utils.Database(memory=True))]
RECORDED_SINCE_RELEASE = ["add_heartbeat", "add_spam_digests", "let_outbox_carry_digests", "add_pickup"]


def load(fixture: Path, path: Path) -> Path:
    """A database file at ``path`` made from a release's SQL dump."""
    old = sqlite3.connect(path)
    old.executescript(fixture.read_text(encoding="utf-8"))
    old.close()
    return path


def schema(database) -> list[tuple[str, str]]:
    return sorted(database.conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def every_row(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Each table's rows in rowid order; with ``columns``, only those tables and columns (what a file had)."""
    database = sqlite_utils.Database(sqlite3.connect(path))
    try:
        tables = (
            columns
            if columns is not None
            else {name: list(database[name].columns_dict) for name in database.table_names()}
        )
        return {
            name: database.execute(f"SELECT {', '.join(cols)} FROM [{name}] ORDER BY rowid").fetchall()
            for name, cols in tables.items()
        }
    finally:
        database.conn.close()


def table_columns(path: Path) -> dict[str, list[str]]:
    database = sqlite_utils.Database(sqlite3.connect(path))
    try:
        return {name: list(database[name].columns_dict) for name in database.table_names()}
    finally:
        database.conn.close()


def recorded(database) -> list[tuple[str, str, int]]:
    """Each recorded migration with how many times it is recorded, in the order applied."""
    return database.execute(
        "SELECT migration_set, name, count(*) FROM _sqlite_migrations GROUP BY migration_set, name ORDER BY min(id)"
    ).fetchall()


def test_the_migrations_are_one_set_in_release_order():
    assert migrations.migrations.name == "recovery-site"
    assert EVERY[: len(RECORDED_SINCE_RELEASE)] == RECORDED_SINCE_RELEASE
    assert len(set(EVERY)) == len(EVERY)


def test_a_database_from_todays_release_upgrades_in_place_keeping_every_inquiry_and_message(tmp_path, make_app):
    path = load(TODAYS_RELEASE, tmp_path / "site.db")
    had = table_columns(path)
    before = every_row(path)
    assert len(before["inquiries"]) == 6 and len(before["outbox"]) == 5  # the fixture is what it claims
    assert {row[3] for row in before["outbox"]} == {"sent", "pending", "dead"}
    assert "_sqlite_migrations" not in had  # that release recorded none

    app = make_app(DATABASE=str(path))  # upgrades on start
    assert app.extensions["migrations_applied"] == EVERY
    assert every_row(path, had) == before  # every inquiry, queued message, digest and heartbeat, same values
    database = dbmod.connect(path)
    columns = {row[1]: (row[2], row[3]) for row in database.execute("PRAGMA table_info(inquiries)")}
    for column in ("picked_up_by", "picked_up_at", "escalated_at"):
        assert columns[column] == ("TEXT", 0)
    assert database.execute("SELECT count(*) FROM inquiries WHERE picked_up_by IS NOT NULL").fetchone()[0] == 0
    # Inquiries from before pick-up existed are not all escalated by the first round after it.
    assert escalation.queue_due(app, database, now=time.time() + 365 * 86400) == []
    runs = database.execute("PRAGMA table_info(sender_runs)").fetchall()
    assert [(r[1], r[2], r[3], r[5]) for r in runs] == [("worker", "TEXT", 0, 1), ("ran_at", "REAL", 1, 0)]
    assert database["sender_runs"].count == 0
    assert recorded(database) == [("recovery-site", name, 1) for name in EVERY]
    assert migrations.applied(database) == EVERY
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    upgraded = schema(database)
    assert store.init_schema(database) == []  # every later start applies nothing
    assert schema(database) == upgraded
    assert recorded(database) == [("recovery-site", name, 1) for name in EVERY]
    fresh = dbmod.connect(tmp_path / "fresh.db")
    assert store.init_schema(fresh) == EVERY
    assert schema(fresh) == upgraded  # an upgraded file and a new one are the same

    # The app reads the upgraded queue: the waiting, retrying and dead staff emails are all listed.
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    refs = dict(
        database.execute("SELECT o.status || ' ' || o.id, i.ref FROM outbox o JOIN inquiries i ON i.id = o.inquiry_id")
    )
    for key in ("pending 2", "pending 3", "dead 4"):
        assert refs[key] in status.output, status.output
    assert "last error: timed out" in status.output


def test_a_database_from_the_previous_release_is_upgraded_in_place_and_keeps_every_row(tmp_path, make_app):
    path = load(PREVIOUS_RELEASE, tmp_path / "site.db")
    had = table_columns(path)
    before = every_row(path)

    app = make_app(DATABASE=str(path))  # upgrades on start
    database = dbmod.connect(path)
    upgraded = schema(database)
    assert every_row(path, had) == before
    assert {"heartbeat", "spam_digests", "sender_runs"} <= set(database.table_names())
    assert "spam_digest_id" in database["inquiries"].columns_dict
    assert "picked_up_by" in database["inquiries"].columns_dict
    assert "digest_id" in database["outbox"].columns_dict
    assert database["outbox"].columns_dict["inquiry_id"] is int
    assert [r["name"] for r in database.query("SELECT name FROM inquiries ORDER BY id")] == ["Old Sam", "Bot"]
    (row,) = database.query("SELECT * FROM outbox")
    assert (row["inquiry_id"], row["status"], row["message_id"]) == (
        1,
        "pending",
        "<inquiry-Q23Z-PQRH.d0e99b14308b@localhost>",
    )
    assert recorded(database) == [("recovery-site", name, 1) for name in EVERY]
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    assert store.init_schema(database) == []  # every later start: nothing changes
    assert schema(database) == upgraded
    fresh = dbmod.connect(tmp_path / "fresh.db")
    store.init_schema(fresh)
    assert schema(fresh) == upgraded  # an upgraded file and a new one are the same
    # The upgraded file takes writes; the old file's queued email is long overdue, and says so.
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.get_json()) == (503, {"status": "error", "problem": "staff email is late"})


def recorded_in(path: Path) -> list[str]:
    """The migrations a file records, read without creating the record table."""
    conn = sqlite3.connect(path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone():
            return []
        return [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    finally:
        conn.close()


def assert_rows_kept(path: Path, had: dict[str, list[str]], before: dict[str, list[tuple]]) -> None:
    """Every row the file had is there unchanged; its migration record may only have grown."""
    after = every_row(path, had)
    records = "_sqlite_migrations"
    if records in before:
        assert after[records][: len(before[records])] == before[records]
    assert {k: v for k, v in after.items() if k != records} == {k: v for k, v in before.items() if k != records}


def test_a_database_from_the_release_before_languages_upgrades_with_every_inquiry_in_english(tmp_path, make_app):
    path = load(LANGUAGE_RELEASE, tmp_path / "site.db")
    had = table_columns(path)
    before = every_row(path)
    kinds = had["outbox"].index("kind")
    assert len(before["inquiries"]) == 4 and {row[kinds] for row in before["outbox"]} == {
        "inquiry",
        "escalation",
        "digest",
    }
    assert "language" not in had["inquiries"] and recorded_in(path) == EVERY[: EVERY.index("add_language")]

    app = make_app(DATABASE=str(path))  # upgrades on start
    assert app.extensions["migrations_applied"] == ["add_language"]
    assert_rows_kept(path, had, before)  # every inquiry, queued email, digest, pick-up and run, same values
    database = dbmod.connect(path)
    columns = {row[1]: (row[2], row[3], row[4]) for row in database.execute("PRAGMA table_info(inquiries)")}
    assert columns["language"] == ("TEXT", 1, "'en'")
    # Before this release there was no Spanish form: every inquiry came in English.
    assert [row[0] for row in database.execute("SELECT language FROM inquiries")] == ["en"] * 4
    assert recorded(database) == [("recovery-site", name, 1) for name in EVERY]
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    upgraded = schema(database)
    assert store.init_schema(database) == []
    fresh = dbmod.connect(tmp_path / "fresh.db")
    store.init_schema(fresh)
    assert schema(fresh) == upgraded  # an upgraded file and a new one are the same

    # The upgraded file is read and written as a new one: old inquiries show English, a new one Spanish.
    old_ref = database.execute("SELECT ref FROM inquiries WHERE spam_reason IS NULL ORDER BY id").fetchone()[0]
    runner = app.test_cli_runner()
    assert "Language: English" in runner.invoke(args=["inquiries", "show", old_ref]).output.splitlines()
    new = store.save_inquiry(
        database, {"name": "Ana", "message": "Hola"}, submission_key="after-upgrade", language="es"
    )
    assert "Language: Spanish" in runner.invoke(args=["inquiries", "show", new.ref]).output.splitlines()


def test_init_db_says_which_migrations_it_applied_then_that_the_file_is_up_to_date(tmp_path, make_app):
    path = load(TODAYS_RELEASE, tmp_path / "site.db")
    first = make_app(DATABASE=str(path)).test_cli_runner().invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        f"Database ready: {path}",
        f"Applied {len(EVERY)} migrations: {', '.join(EVERY)}",
    ]
    again = make_app(DATABASE=str(path)).test_cli_runner().invoke(args=["init-db"])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"Database ready: {path}", "Database up to date: no migration pending"]


def test_init_db_names_a_single_migration_in_the_singular(tmp_path, make_app, monkeypatch):
    path = tmp_path / "site.db"
    make_app(DATABASE=str(path))
    monkeypatch.setattr(migrations.migrations, "_migrations", [*migrations.migrations._migrations, step("add_more")])
    result = make_app(DATABASE=str(path)).test_cli_runner().invoke(args=["init-db"])
    assert result.output.splitlines()[1:] == ["Applied 1 migration: add_more"]


def step(name: str, *, fails: bool = False) -> Migrations._Migration:
    """A migration that creates a table named after it, then fails if asked."""

    def run(db: sqlite_utils.Database) -> None:
        db.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)")
        if fails:
            raise RuntimeError(f"{name} failed")

    return Migrations._Migration(name, run)


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = load(TODAYS_RELEASE, tmp_path / "site.db")
    before = every_row(path)
    database = dbmod.connect(path)
    old_schema = schema(database)
    monkeypatch.setattr(
        migrations.migrations, "_migrations", [*migrations.migrations._migrations, step("broken", fails=True)]
    )
    with pytest.raises(RuntimeError, match="broken failed"):
        store.init_schema(database)
    # One transaction for the whole start: the migrations before it are not half-applied either.
    assert not database.conn.in_transaction
    assert schema(database) == old_schema
    assert every_row(path) == before
    monkeypatch.undo()
    assert store.init_schema(database) == EVERY  # the next start, with the step fixed, applies them all


def test_upgrade_refuses_to_run_outside_the_write_transaction(tmp_path):
    database = dbmod.connect(tmp_path / "site.db")
    with pytest.raises(RuntimeError, match="inside the write transaction"):
        migrations.upgrade(database)


def test_the_readme_command_lists_applied_and_pending_migrations_without_applying_them(tmp_path):
    path = load(TODAYS_RELEASE, tmp_path / "site.db")
    listing = ["migrate", str(path), str(ROOT / "inquiries/migrations.py"), "--list"]
    before = CliRunner().invoke(sqlite_utils_cli, listing)
    assert before.exit_code == 0, before.output
    pending = before.output.split("Pending:")[1].split()
    assert pending == EVERY
    assert "_sqlite_migrations" not in sqlite_utils.Database(path).table_names()  # listed, not applied

    store.init_schema(dbmod.connect(path))
    after = CliRunner().invoke(sqlite_utils_cli, listing)
    applied, pending = after.output.split("Applied:")[1].split("Pending:")
    assert [line.split(" - ")[0].strip() for line in applied.strip().splitlines()] == EVERY
    assert pending.split() == ["(none)"]


def start_worker(config: dict, barrier, results) -> None:
    """One web worker starting: the app is imported first, then every worker creates it at once."""
    barrier.wait(timeout=120)  # spawn re-imports the app: slow on a loaded machine
    results.put(create_app(config).extensions["migrations_applied"])


WORKERS = 4


@pytest.mark.slow
@pytest.mark.parametrize("release", [None, *RELEASES], ids=["fresh file", *RELEASES])
def test_workers_starting_together_apply_each_migration_once(tmp_path, release):
    path = tmp_path / "site.db"
    had, before, pending = {}, {}, EVERY
    if release is not None:
        load(RELEASES[release], path)
        had, before = table_columns(path), every_row(path)
        pending = EVERY[len(recorded_in(path)) :]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    config = {**base_config(tmp_path), "DATABASE": str(path)}
    workers = [context.Process(target=start_worker, args=(config, barrier, results)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(180)
    assert [w.exitcode for w in workers] == [0] * WORKERS
    applied = [results.get(timeout=10) for _ in workers]
    # One worker applied every migration; the others, waiting on the write lock, found none pending.
    assert sorted(applied, key=len) == [[]] * (WORKERS - 1) + [pending]
    database = dbmod.connect(path)
    assert recorded(database) == [("recovery-site", name, 1) for name in EVERY]
    assert_rows_kept(path, had, before)
    fresh = dbmod.connect(tmp_path / "fresh.db")
    store.init_schema(fresh)
    assert schema(database) == schema(fresh)
