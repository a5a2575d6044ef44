"""Pick-up: a person says "I'm contacting them" about an inquiry, from a signed link in the staff
email (``views.staff``) or by hand (``flask inquiries pickup REF --by NAME``).

The link's token is signed with ``SECRET_KEY`` under a salt of its own, so no other signed value of
the site (a CSRF token, a form timer) is ever a pick-up token. It names the inquiry (reference and
row id, so a token outlives neither its inquiry nor a later one given the same id) and the staff
address the link was listed for. Its timestamp is the inquiry's ``created_at``: every retry of the
same email carries the very same link, and a link is good for ``PICKUP_LINK_DAYS`` from the moment
the inquiry came in. The token is signed, not secret: it holds nothing a visitor wrote.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import sqlite_utils
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from inquiries.db import immediate

PATH = "/staff/pickup/"
SALT = "staff pick-up link"


def _serializer(secret_key: str, clock: float | None) -> URLSafeTimedSerializer:
    """The pick-up serializer; its timestamps are ``clock`` (seconds since the epoch) or now."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() if clock is None else clock)

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=Signer)


def bare_address(address: Any) -> str:
    """``"Intake <intake@center.org>"`` or Flask-Mail's ``("Intake", "intake@center.org")`` →
    ``intake@center.org``."""
    if isinstance(address, list | tuple):
        address = address[-1]
    return parseaddr(str(address))[1] or str(address)


def created_epoch(created_at: str) -> float:
    """An inquiry's stored ``created_at`` (UTC ISO text) as seconds since the epoch."""
    moment = dt.datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def make_token(secret_key: str, inquiry: dict[str, Any], address: str, *, issued_at: float | None = None) -> str:
    """The token of the link for ``inquiry`` sent to staff ``address``, issued when it came in
    (or at ``issued_at``)."""
    when = created_epoch(inquiry["created_at"]) if issued_at is None else issued_at
    payload = {"r": inquiry["ref"], "i": inquiry.get("id"), "to": bare_address(address)}
    return _serializer(secret_key, when).dumps(payload)


def link(config: dict[str, Any], inquiry: dict[str, Any], address: str) -> str:
    """The full pick-up URL, on ``SITE_URL``, for ``inquiry`` as sent to ``address``."""
    return config["SITE_URL"].rstrip("/") + PATH + make_token(config["SECRET_KEY"], inquiry, address)


def links(config: dict[str, Any], inquiry: dict[str, Any], addresses: list) -> list[dict[str, str]]:
    """One link per staff address an email goes to: ``[{"address": …, "url": …}, …]``."""
    return [{"address": bare_address(a), "url": link(config, inquiry, a)} for a in addresses]


@dataclass(frozen=True)
class Claim:
    """What a valid token says: the inquiry (reference and id) and the staff address it went to."""

    ref: str
    inquiry_id: int
    address: str


def read_token(secret_key: str, token: str, *, max_age: float, now: float | None = None) -> Claim | None:
    """The claim of a genuine token at most ``max_age`` seconds old; None for anything else
    (tampered, expired, signed for another purpose, or not shaped like ours)."""
    try:
        payload = _serializer(secret_key, now).loads(token, max_age=max_age)
    except BadData:
        return None
    if not isinstance(payload, dict):
        return None
    ref, inquiry_id, address = payload.get("r"), payload.get("i"), payload.get("to")
    if not (isinstance(ref, str) and type(inquiry_id) is int and isinstance(address, str) and address):
        return None
    return Claim(ref, inquiry_id, address)


def max_age(config: dict[str, Any]) -> float:
    """``PICKUP_LINK_DAYS`` in seconds."""
    return float(config["PICKUP_LINK_DAYS"]) * 86400


def inquiry_for(db: sqlite_utils.Database, claim: Claim) -> dict | None:
    """The inquiry a claim names, if it still exists and is the same one (reference and id)."""
    rows = list(
        db.query(
            "SELECT id, ref, created_at, picked_up_by, picked_up_at FROM inquiries WHERE id = ? AND ref = ?",
            [claim.inquiry_id, claim.ref],
        )
    )
    return rows[0] if rows else None


@dataclass(frozen=True)
class Outcome:
    """A pick-up as stored: by whom and when; ``recorded`` is false if it had been made before."""

    ref: str
    created_at: str
    picked_up_by: str
    picked_up_at: str
    recorded: bool


def now_iso(now: float | None = None) -> str:
    """UTC ISO 8601 to the second, as ``created_at`` is stored."""
    moment = time.time() if now is None else now
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="seconds")


def record(db: sqlite_utils.Database, inquiry_id: int, by: str, *, now: float | None = None) -> Outcome | None:
    """Record that ``by`` picked up the inquiry, unless someone did before (then nothing changes).

    None if there is no such inquiry.
    """
    with immediate(db):
        changed = db.execute(
            "UPDATE inquiries SET picked_up_by = ?, picked_up_at = ? WHERE id = ? AND picked_up_at IS NULL",
            [by, now_iso(now), inquiry_id],
        ).rowcount
        rows = list(
            db.query("SELECT ref, created_at, picked_up_by, picked_up_at FROM inquiries WHERE id = ?", [inquiry_id])
        )
    if not rows:
        return None
    row = rows[0]
    return Outcome(row["ref"], row["created_at"], row["picked_up_by"], row["picked_up_at"], recorded=bool(changed))
