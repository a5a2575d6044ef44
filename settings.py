"""Every setting the site reads: its default, its meaning, and the production checks.

This table is the single source of truth: `create_app()` loads the defaults from it, the README's
settings table is checked against it by the tests, and `flask check-config` reports on it.
Each setting is read from the environment as ``FLASK_<NAME>`` (values may be JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

import click
from email_validator import EmailNotValidError, validate_email

from inquiries import smtp

DEMO_PHONE = "+1 555-010-0199"
DEMO_SECRET_KEY = "demo-secret-key-change-me"  # noqa: S105 - a known demo value, refused in production
DEMO_DOMAIN = "example.org"


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name without the ``FLASK_`` prefix, default and meaning."""

    name: str
    default: Any
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SECRET_KEY", DEMO_SECRET_KEY, "Signs sessions, CSRF tokens and form timers. Long and random in production."
    ),
    Setting("PRODUCTION", False, "true on a real server: refuses demo values, turns on HSTS and Secure cookies."),
    Setting("DATABASE", "data/site.db", "Path of the SQLite database file (relative to the project folder)."),
    Setting("MAIL_SERVER", "127.0.0.1", "SMTP server for staff email. Unset: `make run` starts a local sink."),
    Setting("MAIL_PORT", 8025, "SMTP port (587 for STARTTLS, 465 for implicit TLS)."),
    Setting("MAIL_USE_TLS", False, "true: STARTTLS after connecting (port 587)."),
    Setting("MAIL_USE_SSL", False, "true: implicit TLS from the first byte (port 465)."),
    Setting("MAIL_USERNAME", None, "SMTP login, if the server needs one."),
    Setting("MAIL_PASSWORD", None, "SMTP password, if the server needs one."),
    Setting("MAIL_DEFAULT_SENDER", f"website@{DEMO_DOMAIN}", "From address of staff email; use the site's own domain."),
    Setting("MAIL_CA_FILE", None, "PEM file of the CA that signed the SMTP server's certificate, if not a public CA."),
    Setting("MAIL_TIMEOUT", 20, "Seconds before an SMTP connection or reply is given up (at most 30)."),
    Setting(
        "MAIL_DATA_TIMEOUT",
        600,
        "Seconds to wait for the server's answer after the message itself (at most 600, as RFC 5321 allows).",
    ),
    Setting("STAFF_EMAILS", [], 'JSON list of staff addresses that receive inquiries, e.g. ["intake@center.org"].'),
    Setting("OUTBOX_WORKER", True, "true: a sender thread runs in each web process; false: run `flask outbox work`."),
    Setting("OUTBOX_POLL_SECONDS", 5, "How often an idle sender looks for new messages."),
    Setting("OUTBOX_RETRY_BASE_SECONDS", 30, "First retry delay after a temporary SMTP failure; doubles each time."),
    Setting("OUTBOX_RETRY_MAX_SECONDS", 3600, "Longest delay between two retries."),
    Setting(
        "OUTBOX_LEASE_SECONDS",
        900,
        "A claim older than this (a crashed sender) is taken back. More than MAIL_DATA_TIMEOUT + 5 × MAIL_TIMEOUT.",
    ),
    Setting("OUTBOX_ALARM_SECONDS", 900, "/healthz answers 503 when a message has waited longer than this."),
    Setting(
        "HEALTH_WRITE_SECONDS", 10, "/healthz proves a database write at most this often per process (at most 20)."
    ),
    Setting(
        "CONTACT_RATE_LIMIT",
        "5 per hour",
        "Inquiries accepted per client address (one count for all workers, kept in the database).",
    ),
    Setting("CONTACT_MIN_SECONDS", 3, "A form sent sooner than this after it was shown is marked possible spam."),
    Setting("CONTACT_TOKEN_SECONDS", 6 * 3600, "How long a form's CSRF token and timer stay valid."),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, "Largest request body accepted, in bytes (larger gets a friendly 413)."),
    Setting(
        "PROXY_HOPS",
        None,
        "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (unset: none). "
        "Required in production: 1 behind the Caddy or nginx of deploy/.",
    ),
    Setting("RETENTION_DAYS", 180, "Inquiries older than this are purged by `flask inquiries purge`."),
    Setting("SPAM_RETENTION_DAYS", 30, "Inquiries flagged as spam are purged after this many days."),
    Setting(
        "SPAM_DIGEST_SECONDS", 86400, "Staff get one email this often listing inquiries held as spam (none if none)."
    ),
    Setting("SITE_NAME", "Example Recovery Center", "The center's name, shown on every page."),
    Setting("SITE_PHONE", DEMO_PHONE, "The 24/7 phone line, shown and dialled from every page."),
    Setting("SITE_EMAIL", f"help@{DEMO_DOMAIN}", "Public contact email shown on the site."),
    Setting("SITE_ADDRESS", "100 Example Street, Springfield, ST 00000", "Street address shown in the footer."),
    Setting("SITE_HOURS", "Phones answered 24 hours a day, 7 days a week", "Opening hours, in plain words."),
    Setting("SITE_TIMEZONE", "America/New_York", "IANA timezone for times shown to visitors and staff."),
    Setting("SITE_REGION", "US", "Two-letter region used to read phone numbers typed without a country code."),
    Setting(
        "SITE_INSURANCE",
        ["Aetna", "Blue Cross Blue Shield", "Cigna", "Medicaid", "UnitedHealthcare"],
        "JSON list of insurance carriers accepted.",
    ),
    Setting("SITE_URL", f"https://www.{DEMO_DOMAIN}", "Public base URL, for canonical links and the sitemap."),
    Setting("SITE_EXIT_URL", "https://www.google.com/", "Where the quick-exit button goes: a neutral site."),
)


