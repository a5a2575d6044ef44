"""The contact form as a visitor meets it: without JavaScript, with htmx, and when something is wrong.

CSRF is off in this module (tests/test_contact_abuse.py turns it on); everything else is real.
"""

from __future__ import annotations

import logging
import re
import time

import pytest
from flask import template_rendered

from inquiries import store
from inquiries.db import connect
from tests import content_checks as checks
from tests import html as dom

VALID = {
    "name": "Sam",
    "phone": "202 555 0123",
    "email": "",
    "contact_method": "call",
    "voicemail_ok": "no",
    "who": "loved_one",
    "insurance": "Aetna",
    "message": "My brother needs help.",
}
HTMX = {"HX-Request": "true"}


def contact_app(make_app, *, csrf: bool):
    """An app from ``make_app`` with a generous rate limit, so each test checks one thing."""
    return make_app(WTF_CSRF_ENABLED=csrf, CONTACT_RATE_LIMIT="100000 per hour")


@pytest.fixture
def app(make_app):
    """CSRF off: these tests are about the form itself (tests/test_contact_abuse.py turns it on)."""
    return contact_app(make_app, csrf=False)


def hidden_fields(client) -> dict[str, str]:
    """The hidden inputs of a freshly shown form (key, timer, token), as a browser would send them."""
    return dom.values(client.get("/contact"), "input", type="hidden")


def post(client, headers=None, **changes):
    """POST the contact form: a valid inquiry with ``changes`` applied."""
    return client.post("/contact", data={**hidden_fields(client), **VALID, **changes}, headers=headers or {})


def rows(app, table="inquiries"):
    db = connect(app.config["DATABASE"])
    try:
        return list(db[table].rows)
    finally:
        db.conn.close()


def field_element(html: str, name: str) -> dom.Element:
    """The ``<div class="field" id="field-NAME">…</div>`` of one field."""
    wrapper = dom.find(html, "div", id=f"field-{name}")
    assert wrapper["class"].split()[0] == "field", wrapper
    return wrapper


def field_wrapper(html: str, name: str) -> str:
    """The ``<div class="field" id="field-NAME">…</div>`` of one field, exactly as rendered."""
    return field_element(html, name).source


# --- The page ---------------------------------------------------------------------------------


def test_page_follows_the_dom_contract(client):
    html = client.get("/contact").get_data(as_text=True)
    form = dom.find(html, "form", id="contact-form")
    assert (form["method"], form["action"], form["novalidate"]) == ("post", "/contact", "")
    for name in store.FIELDS:
        assert dom.find(html, "div", id=f"field-{name}")["class"] == "field"
        assert dom.find(html, id=name)["name"] == name
    for radio in ("contact_method-text", "contact_method-email", "voicemail_ok-no", "who-loved_one"):
        assert dom.find(html, id=radio)
    for hidden in ("submission_key", "rendered_at"):  # and csrf_token, when CSRF is on
        assert dom.find(html, name=hidden)["type"] == "hidden"
    send = dom.find(html, "button", id="send")
    assert send.attrs == {"id": "send", "class": "btn send", "type": "submit"} and send.text == "Send"
    assert dom.find(html, "p", id="send-status")["role"] == "status"
    assert dom.find(html, "textarea", name="message")["maxlength"] == "2000" and "Up to 2,000 characters" in html
    assert any(a.attrs == {"href": "/privacy"} for a in dom.find_all(html, "a")) and "What happens next" in html


def test_page_asks_nothing_it_must_not(client):
    html = client.get("/contact").get_data(as_text=True).lower()
    controls = [e for e in dom.find_all(html, name=True) if e.tag in ("input", "textarea", "select")]
    assert {control["name"] for control in controls} == {*store.FIELDS, "submission_key", "rendered_at", "website_url"}
    without_hints = html
    for hint in dom.find_all(html, "p", class_="hint"):
        without_hints = without_hints.replace(hint.source, "")
    for words in ("date of birth", "social security", "ssn", "member id"):
        assert not any(label.get("for", "").startswith(words) for label in dom.find_all(html, "label"))
        assert words not in without_hints


