"""Keyboard alone, focus always visible, and the quick exit, in a real Chromium on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import i18n
from tests.browser.conftest import EXIT_URL, stub_exit
from tests.browser.contact_helpers import VALID, assert_one_inquiry_and_one_email, unique_name, wait_for_htmx
from tests.conftest import html_urls

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What the focused element looks like, and whether a person can see it and it is not covered.
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    const label = el.id && document.querySelector(`label[for="${el.id}"]`);
    // WCAG 2.4.11 (AA): not entirely hidden. Sample points of each line box (a link may wrap)
    // inside the viewport; the element is seen if any of them hits it rather than, say, the
    // sticky header.
    const hits = [];
    for (const b of el.getClientRects()) {
        const left = Math.max(b.left, 0), right = Math.min(b.right, innerWidth);
        const top = Math.max(b.top, 0), bottom = Math.min(b.bottom, innerHeight);
        if (right - left < 1 || bottom - top < 1) continue;
        for (const [fx, fy] of [[.5, .5], [.1, .1], [.9, .1], [.1, .9], [.9, .9]])
            hits.push(document.elementFromPoint(left + fx * (right - left), top + fy * (bottom - top)));
    }
    const seen = hits.some(hit => hit && (hit === el || el.contains(hit) || (label && label.contains(hit))));
    return {
        id: el.id, tag: el.tagName, type: el.type || "", name: el.name || "", checked: !!el.checked,
        text: (el.textContent || el.value || "").trim().slice(0, 40),
        indicator: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none",
        onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
        covered: !seen,
        coveredBy: seen ? "" : hits.map(h => h ? h.outerHTML.slice(0, 60) : "nothing").join(" | "),
        top: r.top, bottom: r.bottom,
    };
}"""


def assert_focus_visible(state: dict, where: str) -> None:
    assert state["indicator"], f"no visible focus indicator on {state} ({where})"
    assert state["onScreen"], f"focused element off screen: {state} ({where})"
    assert not state["covered"], f"focused element covered: {state} ({where})"


@pytest.mark.parametrize("path", html_urls())
def test_focus_is_visible_on_every_tab_stop(phone, path):
    _, page, _ = phone(js=True)
    page.goto(path)
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or (seen and state == seen[0]):
            break  # back to the start: every stop visited
        assert_focus_visible(state, path)
        seen.append(state)
    assert len(seen) > 5, f"only {len(seen)} tab stops on {path}"


@pytest.mark.parametrize(
    "size", [{"width": 360, "height": 740}, {"width": 740, "height": 360}], ids=["portrait", "landscape"]
)
@pytest.mark.parametrize("path", ["/overdose", "/es/sobredosis"])
def test_every_menu_link_can_be_reached_by_keyboard(phone, size, path):
    _, page, _ = phone(js=False)
    page.set_viewport_size(size)
    page.goto(path)
    page.evaluate("window.scrollTo(0, 400)")
    page.locator(".menu summary").focus()
    page.keyboard.press("Enter")
    links = page.locator(".menu a")
    expect(links.first).to_be_visible()
    for _ in range(links.count()):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        assert state["tag"] == "A"
        assert_focus_visible(state, f"menu at {size}")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("path", ["/contact", "/es/contacto"])
def test_the_whole_form_can_be_completed_with_the_keyboard_alone(phone, site, smtp, js, path):
    _, page, _ = phone(js=js)
    page.goto(path)
    if js:
        wait_for_htmx(page)
    name = unique_name()
    typed = {"name": name, **VALID}
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        assert state is not None, f"focus fell out of the page after {stops}"
        assert_focus_visible(state, "contact form")
        stops.append(state["id"] or state["text"])
        if state["id"] in typed:
            page.keyboard.type(typed.pop(state["id"]))
        elif state["type"] == "radio":
            page.keyboard.press("Space")  # the first choice: call, yes, myself
            if state["name"] == "who":
                page.keyboard.press("ArrowDown")  # …then arrow to "a loved one"
                assert page.evaluate("document.activeElement.value") == "loved_one"
        elif state["id"] == "send":
            break
    assert not typed, f"fields never reached by Tab: {list(typed)} (stops: {stops})"
    assert page.locator("#send").evaluate("el => el === document.activeElement")
    if js:
        page.keyboard.press("Enter")
    else:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator("#ref")).to_be_visible()
    row = assert_one_inquiry_and_one_email(site, smtp, name)
    assert (row["contact_method"], row["voicemail_ok"], row["who"]) == ("call", "yes", "loved_one")
    assert row["language"] == i18n.language_of(path)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("path", ["/overdose", "/contact"])
def test_quick_exit_leaves_the_site(phone, site, path, js):
    context, page, _ = phone(js=js)
    stub_exit(context)
    page.goto(path)
    with page.expect_navigation(url=EXIT_URL + "**"):
        page.locator("#quick-exit").click()
    assert page.url.startswith(EXIT_URL)
    assert not page.url.startswith(site.origin)


def test_three_escape_presses_on_the_contact_page_leave_the_site(phone, site):
    context, page, _ = phone(js=True)
    stub_exit(context)
    page.goto("/contact")
    wait_for_htmx(page)
    page.locator("#name").fill(unique_name())
    with page.expect_navigation(url=EXIT_URL + "**"):
        for _ in range(3):
            page.keyboard.press("Escape")
    assert page.url.startswith(EXIT_URL)
    # location.replace(): Back does not bring the contact page back on a shared phone.
    page.go_back()
    assert not page.url.startswith(site.origin + "/contact")
