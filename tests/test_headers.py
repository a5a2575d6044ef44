"""Security headers on every response, errors included; production hardening."""

from __future__ import annotations

import pytest

from tests.conftest import html_urls

PRODUCTION = {
    "PRODUCTION": True,
    "SECRET_KEY": "x" * 40,
    "SITE_PHONE": "+1 212-555-7000",
    "STAFF_EMAILS": ["intake@center.test"],
    "MAIL_DEFAULT_SENDER": "website@center.test",
    "SITE_URL": "https://center.test",
    "MAIL_SERVER": "smtp.center.test",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "SITE_NAME": "Center Test Recovery",
    "SITE_ADDRESS": "1 Test Road, Testville, NY 10001",
    "SITE_EMAIL": "help@center.test",
    "PROXY_HOPS": 1,
}


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("url", [*html_urls(), "/sitemap.xml", "/robots.txt", "/healthz", "/favicon.ico", "/nope"])
def test_headers_on_every_route(client, url):
    assert_security_headers(client.get(url))


@pytest.fixture
def failing_app(make_app):
    app = make_app(TESTING=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("deliberate failure")

    return app


def test_server_error_page_is_friendly_and_has_headers(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and 'href="tel:+15550100199"' in html
    assert "deliberate failure" not in html


def test_method_not_allowed_is_friendly(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert_security_headers(response)


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_sends_hsts_and_secure_cookies(make_app):
    app = make_app(**PRODUCTION, TESTING=False)
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
