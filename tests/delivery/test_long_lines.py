"""The longest answers the form takes reach staff through a real SMTP server, intact, in lines SMTP allows."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from inquiries import db as dbmod
from inquiries import delivery, mailer
from inquiries.forms import MESSAGE_MAX
from tests.delivery.conftest import VISITOR, outbox_row
from tests.delivery.test_end_to_end import form_data
from tests.live_site import browser_session, live_server, request
from tests.servers import wait_for

SMTP_LINE_LIMIT = 998  # RFC 5321 4.5.3.1.6 / RFC 5322 2.1.1, without the CRLF
RECOMMENDED_LINE = 78  # RFC 5322 2.1.1: lines SHOULD be no longer


def longest(text: str, size: int) -> str:
    """``text`` repeated to exactly ``size`` characters, with no space at either end (the form strips them)."""
    value = (text * (size // len(text) + 1))[:size]
    return value[:-1] + "." if value.endswith(" ") else value


# One line, no break: accents, Cyrillic, CJK, an emoji (4 bytes in UTF-8), and characters HTML must escape.
MESSAGE = longest("Ayúdenme por favor — мой брат болен, 我需要帮助 🙏 <b>&amp;</b> 'now' ", MESSAGE_MAX)
NAME = longest("Zoë-Łucja Ñúñez ", 100)
# The longest address email-validator allows: 64-character local part, 254 characters in all.
EMAIL = "d" * 64 + "@" + ".".join(["e" * 63, "f" * 63, "g" * 57, "net"])


def test_the_longest_one_line_message_is_delivered_once_and_intact(make_app, mail_server, db):
    assert len(MESSAGE) == MESSAGE_MAX and "\n" not in MESSAGE and len(EMAIL) == 254
    app = make_app(mail_server.port, WTF_CSRF_ENABLED=False, CONTACT_MIN_SECONDS=0, RATELIMIT_ENABLED=False)
    client = app.test_client()
    data = {**form_data(client), "message": MESSAGE, "name": NAME, "email": EMAIL, "contact_method": "email"}
    response = client.post("/contact", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    ref = response.headers["Location"].rsplit("/", 1)[1]

    assert delivery.send_due(app, db) == {"sent": 1, "retry": 0, "dead": 0}
    assert mail_server.handler.attempts == 1 and len(mail_server.received) == 1
    assert outbox_row(db, ref)["status"] == "sent"

    raw = mail_server.handler.envelopes[0].content
    head, _, body = raw.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) <= SMTP_LINE_LIMIT
    assert max(len(line) for line in body.split(b"\r\n")) <= RECOMMENDED_LINE
    assert raw.isascii()  # no 8-bit data: a server without 8BITMIME takes it too

    message = mail_server.received[0]
    assert message["Reply-To"] == EMAIL
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    page = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert f"Their message:\n{MESSAGE}\n" in text
    assert f"Name: {NAME}\n" in text and f"Email: {EMAIL}\n" in text
    shown = re.search(r'<div style="white-space: pre-wrap;">(.*?)</div>', page, re.S).group(1)
    assert html.unescape(shown) == MESSAGE
    assert html.escape(NAME, quote=True) in page


def test_short_ascii_parts_stay_readable(make_app, mail_server, db):
    """Quoted-printable leaves plain ASCII lines as they are: the raw message is still readable text."""
    app = make_app(mail_server.port, WTF_CSRF_ENABLED=False, CONTACT_MIN_SECONDS=0, RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert client.post("/contact", data=form_data(client)).status_code == 303
    assert delivery.send_due(app, db)["sent"] == 1
    raw = mail_server.handler.envelopes[0].content.decode("ascii")
    assert "Content-Transfer-Encoding: quoted-printable" in raw
    assert "Name: Dana\r\n" in raw and VISITOR["message"].split("\n")[0] in raw


def test_no_line_of_a_flagged_email_to_many_staff_passes_the_limit(make_app):
    """Headers: the flagged subject, many staff addresses and the longest Reply-To all stay within SMTP's limit."""
    staff = [f"{'s' * 50}{i}@center.test" for i in range(40)]
    app = make_app(STAFF_EMAILS=staff)
    inquiry = {"ref": "K7Q2-M9XD", "created_at": "2026-01-02T03:04:05+00:00", "name": NAME, "email": EMAIL}
    inquiry |= {"message": MESSAGE, "spam_reason": "possible spam: " + longest("très rapide ", 300)}
    with app.app_context():
        raw = mailer.compose(inquiry, "<inquiry-K7Q2-M9XD.ab@center.test>").as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= SMTP_LINE_LIMIT
    assert raw.isascii()


@pytest.mark.slow
def test_through_the_server_the_longest_message_reaches_staff_once_and_intact(tmp_path, mail_server):
    """The same, as a visitor sends it: the production server, CSRF on, its own sender thread."""
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mail_server.port, "STAFF_EMAILS": ["intake@center.test"]}
    with live_server(tmp_path, OUTBOX_WORKER=True, **mail) as (port, _):
        hidden, headers = browser_session(port)
        form = {**hidden, **VISITOR, "message": MESSAGE, "name": NAME}
        status, answer, _ = request(port, "POST", "/contact", urlencode(form), headers)
        assert status == 303
        assert wait_for(lambda: mail_server.received, timeout=20)
        # Sent after one claim: no sender (one in each worker) can take it again, so no retry, no copy.
        ref = answer["Location"].rsplit("/", 1)[1]
        db = dbmod.connect(tmp_path / "site.db")
        try:
            assert wait_for(lambda: outbox_row(db, ref)["status"] == "sent", timeout=20)
            assert outbox_row(db, ref)["attempts"] == 1
        finally:
            db.conn.close()
    assert mail_server.handler.attempts == 1 and len(mail_server.received) == 1
    [message] = mail_server.received
    assert message["Subject"].startswith("New website inquiry #" + answer["Location"].rsplit("/", 1)[1])
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"Their message:\n{MESSAGE}\n" in text and f"Name: {NAME}\n" in text
