"""Senders: racing senders deliver each message once, a dead sender's claim is taken back, the thread and CLI."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from inquiries import db as dbmod
from inquiries import delivery, outbox, sender
from tests import html as dom
from tests.conftest import ROOT
from tests.contact_data import VALID
from tests.delivery.conftest import STAFF, outbox_row, save
from tests.servers import wait_for


def message_ids(server) -> collections.Counter:
    return collections.Counter(m["Message-ID"] for m in server.received)


def test_threads_racing_deliver_each_message_exactly_once(mail_app, mail_server, db):
    refs = [save(db, name=f"Person {n}") for n in range(40)]
    totals: list[dict] = []
    start = threading.Barrier(4)

    def run(worker: int) -> None:
        conn = dbmod.connect(mail_app.config["DATABASE"])
        start.wait()
        totals.append(delivery.send_due(mail_app, conn, worker_id=f"thread-{worker}"))
        conn.conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sum(t["sent"] for t in totals) == 40
    assert sum(1 for t in totals if t["sent"]) >= 2  # they really raced
    counts = message_ids(mail_server)
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert {outbox_row(db, ref)["message_id"] for ref in refs} == set(counts)
    assert outbox.backlog(db)["sent"] == 40


def flask_env(app, **extra) -> dict:
    config = app.config
    env = {
        **os.environ,
        "FLASK_DATABASE": config["DATABASE"],
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(config["MAIL_PORT"]),
        "FLASK_MAIL_DEFAULT_SENDER": config["MAIL_DEFAULT_SENDER"],
        "FLASK_STAFF_EMAILS": json.dumps(STAFF),
        "FLASK_MAIL_TIMEOUT": "2",
        "FLASK_OUTBOX_WORKER": "false",
    }
    return {**env, **extra}


@pytest.mark.slow
def test_processes_racing_deliver_each_message_exactly_once(mail_app, mail_server, db):
    for n in range(30):
        save(db, name=f"Person {n}")
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox", "send"]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=flask_env(mail_app), stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    sent = sum(int(out.split("sent=")[1].split()[0]) for out in outputs)
    assert sent == 30
    counts = message_ids(mail_server)
    assert len(counts) == 30 and set(counts.values()) == {1}


def test_a_claim_left_by_a_crashed_sender_is_taken_back_after_the_lease(db):
    ref = save(db)
    now = time.time()
    first = outbox.claim_next(db, "crashed", now=now, lease=1)
    assert first["status"] == "sending" and first["claimed_by"] == "crashed" and first["attempts"] == 1
    assert outbox.claim_next(db, "other", now=now + 0.5, lease=1) is None  # lease still held

    again = outbox.claim_next(db, "other", now=now + 2, lease=1)
    assert again["id"] == first["id"] and again["claimed_by"] == "other" and again["attempts"] == 2
    assert outbox.mark_sent(db, first["id"], "crashed") is False  # the old claim is void
    assert outbox.mark_sent(db, again["id"], "other") is True
    assert outbox_row(db, ref)["status"] == "sent"


def test_a_message_not_yet_due_is_not_claimed(db):
    save(db)
    now = time.time()
    row = outbox.claim_next(db, "w", now=now, lease=60)
    outbox.mark_retry(db, row, "w", "SMTP 451", base=30, cap=3600, now=now)
    assert outbox.claim_next(db, "w", now=now + 29, lease=60) is None
    assert outbox.claim_next(db, "w", now=now + 31, lease=60)["id"] == row["id"]


def test_the_sender_thread_starts_with_the_first_request_and_wakes_when_an_inquiry_is_saved(
    make_app, mail_server, db, monkeypatch
):
    looks = []  # rounds of the sender finished; after the first it sleeps for 30 s unless woken
    send_due = delivery.send_due
    monkeypatch.setattr(delivery, "send_due", lambda *args, **kwargs: looks.append(send_due(*args, **kwargs)))
    app = make_app(mail_server.port, OUTBOX_WORKER=True, OUTBOX_POLL_SECONDS=30, CONTACT_MIN_SECONDS=0)
    assert sender.EXTENSION not in app.extensions
    client = app.test_client()
    client.get("/healthz")
    running = app.extensions[sender.EXTENSION]
    try:
        assert running.thread.daemon and running.thread.is_alive()
        client.get("/healthz")
        assert app.extensions[sender.EXTENSION] is running  # one thread per process
        assert wait_for(lambda: looks, timeout=5)
        hidden = dom.values(client.get("/contact"), "input", type="hidden")
        assert client.post("/contact", data={**hidden, **VALID}).status_code == 303
        assert wait_for(lambda: len(mail_server.received) == 1, timeout=5)
    finally:
        running.stop(timeout=5)
    assert not running.thread.is_alive()


def test_cli_commands_never_start_a_sender_thread(make_app, mail_server):
    app = make_app(mail_server.port, OUTBOX_WORKER=True)
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 0
    assert sender.EXTENSION not in app.extensions


def test_outbox_status_send_and_retry_dead(mail_app, mail_server, db):
    runner = mail_app.test_cli_runner()
    mail_server.handler.replies.append("554 5.7.1 Rejected")
    ref = save(db)
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and "pending=1" in status.output and ref in status.output
    assert "Dana" not in status.output

    assert "dead=1" in runner.invoke(args=["outbox", "send"]).output
    status = runner.invoke(args=["outbox", "status"])
    assert f"{ref}  dead" in status.output and "554" in status.output

    assert "1 message(s) queued again" in runner.invoke(args=["outbox", "retry-dead"]).output
    assert "sent=1" in runner.invoke(args=["outbox", "send"]).output
    assert len(mail_server.received) == 1


def test_outbox_status_fails_when_a_message_waited_too_long(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_ALARM_SECONDS=5)
    ref = save(db)
    db.execute("UPDATE outbox SET created_at = created_at - 60 WHERE id = ?", [outbox_row(db, ref)["id"]])
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 1 and "ALARM" in result.output


@pytest.mark.slow
def test_outbox_work_sends_in_the_foreground_and_stops_on_sigterm(mail_app, mail_server, db):
    env = flask_env(mail_app, FLASK_OUTBOX_POLL_SECONDS="0.2")
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox", "work"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        save(db)
        save(db)
        assert wait_for(lambda: len(mail_server.received) == 2, timeout=15)
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=15)[0]
    assert proc.returncode == 0, output
    assert "Dana" not in output and "brother" not in output


def test_a_message_claimed_by_a_sender_that_died_is_delivered_by_another(make_app, mail_server, db):
    app = make_app(mail_server.port, OUTBOX_LEASE_SECONDS=1.5, MAIL_TIMEOUT=0.2, MAIL_DATA_TIMEOUT=0.2)
    ref = save(db)
    assert outbox.claim_next(db, "killed-mid-send", lease=1.5) is not None
    assert delivery.send_due(app, db, worker_id="survivor") == {"sent": 0, "retry": 0, "dead": 0}
    later = time.time() + 1.6  # the dead sender's 1.5 s lease has run out
    assert delivery.send_due(app, db, worker_id="survivor", now=later) == {"sent": 1, "retry": 0, "dead": 0}
    row = outbox_row(db, ref)
    assert row["status"] == "sent" and row["attempts"] == 2
    assert len(mail_server.received) == 1
