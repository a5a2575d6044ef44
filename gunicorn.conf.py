"""Gunicorn settings for `make run` and production: sized for 1 vCPU and 1 GB of memory."""

import os

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
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
errorlog = "-"
