"""The layout at phone, tablet and desktop widths, and on paper, in a real Chromium.

From 768 px the header is one row no taller than 80 px; at every width the crisis strip's text
starts where the page's text starts; from 1024 px the main menu is open without a click (a
disclosure below that); lines stay readable; nothing shifts on load; nothing scrolls sideways.
Printed, /overdose is one US Letter page and the other pages lose the header buttons.

Screenshots of each page at each width: test-artifacts/screenshots/layout-<page>-<width>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import settings
from tests import logos
from tests.browser.conftest import own_site
from tests.browser.pages import PHONE, axe_report, run_axe, screenshot
from tests.conftest import html_urls

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = [360, 768, 1024, 1440]
ONE_ROW_FROM = 768
MENU_OPEN_FROM = 1024
HEADER_MAX_PX = 80
ALIGN_PX = 2
MAX_LINE_CHARS = 80  # "about 60 to 75": the longest line of a paragraph may not pass this
MIN_WIDE_LINE_CHARS = 55  # from 768 px the text column is not squeezed either
PAGES = ["/", "/overdose", "/contact", "/accessibility"]
# Every width a visitor may bring, with the edges of each layout on both sides.
SWEEP = [320, 375, 414, 600, 767, 768, 900, 1023, 1024, 1280, 1440, 1920]
# The browser's default print margins: Chromium's are about 0.4 in, Firefox's and Safari's 0.5 in.
PRINT_MARGINS = {side: "0.5in" for side in ("top", "right", "bottom", "left")}
# A longer name than the demo's, as a center may have: it wraps inside the header's one row.
LONG_NAME = "Riverside Center for Addiction Recovery Services"
PDF_PAGE = re.compile(rb"/Type\s*/Page\b")  # a page object; /Type /Pages is the page tree

LAYOUT = """() => {
    const box = el => el.getBoundingClientRect();
    const textLeft = el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects()[0].left; };
    const items = [...document.querySelectorAll('header.top .bar > *')].map(box);
    const root = document.documentElement;
    return {
        header: box(document.querySelector('header.top')).height,
        oneRow: items.every(a => items.every(b => a.top < b.bottom && b.top < a.bottom)),
        strip: textLeft(document.querySelector('.crisis p')),
        brand: textLeft(document.querySelector('header .brand')),
        main: textLeft(document.querySelector('main h1')),
        scroll: root.scrollWidth, client: root.clientWidth,
    };
}"""

# The most characters on one rendered line of any paragraph or list item in the page's text.
LONGEST_LINE = """() => {
    let longest = 0;
    for (const block of document.querySelectorAll('main p, main li')) {
        const lines = new Map();
        const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let i = 0; i < node.length; i++) {
                const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                const rect = r.getClientRects()[0];
                if (!rect) continue;
                const line = Math.round(rect.bottom);
                lines.set(line, (lines.get(line) || 0) + 1);
            }
        }
        for (const n of lines.values()) longest = Math.max(longest, n);
    }
    return longest;
}"""

# Cumulative layout shift of everything so far, read once the page has painted twice.
CLS = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const shift of list.getEntries()) if (!shift.hadRecentInput) total += shift.value;
    }).observe({type: 'layout-shift', buffered: true});
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(total), 200)));
})"""


def slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


@pytest.fixture
def screen(browser, site):
    """Factory: ``screen(width, js=True)`` → a page in a fresh context that wide (a phone at 360 px)."""
    contexts = []

    def make(width: int, *, js: bool = True, height: int = 900):
        device = PHONE if width <= PHONE["viewport"]["width"] else {"viewport": {"width": width, "height": height}}
        context = browser.new_context(**device, java_script_enabled=js, base_url=site.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def layout_problems(page, width: int) -> list[str]:
    """What is wrong with the header, the strip and the page's width at the current size."""
    m = page.evaluate(LAYOUT)
    problems = []
    if abs(m["strip"] - m["main"]) > ALIGN_PX:
        problems.append(f"crisis strip text starts at {m['strip']:.1f} px, the page's text at {m['main']:.1f} px")
    if m["scroll"] > m["client"]:
        problems.append(f"scrolls sideways: {m['scroll']} px of content in {m['client']} px")
    if width >= ONE_ROW_FROM:
        if m["header"] > HEADER_MAX_PX:
            problems.append(f"header is {m['header']:.1f} px tall (at most {HEADER_MAX_PX})")
        if not m["oneRow"]:
            problems.append("header wraps onto more than one row")
        if abs(m["brand"] - m["main"]) > ALIGN_PX:
            problems.append(f"the name starts at {m['brand']:.1f} px, the page's text at {m['main']:.1f} px")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES, ids=slug)
def test_layout_at_each_width(screen, path, width):
    """Header, strip, menu, line length, layout shift and axe at one width; keeps a screenshot."""
    page = screen(width)
    assert page.goto(path).status == 200
    cls = page.evaluate(CLS)
    shot = screenshot(page, f"layout-{slug(path)}-{width}")
    problems = layout_problems(page, width)
    if cls != 0:
        problems.append(f"layout shift on load: CLS {cls}")
    longest = page.evaluate(LONGEST_LINE)
    if longest > MAX_LINE_CHARS:
        problems.append(f"a line of {longest} characters (at most {MAX_LINE_CHARS})")
    if width >= ONE_ROW_FROM and longest < MIN_WIDE_LINE_CHARS:
        problems.append(f"the longest line has only {longest} characters at {width} px")
    links = page.locator("nav .menu a")
    visible = [links.nth(i).is_visible() for i in range(links.count())]
    summary = page.locator(".menu summary").is_visible()
    if width >= MENU_OPEN_FROM and not (all(visible) and not summary):
        problems.append(f"menu not open without a click: links visible {visible}, 'Menu' shown {summary}")
    if width < MENU_OPEN_FROM and (any(visible) or not summary):
        problems.append(f"menu not folded behind 'Menu': links visible {visible}, 'Menu' shown {summary}")
    violations = run_axe(page, f"layout-{slug(path)}-{width}")
    if violations:
        problems.append(f"axe:\n{axe_report(violations)}")
    assert not problems, f"{path} at {width} px (see {shot}):\n" + "\n".join(problems)


