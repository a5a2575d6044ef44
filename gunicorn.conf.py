"""Gunicorn settings for `make run` and production: sized for 1 vCPU and 1 GB of memory."""

import os

from flask import Flask

from inquiries.sender import ensure_started
from serving.logs import configure_app_logging

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Two processes so one slow request never blocks the site; threads for the I/O-bound rest.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle a worker now and then as insurance against slow leaks, but rarely: a restart costs about
# a second of CPU (imports, first renders) and drops its keep-alive connections, which at 2000
# requests halved throughput under load (see docs/performance.md).
max_requests = 50000
max_requests_jitter = 5000
# Access log without query strings: form contents never go in URLs, and this keeps it so.
accesslog = "-"
errorlog = "-"
# Client addresses masked (IPv4 /24, IPv6 /48) on every path; no query strings, referrers or
# cookies whatever the format says: see serving/logs.py. The address is the real client's behind a proxy
# when FLASK_PROXY_HOPS matches the proxies in front (ProxyFix rewrites it before this line is written).
logger_class = "serving.logs.PrivacyLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
# Take no WSGI variable from a request header. gunicorn's default trusts SCRIPT_NAME and PATH_INFO
# headers from 127.0.0.1, i.e. from anything a local proxy passes on: a client's SCRIPT_NAME made
# /overdose/ the home page (and a mismatched one a 500). The app ignores SCRIPT_NAME anyway
# (serving/mountpoint.py); with this gunicorn drops such headers before they reach it.
forwarder_headers = ""
# gunicorn >= 25 opens a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn for `gunicornc`. The
# site does not use it, the service user has no writable home, and two servers on one machine
# (tests, a second checkout) would share that one path: keep it off.
control_socket_disable = True
# The app's own log lines (INFO and up: references, never form contents) go to stderr too.
configure_app_logging()


def post_worker_init(worker):
    """Start the staff-email sender as soon as a worker boots, not at its first request, so mail
    left waiting by a restart goes out even if nobody visits the site."""
    if isinstance(worker.wsgi, Flask):  # the benchmark also runs a bare WSGI app with these settings
        ensure_started(worker.wsgi)
