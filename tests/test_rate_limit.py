"""The per-client inquiry limit: one count for every worker of the real server, kept across restarts."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from urllib.parse import urlencode, urlsplit

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from inquiries import db as dbmod
from inquiries import ratelimit, store
from tests.contact_data import VALID
from tests.live_site import browser_session, request
from tests.servers import start_site

LIMIT = 5


def server_env(tmp_path, workers: int) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_DATABASE": str(tmp_path / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_CONTACT_RATE_LIMIT": f"{LIMIT} per hour",
        "FLASK_CONTACT_MIN_SECONDS": "0",
        "WEB_CONCURRENCY": str(workers),
    }


def stop(server) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def submit(port, hidden, headers, n: int):
    """One valid inquiry with its own key and words: (status, body)."""
    words = f"Please call me back, inquiry number {n:02d}"
    body = urlencode({**hidden, **VALID, "submission_key": f"limit-test-{n:04d}-xxxxxxxx", "message": words})
    status, _, html = request(port, "POST", "/contact", body, headers, timeout=30)
    return status, html, words


def assert_refusal_keeps_the_words(html: str, words: str) -> None:
    assert "several messages from your connection" in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert textarea and unescape(textarea[1]).strip() == words


@pytest.mark.slow
def test_one_limit_across_all_workers_and_restarts(tmp_path):
    env = server_env(tmp_path, workers=3)
    server, url = start_site(env, start_new_session=True)
    port = urlsplit(url).port
    try:
        hidden, headers = browser_session(port)
        start = threading.Barrier(10)

        def burst(n):
            start.wait()
            return submit(port, hidden, headers, n)

        with ThreadPoolExecutor(10) as pool:
            parallel = list(pool.map(burst, range(10)))
        sequential = [submit(port, hidden, headers, n) for n in range(10, 16)]
    finally:
        stop(server)
    answers = parallel + sequential
    statuses = [status for status, _, _ in answers]
    assert statuses.count(303) == LIMIT, statuses
    assert set(statuses) == {303, 429}, statuses
    for status, html, words in answers:
        if status == 429:
            assert_refusal_keeps_the_words(html, words)
    db = dbmod.connect(tmp_path / "site.db")
    assert db["inquiries"].count == LIMIT
    assert db["rate_limits"].count == LIMIT  # one entry per accepted inquiry, none for refusals
    db.conn.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("site.db*"))
    assert b"127.0.0.1" not in raw  # the client address is kept only as a keyed hash

    # A restart (or a recycled worker) starts with the same counts.
    server, url = start_site(env, start_new_session=True)
    try:
        hidden, headers = browser_session(urlsplit(url).port)
        status, html, words = submit(urlsplit(url).port, hidden, headers, 99)
    finally:
        stop(server)
    assert status == 429
    assert_refusal_keeps_the_words(html, words)


def limits_storage(tmp_path, salt="pepper"):
    path = tmp_path / "site.db"
    database = dbmod.connect(path)
    store.init_schema(database)
    database.conn.close()
    return storage_from_string(f"sqlite:///{path}", salt=salt), path


def test_storage_registers_with_limits_and_keeps_no_address(tmp_path):
    storage, path = limits_storage(tmp_path)
    assert isinstance(storage, ratelimit.SQLiteStorage)
    limiter = MovingWindowRateLimiter(storage)
    item = parse("2 per hour")
    assert [limiter.hit(item, "contact", "203.0.113.77") for _ in range(3)] == [True, True, False]
    assert limiter.hit(item, "contact", "198.51.100.1")
    assert limiter.get_window_stats(item, "contact", "203.0.113.77").remaining == 0
    raw = b"".join(p.read_bytes() for p in path.parent.glob("site.db*"))
    assert b"203.0.113" not in raw and b"198.51.100" not in raw
    database = dbmod.connect(path)
    keys = [row[0] for row in database.execute("SELECT key FROM rate_limits")]
    assert len(set(keys)) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    # Another salt (another site's secret key) gives other keys for the same address.
    other, _ = limits_storage(tmp_path / "x", salt="other")
    assert other.hashed("contact/203.0.113.77") != storage.hashed("contact/203.0.113.77")


def test_storage_fixed_window_counts_and_expiry(tmp_path):
    storage, _ = limits_storage(tmp_path)
    assert storage.check()
    assert storage.incr("k", 60) == 1 and storage.incr("k", 60, amount=2) == 3
    assert storage.get("k") == 3
    assert time.time() < storage.get_expiry("k") <= time.time() + 60
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("k", 60)
    assert storage.reset() == 1 and storage.get("k") == 0


def test_expired_rows_are_purged(tmp_path):
    storage, path = limits_storage(tmp_path)
    database = dbmod.connect(path)
    old = time.time() - 7200
    database.execute("INSERT INTO rate_limits (key, at, expires_at) VALUES (?, ?, ?)", ["stale", old, old + 3600])
    assert storage.acquire_entry("fresh", 5, 3600)
    assert [row[0] for row in database.execute("SELECT key FROM rate_limits")] == [storage.hashed("fresh")]


def test_an_existing_database_gains_the_table_in_place(tmp_path, make_app):
    path = tmp_path / "site.db"
    database = dbmod.connect(path)
    store.init_schema(database)
    store.save_inquiry(database, {"name": "Sam", "message": "kept"}, submission_key="before-upgrade")
    database.execute("DROP TABLE rate_limits")  # the file as the previous release left it
    database.conn.close()
    app = make_app(DATABASE=str(path))
    database = dbmod.connect(app.config["DATABASE"])
    assert "rate_limits" in database.table_names()
    assert [row["message"] for row in database["inquiries"].rows] == ["kept"]


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64: one sender
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:192.0.2.7", "192.0.2.7", True),  # the same IPv4 client, mapped or not
        ("192.0.2.7", "192.0.2.8", False),
    ],
)
def test_an_ipv6_sender_cannot_dodge_the_limit_by_changing_address(make_app, first, second, shared):
    app = make_app(WTF_CSRF_ENABLED=False, CONTACT_RATE_LIMIT="1 per hour")
    client = app.test_client()

    def send(address: str, n: int) -> int:
        data = {**VALID, "submission_key": f"ipv6-test-{n:04d}-xxxxxxxx"}
        return client.post("/contact", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    assert send(first, 1) == 303
    assert send(second, 2) == (429 if shared else 303)