def test_htmx_is_loaded_deferred_from_our_origin_and_configured_for_a_strict_csp(client):
    html = client.get("/contact").get_data(as_text=True)
    # One deferred script of ours; it loads the pinned htmx from our origin once the page has painted.
    script = dom.find(html, "script")
    assert sorted(script.attrs) == ["data-htmx", "defer", "src"] and script["defer"] == "" and script.text == ""
    assert re.fullmatch(r"/static/contact\.[0-9a-f]{10}\.js", script["src"])
    assert re.fullmatch(r"/static/htmx-2\.0\.11\.min\.[0-9a-f]{10}\.js", script["data-htmx"])
    assert html.count("<script") == 1
    meta = dom.find(html, "meta", name="htmx-config")
    assert sorted(meta.attrs) == ["content", "name"]
    config = meta["content"]
    for setting in ('"includeIndicatorStyles":false', '"allowEval":false', '"historyRestoreAsHxRequest":false'):
        assert setting in config
    assert '"timeout":15000' in config
    assert dom.find(html, "form", id="contact-form")["data-hx-history"] == "false"
    assert not re.search(r"\shx-", html), "use the data-hx-* spelling"
    assert "hx-on" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"
    assert "<style" not in html and " style=" not in html


def test_field_validation_is_wired_on_change_and_synced_with_the_form(client):
    html = client.get("/contact").get_data(as_text=True)
    wrapper = field_element(html, "email")
    for attribute, value in (
        ("data-hx-post", "/contact/validate/email"),
        ("data-hx-trigger", "change"),
        ("data-hx-target", "this"),
        ("data-hx-swap", "outerHTML"),
        ("data-hx-sync", "closest form:abort"),
    ):
        assert wrapper[attribute] == value


def test_contact_responses_are_private_and_vary_on_htmx(client):
    response = client.get("/contact")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_honeypot_is_hidden_from_people_screen_readers_and_autofill(client):
    html = client.get("/contact").get_data(as_text=True)
    trap = dom.find(html, "div", class_="hp")
    assert trap.attrs == {"class": "hp", "aria-hidden": "true"}
    field = trap.find("input", name="website_url")
    assert field["autocomplete"] == "off" and field["tabindex"] == "-1"
    [stylesheet] = [link["href"] for link in dom.find_all(html, "link", rel="stylesheet")]
    assert re.fullmatch(r"/static/site\.[0-9a-f]+\.css", stylesheet)
    css = client.get(stylesheet).get_data(as_text=True)
    assert re.search(r"\.hp\{position:absolute;left:-9999px", css)


# --- Sending, without JavaScript --------------------------------------------------------------


def test_valid_inquiry_is_stored_with_its_email_then_redirected(client, app):
    response = post(client, email="sam@example.com")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/contact/thanks/[2-9A-Z]{4}-[2-9A-Z]{4}", location)
    [row] = rows(app)
    assert row["ref"] == location.rsplit("/", 1)[1]
    assert row["name"] == "Sam" and row["phone"] == "+1 202-555-0123" and row["email"] == "sam@example.com"
    assert (row["contact_method"], row["voicemail_ok"], row["who"]) == ("call", "no", "loved_one")
    assert row["emailed"] == 1
    [message] = rows(app, "outbox")
    assert message["status"] == "pending" and message["inquiry_id"] == row["id"]


def test_thanks_page_shows_the_reference_next_steps_and_crisis_lines_but_nothing_typed(client):
    location = post(client, name="Jordan Q", message="Private words about fentanyl").headers["Location"]
    ref = location.rsplit("/", 1)[1]
    response = client.get(location)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert dom.find(html, "h1").children[0].startswith("Thank you")
    shown = dom.find(html, "strong", id="ref")
    assert shown.attrs == {"id": "ref", "class": "ref"} and shown.children == [ref]
    assert "will call you back" in html and "24 hours a day" in html
    for number in ("911", "988", "1-800-662-4357"):
        assert number in html
    assert "Jordan" not in html and "fentanyl" not in html and "202" not in html
    assert dom.find(html, "main", id="main").find_all("a", href="/what-to-expect")
    assert checks.phone_problems(html) == []


def test_someone_else_with_the_thanks_url_learns_nothing_about_the_inquiry(app, client):
    location = post(client, contact_method="text").headers["Location"]
    assert "will text you back" in client.get(location).get_data(as_text=True)
    stranger = app.test_client().get(location).get_data(as_text=True)
    assert "the way you asked" in stranger and "text you" not in stranger


@pytest.mark.parametrize("ref", ["ABCD-EFGH", "not-a-ref", "abcd-efgh", "0000-0000"])
def test_unknown_reference_is_a_friendly_404(client, ref):
    response = client.get(f"/contact/thanks/{ref}")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_repeat_of_the_same_submission_gives_the_same_confirmation_and_one_row(client, app):
    form = {**hidden_fields(client), **VALID}
    first = client.post("/contact", data=form)
    again = client.post("/contact", data=form)
    by_htmx = client.post("/contact", data=form, headers=HTMX)
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Location"].endswith("/" + dom.find(by_htmx, id="ref").children[0])
    assert len(rows(app)) == 1 and len(rows(app, "outbox")) == 1


