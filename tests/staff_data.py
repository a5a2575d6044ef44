"""Inquiries saved through the real store into a test app's database file, and read back raw."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from inquiries import db as dbmod
from inquiries import store

REAL = {
    "name": "Maria Lopez",
    "phone": "+12125550143",
    "email": "maria@example.com",
    "contact_method": "call",
    "voicemail_ok": "yes",
    "who": "loved_one",
    "insurance": "Aetna",
    "message": "My son needs help.",
}


def canary() -> str:
    return "CANARY" + secrets.token_hex(8).upper()


def db_path(app) -> Path:
    return dbmod.database_path(app)


def save(app, *, spam: str | None = None, age_days: float = 0, **fields) -> str:
    """Save one inquiry through the real store, optionally back-dated."""
    db = dbmod.connect(db_path(app))
    try:
        saved = store.save_inquiry(
            db, {**REAL, **fields}, submission_key=secrets.token_hex(16), spam_reason=spam, send_email=spam is None
        )
        if age_days:
            when = dt.datetime.now(dt.UTC) - dt.timedelta(days=age_days)
            db.execute(
                "UPDATE inquiries SET created_at = ? WHERE ref = ?", [when.isoformat(timespec="seconds"), saved.ref]
            )
        return saved.ref
    finally:
        db.conn.close()


def raw_bytes(app) -> bytes:
    """Everything SQLite has on disk for the database: the file, its WAL and shared memory."""
    path = db_path(app)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def rows(app, sql: str, params=()) -> list[dict]:
    db = dbmod.connect(db_path(app))
    try:
        return list(db.query(sql, params))
    finally:
        db.conn.close()
