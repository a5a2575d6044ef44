"""The production server run for one test, and requests to it as a browser makes them."""

from __future__ import annotations

import json
import os
import signal
from contextlib import contextmanager
from http.client import HTTPConnection
from urllib.parse import urlsplit

from tests import html as dom
from tests.servers import start_site


@contextmanager
def live_server(tmp_path, log=None, **settings_):
    """The production server (serve.py, 2 workers) on a free port, its output in ``log`` if given;
    yields (port, process)."""
    env = {
        **os.environ,
        "FLASK_DATABASE": str(tmp_path / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_CONTACT_RATE_LIMIT": "100000 per hour",
        **{f"FLASK_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in settings_.items()},
    }
    # Its own session, so a test can kill -9 the whole process group (master and workers).
    server, url = start_site(env, log, start_new_session=True)
    try:
        yield urlsplit(url).port, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def request(port, method, path, body=None, headers=None, timeout=10):
    """One HTTP request without following redirects: (status, headers, body text)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def browser_session(port) -> tuple[dict[str, str], dict[str, str]]:
    """GET the form like a browser: (hidden fields, headers carrying its cookie) for later POSTs."""
    _, headers, html = request(port, "GET", "/contact")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    hidden = dom.values(html, "input", type="hidden")
    return hidden, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
