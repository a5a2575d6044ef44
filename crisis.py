"""The crisis lines: every number the site gives a person in danger, stated once.

The crisis strip on every page (``base.html``), the thanks page's list, the "In an emergency" box
of the catalog pages and the error pages all render these through ``templates/_crisis.html``, so
a number changed here changes everywhere it is shown, and what a tap dials is what it shows.
A page's own text (``templates/pages/*.html``) is content, written and reviewed by staff.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One crisis line: what it is, the number as people write it, and the link a tap follows."""

    label: str
    number: str
    href: str


EMERGENCY = Line("Overdose or emergency", "911", "tel:911")
LIFELINE = Line("Suicide & Crisis Lifeline (call or text)", "988", "tel:988")
# The Lifeline in Spanish: text AYUDA to 988 (the ``?&`` form is the one both iOS and Android read).
LIFELINE_SPANISH_TEXT = Line("Suicide & Crisis Lifeline in Spanish (text)", "988", "sms:988?&body=AYUDA")
LIFELINE_CHAT = Line("988 Lifeline chat", "988lifeline.org", "https://988lifeline.org/")
LIFELINE_SPANISH_CHAT = Line("988 Lifeline chat in Spanish", "988lineadevida.org", "https://988lineadevida.org/")
SAMHSA = Line("SAMHSA National Helpline (free, 24/7)", "1-800-662-4357", "tel:+18006624357")

# The thanks page's list, in the order a person in danger needs them.
LINES = (EMERGENCY, LIFELINE, SAMHSA)


def context() -> dict[str, object]:
    """What templates get as ``crisis``: each line by name, and the list."""
    return {
        "emergency": EMERGENCY,
        "lifeline": LIFELINE,
        "lifeline_spanish_text": LIFELINE_SPANISH_TEXT,
        "lifeline_chat": LIFELINE_CHAT,
        "lifeline_spanish_chat": LIFELINE_SPANISH_CHAT,
        "samhsa": SAMHSA,
        "lines": LINES,
    }