def defaults() -> dict[str, Any]:
    """Return a fresh mapping of every setting to its default value."""
    return {s.name: (list(s.default) if isinstance(s.default, list) else s.default) for s in SETTINGS}


def production_problems(config: dict[str, Any]) -> list[str]:
    """List, one line each, the settings that are unsafe or still demo values for production."""
    problems = []
    if config.get("SECRET_KEY") in (None, "", DEMO_SECRET_KEY) or len(str(config.get("SECRET_KEY"))) < 24:
        problems.append("FLASK_SECRET_KEY is the demo key or too short: set a long random value.")
    if config.get("SITE_PHONE") in (None, "", DEMO_PHONE):
        problems.append("FLASK_SITE_PHONE is the demo 555 number: set the center's 24/7 line.")
    if not config.get("STAFF_EMAILS"):
        problems.append('FLASK_STAFF_EMAILS is empty: set a JSON list such as ["intake@center.org"].')
    if DEMO_DOMAIN in str(config.get("MAIL_DEFAULT_SENDER", "")):
        problems.append("FLASK_MAIL_DEFAULT_SENDER is the demo address: use an address at the site's domain.")
    if DEMO_DOMAIN in str(config.get("SITE_URL", "")):
        problems.append("FLASK_SITE_URL is the demo address: set the public https:// address.")
    defaults = {s.name: s.default for s in SETTINGS}
    for name, what in (("SITE_NAME", "the center's name"), ("SITE_ADDRESS", "the center's street address")):
        if str(config.get(name) or "").strip() in ("", defaults[name]):
            problems.append(f"FLASK_{name} is empty or the demo value: set {what}.")
    site_email = str(config.get("SITE_EMAIL") or "")
    if DEMO_DOMAIN in site_email or not _valid_email(site_email):
        problems.append("FLASK_SITE_EMAIL is the demo address or not an email address: set the public address.")
    problems += _mail_problems(config) + _address_problems(config) + _proxy_problems(config)
    problems += _number_problems(config)
    return problems


def lease_problems(config: dict[str, Any]) -> list[str]:
    """The outbox lease, if a sender could lose its claim while the mail server is still answering."""
    try:
        lease = float(config.get("OUTBOX_LEASE_SECONDS"))
        needed = smtp.conversation_seconds(config) + smtp.smtp_timeout(config)
    except (TypeError, ValueError):
        return [
            "FLASK_OUTBOX_LEASE_SECONDS, FLASK_MAIL_TIMEOUT and FLASK_MAIL_DATA_TIMEOUT must be numbers of seconds."
        ]
    if lease > needed:
        return []
    return [
        f"FLASK_OUTBOX_LEASE_SECONDS ({lease:g}) must be more than FLASK_MAIL_DATA_TIMEOUT + "
        f"{smtp.ORDINARY_STEPS + 1} × FLASK_MAIL_TIMEOUT ({needed:g} s here): a sender still waiting for the mail "
        "server's answer would lose its claim and staff would get the inquiry twice."
    ]


def lengthen_short_lease(config: dict[str, Any]) -> str | None:
    """Raise a lease that one slow delivery could outlast; say what was changed, if anything.

    An env file from an older release may still set a short lease. The site must not refuse to
    start over it, and a message taken back mid-send would reach staff twice, so the lease is
    lengthened and the change reported (in the log at start, and by ``check-config``).
    """
    problems = lease_problems(config)
    if not problems:
        return None
    try:
        needed = smtp.conversation_seconds(config) + 2 * smtp.smtp_timeout(config)
    except (TypeError, ValueError) as error:
        raise ConfigError(problems[0], problems) from error
    config["OUTBOX_LEASE_SECONDS"] = needed
    return f"{problems[0]} Using {needed:g} s; set FLASK_OUTBOX_LEASE_SECONDS={needed:g} or more."


PROXY_HOPS_UNSET = (
    "FLASK_PROXY_HOPS is not set: set it to the number of reverse proxies in front of the app, "
    "1 with the Caddy or nginx of deploy/ (0 only if visitors reach gunicorn directly). Too low "
    "(0 behind a proxy) and every visitor seems to come from one address, the proxy's, so one "
    "person's inquiries use up the rate limit for everyone; too high (1 with nothing in front) "
    "and a visitor can fake their address with an X-Forwarded-For header, to dodge the limit or "
    "to lock out someone else's address."
)


