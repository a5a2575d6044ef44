"""/healthz: 503 when the database cannot take a write, and a public answer that tells nothing else."""

from __future__ import annotations

import json
import os
import resource
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from inquiries import db as dbmod
from inquiries import health, store
from tests.servers import children, start_site, stop, wait_for


def get_health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def heartbeat(path: Path) -> float | None:
    db = dbmod.connect(path)
    try:
        row = next(db.query("SELECT written_at FROM heartbeat"), None)
        return row and row["written_at"]
    finally:
        db.conn.close()


@pytest.mark.slow
def test_healthz_answers_503_while_the_server_cannot_write_any_file(tmp_path):
    """A full disk, for real: the worker's file-size limit is lowered to 0, so every write SQLite
    makes fails with EFBIG, as root too. Reads still work, which is why the old check said ok."""
    env = {
        **os.environ,
        "FLASK_DATABASE": str(tmp_path / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_HEALTH_WRITE_SECONDS": "1",
        "WEB_CONCURRENCY": "1",
    }
    server, url = start_site(env)
    try:
        assert get_health(url) == (200, {"status": "ok"})
        assert heartbeat(tmp_path / "site.db") is not None  # the check really committed a row
        (worker,) = children(server.pid)
        _, hard = resource.prlimit(worker, resource.RLIMIT_FSIZE)
        resource.prlimit(worker, resource.RLIMIT_FSIZE, (0, hard))
        try:
            started = time.monotonic()
            assert wait_for(lambda: get_health(url)[0] == 503, timeout=5, interval=0.2)
            assert time.monotonic() - started < 3  # the reused answer is at most HEALTH_WRITE_SECONDS old
            assert get_health(url) == (503, {"status": "error", "problem": "the database cannot save inquiries"})
        finally:
            resource.prlimit(worker, resource.RLIMIT_FSIZE, (hard, hard))
        assert wait_for(lambda: get_health(url) == (200, {"status": "ok"}), timeout=5, interval=0.2)
    finally:
        stop(server)


def test_the_write_is_reused_for_the_setting_and_never_longer_than_20_s(app, client):
    path = dbmod.database_path(app)
    app.config["HEALTH_WRITE_SECONDS"] = 5
    assert client.get("/healthz").status_code == 200
    first = heartbeat(path)
    assert client.get("/healthz").status_code == 200
    assert heartbeat(path) == first  # within 5 s: the answer is reused, no second fsync

    db = dbmod.connect(path)
    try:
        later = time.monotonic() + 60  # a minute on: past the setting, so this check writes again
        assert health.can_write(app, db, now=later)
        second = heartbeat(path)
        assert second > first
        app.config["HEALTH_WRITE_SECONDS"] = 3600
        assert health.can_write(app, db, now=later + 19)
        assert heartbeat(path) == second
        assert health.can_write(app, db, now=later + 21)
        assert heartbeat(path) > second  # however long the setting, 20 s is the most
    finally:
        db.conn.close()


def test_the_public_answer_has_no_counts_and_outbox_status_keeps_them(app, client, runner):
    db = dbmod.connect(dbmod.database_path(app))
    try:
        ref = store.save_inquiry(db, {"name": "Sam"}, submission_key=secrets.token_hex(8)).ref
        db.execute("UPDATE outbox SET created_at = created_at - 3600")
    finally:
        db.conn.close()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "problem": "staff email is late"}
    assert not any(ch.isdigit() for ch in response.get_data(as_text=True))
    status = runner.invoke(args=["outbox", "status"])
    assert "pending=1" in status.output and ref in status.output


def test_a_database_that_cannot_even_be_opened_is_a_503_not_a_500(tmp_path, make_app):
    folder = tmp_path / "data"
    app = make_app(DATABASE=str(folder / "site.db"))
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("a file where the data folder should be")  # opening the database now fails
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()["status"]) == (503, "error")
