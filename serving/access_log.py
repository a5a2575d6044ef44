"""The access log, written by the app itself, so it is the same whatever server runs it.

One line per request, on stderr (the journal under systemd), in this form::

    203.0.113.0 [02/Dec/2026:20:13:54 +0000] "POST /contact" 303 0 0.004s

that is: the client address masked (IPv4 to /24, IPv6 to /48: reading a page about heroin
withdrawal is itself health information), the time, the method and the path without its query
string (form contents never go in URLs, and this keeps it so), the status, the body size in bytes
and the time taken. No referrer, cookie, user agent or forwarding header is ever written.

Behind proxies the address is the one ``FLASK_PROXY_HOPS`` trusts in ``X-Forwarded-For``, taken by
the same rule as werkzeug's `ProxyFix`: this middleware sits outside the page cache, which answers
without reaching `ProxyFix`, so it reads the header itself rather than the rewritten ``REMOTE_ADDR``.

The line is built with one format and written with one ``write`` call per request (atomic on a
pipe for lines this short, so threads never interleave), because a `logging` record per request
costs a noticeable share of a cached page's time.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from serving.logs import mask_address

# Longest path written: a long URL is a probe, not a page, and a line must stay one atomic write.
MAX_PATH = 512
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
STDERR = 2  # the process's stderr itself, whatever object sys.stderr has been replaced with


def client_address(environ: dict[str, Any], hops: int) -> str:
    """The client's address, unmasked: with ``hops`` proxies trusted, the ``hops``-th address from
    the right of ``X-Forwarded-For`` (`ProxyFix`'s rule), else the peer's."""
    if hops:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            values = [value.strip() for value in forwarded.split(",")]
            if len(values) >= hops:
                return values[-hops]
    return environ.get("REMOTE_ADDR", "")


def loggable_path(environ: dict[str, Any]) -> str:
    """The request's path as sent, without query string, percent-encoded where it is not plain
    printable ASCII (so a decoded newline or quote cannot forge or break a line), and cut short."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not (path.isascii() and path.isprintable() and '"' not in path and " " not in path):
        # WSGI gives the path as bytes decoded as latin-1: encode it back to quote those bytes.
        path = quote(path.encode("latin-1", "replace"), safe=_PATH_SAFE)
    return path[:MAX_PATH] or "/"


class AccessLog:
    """WSGI middleware, outermost: one privacy-safe access line per request (see the module)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], hops: int = 0, fd: int | None = None) -> None:
        self.app = app
        self.hops = hops
        self.fd = STDERR if fd is None else fd
        self._second = -1
        self._stamp = ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        path = loggable_path(environ)  # before the app: inner layers may rewrite PATH_INFO
        response: list[Any] = ["500", None]

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            response[0], response[1] = status, headers
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, capture)
        except BaseException:
            self.write(environ, path, "500", 0, started)
            raise
        length = _content_length(response[1])
        if length is not None:
            # The usual case (every buffered response, the page cache's replays): the size is
            # known, so the line is written now and the body goes out untouched, not re-iterated.
            self.write(environ, path, response[0], length, started)
            return body
        return _Counted(self, body, environ, path, response, started)

    def write(self, environ: dict[str, Any], path: str, status: str, size: int, started: float) -> None:
        """Write the line for one finished request (never raises: a full disk must not cost a page)."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(now))
        address = mask_address(client_address(environ, self.hops))
        line = (
            f'{address} {self._stamp} "{environ.get("REQUEST_METHOD", "-")[:16]} {path}" '
            f"{status[:3]} {size} {time.perf_counter() - started:.3f}s\n"
        )
        with contextlib.suppress(OSError):
            os.write(self.fd, line.encode("ascii", "replace"))


class _Counted:
    """A streamed response body (no Content-Length) passed through, counted, and logged when the
    server closes it."""

    def __init__(self, log: AccessLog, body: Iterable[bytes], environ: dict, path: str, response: list, started: float):
        self.log, self.body, self.environ, self.path = log, body, environ, path
        self.response, self.started, self.size = response, started, 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self) -> None:
        """Close the inner body (WSGI requires it), then write the line."""
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.log.write(self.environ, self.path, self.response[0], self.size, self.started)


def _content_length(headers: list[tuple[str, str]] | None) -> int | None:
    for name, value in headers or ():
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
