"""Every page a visitor can reach, in a real Chromium on a phone: accessible, private, clean.

Each page is checked in the state a visitor meets it: the education pages and the contact page
as loaded, the contact form after an empty submission (no JavaScript: the full-page error state),
the confirmation page and a 404.
"""

from __future__ import annotations

import pytest

from tests.browser.contact_helpers import fill_valid, unique_name
from tests.browser.pages import axe_report, run_axe, screenshot
from tests.conftest import catalog_paths, html_urls

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONTACT_ERRORS = "contact-errors"
CONTACT_THANKS = "contact-thanks"
SPANISH_CONTACT_ERRORS = "es-contacto-errores"
SPANISH_CONTACT_THANKS = "es-contacto-gracias"
NOT_FOUND = "/no-such-page"
SPANISH_NOT_FOUND = "/es/no-existe"
FORM_STATES = {
    CONTACT_ERRORS: ("/contact", False),
    CONTACT_THANKS: ("/contact", True),
    SPANISH_CONTACT_ERRORS: ("/es/contacto", False),
    SPANISH_CONTACT_THANKS: ("/es/contacto", True),
}
STATES = [*html_urls(), *FORM_STATES, NOT_FOUND, SPANISH_NOT_FOUND]


def slug(state: str) -> str:
    return {"/": "home"}.get(state, state.strip("/").replace("/", "-"))


def open_state(phone, state: str):
    """A fresh phone with the page in ``state``; returns (context, page, watch)."""
    if state in FORM_STATES:
        # Reached the way a visitor without JavaScript reaches them: a plain form POST.
        form, filled = FORM_STATES[state]
        context, page, watch = phone(js=False)
        page.goto(form)
        if filled:
            fill_valid(page, unique_name())
        with page.expect_navigation() as navigation:
            page.locator("#send").click()
        if filled:
            assert page.url.startswith(watch.origin + form + ("/thanks/" if form == "/contact" else "/gracias/"))
        else:
            assert navigation.value.status == 422
            assert page.locator("#error-summary").is_visible()
        watch.document_status = navigation.value.status
        return context, page, watch
    context, page, watch = phone(js=True)
    response = page.goto(state)
    assert response.status == (404 if state in (NOT_FOUND, SPANISH_NOT_FOUND) else 200)
    watch.document_status = response.status
    return context, page, watch


def check_console_csp_and_requests(page, watch, state: str) -> None:
    """No CSP violation, JavaScript or console error, or request to another origin; keeps a screenshot."""
    screenshot(page, slug(state))
    if watch.document_status >= 400:
        # Chromium logs the page's own error status (404 for a missing page, 422 for a form to
        # fix); the status is meant, so that one line is not an error of the page.
        own = f"the server responded with a status of {watch.document_status} "
        watch.console_errors = [e for e in watch.console_errors if not (own in e and e.endswith(f"[at {page.url}]"))]
    watch.assert_clean()


def check_axe(page, watch, state: str) -> None:
    """axe finds no WCAG 2.2 A/AA violation."""
    violations = run_axe(page, slug(state))
    assert not violations, f"axe on {state}:\n{axe_report(violations)}"


def check_no_horizontal_scrolling_at_320px(page, watch, state: str) -> None:
    """Nothing scrolls sideways on a 320 px wide screen."""
    page.set_viewport_size({"width": 320, "height": 640})
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"{state} scrolls sideways at 320 px: {widths}"


def check_call_button_on_screen(page, watch, state: str) -> None:
    """The header's call button is on screen at the top and, the header being sticky, at the bottom."""
    call = page.locator("header a.call[href^='tel:']")
    for size in ({"width": 360, "height": 740}, {"width": 320, "height": 568}):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        assert call.is_visible()
        box = call.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], f"call button off screen on {state}: {box}"
        # The header is sticky: still on screen after reading to the bottom.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        box = call.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (
            f"call button scrolled away on {state}: {box}"
        )


# In this order: what the page did is read before anything else is done to it, and axe runs at the
# phone's own size, as each did on a page of its own; the last two set the sizes they need.
CHECKS = {
    "no console errors, CSP violations or foreign requests": check_console_csp_and_requests,
    "axe finds no WCAG 2.2 AA violations": check_axe,
    "no horizontal scrolling at 320 px": check_no_horizontal_scrolling_at_320px,
    "call button on screen without scrolling": check_call_button_on_screen,
}


@pytest.mark.parametrize("state", STATES, ids=slug)
def test_page_state_passes_every_check(phone, state):
    """Open the state once and run every check on it; the failure names each check that failed, and the page."""
    _, page, watch = open_state(phone, state)
    failures = []
    for name, check in CHECKS.items():
        try:
            check(page, watch, state)
        except AssertionError as error:
            failures.append(f"{name} on {state}: {error}")
    assert not failures, "\n\n".join(failures)


def test_education_pages_set_no_cookies_and_run_no_javascript(phone):
    context, page, watch = phone(js=True)
    for path in catalog_paths():
        page.goto(path)
        assert page.locator("script").count() == 0, f"{path} has a script"
    assert context.cookies() == []
    assert not [r.url for r in watch.requests if r.resource_type == "script"]


# Five short lines on a 320 px phone (about 133 px measured); a sixth line would pass 150 px.
CRISIS_STRIP_MAX_PX = 144


@pytest.mark.parametrize("path", ["/", "/contact", "/es/", "/es/contacto"])
def test_crisis_strip_stays_one_short_block_at_320px(phone, path):
    _, page, _ = phone(js=True)
    page.set_viewport_size({"width": 320, "height": 568})
    page.goto(path)
    strip = page.locator("aside.crisis")
    assert strip.locator("p").count() == 1
    height = strip.bounding_box()["height"]
    assert height <= CRISIS_STRIP_MAX_PX, f"crisis strip is {height:.0f} px tall at 320 px"
    for name in ("988lineadevida.org" if path.startswith("/es/") else "988lifeline.org", "1-800-662-4357"):
        assert strip.get_by_role("link", name=name).is_visible()
