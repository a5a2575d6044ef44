"""Delivery: take what the outbox hands out, build its email, send it over SMTP, record the outcome.

``send_due`` is one pass over the due messages (the sender loop and ``flask outbox send`` call it);
each claimed message ends sent, back in the queue with a later try, or dead (``inquiries.outbox``).
"""

from __future__ import annotations

import logging
import ssl
import threading

import sqlite_utils
from flask import Flask

from inquiries import alerts, digest, escalation, mailer, outbox, smtp
from inquiries import db as dbmod

log = logging.getLogger(__name__)


def send_due(
    app: Flask,
    db: sqlite_utils.Database | None = None,
    *,
    worker_id: str | None = None,
    limit: int = 100,
    ssl_context: ssl.SSLContext | None = None,
    notices: bool = False,
    now: float | None = None,
    stop: threading.Event | None = None,
) -> dict[str, int]:
    """Send every staff email due now (at most ``limit``), or with ``notices`` every on-call notice,
    once each; returns counts of sent/retry/dead.

    ``now`` (default: the clock) is the moment against which "due" is judged. Once ``stop`` is set,
    no further message is claimed: the one in hand is finished and the rest stay for the next sender.
    """
    own = db is None
    db = dbmod.connect(dbmod.database_path(app)) if own else db
    worker_id = worker_id or outbox.worker_name()
    config = app.config
    lease = config["OUTBOX_LEASE_SECONDS"]
    counts = {"sent": 0, "retry": 0, "dead": 0}
    try:
        with app.app_context():
            for _ in range(limit):
                if stop is not None and stop.is_set():
                    break
                row = outbox.claim_next(db, worker_id, lease=lease, alerts=notices, now=now)
                if row is None:
                    break
                if notices:
                    outcome = alerts.deliver(app, db, row, worker_id)
                else:
                    outcome = _deliver(app, db, row, worker_id, ssl_context)
                counts[outcome] += 1
    finally:
        if own:
            db.conn.close()
    return counts


# How a 5xx from the primary is stored while the backup gets its one try (see _deliver).
PRIMARY_REFUSED = "primary: SMTP 5"


def route_for(config, row: dict) -> str:
    """The route this attempt takes: the primary first, and with a backup set, every second attempt
    on the backup, so the try after a primary failure goes through the backup (and back again if
    the backup fails too)."""
    return "backup" if smtp.has_backup(config) and row["attempts"] % 2 == 0 else "primary"


def _deliver(app: Flask, db, row: dict, worker_id: str, ssl_context) -> str:
    if row.get("digest_id") is not None:  # the spam digest (inquiries.digest), not one inquiry
        inquiry, ref = None, f"(spam digest {row['digest_id']})"
    else:
        inquiry = next(db.query("SELECT * FROM inquiries WHERE id = ?", [row["inquiry_id"]]), None)
        ref = inquiry["ref"] if inquiry else f"(outbox {row['id']})"
    config = app.config
    route = route_for(config, row)
    try:
        if inquiry is None and row.get("digest_id") is None:
            raise mailer.DeliveryError("inquiry erased", permanent=True)
        try:
            if inquiry is None:
                message = digest.compose(db, row)
            elif row.get("kind") == "escalation":
                message = escalation.compose(inquiry, row["message_id"], config)
            else:
                message = mailer.compose(inquiry, row["message_id"])
        except Exception as exc:
            # Building the email is deterministic: what fails now fails on every retry (a bug).
            # Only the type is kept: an exception's text could quote what the visitor wrote.
            raise mailer.DeliveryError(f"could not build the email: {type(exc).__name__}", permanent=True) from None
        # The lease is longer than this (settings.lease_problems), so no other sender takes the
        # message back while the server may still be confirming it.
        budget = smtp.conversation_seconds(config)
        refused = mailer.send(message, smtp.route_config(config, route), ssl_context=ssl_context, budget=budget)
    except mailer.DeliveryError as exc:
        # A 5xx from the primary may be the primary's own trouble (a suspended account, a policy):
        # the backup gets one try before the message is given up.
        backup_untried = route == "primary" and smtp.has_backup(config) and row["attempts"] == 1
        # A 5xx from the backup alone is the backup's trouble (a relay not set up for us): the
        # message goes back to the primary, unless the primary refused it for good too.
        primary_refused = str(row.get("last_error") or "").startswith(PRIMARY_REFUSED)
        backup_only = route == "backup" and not primary_refused
        if exc.permanent and not backup_untried and not backup_only:
            if outbox.mark_dead(db, row, worker_id, _error_text(exc), ref=ref, reason=exc.reason):
                try:
                    alerts.report_dead(app, db, row, ref)
                except Exception as alert_exc:  # the notice must not stop the pass over the queue
                    log.error("On-call notice not queued: %s", type(alert_exc).__name__)
            return "dead"
        error, reason = f"{route}: {_error_text(exc)}", exc.reason
    except Exception as exc:  # a bug must not stop the other messages; only the type is kept
        error = reason = f"unexpected {type(exc).__name__}"
    else:
        if not outbox.mark_sent(db, row["id"], worker_id, route=route):
            log.warning("Staff email for inquiry %s sent after its claim expired", ref)
        if refused:
            log.warning("Staff email for inquiry %s sent, but %d staff address(es) refused it", ref, refused)
        log.info("Staff email for inquiry %s sent (%s route)", ref, route)
        return "sent"
    base, cap = config["OUTBOX_RETRY_BASE_SECONDS"], config["OUTBOX_RETRY_MAX_SECONDS"]
    # The backup is tried at once after the primary fails: it is there for exactly this moment.
    next_route = route_for(config, {**row, "attempts": row["attempts"] + 1})
    switching = route == "primary" and next_route == "backup"
    delay = outbox.mark_retry(db, row, worker_id, error, base=base, cap=cap, delay=0 if switching else None)
    log.warning(
        "Staff email for inquiry %s not sent on the %s route (%s); retry %d in %gs",
        ref,
        route,
        reason,
        row["attempts"],
        delay,
    )
    return "retry"


def _error_text(exc: mailer.DeliveryError) -> str:
    return f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
