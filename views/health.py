"""/healthz: for an uptime monitor. 503 when inquiries cannot be saved, staff email is stuck, or no
sender runs while mail waits; with a replica, ``"replica": "ok"`` or ``"behind"`` (still 200)."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, current_app, jsonify

from inquiries import health
from inquiries.db import database_path, get_db
from replica import config as replica_config
from replica import status as replica_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok"}``; 503 with the problem in a few words (no counts: the URL is public)."""
    try:
        problem = health.problem(current_app._get_current_object(), get_db())  # a notice thread may outlive the request
    except (sqlite3.Error, OSError):  # the file or its folder cannot even be opened
        problem = health.CANNOT_SAVE
    body = {"status": "ok"} if problem is None else {"status": "error", "problem": problem}
    config = current_app.config
    if replica_config.enabled(config):
        # Behind is said, not failed: the site takes inquiries whatever the replica does.
        body["replica"] = replica_status.for_health(config, database_path(current_app).resolve())
    response = jsonify(body)
    response.status_code = 200 if problem is None else 503
    response.headers["Cache-Control"] = "no-store"
    return response
