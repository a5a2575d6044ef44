"""A tiny HTTP cache inside each worker, in front of Flask, for responses the app calls public.

Education pages and fingerprinted files are the same bytes for every visitor and say so with
``Cache-Control: public``. Once Flask has answered such a GET, this cache replays the exact status,
headers and body for the same path and content coding until ``max-age`` runs out, without
routing, contexts or hooks: what nginx's proxy cache does in front of the app, one layer inside.

It stores a response only when that is safe for everyone: a 200 to a GET without query string,
``public`` with a ``max-age``, no ``Set-Cookie``, no ``no-store``/``private``/``no-cache``, and a
``Vary`` naming nothing but Accept-Encoding (the key holds the coding we would choose). Requests
with conditional headers, ranges or credentials go to Flask as before. A view can also keep its
response out with `dont_store` (static files under a made-up fingerprint: any visitor can invent
endless URLs, and each would push a real page out).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from serving.compression import choose_encoding

MAX_ENTRIES = 512
BYPASS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_AUTHORIZATION")
REFUSE = re.compile(r"\b(?:no-store|private|no-cache)\b", re.I)
MAX_AGE = re.compile(r"\bmax-age=(\d+)", re.I)
DONT_STORE = "serving.microcache.dont_store"

Entry = tuple[float, str, list[tuple[str, str]], bytes]


def dont_store(environ: dict[str, Any]) -> None:
    """Answer this request as usual but keep its response out of the cache."""
    environ[DONT_STORE] = True


def storable(status: str, headers: list[tuple[str, str]]) -> int:
    """Seconds a response may be kept here, or 0."""
    if not status.startswith("200"):
        return 0
    names = {name.lower(): value for name, value in headers}
    cache_control = names.get("cache-control", "")
    if "set-cookie" in names or "public" not in cache_control.lower() or REFUSE.search(cache_control):
        return 0
    vary = {v.strip().lower() for v in names.get("vary", "").split(",") if v.strip()}
    if vary - {"accept-encoding"}:
        return 0
    max_age = MAX_AGE.search(cache_control)
    return int(max_age[1]) if max_age else 0


class MicroCache:
    """WSGI middleware: replay stored public responses, store new ones as Flask sends them."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        # Ordered so the oldest entry leaves first with popitem, which no other thread can interleave.
        self.entries: OrderedDict[tuple[str, str | None], Entry] = OrderedDict()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or environ.get("QUERY_STRING") or any(h in environ for h in BYPASS):
            return self.app(environ, start_response)
        key = (
            environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            choose_encoding(environ.get("HTTP_ACCEPT_ENCODING")),
        )
        entry = self.entries.get(key)
        if entry and entry[0] > time.monotonic():
            start_response(entry[1], list(entry[2]))
            return [] if method == "HEAD" else [entry[3]]
        if method == "HEAD":
            return self.app(environ, start_response)
        return self._store(key, environ, start_response)

    def _store(self, key: tuple[str, str | None], environ: dict[str, Any], start_response: Callable[..., Any]):
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        seconds = storable(seen.get("status", ""), seen.get("headers", []))
        if not seconds or environ.get(DONT_STORE):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.entries[key] = (time.monotonic() + seconds, seen["status"], seen["headers"], body)
        # Threads store at once: picking the oldest key and then popping it let two threads pick the
        # same one, and the second pop raised KeyError (a 500 for that visitor).
        while len(self.entries) > MAX_ENTRIES:
            try:
                self.entries.popitem(last=False)
            except KeyError:  # emptied by the other threads meanwhile
                break
        return [body]
