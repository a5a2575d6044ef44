"""Byte and request budgets on the real bytes the server sends (they are stable, so these are tests).

A first visit costs the page plus every subresource it makes the browser fetch: stylesheets,
scripts, images, icons, preloads and what the stylesheets pull in themselves (``url()``,
``@import``). ``data:`` URIs cost no request. Sizes are the gzip bytes on the wire, the encoding
every phone browser accepts (brotli is smaller still, and only offered over HTTPS).
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import pytest

from tests import html as dom
from tests.conftest import ROOT, catalog_paths

KB = 1024
EDUCATION_BUDGET = 14 * KB  # HTML + CSS: the first round trip of a fresh connection (10 TCP segments)
EDUCATION_REQUESTS = 2
CONTACT_BUDGET = 35 * KB  # everything, htmx included
CONTACT_REQUESTS = 4
FRAGMENT_BUDGET = 2 * KB

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)
FONT_FILE = re.compile(r"\.(woff2?|ttf|otf|eot)(\?|#|$)", re.I)
# <link rel=...> values that make the browser fetch something on a first visit.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}


class Subresources(HTMLParser):
    """Collect every URL an HTML document makes the browser fetch, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (kind, url)
        self.scripts = 0

    def add(self, kind: str, url: str | None) -> None:
        if url and not url.strip().lower().startswith(("data:", "#")):
            self.urls.append((kind, url.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
            self.add("script", a.get("src"))
            self.add("script", a.get("data-htmx"))  # contact.js loads it after the first paint
        elif tag == "link":
            rels = set((a.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                kind = "font" if a.get("as") == "font" else sorted(rels & FETCHING_RELS)[0]
                self.add(kind, a.get("href"))
        elif tag in ("img", "source", "iframe", "embed", "audio", "video", "track", "input"):
            if tag != "input" or (a.get("type") or "").lower() == "image":
                self.add(tag, a.get("src"))
            for candidate in (a.get("srcset") or "").split(","):
                self.add(tag, candidate.strip().split(" ")[0])
            self.add(tag, a.get("poster"))
        elif tag == "object":
            self.add(tag, a.get("data"))
        if a.get("style"):
            for match in CSS_URL.finditer(a["style"]):
                self.add("inline-style", match[2] or match[4])


def parse(html: str) -> Subresources:
    parser = Subresources()
    parser.feed(html)
    return parser


def wire(client, url: str, **kwargs):
    """GET ``url`` as a phone would and return (response, bytes on the wire, decoded text)."""
    response = client.get(url, headers={"Accept-Encoding": "gzip"}, **kwargs)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    body = response.data
    text = gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
    return response, len(body), text.decode()


def first_visit(client, url: str) -> tuple[list[str], int, dict[str, int], list[str]]:
    """Fetch a page and all its subresources, recursively through stylesheets.

    Returns (every URL requested, total gzip bytes, bytes per URL, the CSS texts).
    """
    response, size, html = wire(client, url)
    sizes = {url: size}
    styles: list[str] = []
    pending = [u for _, u in parse(html).urls]
    while pending:
        sub = pending.pop(0)
        if sub in sizes:
            continue
        assert not sub.startswith(("http:", "https:", "//")), f"{url} loads {sub} from another origin"
        response, size, text = wire(client, sub)
        sizes[sub] = size
        if response.mimetype == "text/css":
            styles.append(text)
            pending += [m[2] or m[4] for m in CSS_URL.finditer(text) if not (m[2] or m[4]).startswith("data:")]
    return list(sizes), sum(sizes.values()), sizes, styles


def describe(sizes: dict[str, int]) -> str:
    return ", ".join(f"{u} {n} B" for u, n in sizes.items())


@pytest.mark.parametrize("url", catalog_paths())
def test_education_page_first_visit_fits_one_round_trip(client, url):
    urls, total, sizes, _ = first_visit(client, url)
    assert total <= EDUCATION_BUDGET, f"{url}: {total} B gzipped > {EDUCATION_BUDGET} ({describe(sizes)})"
    assert len(urls) <= EDUCATION_REQUESTS, f"{url}: {len(urls)} requests ({describe(sizes)})"


@pytest.mark.parametrize("url", catalog_paths())
def test_education_page_runs_no_javascript(client, url):
    _, _, html = wire(client, url)
    assert parse(html).scripts == 0
    assert not re.search(r"<script\b|\son[a-z]+\s*=|javascript:", html, re.I), f"{url} carries script"


@pytest.mark.parametrize("url", [*catalog_paths(), "/contact", "/es/contacto"])
def test_no_web_fonts(client, url):
    urls, _, _, styles = first_visit(client, url)
    assert not any(FONT_FILE.search(u) for u in urls), f"{url} loads a font file"
    for css in styles:
        assert "@font-face" not in css.lower()
    _, _, html = wire(client, url)
    assert not any(kind == "font" for kind, _ in parse(html).urls)


def test_no_font_files_are_shipped():
    assert [p.name for p in (ROOT / "static").rglob("*") if FONT_FILE.search(p.name)] == []
    for css in (ROOT / "static").rglob("*.css"):
        assert "@font-face" not in css.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("url", ["/contact", "/es/contacto"])
def test_contact_page_first_visit_budget(client, url):
    """The contact page may add htmx and our small script: still one light visit, in either language."""
    urls, total, sizes, _ = first_visit(client, url)
    assert total <= CONTACT_BUDGET, f"{url}: {total} B gzipped > {CONTACT_BUDGET} ({describe(sizes)})"
    assert len(urls) <= CONTACT_REQUESTS, f"{url}: {len(urls)} requests ({describe(sizes)})"


def test_the_counter_sees_every_kind_of_subresource():
    """The budget tests are only as good as this parser: it must not miss a fetch."""
    html = """<link rel="stylesheet" href="/a.css"><link rel="icon" href="/i.png">
    <link rel="icon" href="data:image/svg+xml,x"><link rel="preload" as="font" href="/f.woff2">
    <link rel="canonical" href="https://x.org/"><script src="/s.js"></script><script>1</script>
    <img src="/p.png" srcset="/p2.png 2x, /p3.png 3x"><div style="background:url('/b.png')"></div>
    <video poster="/v.jpg"></video><a href="/not-fetched">x</a>"""
    found = parse(html)
    assert [u for _, u in found.urls] == [
        "/a.css",
        "/i.png",
        "/f.woff2",
        "/s.js",
        "/p.png",
        "/p2.png",
        "/p3.png",
        "/b.png",
        "/v.jpg",
    ]
    assert ("font", "/f.woff2") in found.urls
    assert found.scripts == 2


FIELDS = ("name", "phone", "email", "contact_method", "voicemail_ok", "who", "insurance", "message")


@pytest.mark.parametrize("validate", ["/contact/validate/", "/es/contacto/validar/"])
@pytest.mark.parametrize("field", FIELDS)
def test_validation_fragment_is_small(app, client, field, validate):
    """One field's wrapper with its error: what htmx swaps in after a change or blur."""
    page = client.get("/contact").get_data(as_text=True)
    csrf = next((token["value"] for token in dom.find_all(page, "input", name="csrf_token")), "")
    response = client.post(
        f"{validate}{field}",
        data={"csrf_token": csrf, field: ""},
        headers={"Accept-Encoding": "gzip", "HX-Request": "true", "X-CSRFToken": csrf},
    )
    assert response.status_code == 200
    raw = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    assert dom.find(raw.decode(), id=f"field-{field}")
    assert "<html" not in raw.decode().lower()
    assert len(response.data) < FRAGMENT_BUDGET, f"{field}: {len(response.data)} B on the wire ({len(raw)} B raw)"


# With the center's logo: a small one is written into the page (no request); a bigger one (up to
# the 5 KB the app accepts) is one more request, and every page with it still fits 14 KB.
LOGOS = {"inline SVG": ("logo.svg", 1800), "served SVG": ("logo.svg", 13000), "inline PNG": ("logo.png", 0)}


@pytest.mark.parametrize("kind", LOGOS)
def test_every_page_with_a_logo_still_fits_one_round_trip(make_app, tmp_path, kind):
    from tests import logos

    name, size = LOGOS[kind]
    path = logos.svg(tmp_path / name, approx_bytes=size) if name.endswith(".svg") else logos.png(tmp_path / name)
    client = make_app(SITE_LOGO=str(path)).test_client()
    inline = kind.startswith("inline")
    for url in catalog_paths():
        urls, total, sizes, _ = first_visit(client, url)
        assert total <= EDUCATION_BUDGET, f"{url} with a {kind} logo: {total} B gzipped ({describe(sizes)})"
        assert len(urls) == EDUCATION_REQUESTS + (0 if inline else 1), f"{url}: {describe(sizes)}"
    if not inline:
        logo = next(u for u in urls if "site-logo" in u)
        assert sizes[logo] > 4 * KB  # the test really carries a logo near the largest accepted
