"""Bad luck on real servers: double taps, a server killed mid-stream, dead SMTP. No acknowledged inquiry is lost."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest

from inquiries.db import connect
from tests.contact_data import VALID, contact_app, hidden_fields, rows
from tests.live_site import browser_session, live_server, request
from tests.servers import free_port, wait_for


@pytest.fixture
def app(make_app):
    """CSRF ON, as in production."""
    return contact_app(make_app, csrf=True)


def open_db(tmp_path):
    return connect(tmp_path / "site.db")


@pytest.mark.slow
def test_twenty_parallel_posts_with_one_key_make_one_inquiry(tmp_path):
    with live_server(tmp_path) as (port, _):
        hidden, headers = browser_session(port)
        body = urlencode({**hidden, **VALID})
        start = threading.Barrier(20)

        def tap(_):
            start.wait()
            return request(port, "POST", "/contact", body, headers)

        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(tap, range(20)))
    assert {status for status, _, _ in answers} == {303}
    assert len({h["Location"] for _, h, _ in answers}) == 1
    db = open_db(tmp_path)
    assert db["inquiries"].count == 1 and db["outbox"].count == 1


@pytest.mark.slow
def test_kill_9_mid_stream_loses_no_acknowledged_inquiry(tmp_path):
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    with live_server(tmp_path) as (port, server):
        hidden, headers = browser_session(port)

        def stream(worker: int) -> None:
            n = 0
            while not stop.is_set():
                key = f"crash-test-{worker:02d}-{n:06d}"
                body = urlencode({**hidden, **VALID, "submission_key": key, "name": f"Person {worker}-{n}"})
                try:
                    status, h, _ = request(port, "POST", "/contact", body, headers, timeout=5)
                except OSError:
                    return  # the server is gone; whatever was in flight was never acknowledged
                if status == 303:
                    acknowledged.append((f"Person {worker}-{n}", h["Location"].rsplit("/", 1)[1]))
                n += 1

        threads = [threading.Thread(target=stream, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-write
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert len(acknowledged) >= 60
    db = open_db(tmp_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row["ref"]: row["name"] for row in db.query("SELECT ref, name FROM inquiries")}
    assert all(stored.get(ref) == name for name, ref in acknowledged)
    orphans = db.execute("SELECT count(*) FROM inquiries WHERE id NOT IN (SELECT inquiry_id FROM outbox)").fetchone()
    assert orphans[0] == 0  # inquiry and its email were written together, or not at all


@contextmanager
def blackhole():
    """An SMTP 'server' that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    held = []
    done = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


@contextmanager
def smtp_server(kind: str):
    """A blackholed SMTP port (accepts, never answers) or a refusing one (nothing listens)."""
    if kind == "blackholed":
        with blackhole() as port:
            yield port
    else:
        yield free_port()  # nothing listens there: connection refused


@pytest.mark.slow
@pytest.mark.parametrize("smtp", ["blackholed", "refusing"])
def test_post_answers_at_once_whatever_smtp_does(tmp_path, smtp):
    with (
        smtp_server(smtp) as mail_port,
        live_server(
            tmp_path,
            OUTBOX_WORKER=True,
            OUTBOX_POLL_SECONDS=0.2,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail_port,
            MAIL_TIMEOUT=20,
            STAFF_EMAILS=["staff@example.org"],
        ) as (port, _),
    ):
        hidden, headers = browser_session(port)
        db = open_db(tmp_path)
        timings = []
        for n in range(5):
            body = urlencode({**hidden, **VALID, "submission_key": f"smtp-test-{n:04d}-xxxxxx"})
            started = time.monotonic()
            status, _, _ = request(port, "POST", "/contact", body, headers, timeout=5)
            timings.append(time.monotonic() - started)
            assert status == 303
            if n == 0:  # the later posts come once a sender has reached the dead server (hangs there or was refused)
                assert wait_for(lambda: any(row["attempts"] for row in db["outbox"].rows), timeout=10)
    assert max(timings) < 3.0, timings  # far below MAIL_TIMEOUT: no request waited on SMTP
    assert db["inquiries"].count == 5
    assert [row["status"] for row in db["outbox"].rows if row["status"] == "sent"] == []  # kept for later


def test_the_web_request_never_opens_smtp(app, client, monkeypatch):
    def no_smtp(*args, **kwargs):
        raise AssertionError("the web request must not talk to SMTP")

    monkeypatch.setattr("smtplib.SMTP.__init__", no_smtp)
    monkeypatch.setattr("smtplib.SMTP_SSL.__init__", no_smtp)
    hidden = hidden_fields(client)
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303
    assert len(rows(app, "outbox")) == 1
