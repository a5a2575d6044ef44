"""The staff pick-up page: ``/staff/pickup/<token>``, the "I'm contacting them" link of a staff email.

A GET only shows the reference, when the inquiry came in and one button: mail security scanners
open every link in an email, and a forwarded link must show nothing private. Only the POST (CSRF
checked here, as the contact blueprint checks its own) records the pick-up, once; the work is in
``inquiries.pickup``. A token that is not genuine, has expired or names an inquiry that no longer
exists gets the site's ordinary 404.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError

from inquiries import pickup, words
from inquiries.db import get_db
from inquiries.mailer import received_at
from views import contact_guards

bp = Blueprint("staff", __name__)


@bp.before_request
def known_link() -> None:
    """404 for a token that is not genuine, has expired or names no stored inquiry, before
    anything else: a POST with a bad token learns no more than a GET does."""
    config = current_app.config
    token = (request.view_args or {}).get("token", "")
    claim = pickup.read_token(config["SECRET_KEY"], token, max_age=pickup.max_age(config))
    inquiry = pickup.inquiry_for(get_db(), claim) if claim else None
    if inquiry is None:
        abort(404)
    g.pickup_claim, g.pickup_inquiry = claim, inquiry


bp.before_request(contact_guards.check_csrf)  # after known_link


@bp.after_request
def private(response):
    """Never cached, never indexed: the URL is a key to one inquiry's pick-up."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _when(iso: str | None) -> str | None:
    if not iso:
        return None
    return received_at(dt.datetime.fromisoformat(iso), current_app.config["SITE_TIMEZONE"])


def _render(inquiry: dict, *, just_recorded: bool = False, status: int = 200):
    context = {
        "ref": inquiry["ref"],
        "received": _when(inquiry["created_at"]),
        "picked_up_by": inquiry["picked_up_by"],
        "picked_up_at": _when(inquiry["picked_up_at"]),
        "just_recorded": just_recorded,
        "action": words.PICKUP_ACTION,
        "labels": words.LABELS,
    }
    return render_template("staff/pickup.html", **context), status


@bp.get(f"{pickup.PATH}<token>")
def show(token: str):
    """The reference, the time it came in, and the button (or who picked it up, if someone did)."""
    return _render(g.pickup_inquiry)


@bp.post(f"{pickup.PATH}<token>")
def pick_up(token: str):
    """Record the pick-up as made by the staff address the link was sent to; a repeat changes nothing."""
    claim, inquiry = g.pickup_claim, g.pickup_inquiry
    outcome = pickup.record(get_db(), inquiry["id"], claim.address)
    if outcome is None:  # erased between the two statements
        abort(404)
    current_app.logger.info("Inquiry %s %s", outcome.ref, "picked up" if outcome.recorded else "already picked up")
    stored = {**inquiry, "picked_up_by": outcome.picked_up_by, "picked_up_at": outcome.picked_up_at}
    return _render(stored, just_recorded=outcome.recorded)


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """The page was open too long (or came from elsewhere): nothing recorded, say how to try again."""
    message = "Nothing was recorded: this page had expired. Open the link from the email again and press the button."
    return render_template("staff/error.html", code=400, title="Please try again", message=message), 400
