"""Mail left waiting by a restart goes out when gunicorn boots a worker, before anyone visits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from inquiries import db as dbmod
from inquiries import store
from tests.conftest import ROOT
from tests.delivery.conftest import VISITOR, free_port


@pytest.mark.slow
def test_gunicorn_worker_sends_waiting_mail_without_a_request(tmp_path, mail_server):
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
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not mail_server.received and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(30)
    assert [m["Subject"] for m in mail_server.received] == [f"New website inquiry #{ref}"]
