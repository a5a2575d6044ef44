"""The servers the bench measures, on loopback: the app as production starts it (``python serve.py``,
Granian), a bare Granian with the same settings replaying its response, nginx with a static copy
of the page or as the documented proxy, a silent SMTP server; and starting, waiting for, fetching
from and stopping them."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from email.message import Message
from pathlib import Path

from .config import CONTACT_MIN_SECONDS, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up (exit code {proc.poll()})") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Stop one process we started (its own process group), politely then firmly."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (looked up case-insensitively: Granian sends them in lower case) and body."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.headers, response.read()


class Blackhole:
    """An SMTP server that accepts connections and never says a word: the worst mail server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.sock.accept()[0])

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def start_app(tmp: Path, port: int, smtp_port: int, site_url: str) -> subprocess.Popen:
    """``python serve.py``, as `make run` and the systemd unit start it, on a throwaway database.

    Its output (the access line of every request, serving/access_log.py) goes to
    ``tmp/server.log``, a real file, so writing it counts in the figures as it does in production.
    """
    env = {
        **os.environ,
        "PORT": str(port),
        "FLASK_DATABASE": str(tmp / "site.db"),
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp_port),
        "FLASK_OUTBOX_WORKER": "true",
        # One client (this script) sends hundreds of inquiries; the limit would stop it at 5.
        "FLASK_CONTACT_RATE_LIMIT": "100000 per hour",
        "FLASK_CONTACT_MIN_SECONDS": str(CONTACT_MIN_SECONDS),
        "FLASK_SITE_URL": site_url,
    }
    python = sys.executable
    subprocess.run(
        [python, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    with (tmp / "server.log").open("wb") as log:
        return subprocess.Popen(
            [python, "serve.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


FLOOR_APP = """
import json, os
BODY = open(os.environ["BENCH_FLOOR_BODY"], "rb").read()
HEADERS = [tuple(h) for h in json.load(open(os.environ["BENCH_FLOOR_HEADERS"]))]
def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
"""

# serve.py's options() with only the app swapped: the same workers, threads, HTTP settings.
FLOOR_SERVE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from granian import Granian
import serve
options = serve.options()
options.update(target="bench_floor:app", factory=False, working_dir=Path({tmp!r}))
Granian(**options).serve()
"""


def start_floor(tmp: Path, port: int, gz: bytes, headers: Message) -> subprocess.Popen:
    """Granian with serve.py's settings running a six-line WSGI app that replays the app's
    response (same headers, same body) and writes no access line: the ceiling for any Python app
    under this server on this machine."""
    (tmp / "bench_floor.py").write_text(FLOOR_APP)
    (tmp / "floor_serve.py").write_text(FLOOR_SERVE.format(root=str(ROOT), tmp=str(tmp)))
    (tmp / "floor.gz").write_bytes(gz)
    own = {"date", "server", "connection", "keep-alive", "transfer-encoding"}  # the server writes these
    (tmp / "floor.json").write_text(json.dumps([(k, v) for k, v in headers.items() if k.lower() not in own]))
    env = {
        **os.environ,
        "PORT": str(port),
        "BENCH_FLOOR_BODY": str(tmp / "floor.gz"),
        "BENCH_FLOOR_HEADERS": str(tmp / "floor.json"),
    }
    with (tmp / "floor.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, str(tmp / "floor_serve.py")],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def nginx_main(prefix: Path, http_body: str) -> str:
    """A whole nginx.conf for a foreground, unprivileged-friendly nginx living in ``prefix``."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / ('temp-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx would hand its workers to "nobody", who cannot read our private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
{temp}
{http_body}
}}
"""


def start_nginx(prefix: Path, conf: str) -> subprocess.Popen:
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(conf)
    check = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True
    )
    if check.returncode:
        raise RuntimeError(f"nginx rejected {prefix / 'nginx.conf'}:\n{check.stderr}")
    return subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("wb"),
        start_new_session=True,
    )


def static_nginx(prefix: Path, port: int, html: bytes, gz: bytes) -> subprocess.Popen:
    """nginx serving the saved page: the same gzip bytes the app sends, via gzip_static."""
    docroot = prefix / "www"
    docroot.mkdir(parents=True)
    (docroot / "index.html").write_bytes(html)
    (docroot / "index.html.gz").write_bytes(gz)
    body = f"""    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        gzip_static on;
        location = / {{
            default_type "text/html; charset=utf-8";
            try_files /index.html =404;
        }}
    }}"""
    return start_nginx(prefix, nginx_main(prefix, body))


def proxy_nginx(prefix: Path, port: int, app_port: int) -> subprocess.Popen:
    """The documented config: deploy/nginx.conf's upstream and cache zone, moved to loopback and
    a temporary folder, and deploy/nginx-site-common.conf included unchanged."""
    production = (ROOT / "deploy/nginx.conf").read_text()
    upstream = re.search(r"^upstream site_app \{.*?^\}", production, re.S | re.M)[0]
    cache_path = re.search(r"^proxy_cache_path .*?;", production, re.S | re.M)[0]
    upstream = upstream.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    cache_path = cache_path.replace("/var/cache/nginx/site", str(prefix / "cache"))
    body = f"""{upstream}
{cache_path}
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;
        include {ROOT / "deploy/nginx-site-common.conf"};
    }}"""
    return start_nginx(prefix, nginx_main(prefix, body))
