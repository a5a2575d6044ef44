"""Slow and hostile clients for the real-server tests: connections that start a request and
trickle it a byte at a time, and a timed GET to see whether a normal visitor still gets through."""

from __future__ import annotations

import contextlib
import resource
import socket
import threading
import time

from tests.test_mountpoint import get


class SlowClients:
    """Loopback connections that each start a request and then send one more byte every
    ``interval`` seconds, never finishing it, until `close` (the context's end) drops them all.

    They open ``gap`` seconds apart, as an attacker's would: a burst of connections is taken by
    whichever app worker is awake at that moment, and the other workers would stay free.
    """

    def __init__(self, port: int, starts: list[bytes], gap: float, interval: float = 0.5) -> None:
        self.interval = interval
        self.rounds = 0  # how many times every connection has been sent one more byte
        self.sockets: list[socket.socket] = []
        self.done = threading.Event()
        try:
            for start in starts:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                self.sockets.append(sock)
                sock.sendall(start)
                sock.setblocking(False)
                time.sleep(gap)
        except OSError:
            for sock in self.sockets:
                sock.close()
            raise
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.done.wait(self.interval):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")
            self.rounds += 1

    def still_open(self) -> int:
        """How many connections the server has neither answered nor closed."""
        count = 0
        for sock in self.sockets:
            try:
                sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def close(self) -> None:
        """Stop trickling and drop every connection."""
        self.done.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()

    def __enter__(self) -> SlowClients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def slow_body(port: int) -> bytes:
    """A contact form POST whose headers are complete and whose body has not begun.

    Its first body byte comes a trickle interval later: a proxy that streams bodies has handed
    the request on by then, and the app thread that took it waits for the rest.
    """
    return (
        f"POST /contact HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n"
    ).encode()


def slow_header(port: int) -> bytes:
    """A page request whose headers never end."""
    return f"GET /overdose HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode()


def timed_get(base_url: str, path: str, timeout: float = 5) -> tuple[int | None, float]:
    """(status or None if it failed, seconds taken) for one GET that gives up after ``timeout`` seconds."""
    start = time.monotonic()
    try:
        status, _ = get(base_url, path, timeout=timeout)
    except OSError:
        status = None
    return status, time.monotonic() - start


def allow_open_files(count: int) -> None:
    """Raise this process's open-file limit (soft, up to the hard one) so ``count`` sockets fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count:
        wanted = count if hard == resource.RLIM_INFINITY else min(count, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
