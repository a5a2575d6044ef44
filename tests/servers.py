"""Real servers for the tests: free loopback ports, the production gunicorn, and waiting for things."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

# The production server exactly as `make run` and the systemd unit start it.
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float = 10, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; its last answer, as a bool."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def start_gunicorn(env: dict[str, str], log: Path | None = None, **popen: object) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on a free port and wait until /healthz answers; returns (process, base URL).

    Retries on another port if the one picked was taken in the meantime (other test runs share
    this machine). Output goes to ``log`` when given, else nowhere.
    """
    for _attempt in range(3):
        port = free_port()
        out = log.open("wb") if log else subprocess.DEVNULL
        try:
            server = subprocess.Popen(
                GUNICORN, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=out, stderr=subprocess.STDOUT, **popen
            )
        finally:
            if log:
                out.close()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                    if server.poll() is None:
                        return server, url
            except OSError:
                time.sleep(0.2)
        stop(server)
    raise RuntimeError("gunicorn did not start" + (f":\n{log.read_text()}" if log else ""))


def stop(server: subprocess.Popen) -> None:
    """Stop a server we started, politely first."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
