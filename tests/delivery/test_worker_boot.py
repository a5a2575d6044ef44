"""Mail left waiting by a restart goes out when the server starts a worker, before anyone visits."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from inquiries import db as dbmod
from inquiries import store
from tests.conftest import ROOT
from tests.delivery.conftest import VISITOR
from tests.servers import SITE_SERVER, free_port, wait_for


@pytest.mark.slow
def test_server_worker_sends_waiting_mail_without_a_request(tmp_path, mail_server):
    path = tmp_path / "site.db"
    database = dbmod.connect(path)
    store.init_schema(database)
    ref = store.save_inquiry(database, VISITOR, submission_key="left-over").ref
    database.conn.close()
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "FLASK_DATABASE": str(path),
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(mail_server.port),
        "FLASK_STAFF_EMAILS": json.dumps(["intake@center.test"]),
        "FLASK_OUTBOX_WORKER": "true",
    }
    server = subprocess.Popen(SITE_SERVER, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: mail_server.received or server.poll() is not None, timeout=30)
    finally:
        server.terminate()
        server.wait(30)
    assert [m["Subject"] for m in mail_server.received] == [f"New website inquiry #{ref}"]
