"""The documented Caddy (deploy/Caddyfile) in front of the real app server, over loopback.

Only the addresses differ from production (see `tests.servers.loopback_caddyfile`): the timeouts,
buffers, header rules and log filters are the file's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, needs
from tests.servers import free_port, start_caddy, start_site, stop, wait_for
from tests.slow_clients import SlowClients, slow_body, slow_header, timed_get
from tests.test_mountpoint import assert_mount_point_holds, get

pytestmark = [pytest.mark.slow, needs("caddy")]

SLOW_BODIES = 50
SLOW_HEADERS = 500


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site (serve.py, one proxy hop trusted) behind the documented Caddy: (app URL, Caddy URL, log)."""
    folder = tmp_path_factory.mktemp("caddy-site")
    env = {
        **os.environ,
        "FLASK_DATABASE": str(folder / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_PROXY_HOPS": "1",
    }
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True)
    app, app_url = start_site(env, folder / "server.log")
    try:
        caddy, caddy_url, access_log = start_caddy(app_url, folder / "caddy")
        try:
            yield app_url, caddy_url, access_log
        finally:
            stop(caddy)
    finally:
        stop(app)


def test_pages_answer_while_slow_clients_trickle(site):
    """50 bodies and 500 headers sent a byte at a time must not take the app's threads (serve.py:
    2 workers x 4 threads): Caddy reads each request in full before the app sees any of it."""
    _, caddy_url, _ = site
    port = urlsplit(caddy_url).port
    with (
        SlowClients(port, [slow_body(port)] * SLOW_BODIES, gap=0.02) as bodies,
        SlowClients(port, [slow_header(port)] * SLOW_HEADERS, gap=0.002) as headers,
    ):
        # Every body has had its first byte: a proxy that streams bodies has handed them all to the app.
        assert wait_for(lambda: bodies.rounds >= 1 and headers.rounds >= 1, timeout=10)
        answers = [timed_get(caddy_url, path) for path in ("/overdose", "/contact", "/", "/withdrawal")]
        still_open = bodies.still_open() + headers.still_open()
    assert all(status == 200 and seconds < 1 for status, seconds in answers), answers
    # The pages answered while the slow clients were still connected, not after a timeout dropped them.
    assert still_open == SLOW_BODIES + SLOW_HEADERS


# Addresses a client can put in headers that name "the real client"; none may reach a log whole.
CLIENT_ADDRESSES = {
    "X-Forwarded-For": "203.0.113.77, 198.51.100.23",
    "X-Real-IP": "198.51.100.24",
    "Forwarded": 'for="[2001:db8:cafe::17]";proto=https, for=192.0.2.55',
    "True-Client-IP": "192.0.2.56",
}
FULL_ADDRESSES = ("203.0.113.77", "198.51.100.23", "198.51.100.24", "2001:db8:cafe::17", "192.0.2.55", "192.0.2.56")


def log_entries(path, uri_start: str) -> list[dict]:
    """The JSON lines of a Caddy log that describe a request whose URI starts with ``uri_start``."""
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    return [e for e in entries if e.get("request", {}).get("uri", "").startswith(uri_start)]


def test_access_log_keeps_no_full_client_address(site):
    """Caddy's access log masks the peer (IPv4 /24) and keeps none of the forwarding headers."""
    _, caddy_url, access_log = site
    status, _ = get(caddy_url, "/insurance?from=newsletter", CLIENT_ADDRESSES)
    assert status == 200
    assert wait_for(lambda: log_entries(access_log, "/insurance"), timeout=5)
    text = access_log.read_text()
    for address in FULL_ADDRESSES:
        assert address not in text
    assert "newsletter" not in text
    (entry,) = log_entries(access_log, "/insurance")
    assert entry["request"]["remote_ip"] == "127.0.0.0" and entry["request"]["uri"] == "/insurance"
    assert entry["status"] == 200


def test_caddy_error_log_keeps_no_full_client_address(tmp_path):
    """With the app down (a restart), Caddy's own log describes the failed request: masked too."""
    dead_app = f"http://127.0.0.1:{free_port()}"
    caddy, caddy_url, _ = start_caddy(dead_app, tmp_path / "caddy")
    try:
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(
                urllib.request.Request(f"{caddy_url}/withdrawal?from=newsletter", headers=CLIENT_ADDRESSES), timeout=10
            )
        assert failed.value.code == 502
        caddy_log = tmp_path / "caddy" / "caddy.log"
        assert wait_for(lambda: log_entries(caddy_log, "/withdrawal"), timeout=5)
    finally:
        stop(caddy)
    text = caddy_log.read_text()
    for address in FULL_ADDRESSES:
        assert address not in text
    assert "newsletter" not in text
    for entry in log_entries(caddy_log, "/withdrawal"):
        assert entry["request"]["remote_ip"] == "127.0.0.0"


def test_a_client_script_name_does_not_move_the_site(site):
    """Through Caddy, as the red team did it: SCRIPT_NAME /overdose on /overdose/ must not serve
    (or cache) the home page there."""
    _, caddy_url, _ = site
    assert_mount_point_holds(caddy_url)


class HeaderEcho(ThreadingHTTPServer):
    """An upstream that answers every GET with 200 and remembers the header names it got."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                echo.seen.append(list(self.headers.keys()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_caddy_passes_no_header_with_an_underscore(tmp_path):
    upstream = HeaderEcho()
    caddy, caddy_url, _ = start_caddy(f"http://127.0.0.1:{upstream.server_port}", tmp_path / "caddy")
    try:
        upstream.seen.clear()
        sent = {"SCRIPT_NAME": "/overdose", "path_info": "/x", "X_Forwarded_For": "203.0.113.9", "X-Kept": "yes"}
        status, _ = get(caddy_url, "/overdose/", sent)
    finally:
        stop(caddy)
        upstream.shutdown()
        upstream.server_close()
    assert status == 200
    (names,) = upstream.seen
    assert "X-Kept" in names and "X-Forwarded-For" in names
    assert not [name for name in names if "_" in name]
