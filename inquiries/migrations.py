"""The database's versioned migrations, applied in order by ``store.init_schema`` on every start and by
``flask init-db``, each recorded in ``_sqlite_migrations`` (sqlite-utils' migrations).

``store`` creates the tables as the first release had them; the migrations here bring the file up
to date. The first three come from releases that did not record migrations: a file from one of
those already has some of them, so each of the three looks at the schema and does only what is
missing, and recording it on such a file is then true. Every later one runs once, when it is first
pending, and is recorded in the same transaction.

:func:`upgrade` must run inside the write transaction (``db.immediate``): a worker reads what is
pending only once it holds the lock, so of several workers starting together the first applies
every migration and the others find none pending.

See what a file has, and what it still lacks, without changing it::

    .venv/bin/sqlite-utils migrate data/site.db inquiries/migrations.py --list
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("recovery-site")

OUTBOX_COLUMNS = (
    "id, inquiry_id, message_id, status, attempts, created_at, next_attempt_at, "
    "claimed_by, claimed_until, sent_at, last_error"
)

# The outbox carries two kinds of staff email: one per inquiry, and the digest of inquiries held
# as spam (`inquiries.digest`). Exactly one of inquiry_id and digest_id is set.
OUTBOX_TABLE = """
CREATE TABLE outbox_upgraded (
   "id" INTEGER PRIMARY KEY,
   "inquiry_id" INTEGER REFERENCES "inquiries"("id"),
   "message_id" TEXT,
   "status" TEXT NOT NULL DEFAULT 'pending',
   "attempts" INTEGER DEFAULT 0,
   "created_at" REAL NOT NULL,
   "next_attempt_at" REAL NOT NULL,
   "claimed_by" TEXT,
   "claimed_until" REAL,
   "sent_at" REAL,
   "last_error" TEXT,
   "digest_id" INTEGER REFERENCES "spam_digests"("id"),
   CHECK ((inquiry_id IS NULL) != (digest_id IS NULL))
)
"""


def upgrade(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration in order, recording each; returns the names applied.

    Call inside the write transaction (``db.immediate``), which then covers the reading of what
    is pending, every migration and its record: sqlite-utils runs each migration in a savepoint
    of that transaction, and nothing is committed until the caller commits.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("upgrade() must run inside the write transaction (db.immediate)")
    pending = [migration.name for migration in migrations.pending(db)]
    if pending:
        migrations.apply(db)
    return pending


def applied(db: sqlite_utils.Database) -> list[str]:
    """The names of the migrations recorded in this file, in the order they were applied."""
    return [migration.name for migration in migrations.applied(db)]


@migrations()
def add_heartbeat(db: sqlite_utils.Database) -> None:
    """One row that /healthz rewrites to prove the database still takes a committed write."""
    db.execute("CREATE TABLE IF NOT EXISTS heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), written_at REAL NOT NULL)")


@migrations()
def add_spam_digests(db: sqlite_utils.Database) -> None:
    """A row per digest sent to staff, and on each held inquiry the digest that listed it."""
    db.execute("CREATE TABLE IF NOT EXISTS spam_digests (id INTEGER PRIMARY KEY, created_at REAL NOT NULL)")
    if "spam_digest_id" not in db["inquiries"].columns_dict:
        db.execute('ALTER TABLE inquiries ADD COLUMN spam_digest_id INTEGER REFERENCES "spam_digests"("id")')
    # The sender asks "anything held and not yet in a digest?" every few seconds: keep it an index probe.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_inquiries_held_undigested ON inquiries (id)"
        " WHERE spam_digest_id IS NULL AND emailed = 0 AND spam_reason IS NOT NULL AND spam_reason != ''"
    )


@migrations()
def let_outbox_carry_digests(db: sqlite_utils.Database) -> None:
    """Rebuild the outbox with a nullable ``inquiry_id`` and a ``digest_id`` (SQLite cannot alter NOT NULL)."""
    if "digest_id" in db["outbox"].columns_dict:
        return
    db.execute(OUTBOX_TABLE)
    db.execute(f"INSERT INTO outbox_upgraded ({OUTBOX_COLUMNS}) SELECT {OUTBOX_COLUMNS} FROM outbox")  # noqa: S608
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_upgraded RENAME TO outbox")
    db.execute('CREATE INDEX "idx_outbox_status_next_attempt_at" ON "outbox" ("status", "next_attempt_at")')
    db.execute('CREATE INDEX "idx_outbox_inquiry_id" ON "outbox" ("inquiry_id")')


@migrations()
def add_pickup(db: sqlite_utils.Database) -> None:
    """Who picked an inquiry up and when, when it was escalated, and each sender's last run.

    ``picked_up_at`` and ``escalated_at`` are UTC ISO 8601 text like ``created_at``; ``sender_runs``
    holds one row per sender, its ``ran_at`` a Unix time like the outbox's.
    """
    columns = db["inquiries"].columns_dict
    for column in ("picked_up_by", "picked_up_at", "escalated_at"):
        if column not in columns:
            db.execute(f"ALTER TABLE inquiries ADD COLUMN {column} TEXT")
    if "escalated_at" not in columns:
        # Inquiries from before pick-up existed were handled without it: marked as past escalation,
        # or the first round after the upgrade would send a reminder for every one of them.
        db.execute("UPDATE inquiries SET escalated_at = created_at")
    db.execute("CREATE TABLE IF NOT EXISTS sender_runs (worker TEXT PRIMARY KEY, ran_at REAL NOT NULL)")


@migrations()
def add_outbox_route(db: sqlite_utils.Database) -> None:
    """Which SMTP route delivered each message: ``primary`` or ``backup`` (NULL: not sent yet)."""
    if "route" not in db["outbox"].columns_dict:
        db.execute("ALTER TABLE outbox ADD COLUMN route TEXT")


@migrations()
def add_escalation(db: sqlite_utils.Database) -> None:
    """The kind of each outbox message: ``inquiry`` (the staff email), ``digest`` (the spam digest)
    or ``escalation`` (the reminder that nobody has picked the inquiry up); and an index for the
    question the sender asks every round, which inquiries are due for escalation."""
    if "kind" not in db["outbox"].columns_dict:
        db.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'inquiry'")
        db.execute("UPDATE outbox SET kind = 'digest' WHERE digest_id IS NOT NULL")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_inquiries_awaiting_pickup ON inquiries (created_at)"
        " WHERE picked_up_at IS NULL AND escalated_at IS NULL AND emailed = 1"
        " AND (spam_reason IS NULL OR spam_reason = '')"
    )


@migrations()
def add_alerts(db: sqlite_utils.Database) -> None:
    """On-call notices ride the outbox: what each says and where it goes (``payload``), and when a
    staff email that waited too long was reported (``alarmed_at``, so once)."""
    columns = db["outbox"].columns_dict
    if "payload" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN payload TEXT")
    if "alarmed_at" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN alarmed_at REAL")


NOTICE_OUTBOX_COLUMNS = (
    "id, inquiry_id, message_id, status, attempts, created_at, next_attempt_at, claimed_by, claimed_until, "
    "sent_at, last_error, digest_id, route, kind, payload, alarmed_at"
)


@migrations()
def let_outbox_carry_notices(db: sqlite_utils.Database) -> None:
    """Rebuild the outbox so an on-call notice about no inquiry (a stopped sender) fits: every other
    message still names exactly one inquiry or one digest (SQLite cannot alter a CHECK)."""
    db.execute(
        OUTBOX_TABLE.replace(
            "   CHECK ((inquiry_id IS NULL) != (digest_id IS NULL))\n",
            '   "route" TEXT,\n'
            "   \"kind\" TEXT NOT NULL DEFAULT 'inquiry',\n"
            '   "payload" TEXT,\n'
            '   "alarmed_at" REAL,\n'
            "   CHECK (kind = 'alert' OR (inquiry_id IS NULL) != (digest_id IS NULL))\n",
        )
    )
    columns = NOTICE_OUTBOX_COLUMNS
    db.execute(f"INSERT INTO outbox_upgraded ({columns}) SELECT {columns} FROM outbox")  # noqa: S608
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_upgraded RENAME TO outbox")
    db.execute('CREATE INDEX "idx_outbox_status_next_attempt_at" ON "outbox" ("status", "next_attempt_at")')
    db.execute('CREATE INDEX "idx_outbox_inquiry_id" ON "outbox" ("inquiry_id")')


@migrations()
def add_language(db: sqlite_utils.Database) -> None:
    """The language of the form each inquiry came through (``en``, ``es``): staff call back in it.
    Every inquiry before it came through the English form."""
    if "language" not in db["inquiries"].columns_dict:
        db.execute("ALTER TABLE inquiries ADD COLUMN language TEXT NOT NULL DEFAULT 'en'")