def test_same_key_with_changed_answers_is_a_new_inquiry_not_a_lost_one(client, app):
    """The Back button can restore the form, hidden key and all, and the visitor may add to it."""
    form = {**hidden_fields(client), **VALID}
    first = client.post("/contact", data=form)
    second = client.post("/contact", data={**form, "message": VALID["message"] + " Also: mornings are best."})
    assert first.headers["Location"] != second.headers["Location"]
    assert [row["message"] for row in rows(app)] == [VALID["message"], VALID["message"] + " Also: mornings are best."]


def test_message_of_exactly_the_limit_is_accepted_counting_a_line_break_once(client, app):
    message = "x" * 1000 + "\r\n" + "y" * 999  # 2,000 characters as the browser counts them
    assert post(client, message=message).status_code == 303
    assert rows(app)[0]["message"] == message.replace("\r\n", "\n")


# --- Errors, without JavaScript ---------------------------------------------------------------

ERRORS = [
    ({"name": ""}, "name", "Enter your name"),
    ({"name": "Sam\nBcc: x@example.com"}, "name", "Your name must be on one line"),
    ({"name": "S" * 101}, "name", "Your name must be 100 characters or fewer"),
    ({"phone": "12345"}, "phone", "Enter a phone number with its area code"),
    ({"phone": "call me maybe"}, "phone", "Enter a phone number with its area code"),
    ({"phone": "202 555 0123\r\n"}, None, None),
    ({"phone": "202 555\r\n0123"}, "phone", "Phone number must be on one line"),
    ({"phone": "", "email": ""}, "phone", "Enter your phone number, or choose another way"),
    ({"phone": "", "email": "", "contact_method": ""}, "phone", "Enter a phone number or an email address"),
    ({"email": "not an address"}, "email", "Enter an email address like name@example.com"),
    ({"email": "a@b.c\nBcc: x@y.z"}, "email", "Email address must be on one line"),
    ({"contact_method": "email"}, "email", "Enter your email address, or choose another way"),
    ({"contact_method": ""}, "contact_method", "Choose how we should reach you"),
    ({"contact_method": "fax"}, "contact_method", "Choose how we should reach you"),
    ({"who": "everyone"}, "who", "Choose one of the options"),
    ({"voicemail_ok": "maybe"}, "voicemail_ok", "Choose one of the options"),
    ({"insurance": "Aetna\r\nX"}, "insurance", "Insurance company must be on one line"),
    ({"message": "   "}, "message", "Tell us how we can help"),
    ({"message": "x" * 2001}, "message", "Your message must be 2,000 characters or fewer"),
]


@pytest.mark.parametrize(("changes", "field", "message"), ERRORS)
def test_each_mistake_is_explained_next_to_its_field_and_in_the_summary(client, app, changes, field, message):
    response = post(client, **changes)
    if field is None:
        assert response.status_code == 303
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<title>Error: Contact us \|", html)
    summary = dom.find(html, "div", id="error-summary")
    assert (summary["class"], summary["tabindex"], summary["role"]) == ("error-summary", "-1", "alert")
    assert summary.find("h2").text.endswith("There is a problem")
    links = summary.find_all("a", href=f"#{field}")
    assert any(link.attrs == {"href": f"#{field}"} and link.text.startswith(message) for link in links)
    wrapper = field_element(html, field)
    error = wrapper.find("p", id=f"{field}-error")
    assert error.attrs == {"class": "error", "id": f"{field}-error"}
    hidden, after = error.children[:2]
    assert (hidden.tag, hidden.attrs, hidden.children) == ("span", {"class": "visually-hidden"}, ["Error:"])
    assert after.startswith(f" {message}")
    control = wrapper.find(id=field)
    assert control.tag in ("input", "textarea")
    assert control["aria-invalid"] == "true"
    assert f"{field}-error" in control["aria-describedby"].split()
    assert rows(app) == []


