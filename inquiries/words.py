"""An inquiry as staff read it: the headings, each answer in plain words, times in the center's
timezone, and text made safe for a terminal.

The staff email (``inquiries.mailer`` and ``templates/email/``) and the staff tools
(``inquiries.staff``, ``inquiries.staff_cli``) all take their words from here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import i18n
from inquiries.text import INVISIBLE_CHARS

# Headings of the staff email, the list, `show` and the CSV export, in the form's order.
LABELS = {
    "ref": "Reference",
    "created_at": "Received",
    "language": "Language",
    "name": "Name",
    "phone": "Phone",
    "email": "Email",
    "contact_method": "Best way to reach them",
    "voicemail_ok": "OK to leave a voicemail",
    "who": "Who needs help",
    "insurance": "Insurance",
    "message": "Message",
    "email_status": "Emailed to staff",
    "email_route": "Sent by",
    "picked_up_by": "Picked up by",
    "picked_up_at": "Picked up at",
    "pickup_minutes": "Minutes to pick-up",
    "spam_reason": "Why it looks like spam",
}
# The staff email's link and the pick-up page's button: a person says they are calling back.
PICKUP_ACTION = "I'm contacting them"
NOT_PICKED_UP = "Not yet"
# Each multiple-choice answer as the staff tools show it; a value we don't know is shown as stored.
ANSWERS = {
    "contact_method": {"call": "Call", "text": "Text message", "email": "Email"},
    "voicemail_ok": {"yes": "Yes", "no": "No"},
    "who": {"self": "Themselves", "loved_one": "Someone they care about"},
    "language": dict(i18n.STAFF_NAMES),
}
# The staff email is what someone acts on when calling back, so it says what to do: how to reach
# them, and plainly not to leave a voicemail (which could tell someone else at that phone).
EMAIL_ANSWERS = {
    **ANSWERS,
    "contact_method": {"call": "Call them", "text": "Send a text message", "email": "Email them"},
    "voicemail_ok": {**ANSWERS["voicemail_ok"], "no": "No: do not leave a voicemail"},
}
# The staff email's line for an inquiry in a language other than the staff's own (English).
CALL_BACK_IN = "{language} — call back in {language} or with an interpreter"
EMAIL_STATUS_WORDS = {
    "sent": "Sent",
    "pending": "Waiting to send",
    "sending": "Sending",
    "dead": "FAILED - call them back from this list",
    None: "Not emailed",
}
# Why an inquiry was held, for the spam digest, where a stored reason needs explaining.
SPAM_REASONS = {"honeypot filled": "a hidden field for robots was filled in (a password manager can do this)"}
# What the form removes, plus tab and line feed (kept in a message, escaped elsewhere) and the
# direction marks a right-to-left name may carry but a terminal must not act on: a row an older
# release stored may still hold them.
UNPRINTABLE = re.compile(f"[{INVISIBLE_CHARS}\t\n\u061c\u200e\u200f]")


def words(field: str, value) -> str:
    """A stored value as staff read it: ``loved_one`` → ``Someone they care about``."""
    if field == "email_status":
        return EMAIL_STATUS_WORDS.get(value, str(value))
    if field == "picked_up_by" and not value:
        return NOT_PICKED_UP
    text = "" if value is None else str(value)
    return ANSWERS.get(field, {}).get(text, text)


def email_answers(inquiry: dict[str, Any]) -> dict[str, str]:
    """Each multiple-choice answer in the staff email's words (``Not answered`` when empty)."""
    return {
        field: choices.get(inquiry.get(field) or "", inquiry.get(field) or "Not answered")
        for field, choices in EMAIL_ANSWERS.items()
    }


def language_note(language: str | None) -> str | None:
    """What the staff email says after "Language:" for an inquiry not in English, e.g. ``Spanish —
    call back in Spanish or with an interpreter``; None for an English one (nothing to say)."""
    if not language or language == i18n.DEFAULT:
        return None
    return CALL_BACK_IN.format(language=words("language", language))


def zone_named(name: str | None) -> dt.tzinfo:
    """The timezone ``name`` (UTC if it is empty or unknown on this machine)."""
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def site_zone(config) -> dt.tzinfo:
    """The site's timezone, ``SITE_TIMEZONE`` (UTC if the name is unknown on this machine)."""
    return zone_named(config.get("SITE_TIMEZONE"))


def zone_name(zone: dt.tzinfo) -> str:
    """``America/New_York`` → ``America/New York``, for headings."""
    return str(zone).replace("_", " ")


def local_time(created_at: str, zone: dt.tzinfo) -> str:
    """Stored UTC ISO time → ``2026-11-25 12:03`` in the site's timezone."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        return str(created_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def since_utc(day: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """Midnight at the start of ``day`` in the site's timezone, as the stored UTC ISO text."""
    if day is None:
        return None
    start = dt.datetime.combine(day.date(), dt.time(0), tzinfo=zone)
    return start.astimezone(dt.UTC).isoformat(timespec="seconds")


def printable(text: str, keep: str = "") -> str:
    """``text`` safe to print on a terminal: each control or bidi character written as an escape
    (``\\x1b``, ``\\u202e``), except those in ``keep`` (e.g. line breaks in a message)."""

    def escape(match: re.Match) -> str:
        char = match[0]
        if char in keep:
            return char
        return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"

    return UNPRINTABLE.sub(escape, text)
