"""What refuses a contact request: CSRF, the per-client rate limit and the body-size limit.

Every refusal keeps the visitor's words where it can. An expired or missing CSRF token and a rate
limit show the form again with everything typed (and a fresh token); a body too large to read
asks them to go Back, where the browser still holds it, and the htmx form is left untouched.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import sqlite3
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse
from limits.storage import storage_from_string
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge, TooManyRequests

from inquiries import db as dbmod
from inquiries import ratelimit  # noqa: F401 - registers the sqlite:// storage with limits
from inquiries.forms import ContactForm
from inquiries.store import FIELDS
from views import errors

csrf = CSRFProtect()


class InquiryLimitReached(TooManyRequests):
    """This client has sent ``CONTACT_RATE_LIMIT`` inquiries already (answered with the form, 429)."""


def inquiry_admission() -> Callable[[sqlite3.Connection], None] | None:
    """What `store.save_inquiry` calls, inside its transaction, to count a new inquiry against
    ``CONTACT_RATE_LIMIT`` (e.g. ``5 per hour``, a moving window) for this client address.

    The count lives in the site's database (``inquiries.ratelimit``), so every worker process
    shares it and a restart keeps it. Behind a proxy, PROXY_HOPS makes remote_addr the client.
    """
    if not current_app.config["RATELIMIT_ENABLED"]:
        return None
    item = parse(current_app.config["CONTACT_RATE_LIMIT"])
    storage = current_app.extensions["contact_rate_limit"]
    client = rate_limit_key(request.remote_addr)

    def admit(conn: sqlite3.Connection) -> None:
        if not storage.acquire_on(conn, f"contact/{client}", item.amount, item.get_expiry()):
            current_app.logger.info("Contact rate limit %s reached at %s", item, request.endpoint)
            raise InquiryLimitReached()

    return admit


def rate_limit_key(address: str | None) -> str:
    """Whose count an inquiry from ``address`` goes to: the address, or for IPv6 its /64.

    Every IPv6 connection is handed at least a /64, so one sender could otherwise pick a fresh
    address for each inquiry and never reach the limit.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def is_contact_post() -> bool:
    """Whether the request is a POST to one of the contact form's endpoints."""
    return request.method == "POST" and (request.endpoint or "").startswith("contact.")


class UploadRefused(BadRequest):
    """A file was sent: the form has no file field, and a file could hold anything."""


class UnreadableBody(BadRequest):
    """The request body could not be read (e.g. malformed chunked encoding)."""


def read_body() -> None:
    """Read a contact POST's body once, up front, and refuse one that carries a file or cannot
    be read, before anything else looks at it.

    A malformed body makes the server's input stream raise its own exception while the form is
    parsed (gunicorn: InvalidChunkSize, ChunkMissingTerminator…); whatever the server, that is
    the client's mistake and gets a 400, not a 500 and a traceback.
    """
    if request.method != "POST":
        return
    try:
        files = request.files  # parses the form fields too
    except HTTPException:
        raise  # too large (413) or the client went away: already answered below or by errors
    except Exception as error:  # any server's own reader error: the body is bad
        current_app.logger.warning("Contact POST refused: its body could not be read (%s)", type(error).__name__)
        raise UnreadableBody() from None
    if files:
        raise UploadRefused()


def check_csrf() -> None:
    """Refuse a contact POST without a valid token, or sent from another site's page when the
    browser says so (raises CSRFError, answered below with the visitor's words)."""
    # A GET (the page, the thanks page) changes nothing: a visitor who follows a link from a
    # search engine or a partner site arrives with that site in Referer and must get the form.
    if request.method != "POST" or not current_app.config["WTF_CSRF_ENABLED"]:
        return
    csrf.protect()
    check_origin()


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a URL, the default port spelled out; None if it is not http(s)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port


def check_origin() -> None:
    """Refuse a POST whose ``Origin`` (or, without one, ``Referer``) is neither this request's
    own origin nor ``SITE_URL``'s. Without either header the token and the SameSite session
    cookie stand alone: privacy browsers strip the Referer, and requiring it (Flask-WTF's
    WTF_CSRF_SSL_STRICT, turned off in init_app) would refuse such a visitor on every try.
    ``Origin: null`` (a sandboxed or opaque page) matches nothing."""
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if sent is None:
        return
    allowed = {_origin(request.host_url), _origin(current_app.config["SITE_URL"])} - {None}
    if _origin(sent) not in allowed:
        current_app.logger.warning("Contact POST refused: sent from a page of another site")
        raise CSRFError("The request's origin does not match this site.")


def init_app(app: Flask, render_form: Callable) -> None:
    """Bind CSRF and the limiter to ``app`` and answer their refusals without losing any words."""
    app.config["WTF_CSRF_TIME_LIMIT"] = app.config["CONTACT_TOKEN_SECONDS"]
    # The contact blueprint checks its own POSTs (check_csrf) so the check runs after routing and
    # its refusal can keep the visitor's words. A test fails if a POST route appears elsewhere.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_SSL_STRICT"] = False  # check_origin does it without requiring a Referer
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Keyed by an HMAC of the address under a key derived from the secret key: a copy of the
    # database alone cannot be searched for an address by trying all of them.
    salt = hmac.new(str(app.config["SECRET_KEY"]).encode(), b"contact rate limit", hashlib.sha256).hexdigest()
    app.extensions["contact_rate_limit"] = storage_from_string(f"sqlite:///{dbmod.database_path(app)}", salt=salt)

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

    @app.errorhandler(UploadRefused)
    def upload_refused(error: UploadRefused):
        if not is_contact_post():
            return errors.render_error(error)
        form = ContactForm()  # the text they typed; the file is not read
        if request.endpoint == "contact.validate_field":
            field = request.view_args.get("field", "")
            if field not in FIELDS:
                return errors.render_error(error)
            return render_template("contact/_field.html", field=form[field]), 400
        return render_form(form, status=400, notice="upload")

    @app.errorhandler(UnreadableBody)
    def unreadable(error: UnreadableBody):
        message = (
            "We could not read what your browser sent. Press your browser's Back button to return "
            "to your message and send it again. Or call us."
        )
        return render_template("errors/error.html", code=400, title="That did not work", message=message), 400

    @app.errorhandler(InquiryLimitReached)
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
