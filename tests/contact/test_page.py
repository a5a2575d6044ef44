"""The contact page as a visitor meets it, and its fields validated one at a time (htmx)."""

from __future__ import annotations

import re

import pytest
from flask import template_rendered

from inquiries import store
from tests import html as dom
from tests.contact_data import HTMX, VALID, field_element, field_wrapper


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
    # contact.js takes the button's words from it: they are the page's language.
    assert send.attrs == {
        "id": "send",
        "class": "btn send",
        "type": "submit",
        "data-send": "Send",
        "data-sending": "Sending…",
    }
    assert send.text == "Send"
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
