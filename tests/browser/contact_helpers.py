"""The contact form as a visitor fills it in, and what came of it: focus, swaps, the stored inquiry, its one email."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing

from playwright.sync_api import expect

from tests.browser.conftest import STAFF
from tests.servers import wait_for

VALID = {
    "phone": "(503) 201-4567",
    "email": "sam@example.com",
    "insurance": "Aetna",
    "message": "I would like to talk about treatment for my brother.",
}


def unique_name() -> str:
    """A visitor name no other test uses, to find this test's inquiry and email."""
    return f"Sam Tester {uuid.uuid4().hex[:8]}"


def fill_text(page, name: str, value: str) -> None:
    """Type into a text field, or pick ``value`` (or the first real option) in a select."""
    field = page.locator(f"#{name}")
    if field.evaluate("el => el.tagName") == "SELECT":
        values = field.locator("option").evaluate_all("os => os.map(o => o.value || o.textContent)")
        choice = value if value in values else next(v for v in values if v)
        field.select_option(choice)
    else:
        field.fill(value)


def fill_valid(page, name: str, **overrides: str) -> dict[str, str]:
    """Fill every field with valid answers; returns the text values used."""
    values = {"name": name, **VALID, **overrides}
    for field in ("name", "phone", "email", "insurance", "message"):
        fill_text(page, field, values[field])
    # Radios: call us, voicemail OK, for myself (the first radio of each group has id=NAME).
    for group in ("contact_method", "voicemail_ok", "who"):
        page.locator(f"#{group}").check()
    return values


def text_values(page) -> dict[str, str]:
    """What the visitor sees in each text field right now."""
    return {
        field: page.locator(f"#{field}").input_value() for field in ("name", "phone", "email", "insurance", "message")
    }


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
