"""The "I'm contacting them" page: a GET shows, only the CSRF-checked POST records, once; valid HTML."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from inquiries import mailer
from tests import html as dom
from tests.pickup.steps import ISO_SECONDS, assert_private_page, inquiry, link_path, picked, press
from tests.staff_data import REAL, save
from tests.test_html_valid import vnu_problems


def test_get_shows_the_reference_the_time_and_one_button_and_never_picks_up(app, client):
    ref = save(app)
    path = link_path(app, ref)
    for _ in range(3):  # a mail scanner, a preview, the person
        page = client.get(path)
        assert page.status_code == 200
        assert_private_page(page)
        assert client.head(path).status_code == 200
    html = page.get_data(as_text=True)
    assert dom.text_of(html, "h1") == f"Inquiry {ref}"
    received = mailer.received_at(dt.datetime.fromisoformat(inquiry(app, ref)["created_at"]), "America/New_York")
    assert f"Received: {received}" in dom.find(html, "main").text
    [button] = dom.find_all(html, "button")
    assert button.text == "I'm contacting them" and button["type"] == "submit"
    assert [f.get("method") for f in dom.find_all(html, "form")] == ["post"]
    for field in ("name", "phone", "email", "insurance", "message"):
        assert REAL[field] not in html, field
    assert picked(app, ref) == (None, None)


def test_post_records_the_pick_up_once_as_the_staff_address_of_the_link(app, client):
    ref = save(app)
    before = time.time()
    path = link_path(app, ref, "Night Nurse <nurse@center.test>")
    hidden = dom.values(client.get(path), "input", type="hidden")
    first = client.post(path, data=hidden)
    assert first.status_code == 200
    assert_private_page(first)
    by, at = picked(app, ref)
    assert by == "nurse@center.test"
    assert ISO_SECONDS.match(at) and before - 1 <= dt.datetime.fromisoformat(at).timestamp() <= time.time()
    main = dom.find(first, "main").text
    assert "It is recorded that nurse@center.test is contacting them" in main
    assert dom.find_all(first, "button") == []

    # Again with the same link, and with a colleague's link from the same email: nothing changes.
    for address in ("nurse@center.test", "intake@center.test"):
        again = client.post(link_path(app, ref, address), data=hidden)
        assert again.status_code == 200
        text = dom.find(again, "main").text
        assert "Already picked up by nurse@center.test" in text and "Nothing was changed" in text
        assert picked(app, ref) == (by, at)
    shown = client.get(link_path(app, ref, "intake@center.test"))
    assert "Already picked up by nurse@center.test" in dom.find(shown, "main").text
    assert dom.find_all(shown, "button") == []


@pytest.mark.parametrize(
    "change",
    [
        {"csrf_token": None},
        {"csrf_token": "forged.token.value"},
        {"headers": {"Origin": "https://evil.example"}},
    ],
    ids=["no-token", "forged-token", "foreign-origin"],
)
def test_a_post_without_a_good_csrf_token_or_from_another_site_records_nothing(app, client, change):
    ref = save(app)
    path = link_path(app, ref)
    data = dom.values(client.get(path), "input", type="hidden")
    if "csrf_token" in change:
        data.pop("csrf_token")
        if change["csrf_token"]:
            data["csrf_token"] = change["csrf_token"]
    response = client.post(path, data=data, headers=change.get("headers", {}))
    assert response.status_code == 400
    assert "Nothing was recorded" in response.get_data(as_text=True)
    assert_private_page(response)
    assert picked(app, ref) == (None, None)


def test_the_pick_up_route_checks_csrf_even_from_a_new_browser(app):
    """A POST straight to the link, as a prefetching scanner might send, has no session: refused."""
    ref = save(app)
    assert app.test_client().post(link_path(app, ref)).status_code == 400
    assert picked(app, ref) == (None, None)


def test_the_pick_up_page_is_valid_html_in_each_state(app, client, tmp_path):
    ref = save(app)
    path = link_path(app, ref)
    pages = {"pickup-get": client.get(path).data}
    pages["pickup-recorded"] = press(client, path).data
    pages["pickup-already"] = client.get(path).data
    pages["pickup-not-found"] = client.get(path + "x").data
    pages["pickup-csrf-refused"] = app.test_client().post(path).data
    assert vnu_problems(pages, tmp_path) == []
