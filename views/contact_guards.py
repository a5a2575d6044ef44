"""What refuses a contact request: CSRF and origin, the per-client rate limit, uploads and bodies
that cannot be read.

These only decide and raise; ``views.contact`` answers each refusal, keeping the visitor's words.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import sqlite3
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse
from limits.storage import storage_from_string
from werkzeug.exceptions import BadRequest, HTTPException, TooManyRequests

from inquiries import db as dbmod
from inquiries import ratelimit  # noqa: F401 - registers the sqlite:// storage with limits

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


class UploadRefused(BadRequest):
    """A file was sent: the form has no file field, and a file could hold anything."""


class UnreadableBody(BadRequest):
    """The request body could not be read (e.g. malformed chunked encoding)."""


def read_body() -> None:
    """Read a contact POST's body once, up front, and refuse one that carries a file or cannot
    be read, before anything else looks at it.

    A malformed body makes the server's input stream raise its own exception while the form is
    parsed (a broken chunked encoding, a connection cut mid-body); whatever the server, that is
    the client's mistake and gets a 400, not a 500 and a traceback.
    """
    if request.method != "POST":
        return
    try:
        files = request.files  # parses the form fields too
    except HTTPException:
        raise  # too large (413) or the client went away: answered in views.contact or views.errors
    except Exception as error:  # any server's own reader error: the body is bad
        current_app.logger.warning("Contact POST refused: its body could not be read (%s)", type(error).__name__)
        raise UnreadableBody() from None
    if files:
        raise UploadRefused()


def check_csrf() -> None:
    """Refuse a contact POST without a valid token, or sent from another site's page when the
    browser says so (raises CSRFError, answered in ``views.contact`` with the visitor's words)."""
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


def init_app(app: Flask) -> None:
    """Bind CSRF and the contact rate limit to ``app`` (their refusals are answered in ``views.contact``)."""
    app.config["WTF_CSRF_TIME_LIMIT"] = app.config["CONTACT_TOKEN_SECONDS"]
    # The contact blueprint checks its own POSTs (check_csrf) so the check runs after routing and
    # its refusal can keep the visitor's words; the staff pick-up page does the same. A test fails
    # if a POST route appears elsewhere.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_SSL_STRICT"] = False  # check_origin does it without requiring a Referer
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Keyed by an HMAC of the address under a key derived from the secret key: a copy of the
    # database alone cannot be searched for an address by trying all of them.
    salt = hmac.new(str(app.config["SECRET_KEY"]).encode(), b"contact rate limit", hashlib.sha256).hexdigest()
    app.extensions["contact_rate_limit"] = storage_from_string(f"sqlite:///{dbmod.database_path(app)}", salt=salt)
