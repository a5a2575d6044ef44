"""Inquiries on disk: the schema and the one-transaction save of an inquiry with its email."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from inquiries import migrations, outbox, ratelimit
from inquiries.db import immediate

FIELDS = ("name", "phone", "email", "contact_method", "voicemail_ok", "who", "insurance", "message")

# Unambiguous on a phone call: no 0/O, 1/I/L.
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def init_schema(db: sqlite_utils.Database) -> list[str]:
    """Create the first release's tables if they are missing, then apply the pending migrations (safe on
    every start); returns the names of the migrations applied, in order.

    Several workers start at once on a fresh file: the write lock taken up front makes them queue,
    and each reads what is pending only once it holds the lock, so every migration runs once.
    """
    with immediate(db):
        _create_tables(db)
        return migrations.upgrade(db)


def _create_tables(db: sqlite_utils.Database) -> None:
    # The tables as the first release made them (the outbox's is in `outbox`); later changes are
    # the recorded migrations in `migrations`.
    db["inquiries"].create(
        {
            "id": int,
            "ref": str,
            "submission_key": str,
            "created_at": str,
            **{f: str for f in FIELDS},
            "spam_reason": str,
            "emailed": int,
        },
        pk="id",
        not_null={"ref", "submission_key", "created_at"},
        if_not_exists=True,
    )
    db["inquiries"].create_index(["ref"], unique=True, if_not_exists=True)
    db["inquiries"].create_index(["submission_key"], unique=True, if_not_exists=True)
    db["inquiries"].create_index(["created_at"], if_not_exists=True)
    outbox.create_table(db)
    ratelimit.init_schema(db)


def new_ref() -> str:
    """An opaque reference a person can read out on the phone, e.g. ``K7Q2-M9XD``."""
    chars = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the inquiry's reference and whether this call created it."""

    ref: str
    created: bool


def save_inquiry(
    db: sqlite_utils.Database,
    fields: dict[str, str],
    *,
    submission_key: str,
    spam_reason: str | None = None,
    send_email: bool = True,
    domain: str = "localhost",
    admit: Callable[[sqlite3.Connection], None] | None = None,
    announce: Callable[[sqlite_utils.Database, dict], None] | None = None,
    language: str = "en",
) -> Saved:
    """Store an inquiry and, unless ``send_email`` is false, its outbox message in one transaction.

    Idempotent on ``submission_key``: a repeat (double tap, network retry, refresh) returns the
    reference of the first save and writes nothing. ``admit`` runs inside that transaction, after
    the repeat check and before the insert, and refuses a new inquiry by raising (the rate limit):
    every process takes the same lock, so a repeat is never counted and a count is never raced.
    ``announce`` queues the on-call notices about a new inquiry that is emailed, in the same
    transaction (``inquiries.alerts``). ``language`` is the form's (``en`` or ``es``): staff call
    back in it.
    """
    existing = find_by_key(db, submission_key)
    if existing:
        return Saved(existing, created=False)
    now = time.time()
    row = {f: fields.get(f) or "" for f in FIELDS}
    row.update(
        ref=new_ref(),
        submission_key=submission_key,
        created_at=dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        spam_reason=spam_reason,
        emailed=int(send_email),
        language=language,
    )
    try:
        with immediate(db):  # one transaction: both rows, or neither
            existing = find_by_key(db, submission_key)  # a parallel request may have saved it meanwhile
            if existing:
                return Saved(existing, created=False)
            if admit is not None:
                admit(db.conn)
            inquiry_id = db["inquiries"].insert(row).last_pk
            if send_email:
                outbox.enqueue(db, f"inquiry-{row['ref']}", domain=domain, inquiry_id=inquiry_id, now=now)
                if announce is not None:
                    announce(db, {**row, "id": inquiry_id})
    except sqlite3.IntegrityError:
        # A parallel request with the same key won the race; answer with its reference.
        existing = find_by_key(db, submission_key)
        if existing:
            return Saved(existing, created=False)
        raise
    return Saved(row["ref"], created=True)


def find_by_key(db: sqlite_utils.Database, submission_key: str) -> str | None:
    """The reference of the inquiry saved under ``submission_key``, if any."""
    rows = list(db.query("SELECT ref FROM inquiries WHERE submission_key = ?", [submission_key]))
    return rows[0]["ref"] if rows else None


def get_inquiry(db: sqlite_utils.Database, ref: str) -> dict | None:
    """One inquiry by its reference."""
    rows = list(db.query("SELECT * FROM inquiries WHERE ref = ?", [ref]))
    return rows[0] if rows else None
