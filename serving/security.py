"""Security headers on every response, errors included, and production cookie flags."""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: only for the inline favicon, which spares slow phones one request.
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), microphone=(), payment=(), usb=(), browsing-topics=()"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    # Old Android WebViews ignore frame-ancestors; this covers them.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: where a browser sends no Origin, the contact form checks the
    # Referer instead (views/contact_guards.py); it is never required.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS,
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add the headers to every response and harden cookies when in production."""
    production = app.config["PRODUCTION"]
    if production:
        app.config.update(SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
