"""In-place upgrades of an existing database, run by ``store.init_schema`` on every start.

``store`` creates the tables as the first release had them; each step here then brings the file up
to date. A step looks at the schema itself and does nothing when its change is already there, so a
database from any earlier release, and one created a moment ago, end up with the same tables, and
several workers starting together (each under the write lock) upgrade it once.
"""

from __future__ import annotations

import sqlite_utils

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


def upgrade(db: sqlite_utils.Database) -> None:
    """Apply every step that the file still lacks (call inside a write transaction)."""
    add_heartbeat(db)
    add_spam_digests(db)
    let_outbox_carry_digests(db)
    add_sender_runs(db)


def add_heartbeat(db: sqlite_utils.Database) -> None:
    """One row that /healthz rewrites to prove the database still takes a committed write."""
    db.execute("CREATE TABLE IF NOT EXISTS heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), written_at REAL NOT NULL)")


def add_sender_runs(db: sqlite_utils.Database) -> None:
    """A row per sender loop with the time its last round ended: /healthz tells a stopped sender by it."""
    db.execute("CREATE TABLE IF NOT EXISTS sender_runs (worker TEXT PRIMARY KEY, ran_at REAL NOT NULL)")


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
