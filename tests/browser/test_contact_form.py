"""The contact form in a real Chromium on a phone, with JavaScript off and on.

Every inquiry here is real: stored by the gunicorn under test and emailed by its sender thread
to the test session's SMTP server. Each test uses a visitor name no other test uses, so the
inquiry and the email it produced can be found.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF, axe_report, run_axe, screenshot
from tests.browser.contact_helpers import fill_valid, text_values, unique_name
from tests.servers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

THANKS = "Thank you"
# Send aborts a field check still in flight (data-hx-sync="closest form:abort", as htmx's inline
# validation example does); htmx logs each abort with console.error.
ABORTED_FIELD_CHECK = ("htmx:sendAbort,", "htmx:afterRequest,")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def assert_unobscured(page, selector: str) -> None:
    """The element is inside the viewport and nothing (the sticky header) covers its middle."""
    state = page.locator(selector).evaluate(
        """el => {
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            const label = el.id && document.querySelector(`label[for="${el.id}"]`);
            return {top: r.top, bottom: r.bottom, height: innerHeight,
                    covered: !(hit && (hit === el || el.contains(hit) || (label && label.contains(hit)))),
                    hit: hit && hit.outerHTML.slice(0, 80)};
        }"""
    )
    assert state["top"] >= 0 and state["bottom"] <= state["height"], f"{selector} is off screen: {state}"
    assert not state["covered"], f"{selector} is covered: {state}"


def wait_for_htmx(page) -> None:
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def open_contact_with_htmx(phone):
    """A fresh phone with JavaScript on, on the contact page once htmx is ready: (page, watch)."""
    _, page, watch = phone(js=True)
    page.goto("/contact")
    wait_for_htmx(page)
    return page, watch


def mark_page(page) -> None:
    """A marker that only survives as long as no new document is loaded."""
    page.evaluate("window.__samePage = true")


def same_page(page) -> bool:
    return page.evaluate("window.__samePage === true")


def outbox_state(site, inquiry_id: int) -> tuple[str, int]:
    """(status, attempts) of the inquiry's outbox row, read straight from the SQLite file."""
    with closing(sqlite3.connect(site.database)) as db:
        return db.execute("select status, attempts from outbox where inquiry_id = ?", [inquiry_id]).fetchone()


def assert_one_inquiry_and_one_email(site, smtp, name: str) -> dict:
    """Exactly one stored inquiry and exactly one staff email for this visitor."""
    rows = site.inquiries("name = ?", name)
    assert len(rows) == 1, f"expected one inquiry from {name}, got {len(rows)}"
    [message] = smtp.inbox.wait_for(name)
    # Its outbox row sent after one claim: no sender can take it again, so no duplicate can follow.
    assert wait_for(lambda: outbox_state(site, rows[0]["id"]) == ("sent", 1)), outbox_state(site, rows[0]["id"])
    assert len(smtp.inbox.matching(name)) == 1, "the inquiry was emailed more than once"
    assert STAFF in smtp.inbox.envelope_of(message).rcpt_tos
    assert rows[0]["ref"] in message.get_body(("plain",)).get_content()
    return rows[0]


