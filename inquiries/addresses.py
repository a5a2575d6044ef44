"""A visitor's email address as a link: which addresses we take, and how ``mailto:`` is written.

RFC 6068 reads ``?`` and ``&`` in a ``mailto:`` link as the start of extra headers and ``%`` as an
escape, so ``jane%40gmail.com?bcc=watcher%40evil.example&x=@example.com`` (a valid address) would
open a reply to jane@gmail.com with a hidden Bcc. The form refuses such local parts, and every
link is percent-encoded anyway, for inquiries stored before the form refused them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# In a local part these change what a mailto: link means; no real person's mailbox needs them.
LINK_TRICKS = re.compile(r"[%?&]")


def has_link_tricks(address: str) -> bool:
    """Whether the part before the last ``@`` holds ``%``, ``?`` or ``&``."""
    return bool(LINK_TRICKS.search(address.rpartition("@")[0]))


def mailto(address: str) -> str:
    """A ``mailto:`` URL that opens a reply to exactly ``address`` (every character but ``@`` escaped)."""
    return "mailto:" + quote(address, safe="@")
