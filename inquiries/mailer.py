"""The staff email: composed with Flask-Mail from ``templates/email/``, sent through ``inquiries.smtp``.

Flask-Mail builds the message; its own ``Connection`` is not used (no timeout, unverified TLS), and
its text parts are replaced by ones SMTP can always carry (see :func:`text_part`).
"""

from __future__ import annotations

import datetime as dt
import ssl
from email import charset as email_charset
from email.mime.text import MIMEText
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_mail import Message, sanitize_address, sanitize_addresses

from inquiries import addresses, pickup, words
from inquiries.smtp import DeliveryError, classify, open_smtp, quit_quietly

__all__ = ["DeliveryError", "StaffMessage", "compose", "send", "text_part"]


def text_part(text: str, subtype: str = "plain") -> MIMEText:
    """A UTF-8 text part in quoted-printable or base64, whichever is shorter: never a line over 76.

    Flask-Mail 0.10 registers UTF-8 bodies as 8bit (``charset.add_charset(..., None, ...)``), which
    sends each paragraph as one line: a message of about 960 characters without a line break goes
    past SMTP's 998-character line limit and the server refuses it ("500 Line too long"). Both
    encodings wrap lines and are 7-bit, so a server without 8BITMIME takes the message too.
    """
    parts = []
    for encoding in (email_charset.QP, email_charset.BASE64):
        utf8 = email_charset.Charset("utf-8")
        utf8.body_encoding = encoding
        parts.append(MIMEText(text, _subtype=subtype, _charset=utf8))
    return min(parts, key=lambda part: len(part.get_payload()))


class StaffMessage(Message):
    """Flask-Mail's message, with every text part built by :func:`text_part`."""

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        return text_part(text or "", subtype)


def compose(
    inquiry: dict[str, Any], message_id: str, *, recipients: list[str] | None = None, waited_minutes: int | None = None
) -> Message:
    """The staff email for one inquiry (call inside an app context), with an "I'm contacting
    them" link for each address it goes to (``inquiries.pickup``).

    The Message-ID, Date and links come from the stored rows, so a retry sends the very same message.
    ``waited_minutes`` makes it the escalation: the same inquiry, to ``recipients``, saying that
    nobody has picked it up in that time; its links name those addresses.
    """
    config = current_app.config
    created = dt.datetime.fromisoformat(inquiry["created_at"])
    address = reply_to(inquiry.get("email"))
    staff = recipients or staff_addresses(config)
    context = {
        "inquiry": inquiry,
        "ref": inquiry["ref"],
        "received": received_at(created, config["SITE_TIMEZONE"]),
        "labels": words.LABELS,
        "answers": words.email_answers(inquiry),
        "language_note": words.language_note(inquiry.get("language")),
        "reply_to": address,
        "reply_link": addresses.mailto(address) if address else None,
        "spam_reason": spam_note(inquiry.get("spam_reason")),
        "waited_minutes": waited_minutes,
        # One message goes to every address, so it lists one pick-up link per address, each
        # naming its own: whoever presses theirs is recorded as the one calling back.
        "pickup_links": pickup.links(config, inquiry, staff),
        "pickup_action": words.PICKUP_ACTION,
    }
    subject = f"New website inquiry #{inquiry['ref']}"
    if waited_minutes is not None:
        subject = f"Not picked up after {waited_minutes} minutes: website inquiry #{inquiry['ref']}"
    if inquiry.get("spam_reason"):
        subject += " (possible spam)"
    message = StaffMessage(
        subject=subject,
        recipients=staff,
        body=render_template("email/inquiry.txt", **context),
        html=render_template("email/inquiry.html", **context),
        sender=config["MAIL_DEFAULT_SENDER"],
        reply_to=context["reply_to"],
        date=created.timestamp(),
    )
    message.msgId = message_id
    return message


def staff_addresses(config: dict[str, Any]) -> list[str]:
    """``STAFF_EMAILS``; on a demo install without any, the site's public address (the local sink)."""
    staff = config.get("STAFF_EMAILS") or []
    if isinstance(staff, str):
        staff = [staff]
    return list(staff) or [config["SITE_EMAIL"]]


def reply_to(email: str | None) -> str | None:
    """The visitor's address, normalised, if it is a valid one; otherwise no Reply-To at all.

    An address with a non-ASCII local part (``josé@…``) is left out of the header: Flask-Mail cannot
    encode it, and staff still see it in the body. So is one with ``%``, ``?`` or ``&`` before the
    ``@`` (stored before the form refused them): its reply link could add recipients.
    """
    if not email:
        return None
    try:
        normalized = validate_email(email, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        return None
    return None if addresses.has_link_tricks(normalized) else normalized


def received_at(when: dt.datetime, timezone: str) -> str:
    """``Wednesday, November 25, 2026 at 12:27 PM EST`` in the center's timezone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(words.zone_named(timezone))
    hour = local.hour % 12 or 12
    return f"{local:%A}, {local:%B} {local.day}, {local.year} at {hour}:{local:%M} {local:%p} {local:%Z}"


def spam_note(reason: str | None) -> str | None:
    """The spam flag's reason without a leading "possible spam:" (the email says that itself)."""
    if not reason:
        return None
    if reason.lower().startswith("possible spam:"):
        reason = reason[len("possible spam:") :].strip()
    return reason or "flagged"


def send(
    message: Message,
    config: dict[str, Any],
    *,
    ssl_context: ssl.SSLContext | None = None,
    budget: float | None = None,
) -> int:
    """Deliver ``message`` (inside an app context) or raise :class:`DeliveryError`.

    ``budget``: seconds the whole SMTP conversation may take (keep it under the outbox lease).
    Returns how many staff addresses the server refused while accepting the others (usually 0).
    """
    if message.has_bad_headers():
        raise DeliveryError("bad header in the mail settings")
    try:
        smtp = open_smtp(config, ssl_context=ssl_context, budget=budget)
        try:
            refused = smtp.sendmail(
                sanitize_address(message.sender),
                list(sanitize_addresses(message.send_to)),
                message.as_bytes(),
            )
        finally:
            quit_quietly(smtp)
    except DeliveryError:
        raise
    except Exception as exc:
        raise classify(exc) from exc
    return len(refused)
