"""`flask replica status` exit codes, and a site whose replica cannot be reached."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.live_site import live_server, request
from tests.replica.conftest import flask, post_inquiry, replica_settings, replicator
from tests.servers import free_port, wait_for

pytestmark = pytest.mark.slow


def write(db) -> None:
    conn = sqlite3.connect(db, timeout=5)
    conn.execute(
        "INSERT INTO heartbeat (id, written_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET written_at = ?",
        [time.time()] * 2,
    )
    conn.commit()
    conn.close()


def test_status_exits_0_caught_up_and_1_behind_or_unreachable(tmp_path):
    settings_ = replica_settings(tmp_path)
    db = tmp_path / "data" / "site.db"
    assert flask(settings_, "init-db").returncode == 0
    write(db)
    result = flask(settings_, "replica", "status")  # nothing has ever been replicated
    assert result.returncode == 1 and "state: behind" in result.stdout, result.stdout
    with replicator(settings_, tmp_path / "replica.log"):
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=30)
        write(db)
        result = flask(settings_, "replica", "status")  # within the caught-up window of a fresh write
        assert result.returncode == 0 and "state: caught up" in result.stdout and "reachable: yes" in result.stdout
    write(db)  # the replicator is gone: this write is not replicated
    time.sleep(float(settings_["REPLICA_BEHIND_SECONDS"]) + 1)
    result = flask(settings_, "replica", "status")
    assert result.returncode == 1 and "state: behind" in result.stdout, result.stdout

    unreachable = {**settings_, "REPLICA_URL": f"sftp://nobody@127.0.0.1:{free_port()}/replica"}
    result = flask(unreachable, "replica", "status")
    assert result.returncode == 1 and "reachable: no" in result.stdout, result.stdout


def test_the_site_takes_inquiries_while_the_replica_is_unreachable(tmp_path):
    settings_ = replica_settings(tmp_path, REPLICA_URL=f"sftp://nobody@127.0.0.1:{free_port()}/replica")
    with live_server(tmp_path, **settings_) as (port, _site), replicator(settings_, tmp_path / "replica.log") as rep:
        refs = [post_inquiry(port, f"while unreachable {i}") for i in range(5)]

        def health() -> dict:
            status, _, body = request(port, "GET", "/healthz")
            # This test runs no sender, so mail waits with none: the one 503 it may give.
            assert status == 200 or json.loads(body)["problem"] == "sender stopped", body
            return json.loads(body)

        assert wait_for(lambda: health().get("replica") == "behind", timeout=15), health()
        log = tmp_path / "replica.log"
        # Litestream exits at once on an unreachable target; the replicator starts it again, with backoff.
        assert wait_for(lambda: log.read_text().count("starting it again") >= 2, timeout=20), log.read_text()
        assert rep.poll() is None
        assert health()["replica"] == "behind"
    conn = sqlite3.connect(tmp_path / "data" / "site.db")
    assert {r for (r,) in conn.execute("SELECT ref FROM inquiries")} == set(refs)
    conn.close()


def test_healthz_says_replica_ok_when_caught_up(tmp_path):
    settings_ = replica_settings(tmp_path)
    with live_server(tmp_path, **settings_) as (port, _site), replicator(settings_, tmp_path / "replica.log"):
        post_inquiry(port, "health canary")
        assert wait_for(lambda: json.loads(request(port, "GET", "/healthz")[2]).get("replica") == "ok", timeout=20)
