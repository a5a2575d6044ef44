"""Staff tools on a real database file: list, show, export, erase, purge and backup.

Erase and purge are proven on the raw bytes of the database file and its write-ahead log: the
deleted text must be gone from disk, not only from query results.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import settings
from inquiries import backups, staff, store
from inquiries import db as dbmod
from tests.servers import wait_for

REAL = {
    "name": "Maria Lopez",
    "phone": "+12125550143",
    "email": "maria@example.com",
    "contact_method": "call",
    "voicemail_ok": "yes",
    "who": "loved_one",
    "insurance": "Aetna",
    "message": "My son needs help.",
}


def canary() -> str:
    return "CANARY" + secrets.token_hex(8).upper()


def db_path(app) -> Path:
    return dbmod.database_path(app)


def save(app, *, spam: str | None = None, age_days: float = 0, **fields) -> str:
    """Save one inquiry through the real store, optionally back-dated."""
    db = dbmod.connect(db_path(app))
    try:
        saved = store.save_inquiry(
            db, {**REAL, **fields}, submission_key=secrets.token_hex(16), spam_reason=spam, send_email=spam is None
        )
        if age_days:
            when = dt.datetime.now(dt.UTC) - dt.timedelta(days=age_days)
            db.execute(
                "UPDATE inquiries SET created_at = ? WHERE ref = ?", [when.isoformat(timespec="seconds"), saved.ref]
            )
        return saved.ref
    finally:
        db.conn.close()


def raw_bytes(app) -> bytes:
    """Everything SQLite has on disk for the database: the file, its WAL and shared memory."""
    path = db_path(app)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def rows(app, sql: str, params=()) -> list[dict]:
    db = dbmod.connect(db_path(app))
    try:
        return list(db.query(sql, params))
    finally:
        db.conn.close()


# ---------------------------------------------------------------- list, show, export


def test_list_shows_real_inquiries_and_spam_on_request(app, runner):
    real = save(app, name="Alice Real")
    spam = save(app, name="Bot Spammer", spam="honeypot filled")
    result = runner.invoke(args=["inquiries", "list"])
    assert result.exit_code == 0, result.output
    assert real in result.output and "Alice Real" in result.output and "Waiting to send" in result.output
    assert spam not in result.output
    result = runner.invoke(args=["inquiries", "list", "--spam"])
    assert spam in result.output and real not in result.output


def test_list_since_filters_by_day(app, runner):
    old = save(app, name="Old Inquiry", age_days=10)
    new = save(app, name="New Inquiry")
    since = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    result = runner.invoke(args=["inquiries", "list", "--since", since])
    assert result.exit_code == 0, result.output
    assert new in result.output and old not in result.output


def test_show_prints_every_field_in_plain_words(app, runner):
    ref = save(app)
    result = runner.invoke(args=["inquiries", "show", ref.lower().replace("-", "")])
    assert result.exit_code == 0, result.output
    for text in ("Maria Lopez", "+12125550143", "maria@example.com", "Call", "Someone they care about", "Aetna"):
        assert text in result.output
    assert "My son needs help." in result.output
    missing = runner.invoke(args=["inquiries", "show", "ZZZZ-ZZZZ"])
    assert missing.exit_code != 0 and "No inquiry" in missing.output


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_has_plain_word_headers_and_only_real_inquiries(app, runner, tmp_path):
    real = save(app, name="Zoë Real")
    spam = save(app, name="Spam Bot", spam="too fast")
    out = tmp_path / "inquiries.csv"
    result = runner.invoke(args=["inquiries", "export", "--output", str(out)])
    assert result.exit_code == 0, result.output
    table = read_csv(out)
    header = table[0]
    assert header[0] == "Reference" and header[1].startswith("Received")
    assert "Name" in header and "Best way to reach them" in header and "Message" in header
    assert not any("_" in h for h in header), header  # plain words, not column names
    assert [r[0] for r in table[1:]] == [real]
    assert "Zoë Real" in table[1]
    assert out.stat().st_mode & 0o077 == 0  # owner-only: it holds health information
    out.chmod(0o644)
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    assert out.stat().st_mode & 0o077 == 0  # also when overwriting a readable file

    spam_out = tmp_path / "spam.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(spam_out), "--spam"]).exit_code == 0
    spam_table = read_csv(spam_out)
    assert [r[0] for r in spam_table[1:]] == [spam]
    assert spam_table[0][-1] == "Why it looks like spam" and spam_table[1][-1] == "too fast"


@pytest.mark.parametrize(
    "evil",
    [
        '=HYPERLINK("http://evil.test","click")',
        "+SUM(1,2)",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
    ],
)
def test_export_neutralises_csv_injection(app, runner, tmp_path, evil):
    save(app, name=evil, insurance=evil, message=evil)
    out = tmp_path / "x.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    header, row = read_csv(out)
    for column in ("Name", "Insurance", "Message"):
        cell = row[header.index(column)]
        assert cell == "'" + evil
    assert row[header.index("Phone")] == "'+12125550143"  # a leading + is a formula start too


def test_export_keeps_ordinary_text_unchanged():
    assert staff.spreadsheet_safe("Maria Lopez") == "Maria Lopez"
    assert staff.spreadsheet_safe("") == ""
    assert staff.spreadsheet_safe(None) == ""
    assert staff.spreadsheet_safe("a=b") == "a=b"


# ---------------------------------------------------------------- erase and purge, on the raw file


@pytest.fixture
def site_connection(app):
    """A connection held open the whole test, as the running site's sender thread holds one.

    While any connection is open SQLite does not fold the write-ahead log back into the file on
    close, so only the command's own checkpoint can remove deleted text from the WAL.
    """
    db = dbmod.connect(db_path(app))
    db.execute("SELECT count(*) FROM inquiries").fetchone()
    yield db
    db.conn.close()


def test_erase_removes_the_inquiry_and_its_outbox_rows_from_the_file(app, runner, site_connection):
    gone, kept = canary(), canary()
    ref = save(app, name=f"Name {gone}", message=f"Message {gone} " + "x" * 3000)  # overflow page too
    other = save(app, name=f"Name {kept}")
    assert gone.encode() in raw_bytes(app) and kept.encode() in raw_bytes(app)
    inquiry_id = rows(app, "SELECT id FROM inquiries WHERE ref = ?", [ref])[0]["id"]
    assert rows(app, "SELECT * FROM outbox WHERE inquiry_id = ?", [inquiry_id])

    refused = runner.invoke(args=["inquiries", "erase", ref], input="n\n")
    assert refused.exit_code != 0
    assert rows(app, "SELECT id FROM inquiries WHERE ref = ?", [ref])

    result = runner.invoke(args=["inquiries", "erase", ref, "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Erased {ref}" in result.output
    assert not rows(app, "SELECT id FROM inquiries WHERE ref = ?", [ref])
    assert not rows(app, "SELECT * FROM outbox WHERE inquiry_id = ?", [inquiry_id])
    data = raw_bytes(app)
    assert gone.encode() not in data
    assert ref.encode() not in data
    assert kept.encode() in data  # the search does see text that is still there
    assert rows(app, "SELECT ref FROM inquiries") == [{"ref": other}]
    wal = Path(f"{db_path(app)}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated


def test_erase_removes_the_local_mail_sinks_copies_and_only_those(app, runner):
    """`make run`'s sink saves each staff email under SINK_FOLDER in the project folder."""
    ref = save(app, name=f"Name {canary()}")
    folder = Path(app.root_path) / settings.SINK_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    copy, other = folder / f"test-{canary()}.eml", folder / f"test-{canary()}.eml"
    copy.write_text(f"Subject: New website inquiry #{ref}\n\nhello\n")
    other.write_text("Subject: New website inquiry #ZZZZ-ZZZZ\n\nhello\n")
    try:
        result = runner.invoke(args=["inquiries", "erase", ref, "--yes"])
        assert result.exit_code == 0, result.output
        assert "1 saved local copies" in result.output
        assert not copy.exists() and other.exists()
    finally:
        copy.unlink(missing_ok=True)
        other.unlink(missing_ok=True)


