"""`make run`'s production server really answers over a socket."""

from __future__ import annotations

import os
import urllib.request

import pytest

from tests.servers import start_site, stop


@pytest.mark.slow
def test_production_server_serves_pages_over_a_real_socket(tmp_path):
    env = {**os.environ, "FLASK_DATABASE": str(tmp_path / "site.db"), "FLASK_OUTBOX_WORKER": "false"}
    log = tmp_path / "server.log"
    server, url = start_site(env, log)
    try:
        with urllib.request.urlopen(f"{url}/overdose", timeout=5) as response:
            body = response.read().decode()
            headers = response.headers
        assert "tel:911" in body
        assert headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        stop(server)
    text = log.read_text()
    # The start-up line names the real address (the access log's masking must not rewrite it).
    assert f"Listening at: {url}" in text, text
    assert '"GET /overdose" 200' in text  # the app's own access line, whatever the server
