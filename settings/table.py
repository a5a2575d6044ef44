"""The table of every setting the site reads: its name, default, type and meaning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEMO_PHONE = "+1 555-010-0199"
DEMO_SECRET_KEY = "demo-secret-key-change-me"  # noqa: S105 - a known demo value, refused in production
DEMO_DOMAIN = "example.org"
DEMO_COLOR = "#0b5d4b"

# Where `make run`'s local mail sink (inquiries/mailsink.py) listens and saves: the default SMTP
# server, so the demo always sends real SMTP. The folder is relative to the project folder.
SINK_HOST = "127.0.0.1"
SINK_PORT = 8025
SINK_FOLDER = "data/mail"


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name without the ``FLASK_`` prefix, default and meaning.

    ``kind`` is the type its value is read as: the default's type unless stated (``float`` for
    seconds, which may be fractional; the type of a setting whose default is None).
    """

    name: str
    default: Any
    meaning: str
    kind: type | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SECRET_KEY", DEMO_SECRET_KEY, "Signs sessions, CSRF tokens and form timers. Long and random in production."
    ),
    Setting("PRODUCTION", False, "true on a real server: refuses demo values, turns on HSTS and Secure cookies."),
    Setting("DATABASE", "data/site.db", "Path of the SQLite database file (relative to the project folder)."),
    Setting("MAIL_SERVER", SINK_HOST, "SMTP server for staff email. Unset: `make run` starts a local sink."),
    Setting("MAIL_PORT", SINK_PORT, "SMTP port (587 for STARTTLS, 465 for implicit TLS)."),
    Setting("MAIL_USE_TLS", False, "true: STARTTLS after connecting (port 587)."),
    Setting("MAIL_USE_SSL", False, "true: implicit TLS from the first byte (port 465)."),
    Setting("MAIL_USERNAME", None, "SMTP login, if the server needs one.", str),
    Setting("MAIL_PASSWORD", None, "SMTP password, if the server needs one.", str),
    Setting(
        "MAIL_DEFAULT_SENDER",
        f"website@{DEMO_DOMAIN}",
        "From address of staff email; use the site's own domain.",
        tuple,  # or Flask-Mail's ["Name", "address"]
    ),
    Setting("MAIL_BACKUP_SERVER", None, "A second SMTP server, tried after the first one fails. Unset: none.", str),
    Setting("MAIL_BACKUP_PORT", 587, "The second server's port (587 for STARTTLS, 465 for implicit TLS)."),
    Setting("MAIL_BACKUP_USE_TLS", True, "true: STARTTLS to the second server (port 587)."),
    Setting("MAIL_BACKUP_USE_SSL", False, "true: implicit TLS to the second server (port 465)."),
    Setting("MAIL_BACKUP_USERNAME", None, "SMTP login on the second server, if it needs one.", str),
    Setting("MAIL_BACKUP_PASSWORD", None, "SMTP password on the second server, if it needs one.", str),
    Setting(
        "MAIL_CA_FILE", None, "PEM file of the CA that signed the SMTP server's certificate, if not a public CA.", str
    ),
    Setting("MAIL_TIMEOUT", 20, "Seconds before an SMTP connection or reply is given up (at most 30).", float),
    Setting(
        "MAIL_DATA_TIMEOUT",
        600,
        "Seconds to wait for the server's answer after the message itself (at most 600, as RFC 5321 allows).",
        float,
    ),
    Setting("STAFF_EMAILS", [], 'JSON list of staff addresses that receive inquiries, e.g. ["intake@center.org"].'),
    Setting(
        "PICKUP_SECONDS",
        1800,
        "An inquiry nobody has picked up after this long is escalated, once, to ESCALATION_EMAILS.",
        float,
    ),
    Setting("ESCALATION_EMAILS", [], "JSON list of addresses for escalations. Empty: the staff addresses again."),
    Setting(
        "ALERT_URLS",
        [],
        "JSON list of Apprise URLs (ntfy, Pushover, SMS, Slack, Teams, email…) for short on-call notices.",
    ),
    Setting("OUTBOX_WORKER", True, "true: a sender thread runs in each web process; false: run `flask outbox work`."),
    Setting("OUTBOX_POLL_SECONDS", 5, "How often an idle sender looks for new messages.", float),
    Setting(
        "OUTBOX_RETRY_BASE_SECONDS", 30, "First retry delay after a temporary SMTP failure; doubles each time.", float
    ),
    Setting("OUTBOX_RETRY_MAX_SECONDS", 3600, "Longest delay between two retries.", float),
    Setting(
        "OUTBOX_LEASE_SECONDS",
        900,
        "A claim older than this (a crashed sender) is taken back. More than MAIL_DATA_TIMEOUT + 5 × MAIL_TIMEOUT.",
        float,
    ),
    Setting("OUTBOX_ALARM_SECONDS", 900, "/healthz answers 503 when a message has waited longer than this.", float),
    Setting(
        "HEALTH_WRITE_SECONDS",
        10,
        "/healthz proves a database write at most this often per process (at most 20).",
        float,
    ),
    Setting(
        "CONTACT_RATE_LIMIT",
        "5 per hour",
        "Inquiries accepted per client address (one count for all workers, kept in the database).",
    ),
    Setting(
        "CONTACT_MIN_SECONDS", 3, "A form sent sooner than this after it was shown is marked possible spam.", float
    ),
    Setting("CONTACT_TOKEN_SECONDS", 6 * 3600, "How long a form's CSRF token and timer stay valid.", float),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, "Largest request body accepted, in bytes (larger gets a friendly 413)."),
    Setting(
        "PROXY_HOPS",
        None,
        "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (unset: none). "
        "Required in production: 1 behind the Caddy or nginx of deploy/.",
        int,
    ),
    Setting("RETENTION_DAYS", 180, "Inquiries older than this are purged by `flask inquiries purge`."),
    Setting("SPAM_RETENTION_DAYS", 30, "Inquiries flagged as spam are purged after this many days."),
    Setting(
        "SPAM_DIGEST_SECONDS",
        86400,
        "Staff get one email this often listing inquiries held as spam (none if none).",
        float,
    ),
    Setting(
        "PICKUP_LINK_DAYS",
        7,
        "Days the \"I'm contacting them\" link in a staff email works, counted from the inquiry's arrival.",
        float,
    ),
    Setting(
        "REPLICA_URL",
        "",
        "Where Litestream streams the database, off this machine: s3://bucket/path, sftp://user@host/path or "
        "file:///path. Empty: no replication.",
    ),
    Setting("REPLICA_SSH_KEY", None, "Private key file for an sftp:// replica (else a password in the URL).", str),
    Setting("REPLICA_SYNC_SECONDS", 1, "How often Litestream ships new writes to the replica.", float),
    Setting(
        "REPLICA_SNAPSHOT_SECONDS",
        3600,
        "How often the replica gets a full snapshot; history before the oldest kept snapshot is deleted.",
        float,
    ),
    Setting(
        "REPLICA_RETENTION_SECONDS",
        None,
        "How long the replica keeps snapshots and history (point-in-time restore). Unset: one day, "
        "never more than RETENTION_DAYS. Erased text leaves the replica within this + 2 × REPLICA_SNAPSHOT_SECONDS.",
        float,
    ),
    Setting(
        "REPLICA_CAUGHT_UP_SECONDS",
        2,
        "`replica status` says caught up (exit 0) when the replica has every write older than this.",
        float,
    ),
    Setting(
        "REPLICA_BEHIND_SECONDS",
        60,
        '`replica status` exits 1 and /healthz says "replica": "behind" past this many seconds of lag.',
        float,
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
    Setting(
        "SITE_SPANISH_PHONE",
        None,
        "A line answered in Spanish, shown and dialled from every Spanish page. Unset: none is promised.",
        str,
    ),
    Setting(
        "SITE_LANGUAGE_HELP",
        {},
        "JSON object by language of the language help you offer, shown as written on that language's pages, e.g. "
        '{"en": "Interpreters on our 24/7 line", "es": "Intérpretes en nuestra línea 24/7"}. Empty: none is promised.',
    ),
    Setting("SITE_URL", f"https://www.{DEMO_DOMAIN}", "Public base URL, for canonical links and the sitemap."),
    Setting("SITE_EXIT_URL", "https://www.google.com/", "Where the quick-exit button goes: a neutral site."),
    # The center's own look and pages (the logo and colour, /about and /programs)
    Setting(
        "SITE_LOGO",
        None,
        "SVG or PNG shown before the name in the header (relative to the project folder, e.g. instance/logo.svg). "
        "At most 5 KB; unset: the name only.",
        str,
    ),
    Setting(
        "SITE_COLOR",
        DEMO_COLOR,
        "Colour of buttons and links, #rrggbb; needs 4.5:1 contrast with white (WCAG AA), checked at start.",
    ),
    Setting(
        "CENTER_FILE",
        "content/center.toml",
        "The file /about and /programs are built from: who you are, licenses, team, programs (relative to the project folder).",
    ),
)


def defaults() -> dict[str, Any]:
    """Return a fresh mapping of every setting to its default value."""
    return {s.name: (type(s.default)(s.default) if isinstance(s.default, list | dict) else s.default) for s in SETTINGS}
