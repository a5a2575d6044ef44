"""The staff email: composed from ``templates/email/``, sent over SMTP with a timeout and verified TLS.

Flask-Mail 0.10.0 builds the message, but its ``Connection`` opens SMTP with no timeout and calls
``starttls()`` without an SSL context (so certificates are never checked). The connection here is
our own: every socket operation has a timeout, the whole conversation has a deadline, and TLS
always verifies the server's certificate and name.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import ssl
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_mail import Message, sanitize_address, sanitize_addresses

MAX_TIMEOUT = 30.0

# Every answer in plain words; a value we don't know is shown as it was stored.
ANSWERS = {
    "contact_method": {"call": "Call them", "text": "Send a text message", "email": "Email them"},
    "voicemail_ok": {"yes": "Yes", "no": "No: do not leave a voicemail"},
    "who": {"self": "Themselves", "loved_one": "Someone they care about"},
}


class DeliveryError(Exception):
    """A send that failed. ``permanent``: the server refused this message (5xx); don't retry it."""

    def __init__(self, reason: str, *, permanent: bool = False, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.detail = detail


def compose(inquiry: dict[str, Any], message_id: str) -> Message:
    """The staff email for one inquiry (call inside an app context).

    The Message-ID and Date come from the stored rows, so a retry sends the very same message.
    """
    config = current_app.config
    created = dt.datetime.fromisoformat(inquiry["created_at"])
    context = {
        "inquiry": inquiry,
        "ref": inquiry["ref"],
        "received": received_at(created, config["SITE_TIMEZONE"]),
        "answers": plain_answers(inquiry),
        "reply_to": reply_to(inquiry.get("email")),
        "spam_reason": inquiry.get("spam_reason"),
    }
    subject = f"New website inquiry #{inquiry['ref']}"
    if inquiry.get("spam_reason"):
        subject += " (possible spam)"
    message = Message(
        subject=subject,
        recipients=staff_addresses(config),
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
    """The visitor's address, normalised, if it is a valid one; otherwise no Reply-To at all."""
    if not email:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def received_at(when: dt.datetime, timezone: str) -> str:
    """``Wednesday, November 25, 2026 at 12:27 PM EST`` in the center's timezone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{local:%A}, {local:%B} {local.day}, {local.year} at {hour}:{local:%M} {local:%p} {local:%Z}"


def plain_answers(inquiry: dict[str, Any]) -> dict[str, str]:
    """Each multiple-choice answer in words (``Not answered`` when empty)."""
    return {
        field: choices.get(inquiry.get(field) or "", inquiry.get(field) or "Not answered")
        for field, choices in ANSWERS.items()
    }


def smtp_timeout(config: dict[str, Any]) -> float:
    """``MAIL_TIMEOUT`` in seconds, never more than 30 and never none."""
    return min(float(config.get("MAIL_TIMEOUT") or MAX_TIMEOUT), MAX_TIMEOUT)


def tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    """A verifying TLS context: system CAs, or ``MAIL_CA_FILE`` for a relay with a private CA."""
    return ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)


class _DeadlineMixin:
    """Shrinks each reply's timeout so the whole conversation ends by ``deadline`` (monotonic)."""

    def __init__(self, *args, deadline: float = float("inf"), **kwargs) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def getreply(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise TimeoutError("SMTP conversation ran past its deadline")
        if self.sock is not None:
            self.sock.settimeout(min(self.timeout, remaining))
        return super().getreply()


class _SMTP(_DeadlineMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_DeadlineMixin, smtplib.SMTP_SSL):
    pass


def open_smtp(config: dict[str, Any], *, ssl_context: ssl.SSLContext | None = None, budget: float | None = None):
    """Connect, secure (implicit TLS or STARTTLS, certificate and name verified) and log in.

    Never falls back to clear text: a server that doesn't offer STARTTLS raises.
    ``budget``: seconds the whole conversation may take, on top of each operation's timeout.
    """
    timeout = smtp_timeout(config)
    deadline = float("inf") if budget is None else time.monotonic() + budget
    if budget is not None:
        timeout = min(timeout, budget)
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    context = ssl_context or tls_context(config)
    if config.get("MAIL_USE_SSL"):
        smtp = _SMTPSSL(host, port, timeout=timeout, context=context, deadline=deadline)
    else:
        smtp = _SMTP(host, port, timeout=timeout, deadline=deadline)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            secure = config.get("MAIL_USE_TLS") or config.get("MAIL_USE_SSL") or _is_loopback(host)
            if not secure:
                raise DeliveryError("refusing to send the SMTP password without TLS")
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def send(
    message: Message,
    config: dict[str, Any],
    *,
    ssl_context: ssl.SSLContext | None = None,
    budget: float | None = None,
) -> None:
    """Deliver ``message`` (inside an app context) or raise :class:`DeliveryError`.

    ``budget``: seconds the whole SMTP conversation may take (keep it under the outbox lease).
    """
    if message.has_bad_headers():
        raise DeliveryError("bad header", permanent=True)
    try:
        smtp = open_smtp(config, ssl_context=ssl_context, budget=budget)
        try:
            smtp.sendmail(
                sanitize_address(message.sender),
                list(sanitize_addresses(message.send_to)),
                message.as_bytes(),
            )
        finally:
            _quit(smtp)
    except DeliveryError:
        raise
    except Exception as exc:
        raise classify(exc) from exc


def _quit(smtp: smtplib.SMTP) -> None:
    # The message was accepted (or not) before QUIT; a failing QUIT must not cause a resend.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def classify(exc: BaseException) -> DeliveryError:
    """Temporary (4xx, refused, timeout, disconnect, TLS or login trouble) or permanent (5xx to this message)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return DeliveryError(f"recipients refused {codes}", permanent=permanent, detail=str(exc.recipients)[:200])
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        # 5xx to the message itself is final; 5xx to greeting/EHLO/login is our configuration,
        # which someone will fix, so those messages keep waiting instead of going dead.
        message_step = isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError)
        permanent = message_step and 500 <= exc.smtp_code < 600
        return DeliveryError(f"SMTP {exc.smtp_code} ({type(exc).__name__})", permanent=permanent, detail=detail[:200])
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(f"TLS certificate not trusted: {exc.verify_message}")
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return DeliveryError("timed out")
    return DeliveryError(type(exc).__name__, detail=str(exc)[:200])


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
