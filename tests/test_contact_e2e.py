"""From the form to the staff inbox: a real POST (CSRF on), then one run of the sender, into aiosmtpd."""

from __future__ import annotations

import pytest

from inquiries import delivery
from tests import html as dom
from tests.contact_data import VALID
from tests.smtp import MailServer

STAFF = "intake@center.test"


@pytest.fixture
def inbox():
    """A real SMTP server; ``inbox.received`` is what it accepted."""
    with MailServer() as server:
        yield server


@pytest.fixture
def app(make_app, inbox):
    return make_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_TIMEOUT=5, STAFF_EMAILS=[STAFF], CONTACT_MIN_SECONDS=0
    )


def send(client, **changes):
    hidden = dom.values(client.get("/contact"), "input", type="hidden")
    form = {**hidden, **VALID, **changes}
    return client.post("/contact", data=form), form


def test_one_valid_inquiry_makes_exactly_one_email(app, client, inbox):
    message_text = 'My son uses. <script>alert("x")</script> Please text after 6pm.'
    response, form = send(client, email="Dana@Example.NET", message=message_text)
    ref = response.headers["Location"].rsplit("/", 1)[1]
    client.post("/contact", data=form)  # a double tap: still one inquiry
    assert delivery.send_due(app)["sent"] == 1
    assert delivery.send_due(app)["sent"] == 0
    [mail] = inbox.received
    assert mail["Subject"] == f"New website inquiry #{ref}"
    assert mail["To"] == STAFF and mail["Reply-To"] == "Dana@example.net"
    text = mail.get_body(("plain",)).get_content()
    assert "Please text after 6pm" in text and "+1 202-555-0123" in text
    html = mail.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_a_honeypot_inquiry_is_kept_but_never_emailed(app, client, inbox):
    response, _ = send(client, website_url="https://spam.example")
    assert response.status_code == 303
    assert delivery.send_due(app)["sent"] == 0
    assert inbox.received == []


def test_a_too_fast_inquiry_still_reaches_staff_marked_as_possible_spam(app, client, inbox):
    app.config["CONTACT_MIN_SECONDS"] = 60
    send(client)
    assert delivery.send_due(app)["sent"] == 1
    [mail] = inbox.received
    assert mail["Subject"].endswith("(possible spam)")
