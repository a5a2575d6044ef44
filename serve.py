"""The production server: Granian running the app, as `make run`, the systemd unit and the tests
start it (``python serve.py``), sized for a VPS with 1 vCPU and 1 GB of memory.

Environment: ``PORT`` (default 8000; the server binds 127.0.0.1 only, a proxy faces the internet),
``WEB_CONCURRENCY`` (worker processes, default 2) and ``WEB_THREADS`` (WSGI threads per worker,
default 4). Everything else the app reads from its own ``FLASK_*`` settings.

``kill -HUP`` on the main process (``systemctl reload``) starts new workers on the new code and
then stops the old ones gracefully; connections wait in the listen backlog meanwhile, none is
refused. Each worker builds the app itself (`site`, after any fork), so nothing here depends on a
server hook: with ``FLASK_OUTBOX_WORKER`` on, a worker starts its staff-email sender as soon as it
has the app, and mail left waiting by a restart goes out before anyone visits.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings

from app import create_app
from inquiries import sender
from serving.logs import configure_app_logging

HOST = "127.0.0.1"
# A client gets this long to send its request headers, then the connection is closed: a phone on
# one bar sends a page request in well under a second, a client that trickles bytes holds nothing.
HEADER_READ_TIMEOUT_MS = 10_000
# Recycle each worker once a day and any worker past this resident size: insurance against slow
# leaks, rare because a restart costs about a second of CPU (imports, first renders).
WORKER_LIFETIME_SECONDS = 86_400
WORKER_MAX_RSS_MIB = 250
# A worker told to stop finishes its requests for up to this long (the unit's stop timeout is 30 s).
WORKER_KILL_TIMEOUT_SECONDS = 20
# Pending connections the kernel holds while every worker is busy or restarting.
BACKLOG = 1024


def site() -> Any:
    """The WSGI app one worker serves; Granian calls this in each worker process once it has started."""
    configure_app_logging()  # the app's own lines (references, never form contents) on stderr
    app = create_app()
    sender.ensure_started(app)  # only with OUTBOX_WORKER on; once per process
    return app


def options(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Granian's settings: the one place the server is configured."""
    return {
        "target": "serve:site",
        "factory": True,
        "interface": Interfaces.WSGI,
        "address": HOST,
        "port": int(environ.get("PORT") or 8000),
        "workers": int(environ.get("WEB_CONCURRENCY") or 2),
        "blocking_threads": int(environ.get("WEB_THREADS") or 4),
        "backlog": BACKLOG,
        "http": HTTPModes.http1,  # the proxy in front speaks HTTP/1.1 to the app
        "websockets": False,
        "http1_settings": HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        "log_access": False,  # the app writes its own, privacy-safe one (serving/access_log.py)
        "respawn_failed_workers": True,
        "workers_lifetime": WORKER_LIFETIME_SECONDS,
        "workers_max_rss": WORKER_MAX_RSS_MIB,
        "workers_kill_timeout": WORKER_KILL_TIMEOUT_SECONDS,
        "working_dir": Path(__file__).resolve().parent,
    }


def main() -> None:
    """Serve until stopped (SIGTERM/SIGINT), respawning workers on SIGHUP."""
    Granian(**options()).serve()


if __name__ == "__main__":
    main()
