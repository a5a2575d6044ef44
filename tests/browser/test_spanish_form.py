"""The Spanish contact form in a real Chromium on a phone, with JavaScript off and on.

As in `test_contact_form.py`, every inquiry is real: stored by the production server under test
and emailed to the test session's SMTP server, where the staff email says its language.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.contact_helpers import (
    ABORTED_FIELD_CHECK,
    assert_one_inquiry_and_one_email,
    assert_summary_links_lead_to_their_fields,
    fill_valid,
    focused_id,
    mark_page,
    same_page,
    unique_name,
    wait_for_htmx,
)
from tests.browser.pages import axe_report, run_axe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGE_LINE = "Language: Spanish"


def staff_email_text(smtp, name: str) -> str:
    [message] = smtp.inbox.wait_for(name)
    return message.get_body(("plain",)).get_content()


def test_spanish_form_without_javascript_says_what_to_fix_in_spanish_keeps_the_words_and_sends(phone, site, smtp):
    _, page, watch = phone(js=False)
    page.goto("/es/contacto")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("#message").fill("Mi hermano necesita ayuda.\nLlámenme después de las 6, por favor.")
    page.locator("#email").fill("sam@")
    with page.expect_navigation() as navigation:
        page.locator("#send").click()
    assert navigation.value.status == 422
    assert page.url.endswith("/es/contacto")
    assert page.locator("#message").input_value() == "Mi hermano necesita ayuda.\nLlámenme después de las 6, por favor."
    assert page.locator("#email").input_value() == "sam@"
    assert page.title().startswith("Error:")
    assert focused_id(page) == "error-summary"
    expect(page.locator("#error-summary h2")).to_have_text("Hay un problema")
    expect(page.locator("#name-error")).to_contain_text("Escriba su nombre")
    expect(page.locator("#email-error")).to_contain_text("correo electrónico")
    assert_summary_links_lead_to_their_fields(page)
    violations = run_axe(page, "es-contact-errors")
    assert not violations, f"axe on the Spanish error summary:\n{axe_report(violations)}"

    name = unique_name()
    fill_valid(page, name, message="Mi hermano necesita ayuda.")
    with page.expect_navigation():
        page.locator("#send").click()
    assert "/es/contacto/gracias/" in page.url
    expect(page.locator("h1")).to_contain_text("Gracias")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    ref = page.locator("#ref").inner_text()
    row = assert_one_inquiry_and_one_email(site, smtp, name)
    assert row["ref"] == ref
    assert LANGUAGE_LINE in staff_email_text(smtp, name)
    watch.console_errors = [e for e in watch.console_errors if "status of 422" not in e]
    watch.assert_clean()


def test_spanish_form_with_htmx_checks_a_field_in_spanish_and_swaps_the_thanks_in(phone, site, smtp):
    _, page, watch = phone(js=True)
    page.goto("/es/contacto")
    wait_for_htmx(page)
    mark_page(page)
    before = len(watch.requests)
    page.locator("#email").fill("sam@")
    page.locator("#email").press("Tab")
    error = page.locator("#email-error")
    expect(error).to_contain_text("correo electrónico")
    expect(error).to_contain_text("Error:")
    sent = [(r.method, r.url.removeprefix(watch.origin)) for r in watch.requests[before:]]
    assert sent and all(s == ("POST", "/es/contacto/validar/email") for s in sent), sent
    assert same_page(page)
    screenshot(page, "es-contact-inline-error")
    violations = run_axe(page, "es-contact-inline-error")
    assert not violations, f"axe with a Spanish inline error:\n{axe_report(violations)}"

    name = unique_name()
    fill_valid(page, name)
    page.locator("#send").click()
    expect(page.locator("h1")).to_contain_text("Gracias")
    assert same_page(page), "the confirmation must be swapped in, not loaded"
    expect(page.locator("#thanks-heading")).to_be_focused()
    violations = run_axe(page, "es-contact-thanks")
    assert not violations, f"axe on the Spanish confirmation:\n{axe_report(violations)}"
    assert_one_inquiry_and_one_email(site, smtp, name)
    assert LANGUAGE_LINE in staff_email_text(smtp, name)
    watch.assert_clean(allow=ABORTED_FIELD_CHECK)


def test_spanish_send_button_says_sending_in_spanish(phone):
    _, page, _ = phone(js=True)
    page.goto("/es/contacto")
    wait_for_htmx(page)
    expect(page.locator("#send")).to_have_text("Enviar")
    page.route("**/es/contacto", lambda route: None)  # hold the POST: the page stays "sending"
    fill_valid(page, unique_name())
    page.locator("#send").click()
    expect(page.locator("#send")).to_have_text("Enviando…")
    expect(page.locator("#send")).to_be_disabled()
