"""Sending the contact form, without JavaScript and with htmx, and what comes back when something is wrong."""

from __future__ import annotations

import re

import pytest

from tests import html as dom
from tests import phone_checks
from tests.contact_data import HTMX, VALID, field_element, hidden_fields, post, rows


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
    assert phone_checks.phone_problems(html) == []


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
