"""On-call notices through Apprise (ntfy, Pushover, SMS gateways, Slack, Teams, email…), one per
URL in ``ALERT_URLS``: a new inquiry, an escalation, a staff email dead or waiting past
``OUTBOX_ALARM_SECONDS``.

A notice says what happened, the reference(s), the time and a link, and never a name, phone
number, address, insurance or anything a visitor wrote: these services are outside any privacy
agreement. Notices ride the outbox (same retries) as rows of kind ``alert``, claimed by a loop of
their own (``inquiries.notifier``), so a notice service that is slow or down never holds up the
email to staff.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import apprise
import sqlite_utils
from flask import Flask

import settings
from inquiries import outbox, pickup
from inquiries.db import immediate
from inquiries.words import site_zone

log = logging.getLogger(__name__)


def _epoch(created_at: str) -> float:
    return dt.datetime.fromisoformat(created_at).timestamp()


def _when(config: dict[str, Any], moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, site_zone(config)).strftime("%H:%M %Z, %b %d")


def queue(
    db: sqlite_utils.Database,
    config: dict[str, Any],
    title: str,
    body: str,
    *,
    inquiry_id: int | None = None,
    digest_id: int | None = None,
    topic: str | None = None,
    now: float | None = None,
) -> int:
    """Queue one notice for each of ``ALERT_URLS`` (call inside the caller's write transaction);
    returns how many. ``title`` and ``body`` must hold nothing private. A notice is about an
    inquiry, a digest, or (``topic``) the site itself."""
    now = time.time() if now is None else now
    domain = settings.site_domain(config)
    for index, _url in enumerate(config.get("ALERT_URLS") or []):
        payload = json.dumps({"url": index, "title": title, "body": body, "topic": topic})
        outbox.enqueue(
            db,
            "alert",
            domain=domain,
            inquiry_id=inquiry_id,
            digest_id=digest_id,
            kind="alert",
            payload=payload,
            now=now,
        )
    return len(config.get("ALERT_URLS") or [])


SENDER_STOPPED = "sender stopped"


def report_stopped(app: Flask, db: sqlite_utils.Database, last_run: float | None, now: float | None = None) -> bool:
    """Queue the notice that no sender runs while mail waits, once per stop (a notice newer than the
    last sender run ``last_run`` means this stop was reported). True if it was queued now: the
    caller sends it at once, since no sender may be left to."""
    if not app.config.get("ALERT_URLS"):
        return False
    now = time.time() if now is None else now
    reported = "SELECT max(created_at) AS t FROM outbox WHERE kind = 'alert' AND json_extract(payload, '$.topic') = ?"
    latest = next(db.query(reported, [SENDER_STOPPED]))["t"]
    if latest is not None and (last_run is None or latest > last_run):
        return False  # a cheap read first: a monitor asks every minute while the sender is stopped
    with immediate(db):
        latest = next(db.query(reported, [SENDER_STOPPED]))["t"]
        if latest is not None and (last_run is None or latest > last_run):
            return False
        since = "never" if last_run is None else _when(app.config, last_run)
        body = (
            f"No sender has sent staff email since {since} while email waits. Inquiries are still saved; "
            f"start the site's sender (systemctl status recovery-site). {_health_link(app.config)}"
        )
        queue(db, app.config, "Staff email sender stopped", body, topic=SENDER_STOPPED, now=now)
    return True


# Who a pick-up made from a notice's link is recorded as (the link names no staff address).
ON_CALL = "on-call"


def pickup_link(config: dict[str, Any], inquiry: dict[str, Any]) -> str:
    """The inquiry's pick-up page, for a notice: it shows the reference and time, nothing else."""
    return pickup.link(config, inquiry, ON_CALL)


def announcer(config: dict[str, Any]):
    """``store.save_inquiry``'s ``announce``: the notices that an inquiry came in, or None when no
    ``ALERT_URLS`` are set."""
    if not config.get("ALERT_URLS"):
        return None
    return lambda db, inquiry: new_inquiry(db, config, inquiry)


def new_inquiry(db: sqlite_utils.Database, config: dict[str, Any], inquiry: dict[str, Any]) -> int:
    """The notice that an inquiry came in (queued in the transaction that stores it)."""
    ref, when = inquiry["ref"], _epoch(inquiry["created_at"])
    body = (
        f"Inquiry {ref} came in at {_when(config, when)}. "
        f"Open the link to say you are contacting them: {pickup_link(config, inquiry)}"
    )
    return queue(db, config, f"New inquiry {ref}", body, inquiry_id=inquiry["id"])


def escalated(db: sqlite_utils.Database, config: dict[str, Any], inquiry: dict[str, Any], minutes: int) -> int:
    """The notice that an inquiry has waited ``minutes`` without anyone picking it up."""
    ref = inquiry["ref"]
    body = (
        f"Nobody has picked up inquiry {ref} (received {_when(config, _epoch(inquiry['created_at']))}) in {minutes} "
        f"minutes. Please contact them now: {pickup_link(config, inquiry)}"
    )
    return queue(db, config, f"Inquiry {ref} not picked up", body, inquiry_id=inquiry["id"])


def report_dead(app: Flask, db: sqlite_utils.Database, row: dict, ref: str) -> None:
    """The notice that a staff email was given up: someone must call back from the list."""
    body = (
        f"The staff email for {ref} could not be delivered and was given up at {_when(app.config, time.time())}. "
        f"Check the mail settings, then `flask outbox retry-dead`; call them back from `flask inquiries list`. "
        f"{_health_link(app.config)}"
    )
    with immediate(db):
        queue(db, app.config, f"Staff email for {ref} failed", body, **_about(row))


def queue_stuck(app: Flask, db: sqlite_utils.Database, now: float | None = None) -> list[int]:
    """Report, once each, the staff emails waiting longer than ``OUTBOX_ALARM_SECONDS``; their ids."""
    now = time.time() if now is None else now
    if not app.config.get("ALERT_URLS"):
        return []
    sql = (
        "SELECT o.id, o.inquiry_id, o.digest_id, o.created_at, coalesce(i.ref, 'spam digest ' || o.digest_id) AS ref"
        " FROM outbox o LEFT JOIN inquiries i ON i.id = o.inquiry_id"
        " WHERE o.kind != 'alert' AND o.status IN ('pending', 'sending') AND o.alarmed_at IS NULL"
        " AND o.created_at <= ?"
    )
    cutoff = [now - app.config["OUTBOX_ALARM_SECONDS"]]
    if not list(db.query(sql + " LIMIT 1", cutoff)):
        return []
    with immediate(db):
        stuck = list(db.query(sql, cutoff))
        for row in stuck:
            db.execute("UPDATE outbox SET alarmed_at = ? WHERE id = ?", [now, row["id"]])
            minutes = int((now - row["created_at"]) // 60)
            body = (
                f"The staff email for {row['ref']} has waited {minutes} minutes (since {_when(app.config, row['created_at'])}) "
                "and is not delivered yet. "
                f"Check `flask outbox status` and the mail settings. {_health_link(app.config)}"
            )
            queue(db, app.config, f"Staff email for {row['ref']} is late", body, now=now, **_about(row))
    return [row["id"] for row in stuck]


def _about(row: dict) -> dict:
    return {"inquiry_id": row["inquiry_id"]} if row.get("digest_id") is None else {"digest_id": row["digest_id"]}


def _health_link(config: dict[str, Any]) -> str:
    return f"{str(config['SITE_URL']).rstrip('/')}/healthz"


def deliver(app: Flask, db: sqlite_utils.Database, row: dict, worker_id: str) -> str:
    """Send one claimed notice with Apprise; ``sent``, ``retry`` or ``dead`` (its URL was removed)."""
    notice = json.loads(row["payload"] or "{}")
    urls = app.config.get("ALERT_URLS") or []
    if notice.get("url") is None or notice["url"] >= len(urls):
        outbox.mark_dead(db, row, worker_id, "alert URL no longer in ALERT_URLS", ref="(on-call notice)", reason="")
        return "dead"
    service = apprise.Apprise()
    if not service.add(urls[notice["url"]]):
        outbox.mark_dead(db, row, worker_id, "ALERT_URLS entry is not an Apprise URL", ref="(on-call notice)")
        return "dead"
    try:
        delivered = bool(service.notify(title=notice["title"], body=notice["body"]))
    except Exception as exc:  # a notice plugin's bug must not stop the loop
        delivered, error = False, f"unexpected {type(exc).__name__}"
    else:
        error = "the notice service did not accept it"
    if delivered:
        outbox.mark_sent(db, row["id"], worker_id, route=None)  # not an email: no mail route
        return "sent"
    base, cap = app.config["OUTBOX_RETRY_BASE_SECONDS"], app.config["OUTBOX_RETRY_MAX_SECONDS"]
    delay = outbox.mark_retry(db, row, worker_id, error, base=base, cap=cap)
    log.warning("On-call notice %d to ALERT_URLS[%d] not sent; retry in %gs", row["id"], notice["url"], delay)
    return "retry"
