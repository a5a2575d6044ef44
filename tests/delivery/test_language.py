"""The staff email of an inquiry sent in Spanish stays in the staff's English and says, in both its
text and HTML parts, to call back in Spanish or with an interpreter; an English one says nothing of
language. Through the real Spanish form and a real SMTP server."""

from __future__ import annotations

import re

from inquiries import delivery, escalation
from tests import html as dom
from tests.delivery.conftest import VISITOR, outbox_row
from tests.smtp import message_text

LINE = "Language: Spanish — call back in Spanish or with an interpreter"


def body_parts(message) -> tuple[str, str]:
    text, html = (message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    return text, html


def html_text(html: str) -> str:
    """The HTML part as staff read it: tags gone, entities decoded, spaces collapsed."""
    return " ".join(dom.parse(html).text.split())


def send_through_the_form(client, form_url: str, **changes) -> str:
    hidden = dom.values(client.get(form_url), "input", type="hidden")
    response = client.post(form_url, data={**hidden, **VISITOR, **changes})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_a_spanish_inquiry_s_staff_email_says_to_call_back_in_spanish(make_app, mail_server, db):
    app = make_app(mail_server.port, WTF_CSRF_ENABLED=False, CONTACT_MIN_SECONDS=0, PICKUP_SECONDS=60)
    client = app.test_client()
    spanish = send_through_the_form(client, "/es/contacto", message="Mi hermano necesita ayuda.")
    english = send_through_the_form(client, "/contact", name="Dana English")
    assert delivery.send_due(app, db)["sent"] == 2

    by_ref = {re.search(r"#(\S+)", str(m["Subject"]))[1]: m for m in mail_server.received}
    text, html = body_parts(by_ref[spanish])
    assert by_ref[spanish]["Subject"] == f"New website inquiry #{spanish}"  # the staff's language
    assert LINE in text.splitlines()
    assert LINE in html_text(html)
    assert "A new inquiry came in through the website." in text and "Mi hermano necesita ayuda." in text
    assert text.index(LINE) < text.index("Reference:")  # read before the phone number

    text, html = body_parts(by_ref[english])
    assert "Language" not in message_text(by_ref[english]) and "Language" not in html
    assert "Spanish" not in text and "interpreter" not in html

    # The reminder that nobody has picked it up is the same email: it says so too.
    created = outbox_row(db, spanish)["created_at"]
    assert spanish in escalation.queue_due(app, db, now=created + 3600)
    delivery.send_due(app, db, now=created + 3600)
    [reminder] = [
        m
        for m in mail_server.received
        if str(m["Subject"]).startswith("Not picked up") and spanish in str(m["Subject"])
    ]
    text, html = body_parts(reminder)
    assert LINE in text.splitlines() and LINE in html_text(html)
