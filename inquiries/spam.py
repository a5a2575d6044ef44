"""Spam defences without CAPTCHA or third parties: a honeypot and a signed render time.

Neither ever hides a person. A filled honeypot is stored (with its reason) and not emailed on its
own, only listed in the periodic digest to staff (``inquiries.digest``); a form sent too fast is
still emailed, only marked as possible spam, because a missed call for help costs more than a spam
email. The visitor sees the same confirmation either way. A form older than
``CONTACT_TOKEN_SECONDS`` is neither: like an expired CSRF token, it is shown again with every word.

The honeypot is the form's ``website_url`` field: autofill and password managers leave a field
alone when neither its name nor its autocomplete value looks like anything they know about a person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField

SALT = "contact-form-rendered-at"


@dataclass(frozen=True)
class Verdict:
    """Why an inquiry looks like spam (None: it does not), whether staff get the email, and
    whether the form is too old to judge (then it is shown again and nothing is stored)."""

    reason: str | None = None
    send_email: bool = True
    expired: bool = False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def new_timer(already: float = 0) -> str:
    """A signed token that records when the form was shown (``already`` seconds ago)."""
    return _serializer().dumps(int(time.time() - already))


def seconds_since_shown(token: str | None) -> float | None:
    """Seconds since the form carrying ``token`` was shown; None when the token is missing or forged."""
    try:
        shown_at = _serializer().loads(token or "")
    except BadSignature:
        return None
    return time.time() - shown_at if isinstance(shown_at, int) else None


def expired(elapsed: float | None) -> bool:
    """Whether a form shown ``elapsed`` seconds ago is past ``CONTACT_TOKEN_SECONDS``."""
    return elapsed is not None and elapsed > current_app.config["CONTACT_TOKEN_SECONDS"]


class Timer(HiddenField):
    """The signed render time. Its data is the token as sent, which ``assess`` judges; the page
    carries that token again while it is good, so an error does not restart the clock."""

    def _value(self) -> str:
        elapsed = seconds_since_shown(self.data)
        if elapsed is None:
            return new_timer()
        if expired(elapsed):
            # They filled the form long ago: pressing Send again at once is not a fast robot.
            return new_timer(already=current_app.config["CONTACT_MIN_SECONDS"])
        return self.data


def assess(form: FlaskForm) -> Verdict:
    """Judge a valid submission by its age, its honeypot and the time since it was first shown."""
    elapsed = seconds_since_shown(form.rendered_at.data)
    if expired(elapsed):
        return Verdict(expired=True)
    if form.website_url.data:
        return Verdict("honeypot filled", send_email=False)
    if elapsed is None:
        return Verdict("possible spam: form timer missing or forged")
    if elapsed < current_app.config["CONTACT_MIN_SECONDS"]:
        return Verdict(f"possible spam: sent {max(elapsed, 0):.0f} s after the form was shown")
    return Verdict()
