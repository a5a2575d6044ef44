"""Abuse, mistakes and bad luck: CSRF (switched ON here), hostile input, double taps, crashes, dead SMTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPConnection
from urllib.parse import urlencode, urlsplit

import itsdangerous
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from inquiries import store
from inquiries.db import connect
from tests import html as dom
from tests.contact_data import HTMX, VALID, contact_app, hidden_fields
from tests.servers import free_port, start_gunicorn, wait_for


@pytest.fixture
def app(make_app):
    """CSRF ON, as in production."""
    return contact_app(make_app, csrf=True)


def count(app, table="inquiries") -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db[table].count
    finally:
        db.conn.close()


# --- CSRF -------------------------------------------------------------------------------------


def test_every_post_route_is_a_csrf_checked_contact_route(app):
    posts = [rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert posts and all(endpoint.startswith("contact.") for endpoint in posts), posts


def test_page_carries_a_csrf_token_good_for_hours(app, client):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.config["CONTACT_TOKEN_SECONDS"] >= 3600 * 2
    hidden = hidden_fields(client)
    assert set(hidden) == {"csrf_token", "submission_key", "rendered_at"}
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_missing_or_bad_token_shows_the_form_again_with_every_word(app, client, token):
    hidden = hidden_fields(client)
    data = {**hidden, **VALID, "message": "Words I must not lose <3"}
    if token is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = token
    response = client.post("/contact", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<html" in html and "please press Send again" in html and "<title>Error: " in html
    assert dom.text_of(html, "textarea", name="message") == "Words I must not lose <3"
    assert "Words I must not lose &lt;3</textarea>" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"
    kept = dom.values(html, "input", type="hidden")
    fresh = kept["csrf_token"]
    assert fresh and fresh != token
    assert kept["submission_key"] == hidden["submission_key"]  # pressing Send again is still one inquiry
    assert count(app) == 0
    again = client.post("/contact", data={**data, "csrf_token": fresh})
    assert again.status_code == 303


def test_expired_token_is_a_second_chance_not_a_bare_400(app, client, monkeypatch):
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: real(self) - app.config["CONTACT_TOKEN_SECONDS"] - 60,
    )
    hidden = hidden_fields(client)
    monkeypatch.undo()
    response = client.post("/contact", data={**hidden, **VALID})
    assert response.status_code == 400
    assert "please press Send again" in response.get_data(as_text=True)


def test_token_a_few_hours_old_still_works(app, client, monkeypatch):
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) - 3 * 3600)
    hidden = hidden_fields(client)
    monkeypatch.undo()
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303


def test_lost_session_cookie_gets_a_fresh_token_that_works(app, client):
    hidden = hidden_fields(client)
    other = app.test_client()  # same words, but the browser lost its cookie
    response = other.post("/contact", data={**hidden, **VALID})
    assert response.status_code == 400
    fresh = dom.find(response, "input", name="csrf_token", type="hidden")["value"]
    assert fresh
    assert other.post("/contact", data={**hidden, **VALID, "csrf_token": fresh}).status_code == 303


def test_htmx_without_a_token_gets_the_form_area_back_with_200(client):
    hidden = hidden_fields(client)
    response = client.post("/contact", data={**VALID, "submission_key": hidden["submission_key"]}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "please press Send again" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"


def test_field_validation_with_a_bad_token_keeps_the_field_as_typed(client):
    response = client.post("/contact/validate/name", data={"name": "Sam <b>", "csrf_token": "x"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert dom.find(html, "div", id="field-name").find("input", name="name")["value"] == "Sam <b>"
    assert 'value="Sam &lt;b&gt;"' in html


def test_field_validation_with_the_token_validates(client):
    hidden = hidden_fields(client)
    response = client.post("/contact/validate/email", data={**hidden, "email": "x@"}, headers=HTMX)
    assert "Enter an email address like" in response.get_data(as_text=True)


# --- Hostile and odd input --------------------------------------------------------------------

PROBES = ["<x-probe>", '"><x-probe a="', "'><x-probe>", "</textarea><x-probe>", "<!--", "\x00", "\r\nBcc: a@b.c"]
ODD = ["\u202e", "\ufeff", "💊", "e\u0301", "\u2028", "\t", "%00", "{{ 7 * 7 }}", "' OR 1=1 --"]
value = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.text(max_size=10), st.sampled_from(PROBES + ODD)), max_size=5).map("".join),
    st.integers(1990, 2010).map(lambda n: "x" * n),
    st.sampled_from(["call", "text", "email", "yes", "no", "self", "loved_one", "202 555 0123", "a@b.org"]),
)
NAMES = [*store.FIELDS, "website_url", "submission_key", "rendered_at", "csrf_token", "extra"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(st.sampled_from(NAMES), value), htmx=st.booleans(), field=st.sampled_from(store.FIELDS))
def test_any_input_gets_an_answer_never_a_500_and_is_always_escaped(app, form, htmx, field):
    client = app.test_client()
    hidden = hidden_fields(client)
    headers = HTMX if htmx else {}
    for data in ({**form}, {**hidden, **form}, {**VALID, **form, **hidden}):
        response = client.post("/contact", data=data, headers=headers)
        assert response.status_code in (200, 303, 400, 422), response.status_code
        event(f"POST answered {response.status_code}")
        assert "<x-probe" not in response.get_data(as_text=True)
        if response.status_code == 303:
            thanks = client.get(response.headers["Location"])
            assert thanks.status_code == 200 and "<x-probe" not in thanks.get_data(as_text=True)
        partial = client.post(f"/contact/validate/{field}", data=data, headers=HTMX)
        assert partial.status_code == 200
        assert "<x-probe" not in partial.get_data(as_text=True)


# --- Real servers: double taps, crashes, dead SMTP ----------------------------------------------


@contextmanager
def gunicorn(tmp_path, **settings_):
    """The production server (gunicorn, 2 workers) on a free port; yields (port, process)."""
    env = {
        **os.environ,
        "FLASK_DATABASE": str(tmp_path / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_CONTACT_RATE_LIMIT": "100000 per hour",
        **{f"FLASK_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in settings_.items()},
    }
    # Its own session, so a test can kill -9 the whole process group (master and workers).
    server, url = start_gunicorn(env, start_new_session=True)
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


def open_db(tmp_path):
    return connect(tmp_path / "site.db")


@pytest.mark.slow
def test_twenty_parallel_posts_with_one_key_make_one_inquiry(tmp_path):
    with gunicorn(tmp_path) as (port, _):
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
    with gunicorn(tmp_path) as (port, server):
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
        gunicorn(
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
    assert count(app, "outbox") == 1
