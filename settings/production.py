"""The production checks: what `create_app()` refuses and `flask check-config` reports."""

from __future__ import annotations

import os
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import apprise
from email_validator import EmailNotValidError, validate_email

from replica import config as replica_config
from settings import waits
from settings.color import color_problems
from settings.table import DEMO_DOMAIN, DEMO_PHONE, DEMO_SECRET_KEY, SETTINGS, SINK_PORT


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
    problems += _number_problems(config) + _on_call_problems(config) + replica_problems(config)
    problems += color_problems(config)
    return problems


def replica_problems(config: dict[str, Any]) -> list[str]:
    """A replica URL Litestream could not use (nothing when replication is off)."""
    url = str(config.get("REPLICA_URL") or "").strip()
    problem = replica_config.url_problem(url) if url else None
    return [problem] if problem else []


def same_disk_problems(config: dict[str, Any], database_folder: Path) -> list[str]:
    """A file:// replica on the database's own filesystem: it would be lost with the disk."""
    url = str(config.get("REPLICA_URL") or "").strip()
    if not url.startswith("file://") or replica_config.url_problem(url):
        return []
    folder = Path(urlsplit(url).path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        same = folder.stat().st_dev == database_folder.stat().st_dev
    except OSError:
        return []
    if not same:
        return []
    return [
        f"FLASK_REPLICA_URL: {url} is on the same disk as the database ({database_folder}), so one failure "
        "loses both: use s3://, sftp:// or a folder mounted from another disk."
    ]


def lease_problems(config: dict[str, Any]) -> list[str]:
    """The outbox lease, if a sender could lose its claim while the mail server is still answering."""
    lease = config["OUTBOX_LEASE_SECONDS"]
    needed = waits.conversation_seconds(config) + waits.smtp_timeout(config)
    if lease > needed:
        return []
    return [
        f"FLASK_OUTBOX_LEASE_SECONDS ({lease:g}) must be more than FLASK_MAIL_DATA_TIMEOUT + "
        f"{waits.ORDINARY_STEPS + 1} × FLASK_MAIL_TIMEOUT ({needed:g} s here): a sender still waiting for the mail "
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
    needed = waits.conversation_seconds(config) + 2 * waits.smtp_timeout(config)
    config["OUTBOX_LEASE_SECONDS"] = needed
    return f"{problems[0]} Using {needed:g} s; set FLASK_OUTBOX_LEASE_SECONDS={needed:g} or more."


PROXY_HOPS_UNSET = (
    "FLASK_PROXY_HOPS is not set: set it to the number of reverse proxies in front of the app, "
    "1 with the Caddy or nginx of deploy/ (0 only if visitors reach the app server directly). Too low "
    "(0 behind a proxy) and every visitor seems to come from one address, the proxy's, so one "
    "person's inquiries use up the rate limit for everyone; too high (1 with nothing in front) "
    "and a visitor can fake their address with an X-Forwarded-For header, to dodge the limit or "
    "to lock out someone else's address."
)


def _proxy_problems(config: dict[str, Any]) -> list[str]:
    """PROXY_HOPS left to its default: neither guess is safe, so production must state it."""
    return [PROXY_HOPS_UNSET] if config.get("PROXY_HOPS") is None else []


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _mail_problems(config: dict[str, Any]) -> list[str]:
    """SMTP settings, of the primary route and of the backup if one is set, that would lose staff
    email or send it unencrypted."""
    problems = _route_problems(config, "MAIL")
    if str(config.get("MAIL_BACKUP_SERVER") or "").strip():
        problems += _route_problems(config, "MAIL_BACKUP")
    return problems


def _route_problems(config: dict[str, Any], prefix: str) -> list[str]:
    """One route's SMTP settings (``MAIL_*`` or ``MAIL_BACKUP_*``), each problem naming its setting."""
    server = str(config.get(f"{prefix}_SERVER") or "").strip()
    if not server:
        return [f"FLASK_{prefix}_SERVER is not set: set your SMTP provider's host name."]
    problems = []
    tls, ssl = config.get(f"{prefix}_USE_TLS"), config.get(f"{prefix}_USE_SSL")
    if server in LOOPBACK and config.get(f"{prefix}_PORT") == SINK_PORT:
        problems.append(
            f"FLASK_{prefix}_SERVER is the local development mail sink ({server}:{SINK_PORT}), which only saves "
            "files: set your SMTP provider's host name and port."
        )
    if tls and ssl:
        problems.append(
            f"FLASK_{prefix}_USE_TLS and FLASK_{prefix}_USE_SSL are both true: use STARTTLS (TLS, port 587) "
            "or implicit TLS (SSL, port 465), not both."
        )
    elif server not in LOOPBACK and not (tls or ssl):
        problems.append(
            f"FLASK_{prefix}_USE_TLS and FLASK_{prefix}_USE_SSL are both false: inquiries would cross the internet "
            f"unencrypted. Set FLASK_{prefix}_USE_TLS=true (port 587) or FLASK_{prefix}_USE_SSL=true (port 465)."
        )
    return problems


def _address_problems(config: dict[str, Any]) -> list[str]:
    """Staff addresses, sender and public URL that are malformed or on a different domain."""
    problems = []
    staff = config.get("STAFF_EMAILS")
    if staff:  # a JSON list: settings.typed refused anything else
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
        if value is None:
            continue  # PROXY_HOPS unset: _proxy_problems explains
        if value < smallest:  # whole numbers already: settings.typed refused anything else
            problems.append(f"FLASK_{name} must be a whole number of at least {smallest}, not {value!r}.")
    for name in ("PICKUP_SECONDS", "PICKUP_LINK_DAYS"):
        if config.get(name) is not None and config[name] <= 0:
            problems.append(f"FLASK_{name} must be more than 0, not {config[name]!r}.")
    return problems


def _on_call_problems(config: dict[str, Any]) -> list[str]:
    """Escalation addresses that are not addresses, and notice URLs Apprise cannot send to."""
    problems = []
    bad = [str(a) for a in config.get("ESCALATION_EMAILS") or [] if not _valid_email(a)]
    if bad:
        problems.append(f"FLASK_ESCALATION_EMAILS has addresses that are not valid email addresses: {', '.join(bad)}.")
    for index, url in enumerate(config.get("ALERT_URLS") or []):
        if apprise.Apprise.instantiate(str(url)) is None:
            # Only the scheme is shown: the rest of an Apprise URL is usually a secret token.
            scheme = str(url).split("://", 1)[0] if "://" in str(url) else "no scheme"
            problems.append(
                f"FLASK_ALERT_URLS entry {index + 1} ({scheme}://…) is not a URL Apprise can send to: "
                "see https://github.com/caronc/apprise/wiki for each service's form."
            )
    return problems


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


def check_config_problems(config: dict[str, Any], database_folder: Path) -> list[str]:
    """What ``flask check-config`` lists: everything `production_problems` finds, and also that the
    site is not in production mode or cannot write beside its database."""
    problems = []
    if not config["PRODUCTION"]:
        problems.append("FLASK_PRODUCTION is not true: set FLASK_PRODUCTION=true on the server.")
    problems += production_problems(config)
    if not os.access(database_folder, os.W_OK):
        problems.append(f"FLASK_DATABASE: the folder {database_folder} is not writable by this user.")
    if config["PRODUCTION"]:
        problems += same_disk_problems(config, database_folder)
    return problems
