"""The contact form in a real Chromium on a phone when the network or the server lets the visitor down:
a slow answer, a timeout, a dropped connection, a choice changed mid-check. Nothing typed is lost.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.contact_helpers import (
    ABORTED_FIELD_CHECK,
    assert_one_inquiry_and_one_email,
    fill_valid,
    open_contact_with_htmx,
    text_values,
    unique_name,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_slow_server_shows_sending_and_a_disabled_button_then_success(phone, site, smtp):
    page, watch = open_contact_with_htmx(phone)
    held = []
    page.route(
        site.url + "/contact", lambda route: held.append(route) if route.request.method == "POST" else route.fallback()
    )
    name = unique_name()
    fill_valid(page, name)
    send = page.locator("#send")
    send.click()
    expect(send).to_be_disabled()
    expect(send).to_have_text("Sending…")
    expect(page.locator("#send-status")).to_have_text("Sending…")
    page.wait_for_timeout(2000)  # the server is slow
    expect(send).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#ref")).to_be_visible()
    assert_one_inquiry_and_one_email(site, smtp, name)
    # Sending aborts a field check still in flight (hx-sync): on a busy machine one often is.
    watch.assert_clean(allow=ABORTED_FIELD_CHECK)


def test_a_request_that_times_out_says_try_again_and_keeps_every_answer(phone, site, smtp):
    page, watch = open_contact_with_htmx(phone)
    page.evaluate("htmx.config.timeout = 1000")
    held = []
    page.route(
        site.url + "/contact", lambda route: held.append(route) if route.request.method == "POST" else route.fallback()
    )
    name = unique_name()
    typed = fill_valid(page, name)
    send = page.locator("#send")
    send.click()
    status = page.locator("#send-status")
    expect(status).to_contain_text("Everything you typed is still here", timeout=5000)
    expect(status).to_contain_text("press Send again")
    expect(send).to_be_enabled()
    expect(send).to_have_text("Send")
    assert text_values(page) == {k: typed[k] for k in text_values(page)}
    for radio in ("contact_method", "voicemail_ok", "who"):
        expect(page.locator(f"#{radio}")).to_be_checked()

    # The connection is back: the same answers go through, once.
    page.unroute(site.url + "/contact")
    send.click()
    expect(page.locator("#ref")).to_be_visible()
    assert_one_inquiry_and_one_email(site, smtp, name)
    # htmx logs the timeout it was made to suffer; nothing else may complain.
    watch.assert_clean(allow=("htmx:timeout,", *ABORTED_FIELD_CHECK))


def test_a_choice_changed_while_the_last_one_is_being_checked_is_kept(phone, site):
    page, watch = open_contact_with_htmx(phone)
    held = []
    page.route(site.url + "/contact/validate/who", lambda route: held.append(route))

    def wait_for_requests(count: int) -> None:
        for _ in range(100):
            if len(held) >= count:
                return
            page.wait_for_timeout(50)
        raise AssertionError(f"expected {count} checks of 'who', saw {len(held)}")

    page.locator("#who").focus()
    page.keyboard.press("Space")  # "myself": its check is slow to answer…
    wait_for_requests(1)
    page.keyboard.press("ArrowDown")  # …and meanwhile the visitor arrows to "a loved one"
    held[0].continue_()
    wait_for_requests(2)  # the stale answer is not shown; the newer choice is checked instead
    expect(page.locator("#who-loved_one")).to_be_checked()
    held[1].continue_()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#who-loved_one")).to_be_checked()
    expect(page.locator("#who-loved_one")).to_be_focused()
    watch.assert_clean()


def test_a_dropped_connection_says_try_again_and_keeps_every_answer(phone, site):
    page, watch = open_contact_with_htmx(phone)
    page.route(
        site.url + "/contact",
        lambda route: route.abort("connectionfailed") if route.request.method == "POST" else route.fallback(),
    )
    typed = fill_valid(page, unique_name())
    send = page.locator("#send")
    send.click()
    status = page.locator("#send-status")
    expect(status).to_contain_text("Everything you typed is still here")
    expect(send).to_be_enabled()
    assert text_values(page) == {k: typed[k] for k in text_values(page)}
    assert not site.inquiries("name = ?", typed["name"])
    watch.assert_clean(
        allow=("htmx:sendError,", "Failed to load resource: net::ERR_CONNECTION_FAILED", *ABORTED_FIELD_CHECK)
    )