def test_erase_unknown_reference_fails(runner):
    result = runner.invoke(args=["inquiries", "erase", "ZZZZ-ZZZZ", "--yes"])
    assert result.exit_code != 0 and "No inquiry" in result.output


def test_purge_deletes_past_retention_and_spam_sooner_from_the_file(app, runner, site_connection):
    old_real, old_spam, recent_real, recent_spam = canary(), canary(), canary(), canary()
    save(app, name=old_real, age_days=200)  # past RETENTION_DAYS (180)
    save(app, name=old_spam, spam="honeypot", age_days=40)  # past SPAM_RETENTION_DAYS (30)
    save(app, name=recent_real, age_days=40)
    save(app, name=recent_spam, spam="honeypot", age_days=5)

    result = runner.invoke(args=["inquiries", "purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 2 inquiries (1 suspected spam)" in result.output
    data = raw_bytes(app)
    assert old_real.encode() not in data and old_spam.encode() not in data
    assert recent_real.encode() in data and recent_spam.encode() in data
    assert not rows(app, "SELECT * FROM outbox WHERE inquiry_id NOT IN (SELECT id FROM inquiries)")

    result = runner.invoke(args=["inquiries", "purge", "--older-than-days", "10"])
    assert result.exit_code == 0, result.output
    data = raw_bytes(app)
    assert recent_real.encode() not in data and recent_spam.encode() in data


def test_purge_uses_the_retention_settings(app, tmp_path):
    app.config.update(RETENTION_DAYS=20, SPAM_RETENTION_DAYS=2)
    keep, drop_real, drop_spam = canary(), canary(), canary()
    save(app, name=keep, age_days=10)
    save(app, name=drop_real, age_days=25)
    save(app, name=drop_spam, spam="too fast", age_days=3)
    result = app.test_cli_runner().invoke(args=["inquiries", "purge"])
    assert result.exit_code == 0, result.output
    data = raw_bytes(app)
    assert keep.encode() in data and drop_real.encode() not in data and drop_spam.encode() not in data


# ---------------------------------------------------------------- backup


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
        wait_for(lambda: len(acked) >= 20, timeout=15)  # the stream is flowing
        started = time.monotonic()
        with lock:
            before = {ref for ref, _ in acked}
        result = runner.invoke(args=["backup", str(tmp_path / "backups")])
        finished = time.monotonic()
        wait_for(lambda: any(when > finished for _, when in list(acked)), timeout=15)  # and still flowing
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
