"""The contact form in a real Chromium on a phone, with JavaScript off and on.

Every inquiry here is real: stored by the production server under test and emailed by its sender thread
to the test session's SMTP server. Each test uses a visitor name no other test uses, so the
inquiry and the email it produced can be found.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.contact_helpers import (
    ABORTED_FIELD_CHECK,
    THANKS,
    assert_one_inquiry_and_one_email,
    assert_summary_links_lead_to_their_fields,
    fill_valid,
    focused_id,
    mark_page,
    open_contact_with_htmx,
    same_page,
    unique_name,
)
from tests.browser.pages import axe_report, run_axe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
