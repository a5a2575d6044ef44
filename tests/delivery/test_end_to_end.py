"""From the visitor's POST to the staff inbox, through the real contact view and the sender thread."""

from __future__ import annotations

import collections
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from inquiries import sender
from tests import html as dom
from tests.delivery.conftest import VISITOR, outbox_row
from tests.servers import wait_for
from tests.smtp import MailServer


def form_data(client) -> dict:
    hidden = dom.values(client.get("/contact"), "input", type="hidden")
    return {**VISITOR, "submission_key": hidden["submission_key"], "rendered_at": hidden["rendered_at"]}


@pytest.fixture
def live_app(make_app, blackhole):
    """The web app with its sender thread on, mail going to a server that never answers."""
    app = make_app(
        blackhole.port,
        MAIL_TIMEOUT=3,
        OUTBOX_LEASE_SECONDS=20,
        OUTBOX_WORKER=True,
        WTF_CSRF_ENABLED=False,
        CONTACT_MIN_SECONDS=0,
        RATELIMIT_ENABLED=False,
    )
    yield app
    running = app.extensions.get(sender.EXTENSION)
    if running:
        running.stop(timeout=10)


def test_the_post_answers_at_once_while_smtp_hangs_and_the_email_goes_out_when_it_is_back(live_app, blackhole, db):
    client = live_app.test_client()
    data = form_data(client)
    started = time.monotonic()
    response = client.post("/contact", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert time.monotonic() - started < 1.5  # well under MAIL_TIMEOUT: the POST never waits on SMTP
    ref = response.headers["Location"].rsplit("/", 1)[1]

    port = blackhole.port
    # The sender tries the silent server and gives up after MAIL_TIMEOUT; the inquiry waits.
    assert wait_for(lambda: "timed out" in (outbox_row(db, ref)["last_error"] or ""), timeout=10)
    assert outbox_row(db, ref)["status"] in ("pending", "sending")
    blackhole.close()
    server = MailServer(port).start()
    try:
        assert wait_for(lambda: len(server.received) == 1, timeout=10)
        message = server.received[0]
        assert message["Subject"] == f"New website inquiry #{ref}"
        assert message["Reply-To"] == VISITOR["email"]
        assert "tel:+12125550142" in message.get_body(("html",)).get_content()
    finally:
        server.stop()


def test_twenty_parallel_posts_with_one_key_make_one_email(make_app, mail_server, db):
    app = make_app(
        mail_server.port, OUTBOX_WORKER=True, WTF_CSRF_ENABLED=False, CONTACT_MIN_SECONDS=0, RATELIMIT_ENABLED=False
    )
    data = form_data(app.test_client())
    try:
        with ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda _: app.test_client().post("/contact", data=data).status_code, range(20)))
        assert collections.Counter(statuses) == {303: 20}
        assert wait_for(lambda: len(mail_server.received) >= 1, timeout=10)
        # One outbox row, sent after one claim: no sender can take it again, so no second email.
        assert wait_for(
            lambda: [(r["status"], r["attempts"]) for r in db.query("SELECT * FROM outbox")] == [("sent", 1)]
        )
        assert len(mail_server.received) == 1
    finally:
        app.extensions[sender.EXTENSION].stop(timeout=10)
