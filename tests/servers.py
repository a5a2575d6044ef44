"""Real servers for the tests: free loopback ports, the production server (Granian, serve.py), the documented Caddy,
and waiting for things."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

CADDYFILE = ROOT / "deploy/Caddyfile"

# The production server exactly as `make run` and the systemd unit start it.
SITE_SERVER = [sys.executable, "serve.py"]


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


def start_site(env: dict[str, str], log: Path | None = None, **popen: object) -> tuple[subprocess.Popen, str]:
    """Start the production server on a free port and wait until /healthz answers; returns (process, base URL).

    Retries on another port if the one picked was taken in the meantime (other test runs share
    this machine). Output goes to ``log`` when given, else nowhere.
    """
    for _attempt in range(3):
        port = free_port()
        out = log.open("wb") if log else subprocess.DEVNULL
        try:
            server = subprocess.Popen(
                SITE_SERVER, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=out, stderr=subprocess.STDOUT, **popen
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
            except urllib.error.HTTPError:  # a 503 (e.g. mail waits, no sender) still means it is up
                if server.poll() is None:
                    return server, url
            except OSError:
                time.sleep(0.2)
        stop(server)
    raise RuntimeError("the site did not start" + (f":\n{log.read_text()}" if log else ""))


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (a server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def stop(server: subprocess.Popen) -> None:
    """Stop a server we started, politely first."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def loopback_caddyfile(app_url: str, port: int, redirect_port: int, access_log: Path) -> str:
    """deploy/Caddyfile with only its addresses moved onto loopback, everything else as documented.

    The two site names become plain-HTTP loopback ports (no certificates), the upstream becomes
    the test's app server, the access log goes to ``access_log``, and the admin API is off (its
    fixed port would be shared by every Caddy on this machine).
    """
    text = CADDYFILE.read_text()
    changes = {
        "\nwww.example.org {": f"\nhttp://127.0.0.1:{port} {{",
        "\nexample.org {": f"\nhttp://127.0.0.1:{redirect_port} {{",
        "reverse_proxy 127.0.0.1:8000 {": f"reverse_proxy {app_url.removeprefix('http://')} {{",
        "/var/log/caddy/site.access.log": str(access_log),
        "\n{\n": "\n{\n\tadmin off\n",
    }
    for old, new in changes.items():
        assert text.count(old) == 1, f"deploy/Caddyfile no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def start_caddy(app_url: str, folder: Path) -> tuple[subprocess.Popen, str, Path]:
    """The documented Caddy (`loopback_caddyfile`) in front of ``app_url``, once it answers.

    Returns (process, base URL, access log path). Caddy's own output goes to ``folder/caddy.log``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    access_log = folder / "access.log"
    # Caddy keeps certificates and an autosaved config under HOME / XDG dirs: keep them in here.
    env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)}
    for _attempt in range(3):
        port, redirect_port = free_port(), free_port()
        config = folder / "Caddyfile"
        config.write_text(loopback_caddyfile(app_url, port, redirect_port, access_log))
        with (folder / "caddy.log").open("ab") as out:
            caddy = subprocess.Popen(
                ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
                cwd=folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        if (
            wait_for(lambda url=url, caddy=caddy: answers_or_exits(f"{url}/healthz", caddy), 30)
            and caddy.poll() is None
        ):
            return caddy, url, access_log
        stop(caddy)
    raise RuntimeError("caddy did not start:\n" + (folder / "caddy.log").read_text())


def answers_or_exits(url: str, process: subprocess.Popen) -> bool:
    """True once ``url`` gets an HTTP answer (any status: a proxy whose app is down still answers),
    or once ``process`` has exited (no point waiting any longer)."""
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return process.poll() is not None
