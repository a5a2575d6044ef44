"""How far behind the replica is: its newest change against the database's newest write."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from replica import config as replica_config
from replica.pause import litestream_pids

CAUGHT_UP = "caught up"
CATCHING_UP = "catching up"
BEHIND = "behind"
UNREACHABLE = "unreachable"


@dataclass
class Position:
    """One reading: ``state`` is one of the four constants above; times are epoch seconds."""

    state: str
    lag_seconds: float | None
    replicated_at: float | None  # when the replica last received a change
    written_at: float | None  # the database's last committed write (its WAL's time)
    replica_txid: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Exit 0 for `replica status`: caught up, or behind by less than REPLICA_BEHIND_SECONDS."""
        return self.state in (CAUGHT_UP, CATCHING_UP)


def replica_files(config: dict[str, Any], db_path: Path, timeout: float = 30) -> list[dict]:
    """Every file in the replica (all levels), as ``litestream ltx -json`` lists them; raises
    OSError with Litestream's own words when the replica cannot be read."""
    cfg = replica_config.write(config, db_path)
    result = subprocess.run(
        [replica_config.binary(), "ltx", "-config", str(cfg), "-no-expand-env", "-level", "all", "-json", str(db_path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        words = (result.stderr or result.stdout).strip().splitlines()
        raise OSError(words[-1] if words else f"litestream ltx exited with {result.returncode}")
    return json.loads(result.stdout or "[]") or []


def last_write(db_path: Path) -> float | None:
    """When the database last committed a write: its WAL's modification time.

    The database file itself is not used: Litestream's checkpoints rewrite it without new data.
    """
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        stat = wal.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime if stat.st_size else None


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def read(config: dict[str, Any], db_path: Path, now: float | None = None) -> Position:
    """One reading of the replica against the database, without waiting."""
    try:
        files = replica_files(config, db_path)
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        return Position(UNREACHABLE, None, None, last_write(db_path), 0, str(error))
    now = time.time() if now is None else now
    written = last_write(db_path)
    replicated = max((_epoch(f["timestamp"]) for f in files if f.get("timestamp")), default=None)
    txid = max((int(f["max_txid"], 16) for f in files), default=0)
    if replicated is None:
        state = CAUGHT_UP if written is None and not db_path.exists() else BEHIND
        return Position(state, None, None, written, txid, "the replica holds nothing yet")
    lag = now - replicated  # the oldest write it lacks is no older than this
    late = BEHIND if lag > config["REPLICA_BEHIND_SECONDS"] else CATCHING_UP
    if not replicating(db_path):
        # Nothing copies new writes: behind once that has lasted longer than the threshold.
        return Position(late, lag, replicated, written, txid, "no litestream process is replicating the database")
    # While Litestream holds the database open its WAL stays, and only commits change the WAL's
    # time. Replica times are whole seconds; the tolerance covers that and one sync interval.
    if written is None or replicated >= written - config["REPLICA_CAUGHT_UP_SECONDS"]:
        return Position(CAUGHT_UP, 0.0, replicated, written, txid)
    return Position(late, lag, replicated, written, txid)


def replicating(db_path: Path) -> bool:
    """Whether a Litestream process has the database open (it keeps a read transaction on it)."""
    return bool(litestream_pids(db_path))


def wait(config: dict[str, Any], db_path: Path) -> Position:
    """A reading, re-read for up to a few seconds while it is only catching up (a write in flight)."""
    deadline = time.monotonic() + config["REPLICA_CAUGHT_UP_SECONDS"] + config["REPLICA_SYNC_SECONDS"] + 1
    position = read(config, db_path)
    while position.state in (CATCHING_UP, BEHIND) and time.monotonic() < deadline:
        time.sleep(0.5)
        position = read(config, db_path)
    return position


def state_file(db_path: Path) -> Path:
    """Where the replicator leaves its latest reading for /healthz (no subprocess per request)."""
    return db_path.with_name(f".{db_path.name}-litestream.state.json")


def save(position: Position, db_path: Path) -> None:
    """Leave ``position`` for /healthz, with the time it was read."""
    path = state_file(db_path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({**asdict(position), "checked_at": time.time()}), encoding="utf-8")
    tmp.replace(path)


def check_every(config: dict[str, Any]) -> float:
    """How often the replicator takes a reading: often enough to see "behind" in time, at most every 30 s."""
    return min(30.0, max(1.0, config["REPLICA_BEHIND_SECONDS"] / 2))


def for_health(config: dict[str, Any], db_path: Path, now: float | None = None) -> str:
    """``"ok"`` or ``"behind"`` for /healthz (``"off"`` without a replica): behind too when no
    replicator has taken a reading lately."""
    if not replica_config.enabled(config):
        return "off"
    now = time.time() if now is None else now
    try:
        saved = json.loads(state_file(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BEHIND
    if now - saved.get("checked_at", 0) > 3 * check_every(config) + 30:
        return BEHIND
    return "ok" if saved.get("state") in (CAUGHT_UP, CATCHING_UP) else BEHIND
