"""Backups taken and restored as the README says, during a stream of submissions too; and the README
names every staff command and deploy file.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from inquiries import backups, store
from inquiries import db as dbmod
from tests.servers import wait_for
from tests.staff_data import REAL, canary, db_path, save


def test_backup_into_a_folder_restores_and_prunes_old_copies(app, runner, tmp_path):
    marker = canary()
    ref = save(app, name=marker)
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "site-20200101T000000Z.db"
    old.write_bytes(b"old")
    other = folder / "notes-20200101T000000Z.db"
    other.write_bytes(b"not ours")
    result = runner.invoke(args=["backup", str(folder), "--prune-days", "30"])
    assert result.exit_code == 0, result.output
    copies = sorted(folder.glob("site-2*.db"))
    assert len(copies) == 1 and copies[0] != old and not old.exists() and other.exists()
    assert copies[0].stat().st_mode & 0o077 == 0

    restored = tmp_path / "restored" / "site.db"
    restored.parent.mkdir()
    shutil.copy(copies[0], restored)
    db = dbmod.connect(restored)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.get_inquiry(db, ref)["name"] == marker
    finally:
        db.conn.close()


def test_backup_to_a_file_name_and_missing_database(app, runner, tmp_path):
    save(app)
    target = tmp_path / "nightly.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert backups.integrity_problem(target) is None
    db_path(app).unlink()
    result = runner.invoke(args=["backup", str(tmp_path / "again.db")])
    assert result.exit_code != 0 and "No database" in result.output


def test_backup_during_a_stream_of_submissions_has_every_acknowledged_inquiry(app, runner, tmp_path):
    path = db_path(app)
    seed = dbmod.connect(path)
    try:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        seed["inquiries"].insert_all(
            {**REAL, "ref": f"SEED-{i:05d}", "submission_key": f"seed-{i}", "created_at": now, "message": "m" * 2000}
            for i in range(3000)
        )
    finally:
        seed.conn.close()

    acked: list[tuple[str, float]] = []  # (ref, when the save returned)
    errors: list[BaseException] = []
    stop = threading.Event()
    lock = threading.Lock()

    def submit_forever(worker: int) -> None:
        db = dbmod.connect(path)
        try:
            n = 0
            while not stop.is_set():
                saved = store.save_inquiry(db, {**REAL, "name": f"w{worker}-{n}"}, submission_key=f"w{worker}-{n}")
                with lock:
                    acked.append((saved.ref, time.monotonic()))
                n += 1
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            db.conn.close()

    threads = [threading.Thread(target=submit_forever, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        assert wait_for(lambda: len(acked) >= 20, timeout=15)  # the stream is flowing
        started = time.monotonic()
        with lock:
            before = {ref for ref, _ in acked}
        result = runner.invoke(args=["backup", str(tmp_path / "backups")])
        finished = time.monotonic()
        assert wait_for(lambda: any(when > finished for _, when in list(acked)), timeout=15)  # and still flowing
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert not errors, errors
    assert len(before) > 0
    assert any(when > finished for _, when in acked), "submissions stopped while the backup ran"
    during = [ref for ref, when in acked if started <= when <= finished]

    copy = next((tmp_path / "backups").glob("site-*.db"))
    restored = tmp_path / "restored.db"
    shutil.copy(copy, restored)
    conn = sqlite3.connect(restored)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        in_backup = {r[0] for r in conn.execute("SELECT ref FROM inquiries")}
        # One transaction per inquiry: every emailed inquiry in the copy has its outbox row.
        orphans = conn.execute(
            "SELECT count(*) FROM inquiries WHERE emailed = 1 AND id NOT IN (SELECT inquiry_id FROM outbox)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert before <= in_backup, f"{len(before - in_backup)} acknowledged inquiries missing from the backup"
    assert orphans == 0
    assert {ref for ref, _ in acked} | {f"SEED-{i:05d}" for i in range(3000)} >= in_backup
    print(f"{len(acked)} saves, {len(during)} acknowledged while the backup ran ({finished - started:.2f}s)")


@pytest.mark.parametrize(
    "command",
    [
        ["inquiries", "list"],
        ["inquiries", "show"],
        ["inquiries", "export"],
        ["inquiries", "erase"],
        ["inquiries", "purge"],
        ["inquiries", "pickup"],
        ["inquiries", "report"],
        ["backup"],
        ["check-config"],
    ],
)
def test_every_staff_command_in_the_readme_exists(runner, command):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    staff_section = readme.split("## Staff tools", 1)[1]
    assert " ".join(command) in staff_section
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0, result.output


def test_restore_as_the_readme_says(app, runner, tmp_path, make_app):
    """Back up, keep writing, then restore the README's way: the copy's inquiries, none after it."""
    before = save(app, name="Before Backup")
    assert runner.invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
    copy = next((tmp_path / "backups").glob("site-*.db"))
    after = save(app, name="After Backup")
    site = dbmod.connect(db_path(app))  # the running site leaves a WAL beside the file
    site.execute("SELECT 1").fetchone()
    assert Path(f"{db_path(app)}-wal").exists()
    site.conn.close()

    data = db_path(app).parent
    aside = data / "before-restore"
    aside.mkdir()
    for path in data.glob("site.db*"):  # the file AND its -wal, -shm
        path.rename(aside / path.name)
    shutil.copy(copy, db_path(app))

    restored = make_app(DATABASE=app.config["DATABASE"])
    db = dbmod.connect(dbmod.database_path(restored))
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.get_inquiry(db, before) is not None
        assert store.get_inquiry(db, after) is None
    finally:
        db.conn.close()
    assert "Before Backup" in restored.test_cli_runner().invoke(args=["inquiries", "list"]).output


def test_readme_deploying_names_every_file_in_deploy():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    deploying = readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    for path in (root / "deploy").iterdir():
        if path.name.startswith(("recovery-", "manage")):
            stem = path.name.replace(".service", "").replace(".timer", "").replace(".env.example", "")
            assert stem in deploying, f"deploy/{path.name} is not explained in README's Deploying section"
    for mentioned in set(re.findall(r"deploy/[\w.-]+(?![\w.*-])", deploying)):
        if not mentioned.startswith(("deploy/nginx", "deploy/Caddyfile")):  # the perf branch's files
            assert (root / mentioned).exists() or "*" in mentioned, mentioned