def test_everything_typed_is_kept_and_escaped_on_error(client):
    html = post(client, name='<script>alert("x")</script>', message="Line one\nLine <two>", phone="bad").get_data(
        as_text=True
    )
    assert dom.find(html, "input", name="name")["value"] == '<script>alert("x")</script>'
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html
    assert dom.text_of(html, "textarea", name="message") == "Line one\nLine <two>"
    assert "Line one\nLine &lt;two&gt;</textarea>" in html
    assert dom.find(html, "input", name="phone")["value"] == "bad"
    assert '<script>alert("x")' not in html
    chosen = dom.find(html, "input", id="contact_method")
    assert (chosen["name"], chosen["value"], chosen.get("checked")) == ("contact_method", "call", "")


def test_submission_key_and_timer_are_kept_when_the_form_comes_back(client):
    hidden = hidden_fields(client)
    html = client.post("/contact", data={**hidden, **VALID, "name": ""}).get_data(as_text=True)
    kept = dom.values(html, "input", type="hidden")
    assert kept["submission_key"] == hidden["submission_key"]
    assert kept["rendered_at"] == hidden["rendered_at"]


def test_a_missing_or_odd_submission_key_is_replaced_not_an_error(client, app):
    assert client.post("/contact", data={**VALID, "submission_key": "'; DROP TABLE"}).status_code == 303
    assert client.post("/contact", data=VALID).status_code == 303
    assert len({row["submission_key"] for row in rows(app)}) == 2


# --- With htmx --------------------------------------------------------------------------------


