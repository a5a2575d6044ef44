"""Erase and purge, proven on the raw bytes of the database file and its write-ahead log: the
deleted text must be gone from disk, not only from query results.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import settings
from inquiries import db as dbmod
from tests.staff_data import canary, db_path, raw_bytes, rows, save


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
