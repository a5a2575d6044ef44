"""No request header can move the site off the root (serving/mountpoint.py), whatever the server does."""

from __future__ import annotations

import os
import re
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from tests.servers import start_site, stop

HOME_TITLE = "Help for heroin and fentanyl addiction"


def title(html: str) -> str:
    """A page's <title>, or "" when it has none."""
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    return found[1] if found else ""


def test_a_script_name_from_the_server_is_put_back_into_the_path(client):
    """What a server that maps a ``SCRIPT_NAME`` header passes on: the app still routes the whole path."""
    tricked = client.get("/overdose/", environ_overrides={"SCRIPT_NAME": "/overdose", "PATH_INFO": "/"})
    assert tricked.status_code == 404
    # ...and the page cache did not keep the home page under /overdose/ for the next visitor.
    assert client.get("/overdose/").status_code == 404
    page = client.get("/overdose", environ_overrides={"SCRIPT_NAME": "/over", "PATH_INFO": "dose"})
    assert page.status_code == 200 and "Overdose" in title(page.get_data(as_text=True))


def get(url: str, path: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, str]:
    """One GET to a real server, exactly these headers, no redirects followed: (status, body text)."""
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def assert_mount_point_holds(url: str, mismatched: bool = True) -> None:
    """A client's SCRIPT_NAME header (any spelling) neither changes its own page nor the next
    visitor's; with ``mismatched``, one that is no prefix of the path does not break the page."""
    for name in ("SCRIPT_NAME", "script_name", "Script-Name"):
        status, body = get(url, "/overdose/", {name: "/overdose"})
        assert status == 404 and HOME_TITLE not in title(body), name
    status, body = get(url, "/overdose/")
    assert status == 404 and HOME_TITLE not in title(body)
    if mismatched:
        status, body = get(url, "/withdrawal", {"SCRIPT_NAME": "/elsewhere"})
        assert status == 200 and "withdrawal" in title(body)


@pytest.mark.slow
def test_the_production_server_ignores_a_client_script_name(tmp_path):
    env = {**os.environ, "FLASK_DATABASE": str(tmp_path / "site.db"), "FLASK_OUTBOX_WORKER": "false"}
    server, url = start_site(env, tmp_path / "server.log")
    try:
        assert_mount_point_holds(url)
    finally:
        stop(server)