def assert_summary_links_lead_to_their_fields(page) -> None:
    """Each link of the error summary lands on its field: focused, on screen, not under the
    sticky header, marked invalid and described by its error message."""
    hrefs = page.locator("#error-summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs, "the summary lists no problems"
    for href in hrefs:
        name = href.removeprefix("#")
        page.locator(f"#error-summary a[href='{href}']").click()
        expect(page.locator(href)).to_be_focused()
        assert_unobscured(page, href)
        field = page.locator(href)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{name}-error")).to_be_visible()
        assert f"{name}-error" in field.get_attribute("aria-describedby").split()


# --- JavaScript off -------------------------------------------------------------------------------


def test_without_javascript_errors_take_focus_link_to_fields_and_the_fixed_form_is_emailed(phone, site, smtp):
    _, page, watch = phone(js=False)
    page.goto("/contact")
    page.locator("#message").fill("\nFirst line\nSecond line")
    with page.expect_navigation() as navigation:
        page.locator("#send").click()
    assert navigation.value.status == 422
    assert page.locator("#message").input_value() == "First line\nSecond line"  # as kept: outer space trimmed
    assert page.title().startswith("Error:")
    assert focused_id(page) == "error-summary", "the error summary must take focus"
    expect(page.locator("#error-summary h2")).to_have_text("There is a problem")

    assert_summary_links_lead_to_their_fields(page)

    name = unique_name()
    fill_valid(page, name)
    with page.expect_navigation():
        page.locator("#send").click()
    assert "/contact/thanks/" in page.url
    expect(page.locator("h1")).to_contain_text(THANKS)
    ref = page.locator("#ref").inner_text()
    assert page.url.endswith("/contact/thanks/" + ref)
    row = assert_one_inquiry_and_one_email(site, smtp, name)
    assert row["ref"] == ref
    watch.console_errors = [e for e in watch.console_errors if "status of 422" not in e]
    watch.assert_clean()


# --- JavaScript on --------------------------------------------------------------------------------


def test_inline_validation_checks_a_field_without_loading_a_page(phone):
    page, watch = open_contact_with_htmx(phone)
    mark_page(page)
    before = len(watch.requests)

    page.locator("#email").fill("sam@")
    page.locator("#email").press("Tab")
    error = page.locator("#email-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Error:")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert same_page(page), "a page was loaded"
    sent = [(r.method, r.url.removeprefix(watch.origin), r.resource_type) for r in watch.requests[before:]]
    assert sent and all(s[:2] == ("POST", "/contact/validate/email") for s in sent), sent
    # Focus stayed where the visitor went next, not lost when the field was swapped.
    assert focused_id(page) != "", "focus was lost to the page"
    screenshot(page, "contact-inline-error")
    violations = run_axe(page, "contact-inline-error")
    assert not violations, f"axe with an inline error:\n{axe_report(violations)}"

    page.locator("#email").fill("sam@example.com")
    page.locator("#email").press("Tab")
    expect(error).to_have_count(0)
    expect(page.locator("#email")).not_to_have_attribute("aria-invalid", "true")
    assert same_page(page)
    assert not [r for r in watch.requests[before:] if r.resource_type == "document"]
    watch.assert_clean()


def test_submit_swaps_the_confirmation_in_and_the_email_arrives(phone, site, smtp):
    page, watch = open_contact_with_htmx(phone)
    name = unique_name()
    fill_valid(page, name)
    mark_page(page)
    page.locator("#send").click()
    expect(page.locator("h1")).to_contain_text(THANKS)
    assert same_page(page), "the confirmation must be swapped in, not loaded"
    ref = page.locator("#ref").inner_text()
    expect(page.locator("#thanks-heading")).to_be_focused()
    assert page.title().startswith(THANKS)
    screenshot(page, "contact-thanks-swapped")
    violations = run_axe(page, "contact-thanks-swapped")
    assert not violations, f"axe on the swapped confirmation:\n{axe_report(violations)}"
    row = assert_one_inquiry_and_one_email(site, smtp, name)
    assert row["ref"] == ref
    watch.assert_clean()


def test_submit_with_errors_swaps_the_summary_in_with_focus(phone):
    page, watch = open_contact_with_htmx(phone)
    page.locator("#name").fill("Sam")
    page.locator("#message").fill("First line\nSecond line")
    mark_page(page)
    page.locator("#send").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert same_page(page)
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Error:")
    assert page.locator("#name").input_value() == "Sam"
    assert page.locator("#message").input_value() == "First line\nSecond line"
    screenshot(page, "contact-errors-swapped")
    violations = run_axe(page, "contact-errors-swapped")
    assert not violations, f"axe on the swapped error summary:\n{axe_report(violations)}"
    assert_summary_links_lead_to_their_fields(page)
    watch.assert_clean(allow=ABORTED_FIELD_CHECK)


def test_a_double_click_on_send_makes_one_inquiry_and_one_email(phone, site, smtp):
    page, watch = open_contact_with_htmx(phone)
    name = unique_name()
    fill_valid(page, name)
    page.locator("#send").dblclick()
    expect(page.locator("#ref")).to_be_visible()
    assert_one_inquiry_and_one_email(site, smtp, name)
    watch.assert_clean(allow=ABORTED_FIELD_CHECK)


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
    watch.assert_clean()


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
