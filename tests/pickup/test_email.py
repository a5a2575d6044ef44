"""The pick-up link in the real staff email, end to end, with nothing the visitor typed on the page or in the link."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets

from inquiries import delivery
from tests import html as dom
from tests.pickup.steps import STAFF, inquiry, path_of, picked
from tests.smtp import MailServer, message_text
from tests.staff_data import canary


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
