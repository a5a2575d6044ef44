"""Characters no answer keeps: the one list the form cleans with and the staff tools print around."""

from __future__ import annotations

import re
import unicodedata

# Never typed by a person, and ways to smuggle headers, break a CSV, drive a staff member's
# terminal or make text read backwards: C0 controls but tab and line feed, DEL, C1 controls, and
# the bidi embeddings, overrides and isolates.
INVISIBLE_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")


def clean_text(value: str | None) -> str | None:
    """Strip outer spaces, use one form of each accented letter, count a line break once, and
    remove control and bidi-override characters (the answer is kept without them)."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text)).strip()
