"""Every phone number on a page must be a link that dials exactly what it shows."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import phonenumbers

# Three-digit lines that phonenumbers does not see as numbers in running text.
SHORT_NUMBER = re.compile(r"(?<![\w/.-])(?:911|988)(?![\w/-]|\.\w)")
DIALING = ("tel:", "sms:")


class _Dialables(HTMLParser):
    """The body's text split into runs outside links and the text of each tel:/sms: link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_body = False
        self.link: dict | None = None
        self.links: list[dict] = []
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        elif tag == "a" and self.in_body:
            self.link = {"href": dict(attrs).get("href") or "", "text": ""}

    def handle_endtag(self, tag):
        if tag == "a" and self.link is not None:
            self.links.append(self.link)
            self.link = None

    def handle_data(self, data):
        if not self.in_body:
            return
        if self.link is not None:
            self.link["text"] += data
        else:
            self.outside.append(data)


def numbers_in(text: str) -> list[str]:
    """Every phone number written in ``text``, as the digits it dials (US numbers as E.164)."""
    found = [m.group(0) for m in SHORT_NUMBER.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
        found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return found


def dialed(href: str) -> str:
    """The number a tel: or sms: link dials, in the form ``numbers_in`` gives."""
    target = href.split(":", 1)[1].split("?", 1)[0]
    digits = re.sub(r"[^0-9+]", "", target)
    if len(digits) <= 3:
        return digits
    return phonenumbers.format_number(phonenumbers.parse(digits, "US"), phonenumbers.PhoneNumberFormat.E164)


def phone_problems(html: str) -> list[str]:
    """Phone numbers a visitor cannot tap, and tel:/sms: links that dial something else than they show."""
    reader = _Dialables()
    reader.feed(html)
    problems = []
    for run in reader.outside:
        for number in numbers_in(run):
            problems.append(f"{number} is not a tel: link in: {' '.join(run.split())[:80]}")
    for link in reader.links:
        text = " ".join(link["text"].split())
        shown = numbers_in(text)
        if link["href"].startswith(DIALING):
            if dialed(link["href"]) not in shown:
                problems.append(f"{link['href']} does not dial what it shows: {text!r}")
        elif shown and not link["href"].startswith(("https://", "http://")):
            problems.append(f"{text!r} is a link to {link['href']}, not a tel: link")
    return problems