def test_every_page_fits_every_width_from_320_to_1920(screen):
    """Each page resized through the widths a visitor may bring, each layout's edges on both sides."""
    page = screen(SWEEP[-1])
    problems = []
    for url in html_urls():
        page.goto(url)
        for width in SWEEP:
            page.set_viewport_size({"width": width, "height": 900})
            problems += [f"{url} at {width} px: {p}" for p in layout_problems(page, width)]
    assert not problems, "\n".join(problems)


def test_a_long_center_name_and_a_logo_keep_the_header_one_row(browser, smtp, tmp_path):
    """The name wraps within its own box beside the logo; the buttons stay on its row, the header within 80 px."""
    logo = str(logos.svg(tmp_path / "logo.svg"))
    with own_site(tmp_path, smtp, SITE_NAME=LONG_NAME, SITE_LOGO=logo) as url:
        context = browser.new_context(base_url=url)
        try:
            page = context.new_page()
            page.goto("/")
            assert LONG_NAME in page.locator("header .brand").inner_text().replace("\n", " ")
            expect(page.locator("header .brand img.logo")).to_be_visible()
            problems = []
            for width in (ONE_ROW_FROM, MENU_OPEN_FROM, 1440):
                page.set_viewport_size({"width": width, "height": 900})
                problems += [f"at {width} px: {p}" for p in layout_problems(page, width)]
                screenshot(page, f"layout-long-name-and-logo-{width}")
            assert not problems, "\n".join(problems)
        finally:
            context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_menu_opens_by_itself_from_1024_px_and_on_a_click_below(screen, js):
    wide = screen(MENU_OPEN_FROM, js=js)
    wide.goto("/overdose")
    expect(wide.locator(".menu summary")).to_be_hidden()
    link = wide.locator("nav .menu").get_by_role("link", name="Withdrawal")
    expect(link).to_be_visible()
    link.click()
    expect(wide).to_have_url(re.compile(r"/withdrawal$"))
    expect(wide.locator("nav [aria-current=page]")).to_have_text("Withdrawal")

    narrow = screen(MENU_OPEN_FROM - 1, js=js)
    narrow.goto("/overdose")
    link = narrow.locator("nav .menu").get_by_role("link", name="Withdrawal")
    expect(link).to_be_hidden()
    narrow.locator(".menu summary").click()
    expect(link).to_be_visible()


# Text pushed down by a block that appears after the first paint: the shift a late image or banner makes.
SHIFTING = """<!doctype html><title>Shift</title><p>Some text.</p><p id="late">More text that moves.</p>
<script>requestAnimationFrame(() => requestAnimationFrame(() => {
  const block = document.createElement("div"); block.style.height = "300px";
  document.body.insertBefore(block, document.getElementById("late"));
}))</script>"""


def test_the_layout_shift_measure_sees_a_shift(screen, site):
    """The CLS check above can fail: it reports the shift of a page that moves after its first paint."""
    page = screen(1024)
    page.route(site.url + "/shifting", lambda route: route.fulfill(content_type="text/html", body=SHIFTING))
    page.goto("/shifting")
    assert page.evaluate(CLS) > 0


def pdf_pages(page) -> int:
    """How many pages Chromium's print of the page has, on US Letter with the default margins."""
    return len(PDF_PAGE.findall(page.pdf(format="Letter", margin=PRINT_MARGINS)))


def test_overdose_prints_as_a_one_page_card(screen):
    page = screen(1024)
    page.goto("/overdose")
    assert pdf_pages(page) == 1
    page.emulate_media(media="print")
    article = page.locator("article")
    expect(article.locator("ol.steps")).to_be_visible()
    expect(page.get_by_role("heading", name="What are the signs of an opioid overdose?")).to_be_visible()
    expect(page.get_by_role("heading", name="What should I not do?")).to_be_hidden()
    emergency = article.locator(".emergency")
    expect(emergency.get_by_role("link", name="911")).to_be_visible()
    expect(emergency.get_by_role("link", name=settings.defaults()["SITE_PHONE"])).to_be_visible()
    for chrome in ("header .btn", "nav", "footer", "aside.crisis", "section.sources"):
        for i in range(page.locator(chrome).count()):
            expect(page.locator(chrome).nth(i)).to_be_hidden()


def test_a_long_page_prints_on_several_pages_with_source_addresses_and_no_buttons(screen):
    """The page counter counts (a long page is more than one), and other pages print as the issue asks."""
    page = screen(1024)
    page.goto("/withdrawal")
    assert pdf_pages(page) > 1
    page.emulate_media(media="print")
    for chrome in ("header .btn", "nav"):
        for i in range(page.locator(chrome).count()):
            expect(page.locator(chrome).nth(i)).to_be_hidden()
    expect(page.locator("header .brand")).to_be_visible()
    expect(page.locator("section.sources")).to_be_visible()
    sources = page.locator("section.sources a")
    for i in range(sources.count()):
        href = sources.nth(i).get_attribute("href")
        after = sources.nth(i).evaluate("a => getComputedStyle(a, '::after').content")
        assert after == f'" ({href})"', f"source link {href} prints without its address: {after}"
    page.emulate_media(media="screen")
    assert sources.first.evaluate("a => getComputedStyle(a, '::after').content") == "none"
