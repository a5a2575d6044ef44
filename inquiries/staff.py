"""Staff tools' work: read, export (spreadsheet-safe CSV), erase and purge inquiries.

The commands that call these are in ``inquiries.staff_cli``::

    inquiries list [--since DATE] [--spam]      inquiries show REF
    inquiries export --output FILE.csv [--spam] [--since DATE]
    inquiries erase REF [--yes]                 inquiries purge [--older-than-days N]
    inquiries pickup REF --by NAME              inquiries report [--since DATE]

Deleting is done with ``secure_delete`` on (set on every connection, see db.py) and followed by a
``wal_checkpoint(TRUNCATE)``, so erased and purged text is overwritten in the database file and
gone from the write-ahead log, not merely unlinked. With a replica, Litestream (which holds a
read transaction so that it alone checkpoints) is stopped just before the checkpoint and
``flask replica run`` starts it again: see replica/pause.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlite_utils

from inquiries.db import immediate
from inquiries.store import FIELDS
from inquiries.words import LABELS, local_time, words, zone_name

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


# ---------------------------------------------------------------- reading


def is_spam_sql(spam: bool) -> str:
    """SQL condition selecting suspected spam (``spam``) or real inquiries."""
    flagged = "(spam_reason IS NOT NULL AND spam_reason != '')"
    return flagged if spam else f"NOT {flagged}"


# Each inquiry with its staff email's state: the latest outbox row's status, and the route that
# delivered it ("primary" or "backup"; None while not sent).
WITH_EMAIL = """inquiries.*,
    (SELECT status FROM outbox WHERE outbox.inquiry_id = inquiries.id AND kind = 'inquiry'
        ORDER BY outbox.id DESC LIMIT 1) AS email_status,
    (SELECT coalesce(route, 'primary') FROM outbox WHERE outbox.inquiry_id = inquiries.id AND kind = 'inquiry'
        AND status = 'sent' ORDER BY outbox.id DESC LIMIT 1) AS email_route"""


def query_inquiries(db: sqlite_utils.Database, *, since: str | None = None, spam: bool = False) -> list[dict]:
    """Inquiries oldest first, each with ``email_status`` (the latest outbox row's status or None)."""
    where, params = [is_spam_sql(spam)], []
    if since:
        where.append("created_at >= ?")
        params.append(since)
    sql = f"SELECT {WITH_EMAIL} FROM inquiries WHERE {' AND '.join(where)} ORDER BY created_at, id"  # noqa: S608
    return list(db.query(sql, params))


def find(db: sqlite_utils.Database, ref: str) -> dict | None:
    """One inquiry by reference (case and dashes forgiven: ``k7q2m9xd`` finds ``K7Q2-M9XD``)."""
    ref = normalise_ref(ref)
    rows = list(
        db.query(
            f"SELECT {WITH_EMAIL} FROM inquiries WHERE ref = ?",  # noqa: S608 - fixed SQL
            [ref],
        )
    )
    return rows[0] if rows else None


def normalise_ref(ref: str) -> str:
    """``k7q2 m9xd`` → ``K7Q2-M9XD``; anything not eight characters is returned upper-cased."""
    chars = re.sub(r"[^0-9A-Za-z]", "", ref).upper()
    return f"{chars[:4]}-{chars[4:]}" if len(chars) == 8 else ref.strip().upper()


def spreadsheet_safe(value) -> str:
    """Neutralise CSV injection: a cell that a spreadsheet would run as a formula gets a leading ``'``."""
    text = "" if value is None else str(value)
    first = text.lstrip(" ")[:1]
    if text[:1] in FORMULA_STARTS or (first and first in FORMULA_STARTS):
        return "'" + text
    return text


def pickup_minutes(row: dict) -> float | None:
    """Minutes from an inquiry's arrival to its pick-up; None if nobody has picked it up."""
    if not row.get("picked_up_at"):
        return None
    try:
        taken = dt.datetime.fromisoformat(row["picked_up_at"]) - dt.datetime.fromisoformat(row["created_at"])
    except (TypeError, ValueError):
        return None
    return taken.total_seconds() / 60


def minutes_text(minutes: float | None) -> str:
    """``14`` for 14.2 minutes (whole minutes, rounded); empty when there is no figure."""
    return "" if minutes is None else str(round(minutes))


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` (0…1) percentile of ``values``, interpolated between the two nearest ranks
    (the median of two values is their mean). ``values`` must not be empty."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def pickup_report(db: sqlite_utils.Database, *, since: str | None = None) -> dict:
    """Counts of real inquiries (spam left out) picked up and not yet, the median and 90th
    percentile minutes to pick-up, the inquiries never picked up, and how many spam were left out."""
    rows = query_inquiries(db, since=since)
    spam = len(query_inquiries(db, since=since, spam=True))
    minutes = [m for m in (pickup_minutes(r) for r in rows) if m is not None]
    waiting = [r for r in rows if not r.get("picked_up_at")]
    return {
        "inquiries": len(rows),
        "picked_up": len(rows) - len(waiting),
        "not_yet": len(waiting),
        "median_minutes": percentile(minutes, 0.5) if minutes else None,
        "p90_minutes": percentile(minutes, 0.9) if minutes else None,
        "never_picked_up": waiting,
        "spam_left_out": spam,
    }


EXPORT_TIMES = ("created_at", "picked_up_at")


def write_csv(rows: Iterable[dict], path: Path, *, zone: dt.tzinfo, spam: bool) -> int:
    """Write the export (UTF-8 with a BOM so spreadsheets read accents; owner-only permissions)."""
    columns = [
        "ref",
        "created_at",
        "language",
        *FIELDS,
        "email_status",
        "picked_up_by",
        "picked_up_at",
        "pickup_minutes",
    ]
    columns += ["spam_reason"] if spam else []
    header = [LABELS[c] + (f" ({zone_name(zone)} time)" if c == "created_at" else "") for c in columns]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when overwriting a file that was readable by others
    count = 0
    with open(fd, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            cells = [_cell(row, c, zone) for c in columns]
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
            count += 1
    return count


def _cell(row: dict, column: str, zone: dt.tzinfo) -> str:
    if column in EXPORT_TIMES:
        return local_time(row[column], zone) if row.get(column) else ""
    if column == "pickup_minutes":
        return minutes_text(pickup_minutes(row))
    return words(column, row.get(column))


# ---------------------------------------------------------------- deleting


def referencing_tables(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key to ``inquiries``: the outbox and anything added later."""
    found = []
    for table in db.table_names():
        for fk in db[table].foreign_keys:
            if fk.other_table == "inquiries":
                found.append((table, fk.column))
    return found


def delete_inquiries(db: sqlite_utils.Database, ids: list[int]) -> dict[str, int]:
    """Delete inquiries and every row that refers to them, in one transaction; counts per table."""
    counts = {"inquiries": 0}
    if not ids:
        return counts
    with immediate(db):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for table, column in referencing_tables(db):
                cursor = db.execute(f"DELETE FROM [{table}] WHERE [{column}] IN ({marks})", chunk)  # noqa: S608
                counts[table] = counts.get(table, 0) + cursor.rowcount
            cursor = db.execute(f"DELETE FROM inquiries WHERE id IN ({marks})", chunk)  # noqa: S608
            counts["inquiries"] += cursor.rowcount
    return counts


def checkpoint(db: sqlite_utils.Database, attempts: int = 5) -> bool:
    """Copy the write-ahead log into the database file and truncate it to zero bytes.

    Until this runs, the WAL still holds the pages as they were before a delete. Returns False if
    readers kept it busy (a later run, or the next purge, finishes the job).
    """
    for attempt in range(attempts):
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        time.sleep(0.2 * (attempt + 1))
    return False


def erase(
    db: sqlite_utils.Database, ref: str, before_checkpoint: Callable[[], None] | None = None
) -> dict[str, int] | None:
    """Remove one inquiry and everything that refers to it; None if there is no such reference.

    ``before_checkpoint`` runs between the delete and the checkpoint (it stops Litestream).
    """
    row = find(db, ref)
    if row is None:
        return None
    counts = delete_inquiries(db, [row["id"]])
    if before_checkpoint:
        before_checkpoint()
    counts["checkpointed"] = int(checkpoint(db))
    return counts


def purge(
    db: sqlite_utils.Database,
    *,
    days: int,
    spam_days: int,
    now: float | None = None,
    before_checkpoint: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Delete inquiries older than ``days``, and suspected spam older than ``spam_days`` (then
    ``before_checkpoint``, then the checkpoint, as in `erase`)."""
    now = time.time() if now is None else now
    cutoff = _iso(now - days * 86400)
    spam_cutoff = _iso(now - min(days, spam_days) * 86400)
    rows = list(
        db.query(
            f"""SELECT id, {is_spam_sql(True)} AS spam FROM inquiries
                WHERE created_at < ? OR ({is_spam_sql(True)} AND created_at < ?)""",  # noqa: S608
            [cutoff, spam_cutoff],
        )
    )
    counts = delete_inquiries(db, [r["id"] for r in rows])
    counts["spam"] = sum(1 for r in rows if r["spam"])
    if before_checkpoint:
        before_checkpoint()
    counts["checkpointed"] = int(checkpoint(db))
    return counts


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def erase_sink_copies(mail_dir: Path, ref: str) -> int:
    """Delete the local mail sink's saved copies of an inquiry's email (``make run`` only)."""
    removed = 0
    if mail_dir.is_dir():
        for eml in mail_dir.glob("*.eml"):
            if ref.encode() in eml.read_bytes():
                eml.unlink()
                removed += 1
    return removed
