"""Spam defences without CAPTCHA or third parties: a honeypot and a signed render time.

Neither ever hides a person. A filled honeypot is stored (with its reason) and not emailed on its
own, only listed in the periodic digest to staff (``inquiries.digest``); a form sent too fast is
still emailed, only marked as possible spam, because a missed call for help costs more than a spam
email. The visitor sees the same confirmation either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

# Autofill and password managers leave a field alone when neither its name nor its autocomplete
# value looks like anything they know about the person.
HONEYPOT = "website_url"
SALT = "contact-form-rendered-at"


@dataclass(frozen=True)
class Verdict:
    """Why an inquiry looks like spam (None: it does not) and whether staff get the email."""

    reason: str | None = None
    send_email: bool = True


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def new_timer() -> str:
    """A signed token that records when the form was shown."""
    return _serializer(current_app.config["SECRET_KEY"]).dumps(int(time.time()))


def seconds_since_shown(token: str | None, secret_key: str) -> float | None:
    """Seconds since the form carrying ``token`` was shown; None when the token is missing or forged."""
    try:
        shown_at = _serializer(secret_key).loads(token or "")
    except BadSignature:
        return None
    return time.time() - shown_at if isinstance(shown_at, int) else None


def keep_or_new_timer(token: str | None) -> str:
    """Keep the first timer when the form is shown again (after an error), else start one."""
    if seconds_since_shown(token, current_app.config["SECRET_KEY"]) is None:
        return new_timer()
    return token


def assess(honeypot: str | None, timer: str | None, config: dict[str, Any]) -> Verdict:
    """Judge a valid submission by its honeypot and the time since the form was first shown."""
    if honeypot:
        return Verdict("honeypot filled", send_email=False)
    elapsed = seconds_since_shown(timer, config["SECRET_KEY"])
    if elapsed is None:
        return Verdict("possible spam: form timer missing or forged")
    if elapsed < config["CONTACT_MIN_SECONDS"]:
        return Verdict(f"possible spam: sent {max(elapsed, 0):.0f} s after the form was shown")
    return Verdict()
