"""The sender's own heartbeat: each sender loop records its rounds, and /healthz answers 503 "sender
stopped" when mail waits and no sender has run for ``OUTBOX_ALARM_SECONDS`` (or none ever has)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from inquiries import delivery, outbox, sender
from tests.conftest import ROOT
from tests.delivery.conftest import STAFF, outbox_row, save
from tests.servers import wait_for

OK = {"status": "ok"}
STOPPED = {"status": "error", "problem": "sender stopped"}
TRY_LATER = "451 4.3.0 Try again later"


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def runs(db) -> list[tuple[str, float]]:
    return [(row["worker"], row["ran_at"]) for row in db.query("SELECT * FROM sender_runs ORDER BY ran_at DESC")]


def test_a_stopped_sender_is_a_503_while_mail_waits_and_one_round_clears_it(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_ALARM_SECONDS=60, OUTBOX_RETRY_BASE_SECONDS=600)
    client, cli = app.test_client(), app.test_cli_runner()
    ref = save(db)

    response = client.get("/healthz")  # the sender thread is off and no `outbox work` ever ran
    assert (response.status_code, response.get_json()) == (503, STOPPED)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert not any(ch.isdigit() for ch in body) and ref not in body and "Dana" not in body
    status = cli.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and "no sender has run" in status.output and ref in status.output

    mail_server.handler.replies.append(TRY_LATER)  # the round runs and the email still waits
    running = sender.Sender(app)
    running.start()
    try:
        assert wait_for(lambda: runs(db), timeout=10)  # one round, then it sleeps OUTBOX_POLL_SECONDS
    finally:
        running.stop(timeout=10)
    row = outbox_row(db, ref)
    assert row["status"] == "pending" and "451" in row["last_error"]
    ((worker, _),) = runs(db)
    assert worker == f"{socket.gethostname()}:{os.getpid()}:{running.thread.ident}"
    assert health(client) == (200, OK)

    db.execute("UPDATE sender_runs SET ran_at = ran_at - 61")  # the last round is older than the alarm
    assert health(client) == (503, STOPPED)
    status = cli.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and f"sender {worker}  last ran " in status.output
    assert "(61 s ago)" in status.output and "while mail waits" in status.output

    sender.record_run(db, "web-2:99:1")  # another sender, alive: one running sender is enough
    assert health(client) == (200, OK)


def test_late_staff_email_is_named_before_a_stopped_sender(make_app, db):
    app = make_app(OUTBOX_ALARM_SECONDS=60)
    save(db)
    db.execute("UPDATE outbox SET created_at = created_at - 120")
    assert health(app.test_client()) == (503, {"status": "error", "problem": "staff email is late"})


def test_with_no_mail_waiting_a_site_without_a_sender_is_healthy(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_ALARM_SECONDS=60)  # OUTBOX_WORKER is false in tests
    client = app.test_client()
    assert health(client) == (200, OK)  # nothing queued, no sender has ever run
    save(db)
    assert delivery.send_due(app, db)["sent"] == 1  # a one-off `outbox send`
    assert runs(db) == [] and health(client) == (200, OK)  # sent mail is no work for a sender

    ref = save(db)  # a message claimed by a sender that then died is still work
    assert outbox.claim_next(db, "crashed", lease=600)["id"] == outbox_row(db, ref)["id"]
    assert health(client) == (503, STOPPED)


def test_the_newest_run_counts_one_row_per_sender_and_day_old_rows_go(db):
    now = time.time()
    assert sender.last_run(db) is None
    sender.record_run(db, "gone", now=now - 2 * 86400)
    sender.record_run(db, "old", now=now - 100)
    assert sender.last_run(db) == now - 100
    sender.record_run(db, "new", now=now)
    assert runs(db) == [("new", now), ("old", now - 100)]  # "gone" ran more than a day ago
    sender.record_run(db, "old", now=now + 1)
    assert runs(db) == [("old", now + 1), ("new", now)]
    assert sender.last_run(db) == now + 1


def test_a_run_is_committed_without_an_fsync_of_its_own_and_the_connection_stays_full(db):
    def synchronous() -> int:
        return db.execute("PRAGMA synchronous").fetchone()[0]

    assert synchronous() == 2  # FULL, as on every connection
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    sender.record_run(db, "w")
    db.conn.set_trace_callback(None)
    # NORMAL in WAL mode: this commit is not synced, the next FULL commit syncs it with its own.
    changes = [(i, sql.upper()) for i, sql in enumerate(statements) if sql.upper().startswith("PRAGMA SYNCHRONOUS=")]
    (normal, normal_sql), (full, full_sql) = changes
    assert (normal_sql, full_sql) == ("PRAGMA SYNCHRONOUS=NORMAL", "PRAGMA SYNCHRONOUS=2")
    assert normal < statements.index("BEGIN IMMEDIATE") < statements.index("COMMIT") < full
    assert synchronous() == 2

    db.execute("DROP TABLE sender_runs")
    with pytest.raises(sqlite3.OperationalError):
        sender.record_run(db, "w")
    assert synchronous() == 2 and not db.conn.in_transaction


def test_a_sender_rewrites_its_row_at_most_every_fifth_of_the_alarm(make_app, db):
    running = sender.Sender(make_app(OUTBOX_ALARM_SECONDS=10))  # so at most every 2 s

    def recorded() -> bool:
        return bool(runs(db))

    running.record(db, "w", at=100.0)
    assert recorded()
    db.execute("DELETE FROM sender_runs")
    running.record(db, "w", at=101.9)
    assert not recorded()  # within 2 s of the last write: no write
    running.record(db, "w", at=102.1)
    assert recorded()

    longest = sender.Sender(make_app(OUTBOX_ALARM_SECONDS=3600))
    longest.record(db, "w", at=0.0)
    db.execute("DELETE FROM sender_runs")
    longest.record(db, "w", at=29.9)
    assert not recorded()
    longest.record(db, "w", at=30.1)
    assert recorded()  # however long the alarm, a running sender rewrites its row every 30 s


def test_a_run_that_cannot_be_recorded_does_not_stop_the_sender(make_app, mail_server, db, caplog):
    app = make_app(mail_server.port, OUTBOX_POLL_SECONDS=0.2)
    db.execute("DROP TABLE sender_runs")
    running = sender.Sender(app)
    with caplog.at_level(logging.ERROR):
        running.start()
        try:
            for count in (1, 2):
                save(db)
                running.wake()
                assert wait_for(lambda count=count: len(mail_server.received) == count, timeout=10)
        finally:
            running.stop(timeout=10)
    assert not running.thread.is_alive()
    assert any(r.getMessage() == "Sender run not recorded: OperationalError" for r in caplog.records)


def test_a_running_sender_thread_keeps_healthz_at_200_and_its_stop_is_seen(make_app, mail_server, db):
    alarm = 2
    app = make_app(
        mail_server.port,
        OUTBOX_WORKER=True,
        OUTBOX_POLL_SECONDS=0.2,
        OUTBOX_ALARM_SECONDS=alarm,
        OUTBOX_RETRY_BASE_SECONDS=600,  # a message refused for now waits: work for a sender
    )
    client = app.test_client()
    assert health(client) == (200, OK)  # this first request starts the thread
    running = app.extensions[sender.EXTENSION]
    try:
        assert wait_for(lambda: sender.last_run(db) is not None, timeout=10)
        first = sender.last_run(db)
        delivered = []

        def mail_flows() -> bool:
            save(db)
            sender.wake(app)
            delivered.append(wait_for(lambda: len(mail_server.received) == len(delivered) + 1, timeout=10))
            assert health(client) == (200, OK)
            return time.time() - first > alarm + 1

        assert wait_for(mail_flows, timeout=30, interval=0.2)
        assert all(delivered) and len(mail_server.received) == len(delivered) >= 2

        mail_server.handler.replies.append(TRY_LATER)
        ref = save(db)
        sender.wake(app)
        assert wait_for(lambda: outbox_row(db, ref)["last_error"], timeout=10)
        # More than the alarm after the first round, mail waits: only a fresh row keeps this at 200.
        assert health(client) == (200, OK)
        assert sender.last_run(db) > first + alarm
    finally:
        running.stop(timeout=10)
    assert not running.thread.is_alive()

    db.execute("DELETE FROM outbox WHERE id = ?", [outbox_row(db, ref)["id"]])
    assert wait_for(lambda: time.time() - sender.last_run(db) > alarm, timeout=alarm + 10)
    save(db)  # an inquiry comes in after the sender died
    assert health(client) == (503, STOPPED)  # the request did not bring the dead thread back
    assert app.extensions[sender.EXTENSION] is running


@pytest.mark.slow
def test_flask_outbox_work_records_its_rounds(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_ALARM_SECONDS=60)
    client = app.test_client()
    save(db)
    assert health(client) == (503, STOPPED)
    env = {
        **os.environ,
        "FLASK_DATABASE": app.config["DATABASE"],
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(mail_server.port),
        "FLASK_MAIL_DEFAULT_SENDER": app.config["MAIL_DEFAULT_SENDER"],
        "FLASK_STAFF_EMAILS": json.dumps(STAFF),
        "FLASK_OUTBOX_WORKER": "false",
        "FLASK_OUTBOX_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox", "work"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(mail_server.received) == 1, timeout=30)
        assert wait_for(lambda: runs(db), timeout=10)
        ((worker, _),) = runs(db)
        assert f":{proc.pid}:" in worker
        save(db)
        assert health(client) == (200, OK)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
