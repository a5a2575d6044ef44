"""Our SMTP connection: a timeout on every operation, a deadline on the whole, TLS always verified.

Flask-Mail 0.10.0's ``Connection`` opens SMTP with no timeout (a silent server hangs the sender for
ever) and calls ``starttls()`` without an SSL context (certificates are never checked). This module
replaces it, and sorts failures into temporary (retry later) and permanent (give up).

Two waits: ``MAIL_TIMEOUT`` (at most 30 s) for connecting and every ordinary reply, and
``MAIL_DATA_TIMEOUT`` (at most 10 minutes, RFC 5321 4.5.3.2.6) for the reply after the message
body. A server that has the message but is slow to confirm it would otherwise get it again on
every retry.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import time
from typing import Any

# The waits are the settings' own, since the outbox lease check needs them too.
from settings.waits import MAX_DATA_TIMEOUT, data_timeout, smtp_timeout
from settings.waits import conversation_seconds as conversation_seconds  # the outbox reads it from here


class DeliveryError(Exception):
    """A send that failed. ``permanent``: the server refused this message (5xx); don't retry it."""

    def __init__(self, reason: str, *, permanent: bool = False, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.detail = detail


# The two routes a message can take: the provider in MAIL_*, and the one in MAIL_BACKUP_*.
ROUTE_SETTINGS = ("SERVER", "PORT", "USE_TLS", "USE_SSL", "USERNAME", "PASSWORD")


def has_backup(config: dict[str, Any]) -> bool:
    """Whether a second SMTP route is set (``MAIL_BACKUP_SERVER``)."""
    return bool(str(config.get("MAIL_BACKUP_SERVER") or "").strip())


def route_config(config: dict[str, Any], route: str) -> dict[str, Any]:
    """``config`` as `open_smtp` reads it for ``route``: the backup's server, port, TLS and login in
    place of the primary's; the timeouts and the CA file are the same on both."""
    if route == "primary":
        return config
    return {**config, **{f"MAIL_{name}": config.get(f"MAIL_BACKUP_{name}") for name in ROUTE_SETTINGS}}


def tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    """A verifying TLS context: system CAs, or ``MAIL_CA_FILE`` for a relay with a private CA."""
    return ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)


class _DeadlineMixin:
    """Shrinks each reply's timeout so the whole conversation ends by ``deadline`` (monotonic);
    the reply after the message body may take ``data_timeout`` instead of ``timeout``."""

    def __init__(self, *args, deadline: float = float("inf"), data_timeout: float = MAX_DATA_TIMEOUT, **kwargs) -> None:
        self.deadline = deadline
        self.data_timeout = data_timeout
        self._data_replies: int | None = None  # replies read inside data(): 1 is "354", 2 the verdict
        super().__init__(*args, **kwargs)

    def data(self, msg):
        self._data_replies = 0
        try:
            return super().data(msg)
        finally:
            self._data_replies = None

    def getreply(self):
        timeout = self.timeout
        if self._data_replies is not None:
            self._data_replies += 1
            if self._data_replies == 2:
                timeout = self.data_timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise TimeoutError("SMTP conversation ran past its deadline")
        if self.sock is not None:
            self.sock.settimeout(min(timeout, remaining))
        return super().getreply()


class _SMTP(_DeadlineMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_DeadlineMixin, smtplib.SMTP_SSL):
    pass


def open_smtp(config: dict[str, Any], *, ssl_context: ssl.SSLContext | None = None, budget: float | None = None):
    """Connect, secure (implicit TLS or STARTTLS, certificate and name verified) and log in.

    Never falls back to clear text: a server that doesn't offer STARTTLS raises.
    ``budget``: seconds the whole conversation may take, on top of each operation's timeout
    (:func:`conversation_seconds` is the most a delivery needs).
    """
    timeout = smtp_timeout(config)
    deadline = float("inf") if budget is None else time.monotonic() + budget
    if budget is not None:
        timeout = min(timeout, budget)
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    context = ssl_context or tls_context(config)
    waits = {"deadline": deadline, "data_timeout": data_timeout(config)}
    if config.get("MAIL_USE_SSL"):
        smtp = _SMTPSSL(host, port, timeout=timeout, context=context, **waits)
    else:
        smtp = _SMTP(host, port, timeout=timeout, **waits)
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


def quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye; the message was accepted (or not) before QUIT, so a failing QUIT changes nothing."""
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
