"""CSRF over HTTPS without a Referer: token, SameSite cookie, and the Origin (or Referer) when sent.

Privacy browsers and extensions strip the Referer; a form that needs it is refused forever.
"""

from __future__ import annotations

import os
import signal
from urllib.parse import urlencode, urlsplit

import pytest

from inquiries.db import connect
from tests import html as dom
from tests.contact_data import VALID, contact_app
from tests.live_site import browser_session, request
from tests.servers import start_site

HTTPS = "https://localhost"
WORDS = "Words I typed on a privacy browser"


@pytest.fixture
def app(make_app):
    """CSRF ON, as in production."""
    return contact_app(make_app, csrf=True)


@pytest.fixture
def client(app):
    """A browser on the site over HTTPS that sends no Referer unless a test adds one."""
    return app.test_client()


def inquiries(app) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db["inquiries"].count
    finally:
        db.conn.close()


def hidden_fields_https(client) -> dict[str, str]:
    """The hidden inputs of the form as shown over HTTPS (its session cookie is Secure there)."""
    html = client.get("/contact", base_url=HTTPS).get_data(as_text=True)
    return dom.values(html, "input", type="hidden")


def send(client, **headers):
    """Show the form over HTTPS, then send it with only ``headers`` (no Referer unless given)."""
    hidden = hidden_fields_https(client)
    return client.post("/contact", base_url=HTTPS, data={**hidden, **VALID, "message": WORDS}, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither header: the token and the SameSite cookie are enough
        {"Origin": HTTPS},
        {"Origin": "https://localhost:443"},
        {"Origin": "https://www.example.org"},  # FLASK_SITE_URL's origin
        {"Referer": f"{HTTPS}/contact"},
    ],
    ids=["no-referer-no-origin", "own-origin", "own-origin-default-port", "site-url-origin", "own-referer"],
)
def test_https_post_without_a_referer_is_accepted(app, client, headers):
    response = send(client, **headers)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert inquiries(app) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost"},  # the same host over plain HTTP
        {"Origin": "https://localhost:8443"},
        {"Referer": "https://evil.example/contact"},
        {"Origin": "https://evil.example", "Referer": f"{HTTPS}/contact"},
    ],
    ids=["foreign", "null", "downgraded", "other-port", "foreign-referer", "foreign-origin-own-referer"],
)
def test_a_foreign_origin_is_refused_and_the_words_are_kept(app, client, headers):
    response = send(client, **headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert dom.text_of(html, "textarea", name="message") == WORDS
    assert dom.find(html, "input", name="name")["value"] == "Sam"
    assert inquiries(app) == 0


def test_field_validation_from_a_foreign_origin_validates_nothing(client):
    hidden = hidden_fields_https(client)
    response = client.post(
        "/contact/validate/email",
        base_url=HTTPS,
        data={**hidden, "email": "x@"},
        headers={"HX-Request": "true", "Origin": "https://evil.example"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Enter an email address like" not in html
    assert dom.find(html, "input", name="email")["value"] == "x@"


def test_the_session_cookie_is_samesite(client):
    response = client.get("/contact", base_url=HTTPS)
    assert "SameSite=Lax" in response.headers["Set-Cookie"]


@pytest.mark.slow
def test_behind_a_proxy_over_https_without_a_referer(tmp_path):
    """The real server behind a TLS proxy (X-Forwarded-Proto: https): what a privacy browser sends."""
    env = {
        **os.environ,
        "FLASK_DATABASE": str(tmp_path / "site.db"),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_PROXY_HOPS": "1",
        "FLASK_CONTACT_RATE_LIMIT": "100 per hour",
    }
    server, url = start_site(env, start_new_session=True)
    port = urlsplit(url).port
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "www.center.test"}
    try:
        hidden, headers = browser_session(port)
        body = urlencode({**hidden, **VALID, "message": WORDS})
        plain = request(port, "POST", "/contact", body, {**headers, **proxy})
        same = request(port, "POST", "/contact", body, {**headers, **proxy, "Origin": "https://www.center.test"})
        body2 = urlencode({**hidden, **VALID, "message": WORDS, "submission_key": "another-key-1234567890"})
        foreign = request(port, "POST", "/contact", body2, {**headers, **proxy, "Origin": "https://evil.example"})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert plain[0] == 303 and same[0] == 303 and plain[1]["Location"] == same[1]["Location"]
    assert foreign[0] == 400 and dom.text_of(foreign[2], "textarea", name="message") == WORDS


@pytest.mark.parametrize("referer", ["https://www.google.com/", "https://mail.example.net/inbox", "null"])
def test_a_visitor_arriving_from_another_site_gets_the_form_and_the_thanks_page(client, referer):
    """Following a link (a search result, a referral email) sends that site as Referer: a GET
    changes nothing, so it is never refused."""
    page = client.get("/contact", base_url=HTTPS, headers={"Referer": referer})
    assert page.status_code == 200
    assert dom.find(page, "input", name="csrf_token")
    location = send(client).headers["Location"]
    thanks = client.get(location, base_url=HTTPS, headers={"Referer": referer})
    assert thanks.status_code == 200
    assert "Thank you" in thanks.get_data(as_text=True)
