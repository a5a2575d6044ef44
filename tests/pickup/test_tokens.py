"""Pick-up tokens: any token that is not ours, not for this inquiry or too old is a plain 404."""

from __future__ import annotations

import base64
import re
import secrets
import time

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from inquiries import mailer, pickup
from tests import html as dom
from tests.pickup.steps import STAFF, inquiry, link_path, path_of, picked
from tests.staff_data import save


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def forged_payload(token: str, **changes) -> str:
    """The token with its readable payload rewritten (the signature left as it was)."""
    payload, rest = token.split(".", 1)
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    for old, new in changes.items():
        data = data.replace(old, new)
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=") + "." + rest


def bad_tokens(app, ref: str, other: str) -> dict[str, str]:
    secret = app.config["SECRET_KEY"]
    mine, theirs = inquiry(app, ref), inquiry(app, other)
    good = pickup.make_token(secret, mine, "intake@center.test")
    payload = {"r": ref, "i": mine["id"], "to": "intake@center.test"}
    return {
        "signature-changed": flip(good, len(good) - 3),
        "timestamp-changed": good.split(".")[0] + ".AAAAAA." + good.split(".")[2],
        "payload-names-another-inquiry": forged_payload(good, **{ref: other}),
        "payload-names-another-address": forged_payload(good, intake="nurse"),
        "cut-short": good[:-10],
        "garbage": "not-a-token",
        # Genuine signatures, but not for this: another purpose, another site's key.
        "other-salt": URLSafeTimedSerializer(secret, salt="something else").dumps(payload),
        "form-timer": URLSafeSerializer(secret, salt="contact form timer").dumps(int(time.time())),
        "csrf-like": URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(secrets.token_hex(20)),
        "other-site-key": pickup.make_token("another site's key", mine, "intake@center.test"),
        # Signed by us, but naming another inquiry's id with this reference (an id reused after a purge).
        "id-of-another-inquiry": pickup.make_token(secret, {**mine, "id": theirs["id"]}, "intake@center.test"),
        "no-id": pickup.make_token(secret, {**mine, "id": None}, "intake@center.test"),
        "no-address": URLSafeTimedSerializer(secret, salt=pickup.SALT).dumps({**payload, "to": ""}),
        "not-an-object": URLSafeTimedSerializer(secret, salt=pickup.SALT).dumps([ref, mine["id"]]),
    }


def test_tampered_foreign_or_other_inquiry_tokens_are_a_plain_404_on_get_and_post(app, client):
    ref, other = save(app), save(app)
    path = link_path(app, ref)
    hidden = dom.values(client.get(path), "input", type="hidden")  # a valid CSRF token for the POSTs
    for name, token in bad_tokens(app, ref, other).items():
        for method in (client.get, client.post):
            response = method(pickup.PATH + token, data=hidden if method == client.post else None)
            assert response.status_code == 404, (name, method)
            assert "Page not found" in response.get_data(as_text=True)
            assert ref not in response.get_data(as_text=True) and other not in response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Robots-Tag"] == "noindex"
            assert "Set-Cookie" not in response.headers
    assert picked(app, ref) == picked(app, other) == (None, None)
    assert client.get(path).status_code == 200  # the genuine one still works


def test_an_erased_inquirys_link_is_a_404(app, client, runner):
    ref = save(app)
    path = link_path(app, ref)
    assert runner.invoke(args=["inquiries", "erase", ref, "--yes"]).exit_code == 0
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("days", "age_hours", "status"), [(0.5, 11, 200), (0.5, 13, 404), (7, 167, 200), (7, 169, 404)]
)
def test_a_link_works_for_pickup_link_days_from_the_inquirys_arrival(make_app, days, age_hours, status):
    app = make_app(STAFF_EMAILS=STAFF, PICKUP_LINK_DAYS=days)
    ref = save(app, age_days=age_hours / 24)
    with app.app_context():
        message = mailer.compose(inquiry(app, ref), "<m@center.test>")
    [url, _] = re.findall(r"https://www\.example\.org/staff/pickup/\S+", message.body)
    client = app.test_client()
    assert client.get(path_of(url)).status_code == status
    if status == 404:
        assert client.post(path_of(url)).status_code == 404
        assert picked(app, ref) == (None, None)


def test_read_token_judges_age_by_the_clock_it_is_given(app):
    secret = app.config["SECRET_KEY"]
    issued = 1_800_000_000
    token = pickup.make_token(secret, inquiry(app, save(app)), "intake@center.test", issued_at=issued)
    day = 86400
    assert pickup.read_token(secret, token, max_age=7 * day, now=issued + 7 * day) is not None
    assert pickup.read_token(secret, token, max_age=7 * day, now=issued + 7 * day + 1) is None
    assert pickup.read_token(secret, token, max_age=0.25 * day, now=issued + 0.25 * day + 1) is None
    assert pickup.read_token(secret, token, max_age=7 * day, now=issued - 10) is None  # from the future


def test_the_same_email_carries_the_same_links_on_every_retry(app, monkeypatch):
    ref = save(app)
    with app.app_context():
        first = mailer.compose(inquiry(app, ref), "<m@center.test>")
        later = time.time() + 3600
        monkeypatch.setattr(pickup.time, "time", lambda: later)  # a retry an hour on
        second = mailer.compose(inquiry(app, ref), "<m@center.test>")
    assert first.body == second.body and first.html == second.html
