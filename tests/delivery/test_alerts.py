"""On-call notices through Apprise to a real local HTTP receiver (``json://``): a new inquiry, an
escalation, a staff email dead or late. They carry references, times and links, never a word of
what the visitor wrote; a receiver that is down never holds up the staff email."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time

import pytest

from inquiries import alerts, delivery, escalation, sender, store
from tests import html as dom
from tests.delivery.conftest import VISITOR, outbox_row
from tests.receiver import Receiver
from tests.servers import free_port, wait_for
from tests.smtp import Blackhole, MailServer


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def canary_form(client) -> tuple[dict, list[str]]:
    """A valid form with a canary in every free-text field; the canaries."""
    canaries = {field: "CANARY" + secrets.token_hex(6).upper() for field in ("name", "insurance", "message")}
    digits = f"{secrets.randbelow(9000) + 1000}"
    hidden = dom.values(client.get("/contact"), "input", type="hidden")
    form = {
        **VISITOR,
        **hidden,
        "name": f"Dana {canaries['name']}",
        "insurance": f"Acme {canaries['insurance']}",
        "message": f"Please help {canaries['message']}",
        "email": f"dana.{canaries['name'].lower()}@example.net",
        "phone": f"+1 212-555-{digits}",
    }
    return form, [*canaries.values(), canaries["name"].lower(), digits]


def live(make_app, port: int, alert_urls: list[str], **overrides):
    """The web app with its sender thread (and notice loop) on, mail to ``port``."""
    return make_app(
        port,
        ALERT_URLS=alert_urls,
        OUTBOX_WORKER=True,
        OUTBOX_POLL_SECONDS=0.2,
        WTF_CSRF_ENABLED=False,
        CONTACT_MIN_SECONDS=0,
        RATELIMIT_ENABLED=False,
        **overrides,
    )


def stop_sender(app, timeout: float = 10) -> None:
    running = app.extensions.get(sender.EXTENSION)
    if running:
        running.stop(timeout=timeout)


def test_a_new_inquiry_is_announced_within_a_second_with_nothing_private(make_app, mail_server, receiver, db):
    app = live(make_app, mail_server.port, [receiver.url], PICKUP_SECONDS=1.5)
    client = app.test_client()
    form, canaries = canary_form(client)
    try:
        posted = time.time()
        response = client.post("/contact", data=form)
        assert response.status_code == 303
        ref = response.headers["Location"].rsplit("/", 1)[1]
        [notice] = receiver.wait_for(1)
        took = receiver.arrived[0] - posted
        print(f"POST to new-inquiry notice at the receiver: {took:.2f} s")
        assert took < 5
        assert notice["title"] == f"New inquiry {ref}"
        assert ref in notice["message"] and "/staff/pickup/" in notice["message"]
        # The escalation notice follows once nobody has picked it up.
        notices = receiver.wait_for(2, timeout=15)
        assert notices[1]["title"] == f"Inquiry {ref} not picked up"
    finally:
        stop_sender(app)
    everything = b"".join(receiver.raw).decode("utf-8", "replace")
    for canary in canaries:
        assert canary not in everything, f"{canary} reached the notice service"

    # The notice's link opens the pick-up page, which shows the reference and nothing private.
    link = notices[0]["message"].split("/staff/pickup/", 1)[1].split()[0]
    page = client.get("/staff/pickup/" + link)
    assert page.status_code == 200 and ref in page.get_data(as_text=True)
    for canary in canaries:
        assert canary not in page.get_data(as_text=True)


def test_a_notice_service_that_is_down_never_holds_up_the_staff_email(make_app, mail_server, db):
    silent = Blackhole()  # accepts the connection and never answers
    app = live(make_app, mail_server.port, [f"json://127.0.0.1:{silent.port}/x?rto=2", "json://127.0.0.1:1/refused"])
    try:
        client = app.test_client()
        form, _ = canary_form(client)
        for n in range(3):
            posted = time.time()
            assert client.post("/contact", data={**form, "submission_key": f"key{n}" * 6}).status_code == 303
            assert wait_for(lambda n=n: len(mail_server.received) == n + 1, timeout=5)
            print(f"staff email {n + 1} arrived {time.time() - posted:.2f} s after its POST, notices failing")
            assert time.time() - posted < 2
    finally:
        stop_sender(app, timeout=1)  # the notice loop may be waiting on the silent service: a daemon
        silent.close()
    waiting = list(db.query("SELECT status, attempts FROM outbox WHERE kind = 'alert'"))
    assert waiting and all(row["status"] in ("pending", "sending") for row in waiting)  # kept, to retry


def test_a_dead_staff_email_and_a_late_one_are_reported_once(make_app, receiver, db):
    app = make_app(free_port(), ALERT_URLS=[receiver.url], OUTBOX_ALARM_SECONDS=60)
    canaries = {field: "CANARY" + secrets.token_hex(6).upper() for field in ("name", "insurance", "message")}
    with app.app_context():
        late = store.save_inquiry(db, {**VISITOR, **canaries}, submission_key="late" * 8).ref
    start = outbox_row(db, late)["created_at"]
    assert alerts.queue_stuck(app, db, now=start + 30) == []
    assert len(alerts.queue_stuck(app, db, now=start + 61)) == 1
    assert alerts.queue_stuck(app, db, now=start + 3600) == []  # once
    assert delivery.send_due(app, db, notices=True, now=start + 61) == {"sent": 1, "retry": 0, "dead": 0}
    [notice] = receiver.notices
    assert notice["title"] == f"Staff email for {late} is late" and "/healthz" in notice["message"]

    # A refused message: the staff email is given up, and on-call hears of it.
    with MailServerRefusing() as refusing:
        app = make_app(refusing.port, ALERT_URLS=[receiver.url])
        delivery.send_due(app, db)
    assert outbox_row(db, late)["status"] == "dead"
    delivery.send_due(app, db, notices=True)
    assert receiver.notices[-1]["title"] == f"Staff email for {late} failed"
    everything = b"".join(receiver.raw).decode("utf-8", "replace")
    assert not [c for c in canaries.values() if c in everything]


class MailServerRefusing:
    """An SMTP server that refuses every message with a 5xx."""

    def __enter__(self):
        self.server = MailServer().start()
        self.server.handler.replies.extend(["554 5.7.1 Rejected"] * 5)
        self.port = self.server.port
        return self

    def __exit__(self, *exc):
        self.server.stop()


def test_an_escalation_is_announced_with_its_pick_up_link(make_app, mail_server, receiver, db):
    app = make_app(mail_server.port, ALERT_URLS=[receiver.url], PICKUP_SECONDS=60)
    with app.app_context():
        ref = store.save_inquiry(db, VISITOR, submission_key="esc" * 8).ref
    created = next(db.query("SELECT created_at FROM inquiries WHERE ref = ?", [ref]))["created_at"]
    moment = dt.datetime.fromisoformat(created).timestamp() + 200
    assert escalation.queue_due(app, db, now=moment) == [ref]
    assert delivery.send_due(app, db, notices=True, now=moment)["sent"] == 1
    [notice] = receiver.notices
    assert notice["title"] == f"Inquiry {ref} not picked up" and "3 minutes" in notice["message"]
    assert "/staff/pickup/" in notice["message"]


def test_without_alert_urls_nothing_is_queued(make_app, mail_server, db):
    app = make_app(mail_server.port, WTF_CSRF_ENABLED=False, CONTACT_MIN_SECONDS=0)
    client = app.test_client()
    form, _ = canary_form(client)
    assert client.post("/contact", data=form).status_code == 303
    assert list(db.query("SELECT * FROM outbox WHERE kind = 'alert'")) == []


def test_a_removed_alert_url_ends_its_notices(make_app, receiver, db):
    app = make_app(free_port(), ALERT_URLS=[receiver.url, receiver.url])
    with app.app_context():
        store.save_inquiry(
            db,
            VISITOR,
            submission_key="two" * 8,
            announce=lambda d, inquiry: alerts.new_inquiry(d, app.config, inquiry),
        )
    app.config["ALERT_URLS"] = [receiver.url]
    assert delivery.send_due(app, db, notices=True) == {"sent": 1, "retry": 0, "dead": 1}
    payloads = [json.loads(row["payload"]) for row in db.query("SELECT payload FROM outbox WHERE kind = 'alert'")]
    assert sorted(p["url"] for p in payloads) == [0, 1]


def test_a_stopped_sender_is_reported_once_per_stop_from_healthz(make_app, receiver, db):
    """No sender runs and mail waits: the uptime monitor's visit to /healthz sends the notice itself."""
    app = make_app(free_port(), ALERT_URLS=[receiver.url], OUTBOX_ALARM_SECONDS=60)
    canary = "CANARY" + secrets.token_hex(6).upper()
    with app.app_context():
        store.save_inquiry(db, {**VISITOR, "name": canary, "message": canary}, submission_key="stop" * 8)
    client = app.test_client()
    for _ in range(3):  # a monitor polling every minute: one notice, not one per visit
        response = client.get("/healthz")
        assert (response.status_code, response.get_json()["problem"]) == (503, "sender stopped")
    [notice] = receiver.wait_for(1)
    assert notice["title"] == "Staff email sender stopped" and "/healthz" in notice["message"]
    assert wait_for(lambda: len(receiver.notices) == 1, timeout=0.5)

    # Five minutes on (the clock moved back instead): a sender ran after that notice, two minutes
    # ago, and stopped again. That stop is reported too.
    db.execute("UPDATE outbox SET created_at = created_at - 300 WHERE kind = 'alert'")
    sender.record_run(db, "sender-1", now=time.time() - 120)
    assert client.get("/healthz").status_code == 503
    assert len(receiver.wait_for(2)) == 2
    assert canary.encode() not in b"".join(receiver.raw)
    sender.record_run(db, "sender-1", now=time.time())
    assert client.get("/healthz").status_code == 200


def test_with_both_mail_routes_down_the_email_retries_and_on_call_hears_it_is_late(make_app, receiver, db):
    app = make_app(
        free_port(),
        MAIL_BACKUP_SERVER="127.0.0.1",
        MAIL_BACKUP_PORT=free_port(),
        MAIL_BACKUP_USE_TLS=False,
        ALERT_URLS=[receiver.url],
        OUTBOX_ALARM_SECONDS=60,
    )
    with app.app_context():
        ref = store.save_inquiry(db, VISITOR, submission_key="down" * 8).ref
    start = outbox_row(db, ref)["created_at"]
    assert delivery.send_due(app, db) == {"sent": 0, "retry": 2, "dead": 0}  # primary, then backup
    row = outbox_row(db, ref)
    assert delivery.send_due(app, db, now=row["next_attempt_at"])["retry"] == 2  # and again, later
    assert outbox_row(db, ref)["status"] == "pending"
    assert len(alerts.queue_stuck(app, db, now=start + 61)) == 1
    delivery.send_due(app, db, notices=True, now=start + 61)
    assert [n["title"] for n in receiver.notices] == [f"Staff email for {ref} is late"]
