"""Slow clients: does a normal visitor still get a page while others trickle bytes at the server?

Two bounded experiments (a few seconds each, loopback only, standard library only, so it runs
against any server on a port: ``python scripts/benchlib/slow.py APP_PORT [PROXY_PORT]``):

1. ``HEADER_CONNECTIONS`` connections each send the start of a request header and then wait;
   meanwhile a normal GET is timed ``GETS`` times.
2. ``BODY_CONNECTIONS`` POSTs announce a body and send it one byte a second; meanwhile a normal
   GET is timed once, against the app directly and again through the proxy.

The normal GET is ``GET /contact``: the proxy never caches it, so it always reaches the app.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass

HEADER_CONNECTIONS = 500
BODY_CONNECTIONS = 50
BODY_LENGTH = 1000  # announced, never all sent
GETS = 5
SETTLE_SECONDS = 1.5  # the slow connections are all open and accepted before the GET is timed
GET_TIMEOUT = 4.0  # a GET without an answer by then counts as stalled
NORMAL_PATH = "/contact"


def timed_get(port: int, timeout: float = GET_TIMEOUT) -> float | None:
    """Milliseconds for one whole ``GET /contact`` on a fresh connection, or None if no answer
    came within ``timeout`` seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("GET", NORMAL_PATH, headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        response.read()
    except OSError:
        return None
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000


def _open(port: int, first_bytes: bytes) -> socket.socket | None:
    sock = socket.socket()
    sock.settimeout(2)
    try:
        sock.connect(("127.0.0.1", port))
        sock.sendall(first_bytes)
    except OSError:
        sock.close()
        return None
    return sock


@dataclass
class SlowHeaders:
    opened: int
    get_ms: list[float | None]

    @property
    def worst_ms(self) -> float | None:
        """The slowest of the timed GETs (None if any had no answer)."""
        return None if None in self.get_ms else max(self.get_ms)

    @property
    def median_ms(self) -> float | None:
        answered = [ms for ms in self.get_ms if ms is not None]
        return statistics.median(answered) if answered else None


def slow_headers(port: int, connections: int = HEADER_CONNECTIONS) -> SlowHeaders:
    """Open ``connections`` connections that send half a request header and wait, then time
    normal GETs while they are open."""
    partial = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
    held = [sock for sock in (_open(port, partial) for _ in range(connections)) if sock]
    try:
        time.sleep(SETTLE_SECONDS)
        return SlowHeaders(len(held), [timed_get(port) for _ in range(GETS)])
    finally:
        for sock in held:
            sock.close()


@dataclass
class SlowBodies:
    opened: int
    get_ms: float | None  # None: no answer within GET_TIMEOUT


def slow_bodies(port: int, connections: int = BODY_CONNECTIONS) -> SlowBodies:
    """Start ``connections`` POSTs whose bodies arrive one byte a second, then time one normal GET."""
    head = (
        "POST /contact HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {BODY_LENGTH}\r\n\r\n"
    ).encode()
    held = [sock for sock in (_open(port, head) for _ in range(connections)) if sock]
    done = threading.Event()

    def trickle() -> None:
        while not done.wait(1.0):
            for sock in held:
                with contextlib.suppress(OSError):
                    sock.send(b"x")

    dripper = threading.Thread(target=trickle, daemon=True)
    dripper.start()
    try:
        time.sleep(SETTLE_SECONDS)
        return SlowBodies(len(held), timed_get(port))
    finally:
        done.set()
        dripper.join()
        for sock in held:
            sock.close()


def _show(ms: float | None) -> str:
    return f"{ms:.1f} ms" if ms is not None else f"no answer in {GET_TIMEOUT:g} s"


def main(argv: list[str]) -> None:
    """Run both experiments against APP_PORT (and the bodies one through PROXY_PORT) and print them."""
    app = int(argv[0])
    print(f"normal GET {NORMAL_PATH}, nothing else open: {_show(timed_get(app))}")
    headers = slow_headers(app)
    print(f"{headers.opened} slow headers open: GETs {', '.join(map(_show, headers.get_ms))}")
    time.sleep(1)
    bodies = slow_bodies(app)
    print(f"{bodies.opened} slow bodies to the app: GET {_show(bodies.get_ms)}")
    if len(argv) > 1:
        time.sleep(1)
        proxied = slow_bodies(int(argv[1]))
        print(f"{proxied.opened} slow bodies through the proxy: GET {_show(proxied.get_ms)}")


if __name__ == "__main__":
    main(sys.argv[1:])
