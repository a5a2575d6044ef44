"""A real Litestream replicating to a file:// folder in the test's temp folder, every duration short."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from replica import config as replica_config
from tests.conftest import ROOT
from tests.contact_data import VALID
from tests.live_site import browser_session, request

FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "app"]


def replica_settings(tmp_path: Path, **changes: str) -> dict[str, str]:
    """Settings (without the FLASK_ prefix) for a site in ``tmp_path/data`` replicated to ``tmp_path/replica``."""
    return {
        "DATABASE": str(tmp_path / "data" / "site.db"),
        "REPLICA_URL": f"file://{tmp_path / 'replica'}",
        "REPLICA_SYNC_SECONDS": "1",
        "REPLICA_SNAPSHOT_SECONDS": "2",
        "REPLICA_RETENTION_SECONDS": "2",
        "REPLICA_CAUGHT_UP_SECONDS": "2",
        "REPLICA_BEHIND_SECONDS": "4",
        "CONTACT_MIN_SECONDS": "0",
        **changes,
    }


def environ(settings_: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``settings_`` as FLASK_ variables (none inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    return {**env, **{f"FLASK_{k}": v for k, v in settings_.items()}}


def flask(settings_: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``flask --app app ARGS`` as an operator types it, with these settings."""
    return subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=environ(settings_), capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def replicator(settings_: dict[str, str], log: Path):
    """``flask replica run`` in its own process group (so a test can SIGKILL it and Litestream at once)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*FLASK, "replica", "run"],
            cwd=ROOT,
            env=environ(settings_),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def post_inquiry(port: int, message: str) -> str:
    """Send the contact form as a browser does; the reference of the acknowledged (303) inquiry."""
    hidden, headers = browser_session(port)
    status, answer, body = request(
        port, "POST", "/contact", urlencode({**hidden, **VALID, "message": message}), headers
    )
    assert status == 303, (status, body[:300])
    return answer["Location"].rstrip("/").rsplit("/", 1)[-1]


def replica_bytes(tmp_path: Path) -> bytes:
    """Every file of the replica folder, concatenated (to look for text that must be gone)."""
    return b"".join(p.read_bytes() for p in sorted((tmp_path / "replica").rglob("*")) if p.is_file())


def restorable_states(tmp_path: Path) -> list[bytes]:
    """The database as a restore at each position the replica holds would give it back.

    The replica's files are LZ4-compressed page by page, so grepping them proves nothing; what
    the replica can give back is what a point-in-time restore at each of its transactions returns.
    """
    url = f"file://{tmp_path / 'replica'}"
    listing = subprocess.run(
        [replica_config.binary(), "ltx", "-level", "all", "-json", url], capture_output=True, text=True, check=True
    )
    states = []
    for txid in sorted({f["max_txid"] for f in json.loads(listing.stdout or "[]") or []}):
        out = tmp_path / f"at-{txid}.db"
        result = subprocess.run(
            [replica_config.binary(), "restore", "-txid", txid, "-o", str(out), url], capture_output=True, text=True
        )
        if result.returncode == 0 and out.exists():
            states.append(out.read_bytes())
        for leftover in tmp_path.glob(f"at-{txid}.db*"):
            leftover.unlink()
    return states


def recoverable(tmp_path: Path, text: bytes) -> bool:
    """Whether any position the replica holds gives ``text`` back."""
    return any(text in state for state in restorable_states(tmp_path))
