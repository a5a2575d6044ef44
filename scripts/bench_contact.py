"""Measure the contact form on loopback: figures for a closing note, not a test.

Starts the production server (gunicorn, sender threads ON) with its SMTP server blackholed (a TCP
listener that accepts and never answers), then reports:
  - POST /contact latency p50/p95 (each a new inquiry, the visitor's full round trip),
  - one validation partial's latency and size,
  - the contact page's first visit: HTML + CSS + JS as gzip bytes on the wire, and requests.

Run: ``.venv/bin/python scripts/bench_contact.py [--posts 200]``. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VALID = {
    "name": "Sam",
    "phone": "202 555 0123",
    "contact_method": "call",
    "voicemail_ok": "no",
    "who": "self",
    "insurance": "Aetna",
    "message": "I would like to talk about treatment options for my brother. " * 4,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def blackhole() -> tuple[int, threading.Event]:
    """An 'SMTP server' that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue
        listener.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], stop


def call(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    """One request on a fresh connection (as a phone on a flaky network would): (status, headers, body, s)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, response.headers, data, elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def first_visit(port: int) -> tuple[int, int, dict[str, int]]:
    """GET /contact and what it links (CSS, scripts) with gzip: (bytes, requests, bytes by URL)."""
    gz = {"Accept-Encoding": "gzip"}
    _, headers, page, _ = call(port, "GET", "/contact", headers=gz)
    html = gzip.decompress(page).decode() if headers.get("Content-Encoding") == "gzip" else page.decode()
    sizes = {"/contact": len(page)}
    for url in re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html):
        sizes[url] = len(call(port, "GET", url, headers=gz)[2])
    return sum(sizes.values()), len(sizes), sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200, help="inquiries to send (default 200)")
    parser.add_argument("--partials", type=int, default=200, help="validation requests (default 200)")
    args = parser.parse_args()

    smtp_port, stop_smtp = blackhole()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PORT": str(port),
            "FLASK_DATABASE": str(Path(tmp) / "bench.db"),
            "FLASK_OUTBOX_WORKER": "true",
            "FLASK_MAIL_SERVER": "127.0.0.1",
            "FLASK_MAIL_PORT": str(smtp_port),
            "FLASK_CONTACT_RATE_LIMIT": "1000000 per hour",
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    call(port, "GET", "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            _, headers, page, _ = call(port, "GET", "/contact")
            cookie = headers["Set-Cookie"].split(";", 1)[0]
            hidden = dict(re.findall(r'<input id="\w+" name="(\w+)" type="hidden" value="([^"]*)"', page.decode()))
            form_headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            time.sleep(1)  # let the sender threads reach the silent SMTP server and hang there

            posts = []
            for n in range(args.posts):
                body = urlencode({**hidden, **VALID, "submission_key": f"bench-{n:08d}-{os.getpid()}"})
                status, _, _, elapsed = call(port, "POST", "/contact", body, form_headers)
                assert status == 303, status
                posts.append(elapsed * 1000)

            partial_headers = {**form_headers, "HX-Request": "true", "Accept-Encoding": "gzip"}
            body = urlencode({**hidden, **VALID, "email": "not-an-address"})
            partials, partial_bytes = [], 0
            for _ in range(args.partials):
                status, _, data, elapsed = call(port, "POST", "/contact/validate/email", body, partial_headers)
                assert status == 200, status
                partials.append(elapsed * 1000)
                partial_bytes = len(data)
            raw_partial = len(call(port, "POST", "/contact/validate/email", body, form_headers)[2])

            total, requests, sizes = first_visit(port)
            health = call(port, "GET", "/healthz")[2].decode()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            stop_smtp.set()

    print(f"POST /contact, {args.posts} inquiries, SMTP blackholed, sender threads on:")
    print(f"  p50 {statistics.median(posts):.1f} ms   p95 {percentile(posts, 95):.1f} ms   max {max(posts):.1f} ms")
    print(f"POST /contact/validate/email (with its error), {args.partials} requests:")
    print(f"  p50 {statistics.median(partials):.1f} ms   p95 {percentile(partials, 95):.1f} ms")
    print(f"  size {raw_partial} B raw, {partial_bytes} B gzip on the wire")
    print(f"Contact page first visit: {total} B gzip ({total / 1024:.1f} KB) in {requests} requests")
    for url, size in sizes.items():
        print(f"  {url}: {size} B")
    print(f"/healthz after the run: {health}")


if __name__ == "__main__":
    main()
