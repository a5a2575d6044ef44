"""The pick-up page in a real Chromium, opened from the staff email the site really sent:
accessible, clean, and the button records the pick-up (a plain form POST, no JavaScript needed)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import STAFF
from tests.browser.contact_helpers import assert_one_inquiry_and_one_email, fill_valid, unique_name
from tests.browser.pages import axe_report, run_axe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_emailed_pick_up_link_is_accessible_and_its_button_records_the_pick_up(phone, site, smtp):
    name = unique_name()
    _context, page, _watch = phone(js=False)
    page.goto("/contact")
    fill_valid(page, name)
    with page.expect_navigation():
        page.locator("#send").click()
    row = assert_one_inquiry_and_one_email(site, smtp, name)
    [message] = smtp.inbox.wait_for(name)
    [link] = re.findall(r"https?://\S+/staff/pickup/\S+", message.get_body(("plain",)).get_content())

    _context, staff_page, watch = phone(js=True)  # the staff member's own browser
    response = staff_page.goto(urlsplit(link).path)
    assert response.status == 200
    assert staff_page.locator("h1").inner_text() == f"Inquiry {row['ref']}"
    assert name not in staff_page.content()
    screenshot(staff_page, "staff-pickup")
    violations = run_axe(staff_page, "staff-pickup")
    assert not violations, axe_report(violations)
    assert site.inquiries("ref = ?", row["ref"])[0]["picked_up_by"] is None

    with staff_page.expect_navigation() as navigation:
        staff_page.get_by_role("button", name="I'm contacting them").click()
    assert navigation.value.status == 200
    assert f"It is recorded that {STAFF} is contacting them" in staff_page.locator("main").inner_text()
    violations = run_axe(staff_page, "staff-pickup-recorded")
    assert not violations, axe_report(violations)
    watch.assert_clean()
    assert site.inquiries("ref = ?", row["ref"])[0]["picked_up_by"] == STAFF
