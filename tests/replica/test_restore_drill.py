"""The restore drill: inquiries sent through the real form survive the loss of the whole server."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time

import pytest

from tests.live_site import live_server
from tests.replica.conftest import flask, post_inquiry, replica_settings, replicator
from tests.servers import wait_for

pytestmark = pytest.mark.slow


def read_state(path) -> tuple[dict, list]:
    """Each inquiry's text by reference, and every outbox row (inquiry ref, kind, status, attempts)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        texts = dict(conn.execute("SELECT ref, message FROM inquiries"))
        outbox = conn.execute(
            "SELECT i.ref, o.kind, o.status, o.attempts FROM outbox o JOIN inquiries i ON i.id = o.inquiry_id ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()
    return texts, outbox


def test_every_acknowledged_inquiry_survives_losing_the_server(tmp_path):
    settings_ = replica_settings(tmp_path)
    db = tmp_path / "data" / "site.db"
    with live_server(tmp_path, **settings_) as (port, site), replicator(settings_, tmp_path / "replica.log") as rep:
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=30)  # running
        sent = {
            post_inquiry(port, f"replicated inquiry {i} canary-{i:04d}"): f"replicated inquiry {i} canary-{i:04d}"
            for i in range(12)
        }
        time.sleep(2)  # the last acknowledged POST plus 2 s, then the machine is gone
        before = read_state(db)
        os.killpg(site.pid, signal.SIGKILL)
        os.killpg(rep.pid, signal.SIGKILL)
        site.wait()
        rep.wait()
    shutil.rmtree(tmp_path / "data")  # database, WAL, Litestream's state and its generated config

    started = time.monotonic()
    result = flask(settings_, "replica", "restore")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "integrity_check ok" in result.stdout and time.monotonic() - started < 30
    texts, outbox = read_state(db)
    assert texts == sent
    assert (texts, outbox) == before and len(outbox) == len(sent)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    # The site starts on the restored file with the same settings, and replication carries on from it.
    with live_server(tmp_path, **settings_) as (port, _site), replicator(settings_, tmp_path / "again.log"):
        later = post_inquiry(port, "after the restore canary-after")
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=20)
    restored = tmp_path / "second.db"
    result = flask(settings_, "replica", "restore", "--to", str(restored))
    assert result.returncode == 0, result.stdout + result.stderr
    texts, _ = read_state(restored)
    assert set(texts) == {*sent, later}


def test_restore_refuses_a_live_database(tmp_path):
    settings_ = replica_settings(tmp_path)
    db = tmp_path / "data" / "site.db"
    with live_server(tmp_path, **settings_) as (port, _site), replicator(settings_, tmp_path / "replica.log"):
        post_inquiry(port, "kept canary-live")
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=20)
        result = flask(settings_, "replica", "restore")
        assert result.returncode == 1 and "open in a running process" in result.stderr, result.stderr
    # Stopped, but it still holds an inquiry: refused too, and the file is left as it was.
    before = read_state(db)
    result = flask(settings_, "replica", "restore")
    assert result.returncode == 1 and "already holds 1 inquiries" in result.stderr, result.stderr
    assert read_state(db) == before
    # Into another file it works.
    result = flask(settings_, "replica", "restore", "--to", str(tmp_path / "copy.db"))
    assert result.returncode == 0 and "1 inquiries" in result.stdout, result.stdout + result.stderr
