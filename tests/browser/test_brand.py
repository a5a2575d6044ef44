"""The center's logo and colour in a real Chromium: the logo shown without moving anything, buttons and links painted.

The session's server runs the demo colour and no logo; a second server here runs with a sample
logo (big enough to be its own fingerprinted file) and another colour, as a center would set them.
"""

from __future__ import annotations

import pytest

import settings
from settings import color
from tests import logos
from tests.browser.conftest import Watch, own_site
from tests.browser.pages import PHONE, axe_report, run_axe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CENTER_COLOR = "#6a1b9a"

# The sum of every layout shift the page has had (CLS without session windows: stricter).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) total += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


def rgb(value: str) -> str:
    r, g, b = color.parse(value)
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def branded(tmp_path_factory, smtp):
    """The production server with FLASK_SITE_LOGO and FLASK_SITE_COLOR set; its base URL."""
    tmp = tmp_path_factory.mktemp("branded")
    logo = logos.svg(tmp / "logo.svg", approx_bytes=6000, color=CENTER_COLOR)
    with own_site(tmp, smtp, OUTBOX_WORKER="false", SITE_LOGO=str(logo), SITE_COLOR=CENTER_COLOR) as url:
        yield url


def open_page(browser, base_url: str, path: str, **size):
    context = browser.new_context(**{**PHONE, **size}, base_url=base_url)
    page = context.new_page()
    watch = Watch(origin=base_url)
    watch.attach(page)
    assert page.goto(path).status == 200
    return context, page, watch


def painted(page) -> dict[str, str]:
    """The computed colours of the call button and of a link in the page's own text."""
    return page.evaluate(
        """() => ({
          button: getComputedStyle(document.querySelector("header a.call")).backgroundColor,
          buttonText: getComputedStyle(document.querySelector("header a.call")).color,
          link: getComputedStyle(document.querySelector("main article > p a:not([href^=tel])")).color,
        })"""
    )


@pytest.mark.parametrize("width", [360, 1024])
def test_the_logo_is_shown_in_the_header_and_nothing_shifts(browser, branded, width):
    context, page, watch = open_page(browser, branded, "/about", viewport={"width": width, "height": 800})
    try:
        logo = page.locator("header a.brand img.logo")
        assert logo.is_visible()
        loaded = page.evaluate(
            "() => { const i = document.querySelector('img.logo'); return [i.complete, i.naturalWidth, i.currentSrc]; }"
        )
        assert loaded[0] and loaded[1] > 0, loaded
        assert "/static/site-logo." in loaded[2]
        box = logo.bounding_box()
        assert round(box["height"]) == 40 and round(box["width"]) == 120, box  # 2.5rem tall, its own 3:1 shape
        assert page.evaluate(LAYOUT_SHIFT) == 0
        assert page.get_by_role("link", name="Example Recovery Center").first.is_visible()  # the name stays
        watch.assert_clean()
        violations = run_axe(page, f"about-with-logo-{width}")
        assert not violations, axe_report(violations)
        screenshot(page, f"about-with-logo-{width}")
    finally:
        context.close()


def test_the_center_colour_paints_buttons_and_links(browser, branded):
    context, page, watch = open_page(browser, branded, "/programs")
    try:
        colours = painted(page)
        assert colours == {"button": rgb(CENTER_COLOR), "buttonText": "rgb(255, 255, 255)", "link": rgb(CENTER_COLOR)}
        call = page.locator("header a.call")
        call.hover()
        hovered = call.evaluate("a => [getComputedStyle(a).backgroundColor, getComputedStyle(a).color]")
        assert hovered == [rgb(color.shades(CENTER_COLOR)["--brand-dark"]), "rgb(255, 255, 255)"]
        exit_button = page.locator("header a.exit")
        exit_button.hover()
        assert exit_button.evaluate("a => getComputedStyle(a).color") == "rgb(255, 255, 255)"
        strip_link = page.locator("aside.crisis a").first
        dark = color.shades(CENTER_COLOR)["--brand-dark"]
        assert strip_link.evaluate("a => getComputedStyle(a).color") == rgb(dark)
        watch.assert_clean()
    finally:
        context.close()


def test_the_demo_colour_is_painted_on_the_demo_site(browser, site):
    context, page, watch = open_page(browser, site.url, "/treatment")
    try:
        assert painted(page) == {
            "button": rgb(settings.DEMO_COLOR),
            "buttonText": "rgb(255, 255, 255)",
            "link": rgb(settings.DEMO_COLOR),
        }
        assert page.locator("img.logo").count() == 0
        watch.assert_clean()
    finally:
        context.close()
