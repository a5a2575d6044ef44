"""/healthz: for an uptime monitor. 503 when staff email is stuck, so someone gets alerted."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from inquiries.db import get_db
from inquiries.outbox import backlog

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Database reachable and outbox moving: 200; a message waiting too long: 503."""
    outbox = backlog(get_db())
    stuck = outbox["oldest_undelivered_seconds"] > current_app.config["OUTBOX_ALARM_SECONDS"]
    body = {"status": "stuck" if stuck else "ok", "outbox": outbox}
    response = jsonify(body)
    response.status_code = 503 if stuck else 200
    response.headers["Cache-Control"] = "no-store"
    return response
