"""Privacy in every log line: client addresses masked and no query strings.

`mask_address` cuts a client address to its network (IPv4 ``203.0.113.77`` → ``203.0.113.0``; IPv6
kept to its first 48 bits) for the access log (`serving.access_log`), on every path, not only
``/contact``: reading a page about heroin withdrawal is itself health information.
`configure_app_logging` sends the app's own lines to stderr through `ScrubFilter`, which masks any
address and drops any query string a library puts in a message. The server's own lines (its
start-up line names the address it listens on) go through its own handlers, untouched.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import sys


@functools.lru_cache(maxsize=1024)
def mask_address(address: str | None) -> str:
    """The client address with the host part removed: IPv4 to /24, IPv6 to /48, anything else ``-``."""
    # Remembered (in this process's memory only, never written) because parsing with `ipaddress`
    # took most of an access line's cost: a replayed page is answered in ~30 µs.
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "-"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)")
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def scrub(text: str) -> str:
    """Mask every IP address in a log message and drop query strings from any URL or path in it."""

    def mask(match: re.Match) -> str:
        masked = mask_address(match.group(0))
        return match.group(0) if masked == "-" else masked

    return _QUERY.sub(r"\1", _IPV4.sub(mask, _IPV6.sub(mask, text)))


class ScrubFilter(logging.Filter):
    """Applies `scrub` to each record, for lines that carry a client address (the rate limit logs
    "ratelimit 5 per hour (203.0.113.77) exceeded at endpoint: contact.submit") or a URI."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


APP_LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def configure_app_logging(level: int = logging.INFO) -> None:
    """Send the app's own log lines (INFO and up) to stderr beside the server's, i.e. to the journal.

    Without this, Python drops everything below WARNING, so "Inquiry K7Q2-M9XD stored" and each
    delivery attempt ("Staff email for inquiry K7Q2-M9XD sent") would never be seen. Those lines
    carry the inquiry's reference only, never what the visitor typed (tests/test_ops.py checks).
    """
    root = logging.getLogger()
    if not any(getattr(h, "_site_app_log", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(APP_LOG_FORMAT, "%Y-%m-%d %H:%M:%S %z"))
        handler.addFilter(ScrubFilter())
        handler._site_app_log = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