def test_htmx_success_swaps_in_the_confirmation(client, app):
    response = post(client, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#main"
    assert response.headers["HX-Reswap"].startswith("innerHTML")
    assert "<html" not in html and "<title>Thank you |" in html
    heading = dom.find(html, "h1", id="thanks-heading")
    assert heading.attrs == {"id": "thanks-heading", "tabindex": "-1"} and heading.children[0].startswith("Thank you")
    [ref] = dom.find(html, id="ref").children
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", ref)
    assert "will call you back" in html
    assert "HX-Request" in response.headers["Vary"] and response.headers["Cache-Control"] == "no-store"
    assert len(rows(app)) == 1


def test_htmx_errors_come_back_as_the_form_area_with_200(client):
    response = post(client, headers=HTMX, name="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert html.lstrip().startswith("<title>Error: Contact us |")
    assert dom.find(html, id="error-summary") and dom.find(html, "form", id="contact-form")


def test_history_restore_gets_the_whole_page(client):
    response = client.get("/contact", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


# --- One field at a time ----------------------------------------------------------------------


@pytest.mark.parametrize("field", store.FIELDS)
def test_validation_partial_is_the_field_wrapper_only(client, field):
    response = client.post(f"/contact/validate/{field}", data={**VALID, field: ""}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith(field_element(html, field).source)
    assert "<html" not in html and "<title" not in html and "<form" not in html
    assert len(response.data) < 2048
    assert response.headers["Cache-Control"] == "no-store"


def test_validation_partial_shows_the_error_then_clears_it_once_fixed(client):
    bad = client.post("/contact/validate/email", data={**VALID, "email": "nope"}, headers=HTMX)
    assert "Enter an email address like name@example.com" in bad.get_data(as_text=True)
    good = client.post("/contact/validate/email", data={**VALID, "email": "sam@example.com"}, headers=HTMX)
    html = good.get_data(as_text=True)
    assert 'class="error"' not in html and "aria-invalid" not in html
    assert dom.find(html, "input", name="email")["value"] == "sam@example.com"


@pytest.mark.parametrize("changes", [{"phone": "12345"}, {"name": "", "contact_method": "", "message": "x" * 2001}])
def test_partial_and_page_come_from_the_same_macro(app, client, changes):
    """Same template, and byte for byte the same wrapper as the full page shows after Send, for every
    field of the page, with a mistake or without."""
    data = {**VALID, **changes}
    page = client.post("/contact", data=data).get_data(as_text=True)
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    for name in store.FIELDS:
        seen.clear()
        with template_rendered.connected_to(record, app):
            partial = client.post(f"/contact/validate/{name}", data=data, headers=HTMX).get_data(as_text=True)
        assert seen == ["contact/_field.html"]
        assert field_wrapper(page, name) == partial.strip(), name
    assert {name for name in store.FIELDS if field_element(page, name)["class"] == "field has-error"} == (
        {"phone"} if "phone" in changes else {"name", "contact_method", "message"}
    )


@pytest.mark.parametrize("field", ["website_url", "csrf_token", "submission_key", "nope", "__class__"])
def test_validation_of_an_unknown_field_is_a_404_page(client, field):
    response = client.post(f"/contact/validate/{field}", data=VALID, headers=HTMX)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# --- Spam defences ----------------------------------------------------------------------------


def test_filled_honeypot_is_stored_with_its_reason_but_not_emailed(client, app):
    response = post(client, website_url="http://spam.example")
    assert response.status_code == 303  # the sender sees the normal confirmation
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    [row] = rows(app)
    assert row["spam_reason"] == "honeypot filled" and row["emailed"] == 0
    assert rows(app, "outbox") == []


def test_a_form_sent_too_fast_is_flagged_but_still_emailed(client, app):
    app.config["CONTACT_MIN_SECONDS"] = 60
    assert post(client).status_code == 303
    [row] = rows(app)
    assert row["spam_reason"].startswith("possible spam: sent") and row["emailed"] == 1
    assert len(rows(app, "outbox")) == 1


def test_a_forged_or_missing_timer_is_flagged_but_still_emailed(client, app):
    assert post(client, rendered_at="MTc5.forged").status_code == 303
    assert client.post("/contact", data={**VALID, "submission_key": "k" * 20}).status_code == 303
    assert [r["spam_reason"] for r in rows(app)] == ["possible spam: form timer missing or forged"] * 2
    assert len(rows(app, "outbox")) == 2


def test_a_person_who_took_their_time_is_not_flagged(client, app, monkeypatch):
    hidden = hidden_fields(client)
    later = time.time() + app.config["CONTACT_TOKEN_SECONDS"] - 60  # hours later, the form still good
    monkeypatch.setattr("inquiries.spam.time.time", lambda: later)
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303
    assert rows(app)[0]["spam_reason"] is None


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_expired_timer_is_not_spam_but_a_second_chance_with_every_word(client, app, monkeypatch, headers):
    app.config["CONTACT_MIN_SECONDS"] = 60
    hidden = hidden_fields(client)
    later = time.time() + app.config["CONTACT_TOKEN_SECONDS"] + 60
    monkeypatch.setattr("inquiries.spam.time.time", lambda: later)
    data = {**hidden, **VALID, "message": "Words I must not lose <3"}
    response = client.post("/contact", data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == (200 if headers else 400)
    assert "this form expires after a while" in html and "please press Send again" in html
    assert dom.text_of(html, "textarea", name="message") == "Words I must not lose <3"
    assert "Words I must not lose &lt;3</textarea>" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"
    kept = dom.values(html, "input", type="hidden")
    assert kept["submission_key"] == hidden["submission_key"]
    assert rows(app) == [] and rows(app, "outbox") == []
    fresh = kept["rendered_at"]
    assert fresh
    assert fresh != hidden["rendered_at"]
    # Pressing Send again at once is a person who has spent long on the form, not a fast robot.
    assert client.post("/contact", data={**data, "rendered_at": fresh}, headers=headers).status_code in (200, 303)
    [row] = rows(app)
    assert row["spam_reason"] is None and row["message"] == "Words I must not lose <3"
    assert len(rows(app, "outbox")) == 1


# --- Limits -----------------------------------------------------------------------------------


def test_rate_limit_keeps_the_words_and_shows_the_phone(app, client):
    app.config["CONTACT_RATE_LIMIT"] = "2 per hour"
    assert post(client, name="").status_code == 422  # mistakes do not use up the limit
    assert post(client).status_code == 303
    assert post(client, contact_method="text").status_code == 303
    response = post(client, message="Please call me about my son")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert dom.text_of(html, "textarea", name="message") == "Please call me about my son"
    assert 'href="tel:+15550100199"' in html and "several messages from your connection" in html
    assert html.count("<title>Error: ") == 1
    assert len(rows(app)) == 2
    by_htmx = post(client, headers=HTMX)
    assert by_htmx.status_code == 429 and "<html" not in by_htmx.get_data(as_text=True)


def test_huge_body_gets_a_friendly_413(client, app):
    response = client.post("/contact", data={**VALID, "message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Back button" in html and 'href="tel:+15550100199"' in html
    by_htmx = client.post("/contact", data={**VALID, "message": "x" * 70_000}, headers=HTMX)
    assert by_htmx.status_code == 413
    assert by_htmx.headers["HX-Retarget"] == "#send-status"
    assert "still here" in by_htmx.get_data(as_text=True)
    assert rows(app) == []


def test_form_contents_never_reach_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    post(client, name="Ellery Secretname", message="unique-words-about-relapse")
    post(client, name="", message="unique-words-about-relapse")
    client.post("/contact/validate/name", data={"name": "Ellery Secretname"}, headers=HTMX)
    assert "Secretname" not in caplog.text and "relapse" not in caplog.text
