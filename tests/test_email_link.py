"""A visitor's email address can't smuggle recipients into the staff email's reply link."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

import pytest

from inquiries import mailer
from tests import html as dom
from tests.contact_data import HTMX, VALID, contact_app, field_wrapper, post, rows

BCC_TRICK = "jane%40gmail.com?bcc=watcher%40evil.example&x=@example.com"
TRICKS = [
    BCC_TRICK,
    "jane%40gmail.com@example.com",  # percent-decodes to another address
    "jane?cc=x@example.com",
    "jane&body=hi@example.com",
    "100%@example.com",
]
REFUSED = "Enter an email address without %, ? or &amp; before the @, like name@example.com"


@pytest.fixture
def app(make_app):
    return contact_app(make_app, csrf=False)


@pytest.mark.parametrize("address", TRICKS)
def test_an_address_with_a_link_trick_is_refused_and_kept_as_typed(client, app, address):
    response = post(client, email=address, contact_method="email")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    wrapper = field_wrapper(page, "email")
    assert REFUSED in wrapper
    assert dom.find(wrapper, "input", name="email")["value"] == address
    assert f'value="{html.escape(address)}"' in wrapper
    assert rows(app) == []
    fragment = client.post("/contact/validate/email", data={**VALID, "email": address}, headers=HTMX)
    assert REFUSED in fragment.get_data(as_text=True)


@pytest.mark.parametrize(
    "address", ["dana+intake@example.net", "o'brien@example.ie", "Dana@Example.NET", "dana@bücher.de"]
)
def test_ordinary_addresses_still_pass(client, app, address):
    assert post(client, email=address, contact_method="email").status_code == 303
    assert rows(app)[0]["email"].lower() == address.lower()


def staff_email(app, email: str):
    inquiry = {"ref": "K7Q2-M9XD", "created_at": "2026-01-02T03:04:05+00:00", "name": "Jane", "email": email}
    with app.app_context():
        return mailer.compose(inquiry | {"message": "Please write back."}, "<inquiry-K7Q2-M9XD.ab@center.test>")


def mailto_links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(mailto:[^"]*)"', page)]


@pytest.mark.parametrize(
    ("given", "link", "address"),
    [
        ("dana@example.net", "mailto:dana@example.net", "dana@example.net"),
        ("Dana+Intake@Example.NET", "mailto:Dana%2BIntake@example.net", "Dana+Intake@example.net"),
        ("o'brien@example.ie", "mailto:o%27brien@example.ie", "o'brien@example.ie"),
        ("dana@bücher.de", "mailto:dana@b%C3%BCcher.de", "dana@bücher.de"),
    ],
)
def test_the_reply_link_is_the_normalized_address_percent_encoded(app, given, link, address):
    message = staff_email(app, given)
    [href] = mailto_links(message.html)
    assert href == link
    parts = urlsplit(href)
    assert parts.query == "" and parts.fragment == "" and unquote(parts.path) == address
    assert message.reply_to == address


def test_an_address_stored_with_a_trick_gets_no_link_and_no_reply_to(app):
    """Inquiries stored before the form refused them: staff see the text, nothing to click."""
    message = staff_email(app, BCC_TRICK)
    assert mailto_links(message.html) == []
    assert message.reply_to is None
    assert html.escape(BCC_TRICK) in message.html and f"Email: {BCC_TRICK}" in message.body
