"""The production server's life: a sender in each worker, once; a graceful reload that keeps
serving and loses no inquiry (``systemctl reload`` sends the HUP this test sends)."""

from __future__ import annotations

import os
import re
import signal
import threading
from collections import Counter
from urllib.parse import urlencode

import pytest

from inquiries.db import connect
from tests.contact_data import VALID
from tests.live_site import browser_session, live_server, request
from tests.servers import children, wait_for
from tests.smtp import MailServer

SENDER_STARTED = re.compile(r"Outbox sender [^:\s]+:(\d+):\d+ started")


def sender_pids(log: str) -> list[int]:
    """The process id of every sender start the log shows, in order."""
    return [int(pid) for pid in SENDER_STARTED.findall(log)]


def emailed(smtp: MailServer) -> Counter[str]:
    """How many staff emails arrived for each inquiry reference."""
    subjects = (message["Subject"] or "" for message in smtp.received)
    return Counter(found[1] for found in map(re.compile(r"inquiry #(\S+)").search, subjects) if found)


def mail_settings(smtp: MailServer) -> dict[str, object]:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "STAFF_EMAILS": ["intake@center.test"],
        "OUTBOX_WORKER": "true",
        "OUTBOX_POLL_SECONDS": "1",
        "CONTACT_MIN_SECONDS": "0",
    }


@pytest.mark.slow
def test_every_worker_starts_its_sender_once_and_requests_start_no_more(tmp_path):
    log = tmp_path / "server.log"
    with MailServer() as smtp, live_server(tmp_path, log=log, **mail_settings(smtp)) as (port, server):
        workers = children(server.pid)
        assert len(workers) == 2, workers
        assert wait_for(lambda: sorted(set(sender_pids(log.read_text()))) == sorted(workers), timeout=20), (
            log.read_text()
        )
        for path in ["/", "/contact", "/overdose", "/healthz"] * 10:  # each request passes the first-request hook
            request(port, "GET", path)
        hidden, headers = browser_session(port)
        status, _, _ = request(port, "POST", "/contact", urlencode({**hidden, **VALID}), headers)
        assert status == 303
        assert wait_for(lambda: smtp.received, timeout=20)
        assert sorted(sender_pids(log.read_text())) == sorted(workers)  # one each, none again


@pytest.mark.slow
def test_a_graceful_reload_keeps_serving_and_loses_no_inquiry(tmp_path):
    log = tmp_path / "server.log"
    with MailServer() as smtp, live_server(tmp_path, log=log, **mail_settings(smtp)) as (port, server):
        old_workers = set(children(server.pid))
        stop = threading.Event()
        refs: list[str] = []
        failures: list[str] = []

        def visitor() -> None:
            while not stop.is_set():
                try:
                    hidden, headers = browser_session(port)
                    status, answer, _ = request(port, "POST", "/contact", urlencode({**hidden, **VALID}), headers)
                    if status != 303:
                        failures.append(f"POST answered {status}")
                    else:
                        refs.append(answer["Location"].rsplit("/", 1)[1])
                    status, _, _ = request(port, "GET", "/overdose")
                    if status != 200:
                        failures.append(f"GET answered {status}")
                except OSError as error:
                    failures.append(repr(error))
                stop.wait(0.1)  # a steady trickle, not a flood: every inquiry must also be emailed

        visitors = [threading.Thread(target=visitor) for _ in range(3)]
        for thread in visitors:
            thread.start()
        try:
            assert wait_for(lambda: len(refs) >= 5, timeout=20)
            os.kill(server.pid, signal.SIGHUP)
            # Both workers replaced (each new one starts before its old one stops).
            assert wait_for(lambda: not old_workers & set(children(server.pid)), timeout=30), log.read_text()
            assert wait_for(lambda: len(set(children(server.pid))) == 2, timeout=10)
            before = len(refs)
            assert wait_for(lambda: len(refs) >= before + 5, timeout=20)  # still taking inquiries after
        finally:
            stop.set()
            for thread in visitors:
                thread.join(30)
        assert failures == [], failures[:5]
        assert server.poll() is None
        assert "HUP signal received" in log.read_text()
        # Every acknowledged inquiry is stored, and each is emailed once, by the old or new workers.
        database = connect(tmp_path / "site.db")
        try:
            stored = {row["ref"] for row in database["inquiries"].rows}
        finally:
            database.conn.close()
        assert set(refs) <= stored and len(set(refs)) == len(refs)
        assert wait_for(lambda: set(refs) <= set(emailed(smtp)), timeout=30, interval=0.5), log.read_text()[-3000:]
        assert {emailed(smtp)[ref] for ref in refs} == {1}
