"""Bring the database back from the replica, from the settings alone, and refuse to overwrite a live one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from replica import config as replica_config

SIDECARS = ("-wal", "-shm")


def open_by(path: Path) -> list[int]:
    """Process ids (other than this one) holding ``path`` or its WAL open, as /proc shows them."""
    wanted = {str(path.resolve()), str(path.resolve()) + "-wal"}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            fds = list((proc / "fd").iterdir())
        except OSError:  # gone, or another user's
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    pids.append(int(proc.name))
                    break
            except OSError:
                continue
    return pids


def live_reason(path: Path) -> str | None:
    """Why ``path`` must not be overwritten, or None: a running site has it open, or it holds
    inquiries. An empty database (any ``flask`` command creates one with its tables) is not live."""
    if not path.exists():
        return None
    pids = open_by(path)
    if pids:
        return f"{path} is open in a running process (pid {', '.join(map(str, pids))}): stop the site first."
    if path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            count = conn.execute("SELECT count(*) FROM inquiries").fetchone()[0] if "inquiries" in tables else 0
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return f"{path} is not a database this command can read ({error}): move it away first."
    if count:
        return f"{path} already holds {count} inquiries: move it away first, or restore with --to another file."
    return None


def remove_database(path: Path) -> None:
    """Delete a database with its WAL, shared memory and Litestream state (as Litestream asks when a
    database is replaced), so none of it is replayed onto the restored file."""
    for suffix in ("", *SIDECARS):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.rmtree(replica_config.state_folder(path), ignore_errors=True)


def check(path: Path) -> dict[str, Any]:
    """``PRAGMA integrity_check`` of a restored file, with its inquiry and outbox counts."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        inquiries = conn.execute("SELECT count(*) FROM inquiries").fetchone()[0] if "inquiries" in tables else 0
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0] if "outbox" in tables else 0
    finally:
        conn.close()
    return {"integrity": integrity, "inquiries": inquiries, "outbox": outbox}


def restore(config: dict[str, Any], db_path: Path, target: Path) -> dict[str, Any]:
    """Restore the replica of ``db_path`` into ``target`` (refusing a live one); the counts and
    integrity of the result and the seconds it took. Raises RuntimeError saying what went wrong."""
    reason = live_reason(target)
    if reason:
        raise RuntimeError(reason)
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="replica-restore-", dir=target.parent) as work:
        # The generated configuration and the download live in a scratch folder: the data folder
        # may have been lost with every earlier copy of them.
        cfg = replica_config.write(config, db_path, Path(work) / "litestream.yml")
        partial = Path(work) / target.name
        result = subprocess.run(
            [
                replica_config.binary(),
                "restore",
                "-config",
                str(cfg),
                "-no-expand-env",
                "-o",
                str(partial),
                str(db_path),
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if result.returncode != 0 or not partial.exists():
            words = (result.stderr or result.stdout).strip().splitlines()
            raise RuntimeError(f"litestream restore failed: {words[-1] if words else result.returncode}")
        checked = check(partial)
        if checked["integrity"] != "ok":
            raise RuntimeError(f"the restored file fails integrity_check: {checked['integrity']}")
        reason = live_reason(target)  # a site started meanwhile
        if reason:
            raise RuntimeError(reason)
        remove_database(target)
        partial.replace(target)
    return {**checked, "seconds": time.monotonic() - started}
