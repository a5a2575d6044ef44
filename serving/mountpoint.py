"""The site is served at the root of its domain, and no request can say otherwise.

WSGI splits a request's path into ``SCRIPT_NAME`` (where the app is mounted) and ``PATH_INFO``
(the page within it). Some servers take ``SCRIPT_NAME`` from a request header: gunicorn did for
any peer in its ``forwarded_allow_ips``, by default this machine, so through any local proxy that
passes the header on. A request for ``/overdose/`` with ``SCRIPT_NAME: /overdose`` then reached
Flask as the home page, and the page cache (`microcache`, nginx's) kept the home page under
``/overdose/`` for everyone. The app is never mounted below the root, so `AtRoot` puts whatever
``SCRIPT_NAME`` arrives back in front of ``PATH_INFO``: every server, every proxy, the path the
visitor asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class AtRoot:
    """WSGI middleware: the app sees ``SCRIPT_NAME`` empty and the whole request path as ``PATH_INFO``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        script_name = environ.get("SCRIPT_NAME", "")
        if script_name:
            environ["PATH_INFO"] = script_name + environ.get("PATH_INFO", "")
            environ["SCRIPT_NAME"] = ""
        return self.app(environ, start_response)
