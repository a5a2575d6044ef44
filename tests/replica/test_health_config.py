"""/healthz and check-config with a replica configured (in process: no Litestream needed)."""

from __future__ import annotations

import json
import time

from inquiries.db import database_path
from replica import config as replica_config
from replica import status
from settings.production import check_config_problems, production_problems


def test_healthz_stays_200_and_says_the_replica_is_behind(make_app, tmp_path):
    app = make_app(REPLICA_URL=f"file://{tmp_path / 'replica'}", OUTBOX_WORKER=False)
    db = database_path(app).resolve()
    client = app.test_client()
    answer = client.get("/healthz")  # no replicator has ever taken a reading
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok", "replica": "behind"}
    status.save(status.Position(status.UNREACHABLE, None, None, None, 0, "refused"), db)
    assert client.get("/healthz").get_json()["replica"] == "behind"
    status.save(status.Position(status.CAUGHT_UP, 0.0, time.time(), time.time(), 3), db)
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["replica"] == "ok"
    saved = json.loads(status.state_file(db).read_text())
    saved["checked_at"] -= 3600  # the replicator stopped an hour ago
    status.state_file(db).write_text(json.dumps(saved))
    assert client.get("/healthz").get_json()["replica"] == "behind"


def test_healthz_has_no_replica_field_without_one(make_app):
    assert "replica" not in make_app().test_client().get("/healthz").get_json()


def test_replica_url_is_validated():
    base = {"RETENTION_DAYS": 180}
    for good in ("s3://bucket/site", "sftp://backup@203.0.113.7/srv/replica", "file:///var/lib/recovery-replica"):
        assert replica_config.url_problem(good) is None, good
    for bad in ("http://bucket/site", "bucket/site", "s3:///nobucket", "file://relative/path", "sftp:///path"):
        assert replica_config.url_problem(bad), bad
        assert any("FLASK_REPLICA_URL" in p for p in production_problems({**base, "REPLICA_URL": bad}))


def test_check_config_refuses_a_file_replica_on_the_databases_disk(make_app, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    same = {"PRODUCTION": True, "REPLICA_URL": f"file://{tmp_path / 'not-yet' / 'replica'}"}
    config = {**make_app().config, **same}
    assert any("same disk" in p for p in check_config_problems(config, folder))
    config["REPLICA_URL"] = "s3://bucket/site"
    assert not any("REPLICA" in p for p in check_config_problems(config, folder))


def test_generated_config_follows_the_settings(make_app, tmp_path):
    app = make_app(REPLICA_URL="sftp://backup@host/srv/r", REPLICA_SSH_KEY="/k", REPLICA_SNAPSHOT_SECONDS=3600)
    generated = replica_config.litestream_config(app.config, tmp_path / "site.db")
    (db,) = generated["dbs"]
    assert db["path"] == str(tmp_path / "site.db")
    assert db["replica"] == {"url": "sftp://backup@host/srv/r", "sync-interval": "1000ms", "key-path": "/k"}
    assert generated["snapshot"] == {"interval": "3600000ms", "retention": "86400000ms"}
    # Never longer than the site keeps inquiries at all.
    short = {**app.config, "RETENTION_DAYS": 0.5}
    assert replica_config.retention_seconds(short) == 43200
    assert replica_config.erased_within_seconds(app.config) == 86400 + 2 * 3600 + 300
