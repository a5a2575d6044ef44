"""Erase and purge during replication: the text leaves the replica within the stated time, and a
restore afterwards works and does not bring it back."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest

from replica import config as replica_config
from tests.live_site import live_server
from tests.replica.conftest import flask, post_inquiry, recoverable, replica_bytes, replica_settings, replicator
from tests.servers import wait_for

pytestmark = pytest.mark.slow


def test_erased_and_purged_text_leaves_the_replica_and_a_restore(tmp_path, make_app):
    settings_ = replica_settings(tmp_path)
    db = tmp_path / "data" / "site.db"
    # Nothing in common between them: the replica's pages are LZ4-compressed, and a repeated
    # substring would be stored as a back-reference, not as the text.
    erased, purged, kept = b"Qv7ZkXw2Lp9R", b"Hj4TnYb8Ms3D", b"Uc6FgWe5Ra1N"
    with live_server(tmp_path, **settings_) as (port, _site), replicator(settings_, tmp_path / "replica.log"):
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=30)
        ref_erased = post_inquiry(port, f"please call {erased.decode()}")
        ref_purged = post_inquiry(port, f"old inquiry {purged.decode()}")
        post_inquiry(port, f"stays {kept.decode()}")  # and the site goes quiet: no visitor after the erase
        long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(timespec="seconds")
        conn = sqlite3.connect(db, timeout=5)
        conn.execute("UPDATE inquiries SET created_at = ? WHERE ref = ?", [long_ago, ref_purged])
        conn.commit()
        conn.close()
        assert wait_for(lambda: recoverable(tmp_path, erased) and recoverable(tmp_path, purged), timeout=15)
        assert erased in replica_bytes(tmp_path) and purged in replica_bytes(tmp_path)

        result = flask(settings_, "inquiries", "erase", ref_erased, "--yes")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "replica" in result.stdout and "gone from it within" in result.stdout
        result = flask(settings_, "inquiries", "purge", "--older-than-days", "1")
        assert result.returncode == 0 and "Purged 1 inquiries" in result.stdout, result.stdout + result.stderr
        assert "gone from it within" in result.stdout
        erased_at = time.monotonic()

        within = replica_config.erased_within_seconds(
            {
                **make_app().config,
                **{k: float(v) for k, v in settings_.items() if k.startswith("REPLICA_") and k != "REPLICA_URL"},
            }
        )
        assert wait_for(
            lambda: (
                not any(text in replica_bytes(tmp_path) for text in (erased, purged))
                and not recoverable(tmp_path, erased)
                and not recoverable(tmp_path, purged)
            ),
            timeout=within + 5,
            interval=0.5,
        ), f"still in the replica {time.monotonic() - erased_at:.0f} s after (stated: {within:.0f} s)"
        gone_after = time.monotonic() - erased_at
        assert gone_after <= within + 2, gone_after
        # Litestream was stopped for the truncation, and is back: the log holds the text no more.
        local = b"".join(p.read_bytes() for p in db.parent.rglob("*") if p.is_file())
        assert erased not in local and purged not in local
        assert wait_for(lambda: flask(settings_, "replica", "status").returncode == 0, timeout=30)

    restored = tmp_path / "restored.db"
    result = flask(settings_, "replica", "restore", "--to", str(restored))
    assert result.returncode == 0 and "integrity_check ok" in result.stdout, result.stdout + result.stderr
    data = restored.read_bytes()
    assert kept in data and erased not in data and purged not in data