def _proxy_problems(config: dict[str, Any]) -> list[str]:
    """PROXY_HOPS left to its default: neither guess is safe, so production must state it."""
    return [PROXY_HOPS_UNSET] if config.get("PROXY_HOPS") in (None, "") else []


LOOPBACK = ("127.0.0.1", "localhost", "::1")
SINK_PORT = 8025  # the port of `make run`'s local mail sink (inquiries/mailsink.py)


def _mail_problems(config: dict[str, Any]) -> list[str]:
    """SMTP settings that would lose staff email or send it unencrypted."""
    server = str(config.get("MAIL_SERVER") or "").strip()
    if not server:
        return ["FLASK_MAIL_SERVER is not set: set your SMTP provider's host name."]
    problems = []
    tls, ssl = truthy(config.get("MAIL_USE_TLS")), truthy(config.get("MAIL_USE_SSL"))
    if server in LOOPBACK and str(config.get("MAIL_PORT")) == str(SINK_PORT):
        problems.append(
            f"FLASK_MAIL_SERVER is the local development mail sink ({server}:{SINK_PORT}), which only saves "
            "files: set your SMTP provider's host name and port."
        )
    if tls and ssl:
        problems.append(
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both true: use STARTTLS (TLS, port 587) "
            "or implicit TLS (SSL, port 465), not both."
        )
    elif server not in LOOPBACK and not (tls or ssl):
        problems.append(
            "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both false: inquiries would cross the internet "
            "unencrypted. Set FLASK_MAIL_USE_TLS=true (port 587) or FLASK_MAIL_USE_SSL=true (port 465)."
        )
    return problems


def _address_problems(config: dict[str, Any]) -> list[str]:
    """Staff addresses, sender and public URL that are malformed or on a different domain."""
    problems = []
    staff = config.get("STAFF_EMAILS")
    if staff and not isinstance(staff, list | tuple):
        problems.append('FLASK_STAFF_EMAILS must be a JSON list, e.g. ["intake@center.org"] (with the brackets).')
    elif staff:
        bad = [str(a) for a in staff if not _valid_email(a)]
        if bad:
            problems.append(f"FLASK_STAFF_EMAILS has addresses that are not valid email addresses: {', '.join(bad)}.")
    url = str(config.get("SITE_URL") or "")
    host = (urlsplit(url).hostname or "").lower()
    if not url.startswith("https://") or not host:
        problems.append("FLASK_SITE_URL must be the public https:// address, e.g. https://www.center.org.")
    sender = _sender_address(config.get("MAIL_DEFAULT_SENDER"))
    if not _valid_email(sender):
        problems.append("FLASK_MAIL_DEFAULT_SENDER is not a valid email address, e.g. website@center.org.")
    elif host and DEMO_DOMAIN not in host and DEMO_DOMAIN not in sender:
        domain = sender.rpartition("@")[2].lower()
        site = host.removeprefix("www.")
        if not (domain == site or domain.endswith("." + site) or site.endswith("." + domain)):
            problems.append(
                f"FLASK_MAIL_DEFAULT_SENDER ({sender}) is not at the site's own domain ({site}): mail "
                "from another domain fails SPF/DKIM/DMARC and lands in spam. Use e.g. website@" + site + "."
            )
    return problems


def _number_problems(config: dict[str, Any]) -> list[str]:
    """Counts and durations that must be whole numbers."""
    problems = []
    for name, smallest in (("PROXY_HOPS", 0), ("RETENTION_DAYS", 1), ("SPAM_RETENTION_DAYS", 1)):
        value = config.get(name)
        if name == "PROXY_HOPS" and value in (None, ""):
            continue  # unset: _proxy_problems explains
        if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
            problems.append(f"FLASK_{name} must be a whole number of at least {smallest}, not {value!r}.")
    return problems


def truthy(value: Any) -> bool:
    """Whether a setting means yes: ``true`` from JSON, or a string such as "1", "yes" or "on"."""
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def _sender_address(value: Any) -> str:
    """The address part of a sender given as ``addr``, ``Name <addr>`` or ``["Name", "addr"]``."""
    if isinstance(value, list | tuple) and len(value) == 2:
        value = value[1]
    return parseaddr(str(value or ""))[1]


def _valid_email(address: Any) -> bool:
    try:
        validate_email(str(address), check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


class ConfigError(RuntimeError, click.ClickException):
    """Raised when the app is started in production with an unsafe or missing setting.

    It is also a `click.ClickException`, so any ``flask`` command (``check-config`` too) that finds
    the app refusing to start prints every problem, one a line, and exits with status 1.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        RuntimeError.__init__(self, message)
        click.ClickException.__init__(self, message)
        self.problems = list(problems or [])

    def format_message(self) -> str:
        """What the ``flask`` command prints after ``Error:``: every problem on its own line."""
        if not self.problems:
            return self.message
        return "Refusing to start in production:\n" + "\n".join(f"  - {p}" for p in self.problems)
