"""Compressed responses: bodies prepared once in gzip and brotli, and on-the-fly for the rest.

Education pages and static files are the same bytes for every visitor, so they are compressed
once per process (`Prepared`) and served from memory with a strong ETag. Dynamic responses (the
contact form, errors, sitemap) are compressed as they leave (`compress_response`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
from dataclasses import dataclass, field

import brotli
from flask import Request, Response
from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header

COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/javascript", "image/svg+xml")
MIN_SIZE = 256


CODINGS = ("br", "gzip")


def best_encoding(accept: Accept) -> str | None:
    """Pick ``br`` or ``gzip`` from a parsed Accept-Encoding header, or None for identity.

    Werkzeug's ``best_match``: the higher q-value wins (``br;q=0.5, gzip`` gives gzip), brotli on
    a tie; ``q=0`` refuses and ``*`` stands for any coding not named. ``x-gzip``, gzip's old name
    (RFC 9110 8.4.1.3), counts as gzip only when the header does not name gzip itself, so
    ``gzip;q=0, x-gzip`` still refuses gzip.
    """
    choice = accept.best_match(CODINGS)
    if choice is None and "gzip" not in accept.values() and accept["x-gzip"]:
        return "gzip"
    return choice


@functools.lru_cache(maxsize=256)
def choose_encoding(accept_encoding: str | None) -> str | None:
    """`best_encoding` for a raw header value, where there is no request object (`MicroCache`);
    remembered, since browsers send a handful of distinct values and parsing one costs more than
    replaying a cached page."""
    return best_encoding(parse_accept_header(accept_encoding, Accept))


def encode(body: bytes, encoding: str) -> bytes:
    """Compress ``body`` with ``encoding`` (``br`` or ``gzip``) at the best ratio."""
    if encoding == "br":
        return brotli.compress(body, quality=11)
    return gzip.compress(body, compresslevel=9, mtime=0)


# Brotli at quality 11 takes a fifth of a second for htmx. Each process compresses a given body
# once, however many apps it builds (the test suite builds hundreds); the bytes are shared with the
# Prepared objects that use them, so this costs no memory of its own.
_ENCODED: dict[tuple[str, str], bytes] = {}


def encode_once(body: bytes, encoding: str) -> bytes:
    """``encode``, remembered per process by the body's SHA-256."""
    key = (hashlib.sha256(body).hexdigest(), encoding)
    if key not in _ENCODED:
        _ENCODED[key] = encode(body, encoding)
    return _ENCODED[key]


@dataclass
class Prepared:
    """A body kept in memory with its compressed forms and a strong ETag for each form.

    ``mimetype`` is the whole Content-Type value, charset included (``text/html; charset=utf-8``).
    """

    body: bytes
    mimetype: str
    last_modified: dt.datetime | None = None
    forms: dict[str | None, bytes] = field(init=False)
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256(self.body).hexdigest()[:20]
        self.forms = {None: self.body}
        if self.mimetype.startswith(COMPRESSIBLE) and len(self.body) >= MIN_SIZE:
            self.forms["gzip"] = encode_once(self.body, "gzip")
            self.forms["br"] = encode_once(self.body, "br")

    def etag(self, encoding: str | None) -> str:
        """The ETag of one form: different bytes, different tag."""
        return f"{self.digest}-{encoding}" if encoding else self.digest

    def _not_modified_since(self, request: Request) -> bool:
        since = request.if_modified_since
        return bool(
            not request.if_none_match
            and since
            and self.last_modified
            and self.last_modified.replace(microsecond=0) <= since
        )

    def response(self, request: Request, cache_control: str) -> Response:
        """Serve the form the client accepts, or a 304 when its ETag matches.

        If-None-Match uses the weak comparison (RFC 9110 13.1.2): ``W/"tag"``, lists and ``*``
        all match, so a CDN that weakened our tag still gets its 304. HEAD gets the same headers
        with no body (Werkzeug drops the body and keeps Content-Length).
        """
        encoding = best_encoding(request.accept_encodings)
        if encoding not in self.forms:
            encoding = None
        tag = self.etag(encoding)
        if request.if_none_match.contains_weak(tag) or self._not_modified_since(request):
            resp = Response(status=304)
        else:
            # content_type, not mimetype: ours already carries its charset.
            resp = Response(self.forms[encoding], content_type=self.mimetype)
            if encoding:
                resp.headers["Content-Encoding"] = encoding
        resp.set_etag(tag)
        if self.last_modified:
            # Werkzeug turns ``last_modified = None`` into "now", which would change every time.
            resp.last_modified = self.last_modified
        resp.headers["Cache-Control"] = cache_control
        if len(self.forms) > 1:
            resp.vary.add("Accept-Encoding")
        return resp


def compress_response(request: Request, response: Response) -> Response:
    """Compress a dynamic response in place when the client accepts it and it is worth it."""
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return response
    response.vary.add("Accept-Encoding")
    encoding = best_encoding(request.accept_encodings)
    body = response.get_data()
    if encoding is None or len(body) < MIN_SIZE:
        return response
    response.set_data(
        gzip.compress(body, compresslevel=6, mtime=0) if encoding == "gzip" else brotli.compress(body, quality=5)
    )
    response.headers["Content-Encoding"] = encoding
    if response.get_etag()[0]:
        tag, weak = response.get_etag()
        response.set_etag(f"{tag}-{encoding}", weak=weak)
    return response
