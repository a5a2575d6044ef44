"""The "I'm contacting them" link: a GET shows, only the CSRF-checked POST records, once; any token
that is not ours, not for this inquiry or too old is a plain 404; nothing private on the page."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import secrets
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from inquiries import delivery, mailer, pickup
from tests import html as dom
from tests.smtp import MailServer, message_text
from tests.staff_data import REAL, canary, rows, save
from tests.test_html_valid import vnu_problems

STAFF = ["intake@center.test", "Night Nurse <nurse@center.test>"]
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


@pytest.fixture
def app(make_app):
    """CSRF on, as in production; two staff addresses."""
    return make_app(STAFF_EMAILS=STAFF, WTF_CSRF_ENABLED=True, CONTACT_RATE_LIMIT="1000 per hour")


def inquiry(app, ref: str) -> dict:
    [row] = rows(app, "SELECT * FROM inquiries WHERE ref = ?", [ref])
    return row


def path_of(url: str) -> str:
    return urlsplit(url).path


def link_path(app, ref: str, address: str = "intake@center.test", **kwargs) -> str:
    token = pickup.make_token(app.config["SECRET_KEY"], inquiry(app, ref), address, **kwargs)
    return pickup.PATH + token


def press(client, path: str, **headers):
    """Open the page as a browser does, then press its button (the form's own CSRF token)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = dom.find(page, "form")
    assert form["method"] == "post" and "action" not in form  # posts back to the link itself
    return client.post(path, data=dom.values(form, "input", type="hidden"), headers=headers)


def picked(app, ref: str) -> tuple[str | None, str | None]:
    row = inquiry(app, ref)
    return row["picked_up_by"], row["picked_up_at"]


def assert_private_page(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert dom.find(response, "meta", name="robots")["content"] == "noindex"
    cookies = response.headers.getlist("Set-Cookie")
    assert all(cookie.startswith("session=") for cookie in cookies), cookies  # the CSRF token's, nothing else


# ---------------------------------------------------------------- GET shows, POST records once


def test_get_shows_the_reference_the_time_and_one_button_and_never_picks_up(app, client):
    ref = save(app)
    path = link_path(app, ref)
    for _ in range(3):  # a mail scanner, a preview, the person
        page = client.get(path)
        assert page.status_code == 200
        assert_private_page(page)
        assert client.head(path).status_code == 200
    html = page.get_data(as_text=True)
    assert dom.text_of(html, "h1") == f"Inquiry {ref}"
    received = mailer.received_at(dt.datetime.fromisoformat(inquiry(app, ref)["created_at"]), "America/New_York")
    assert f"Received: {received}" in dom.find(html, "main").text
    [button] = dom.find_all(html, "button")
    assert button.text == "I'm contacting them" and button["type"] == "submit"
    assert [f.get("method") for f in dom.find_all(html, "form")] == ["post"]
    for field in ("name", "phone", "email", "insurance", "message"):
        assert REAL[field] not in html, field
    assert picked(app, ref) == (None, None)


def test_post_records_the_pick_up_once_as_the_staff_address_of_the_link(app, client):
    ref = save(app)
    before = time.time()
    path = link_path(app, ref, "Night Nurse <nurse@center.test>")
    hidden = dom.values(client.get(path), "input", type="hidden")
    first = client.post(path, data=hidden)
    assert first.status_code == 200
    assert_private_page(first)
    by, at = picked(app, ref)
    assert by == "nurse@center.test"
    assert ISO_SECONDS.match(at) and before - 1 <= dt.datetime.fromisoformat(at).timestamp() <= time.time()
    main = dom.find(first, "main").text
    assert "It is recorded that nurse@center.test is contacting them" in main
    assert dom.find_all(first, "button") == []

    # Again with the same link, and with a colleague's link from the same email: nothing changes.
    for address in ("nurse@center.test", "intake@center.test"):
        again = client.post(link_path(app, ref, address), data=hidden)
        assert again.status_code == 200
        text = dom.find(again, "main").text
        assert "Already picked up by nurse@center.test" in text and "Nothing was changed" in text
        assert picked(app, ref) == (by, at)
    shown = client.get(link_path(app, ref, "intake@center.test"))
    assert "Already picked up by nurse@center.test" in dom.find(shown, "main").text
    assert dom.find_all(shown, "button") == []


@pytest.mark.parametrize(
    "change",
    [
        {"csrf_token": None},
        {"csrf_token": "forged.token.value"},
        {"headers": {"Origin": "https://evil.example"}},
    ],
    ids=["no-token", "forged-token", "foreign-origin"],
)
def test_a_post_without_a_good_csrf_token_or_from_another_site_records_nothing(app, client, change):
    ref = save(app)
    path = link_path(app, ref)
    data = dom.values(client.get(path), "input", type="hidden")
    if "csrf_token" in change:
        data.pop("csrf_token")
        if change["csrf_token"]:
            data["csrf_token"] = change["csrf_token"]
    response = client.post(path, data=data, headers=change.get("headers", {}))
    assert response.status_code == 400
    assert "Nothing was recorded" in response.get_data(as_text=True)
    assert_private_page(response)
    assert picked(app, ref) == (None, None)


def test_the_pick_up_route_checks_csrf_even_from_a_new_browser(app):
    """A POST straight to the link, as a prefetching scanner might send, has no session: refused."""
    ref = save(app)
    assert app.test_client().post(link_path(app, ref)).status_code == 400
    assert picked(app, ref) == (None, None)


# ---------------------------------------------------------------- tokens that are not good


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


# ---------------------------------------------------------------- the real email, end to end, and privacy


def links_in(message) -> tuple[dict[str, str], list[str]]:
    """The text part's pick-up links by the staff address printed beside each, and the HTML part's."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    text_links = dict(re.findall(r"^I'm contacting them \((\S+)\): (https?://\S+)\r?$", text, flags=re.M))
    html_links = [a["href"] for a in dom.find_all(html, "a") if "/staff/pickup/" in a.get("href", "")]
    return text_links, html_links


def payload_of(url: str) -> dict:
    """The readable part of a link's token."""
    part = path_of(url).rsplit("/", 1)[1].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_emailed_link_works_end_to_end_and_shows_none_of_what_the_visitor_typed(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    marks = {field: canary() for field in ("name", "insurance", "message")}
    email_canary = canary().lower()
    digits = f"{secrets.randbelow(100):02d}"
    typed = {
        **marks,
        "phone": f"202 555 01{digits}",
        "email": f"{email_canary}@example.net",
        "contact_method": "email",
        "voicemail_ok": "no",
        "who": "self",
    }
    secret_pieces = [*marks.values(), email_canary, f"555-01{digits}", f"55501{digits}"]
    with MailServer() as server:
        app = make_app(
            STAFF_EMAILS=STAFF,
            WTF_CSRF_ENABLED=True,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=server.port,
            CONTACT_MIN_SECONDS=0,
            SITE_URL="https://help.center.test",
        )
        visitor = app.test_client()
        hidden = dom.values(visitor.get("/contact"), "input", type="hidden")
        sent = visitor.post("/contact", data={**hidden, **typed})
        assert sent.status_code == 303
        ref = sent.headers["Location"].rsplit("/", 1)[1]
        assert inquiry(app, ref)["spam_reason"] is None
        assert delivery.send_due(app)["sent"] == 1
        [message] = server.inbox.wait_for(ref)
    emailed = message_text(message)
    assert all(piece in emailed for piece in secret_pieces[:-1])  # staff get every word; the page must not
    assert len(message.get_all("Message-ID")) == 1
    assert set(server.inbox.envelope_of(message).rcpt_tos) == {"intake@center.test", "nurse@center.test"}

    text_links, html_links = links_in(message)
    assert list(text_links) == ["intake@center.test", "nurse@center.test"]  # one per staff address
    assert html_links == list(text_links.values())  # the same links in the HTML part
    row = inquiry(app, ref)
    for address, link in text_links.items():
        assert link.startswith("https://help.center.test/staff/pickup/")
        assert payload_of(link) == {"r": ref, "i": row["id"], "to": address}  # nothing the visitor wrote

    staff = app.test_client()
    nurse_link, intake_link = path_of(text_links["nurse@center.test"]), path_of(text_links["intake@center.test"])
    responses = [staff.get(nurse_link), staff.head(nurse_link)]
    assert responses[0].status_code == 200 and ref in responses[0].get_data(as_text=True)
    hidden = dom.values(responses[0], "input", type="hidden")
    responses.append(staff.post(nurse_link, data=hidden))
    responses += [staff.get(intake_link), staff.post(intake_link, data=hidden)]  # a colleague, afterwards
    assert [r.status_code for r in responses] == [200] * 5
    assert picked(app, ref)[0] == "nurse@center.test"
    assert "Already picked up by nurse@center.test" in dom.find(responses[-1], "main").text
    for response in responses:
        seen = response.get_data(as_text=True) + str(response.headers)
        for piece in secret_pieces:
            assert piece not in seen
    # Everything the site logged (the test's own SMTP server logs the whole message it receives).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert f"Inquiry {ref} picked up" in logged  # the log was read
    for piece in secret_pieces:
        assert piece not in logged


# ---------------------------------------------------------------- valid HTML, like every page


def test_the_pick_up_page_is_valid_html_in_each_state(app, client, tmp_path):
    ref = save(app)
    path = link_path(app, ref)
    pages = {"pickup-get": client.get(path).data}
    pages["pickup-recorded"] = press(client, path).data
    pages["pickup-already"] = client.get(path).data
    pages["pickup-not-found"] = client.get(path + "x").data
    pages["pickup-csrf-refused"] = app.test_client().post(path).data
    assert vnu_problems(pages, tmp_path) == []
