"""What refuses a contact request: CSRF, the per-client rate limit and the body-size limit.

Every refusal keeps the visitor's words where it can. An expired or missing CSRF token and a rate
limit show the form again with everything typed (and a fresh token); a body too large to read
asks them to go Back, where the browser still holds it, and the htmx form is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from inquiries.forms import ContactForm
from inquiries.store import FIELDS
from views import errors

csrf = CSRFProtect()
# In-memory counts are per worker process; behind a proxy, PROXY_HOPS makes remote_addr the client.
limiter = Limiter(get_remote_address, storage_uri="memory://")


def contact_rate_limit() -> str:
    """The configured limit, e.g. ``5 per hour``, read per request so tests and deploys can set it."""
    return current_app.config["CONTACT_RATE_LIMIT"]


def is_contact_post() -> bool:
    """Whether the request is a POST to one of the contact form's endpoints."""
    return request.method == "POST" and (request.endpoint or "").startswith("contact.")


def check_csrf() -> None:
    """Refuse a contact POST without a valid token (raises CSRFError, answered below)."""
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


def init_app(app: Flask, render_form: Callable) -> None:
    """Bind CSRF and the limiter to ``app`` and answer their refusals without losing any words."""
    app.config["WTF_CSRF_TIME_LIMIT"] = app.config["CONTACT_TOKEN_SECONDS"]
    # The contact blueprint checks its own POSTs (check_csrf) so the check runs after routing and
    # its refusal can keep the visitor's words. A test fails if a POST route appears elsewhere.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    # One Limiter serves every app in the process and would otherwise carry "disabled" over from
    # an earlier app (tests build many); each app states its own.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        if not is_contact_post():
            return errors.render_error(error)
        form = ContactForm()  # the visitor's words, and a fresh token in the re-rendered form
        if request.endpoint == "contact.validate_field":
            field = request.view_args.get("field", "")
            if field not in FIELDS:
                return errors.render_error(error)
            # Nothing is changed by validating, so show the field as typed and judge it on Send.
            return render_template("contact/_field.html", field=form[field])
        return render_form(form, status=400, notice="expired")

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: HTTPException):
        if not is_contact_post():
            return errors.render_error(error)
        return render_form(ContactForm(), status=429, notice="rate_limited")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        if not is_contact_post():
            return errors.render_error(error)
        if request.headers.get("HX-Request") == "true":
            # The words are still in the visitor's form; say so beside the button and swap nothing else.
            headers = {"HX-Retarget": "#send-status", "HX-Reswap": "innerHTML"}
            return render_template("contact/_too_large.html"), 413, headers
        message = (
            "What you sent was too large for us to receive. Press your browser's Back button to "
            "return to your message, make it shorter, and send it again. Or call us."
        )
        return render_template("errors/error.html", code=413, title="Message too long", message=message), 413
