"""How long one delivery may talk to the mail server: ``MAIL_TIMEOUT`` and ``MAIL_DATA_TIMEOUT``
with their caps. The outbox lease check (`settings.production`) and the SMTP connection
(``inquiries.smtp``) both read them from here.
"""

from __future__ import annotations

from typing import Any

MAX_TIMEOUT = 30.0
MAX_DATA_TIMEOUT = 600.0
# Ordinary steps a conversation is allowed besides the final reply (connect and greeting, EHLO and
# STARTTLS, login, envelope and DATA), each at most MAIL_TIMEOUT; real servers answer in milliseconds.
ORDINARY_STEPS = 4


def smtp_timeout(config: dict[str, Any]) -> float:
    """``MAIL_TIMEOUT`` in seconds, never more than 30 and never none."""
    return min(config.get("MAIL_TIMEOUT") or MAX_TIMEOUT, MAX_TIMEOUT)


def data_timeout(config: dict[str, Any]) -> float:
    """``MAIL_DATA_TIMEOUT``: seconds to wait for the reply after the message body, at most 600."""
    return min(config.get("MAIL_DATA_TIMEOUT") or MAX_DATA_TIMEOUT, MAX_DATA_TIMEOUT)


def conversation_seconds(config: dict[str, Any]) -> float:
    """The longest one delivery may talk to the server: the final reply's wait and the ordinary steps."""
    return data_timeout(config) + ORDINARY_STEPS * smtp_timeout(config)
