"""Privacy-safe logs: addresses masked, no query strings, referrers or form contents in any log line."""

from __future__ import annotations

import logging
import os
import re

import pytest

import serve
from serving.access_log import AccessLog
from serving.logs import ScrubFilter, mask_address, scrub


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("", "-"),
        (None, "-"),
        ("unix:/run/x.sock", "-"),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


SECRET_HEADERS = {
    "Referer": "https://www.riverbendrecovery.org/contact?name=Secret",
    "Cookie": "session=Secret",
    "User-Agent": "Secret-Agent/1.0",
}


def lines_for(capfd) -> list[str]:
    """The access lines written to stderr since the last call."""
    return [line for line in capfd.readouterr().err.splitlines() if '"' in line and line.count(" ") >= 5]


@pytest.mark.parametrize(
    ("hops", "peer", "forwarded", "logged"),
    [
        (0, "203.0.113.77", None, "203.0.113.0"),
        (0, "127.0.0.1", "198.51.100.9", "127.0.0.0"),  # no proxy trusted: the header is a client's word
        (1, "127.0.0.1", "198.51.100.9", "198.51.100.0"),
        (1, "127.0.0.1", "192.0.2.1, 198.51.100.9", "198.51.100.0"),  # the address our proxy saw
        (2, "127.0.0.1", "192.0.2.1, 198.51.100.9", "192.0.2.0"),
        (2, "127.0.0.1", "198.51.100.9", "127.0.0.0"),  # fewer entries than hops: ProxyFix keeps the peer
        (1, "::1", "2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
    ],
)
def test_the_access_line_masks_the_client_proxy_hops_respected(make_app, capfd, hops, peer, forwarded, logged):
    app = make_app(PROXY_HOPS=hops)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    capfd.readouterr()
    app.test_client().get(
        "/overdose?q=Secret", headers={**headers, **SECRET_HEADERS}, environ_base={"REMOTE_ADDR": peer}
    )
    (line,) = lines_for(capfd)
    assert line.startswith(f"{logged} [")
    assert "Secret" not in line and "198.51.100.9" not in line and "7348" not in line
    assert re.fullmatch(rf'{re.escape(logged)} \[[^]]+\] "GET /overdose" 200 \d+ \d+\.\d{{3}}s', line), line


def test_every_answer_gets_one_line_with_its_status_and_size(make_app, capfd):
    """Pages, cached replays (which never reach ProxyFix), redirects, errors and a POST."""
    app = make_app(PROXY_HOPS=1)
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.77"}
    capfd.readouterr()
    sizes = []
    for _ in range(2):  # the second /withdrawal is the page cache's replay
        sizes.append(len(client.get("/withdrawal", headers=forwarded).data))
    client.get("/no-such-page", headers=forwarded)
    client.post("/contact", data={"name": "Secret"}, headers=forwarded)
    lines = lines_for(capfd)
    assert [line.split('"')[1] for line in lines] == [
        "GET /withdrawal",
        "GET /withdrawal",
        "GET /no-such-page",
        "POST /contact",
    ]
    assert all(line.startswith("203.0.113.0 ") for line in lines), lines
    assert [int(line.split()[-2]) for line in lines[:2]] == sizes  # bytes of the body sent
    assert lines[2].split('"')[2].split()[0] == "404"
    assert "Secret" not in "\n".join(lines)


def test_a_path_cannot_forge_or_break_a_line(make_app, capfd):
    app = make_app()
    capfd.readouterr()
    app.test_client().get('/a%0a203.0.113.99 [x] "GET /forged" 200 1 0.001s%22')
    (line,) = lines_for(capfd)
    assert "\n" not in line and line.count('"') == 2 and "%0A" in line


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("ratelimit 5 per hour (203.0.113.77) exceeded at endpoint: contact.submit", "(203.0.113.0)"),
        ("Error handling request /contact?name=Secret", "request /contact"),
        ("from 2001:db8:85a3:8d3:1319:8a2e:370:7348.", "from 2001:db8:85a3::."),
        ("mapped ::ffff:198.51.100.9 here", "mapped 198.51.100.0 here"),
    ],
)
def test_app_log_filter_masks_addresses_and_drops_query_strings(message, cleaned):
    assert cleaned in scrub(message)
    record = logging.LogRecord("flask-limiter", logging.INFO, __file__, 1, "%s", (message,), None)
    ScrubFilter().filter(record)
    assert cleaned in record.getMessage() and "Secret" not in record.getMessage()


def test_scrub_leaves_references_times_and_versions_alone():
    text = "[2026-11-25 17:44:18 +0000] Inquiry K7Q2-M9XD stored by granian 2.8.7 at 12:30"
    assert scrub(text) == text


def test_a_streamed_body_is_counted_and_logged_when_the_server_closes_it():
    """A body without Content-Length (a stream) is passed through as it comes, then logged."""
    read_end, write_end = os.pipe()
    closed = []

    class Stream:
        def __iter__(self):
            yield b"abc"
            yield b"defg"

        def close(self):
            closed.append(True)

    def streaming_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Stream()

    app = AccessLog(streaming_app, hops=1, fd=write_end)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/export", "QUERY_STRING": "name=Secret"}
    environ |= {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.77"}
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == b"abcdefg"
    body.close()
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        line = pipe.read()
    assert closed == [True]
    assert re.fullmatch(r'203\.0\.113\.0 \[[^]]+\] "GET /export" 200 7 \d+\.\d{3}s\n', line), line


def test_the_server_is_configured_as_the_deploy_guide_says():
    """serve.py: loopback only, PORT honoured, its own access log off, slow headers cut off,
    workers recycled and respawned, a listen backlog."""
    config = serve.options({"PORT": "8123", "WEB_CONCURRENCY": "3"})
    assert (config["address"], config["port"], config["workers"]) == ("127.0.0.1", 8123, 3)
    assert config["factory"] and config["target"] == "serve:site"
    assert config["log_access"] is False
    assert 1000 <= config["http1_settings"].header_read_timeout <= 15000
    assert config["workers_lifetime"] and config["workers_max_rss"] and config["respawn_failed_workers"]
    assert config["backlog"] >= 512
    assert serve.options({})["port"] == 8000 and serve.options({})["workers"] == 2
