"""Every page in place: status, crisis help, one heading, description, caching, no cookies, no script."""

from __future__ import annotations

import gzip
import re

import pytest

import i18n
from inquiries import mailer, store
from inquiries.db import get_db
from tests import html as dom
from tests.conftest import catalog_paths, html_urls

BUDGET = 14 * 1024


@pytest.mark.parametrize("url", [*html_urls(), "/sitemap.xml", "/robots.txt", "/healthz", "/favicon.ico"])
def test_every_contract_url_answers(client, url):
    assert client.get(url).status_code == 200


def test_unknown_page_is_a_friendly_404_with_the_phone(client, app):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'href="tel:+15550100199"' in html
    assert 'href="tel:911"' in html


@pytest.mark.parametrize("url", html_urls())
def test_page_has_crisis_help_heading_and_description(client, url):
    html = client.get(url).get_data(as_text=True)
    for number in ("911", "988", "1-800-662-4357"):
        assert number in html, f"{url} lacks crisis number {number}"
    assert 'href="tel:+15550100199"' in html
    assert 'id="quick-exit"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert len(dom.find_all(html, "h1")) == 1
    description = dom.find(html, "meta", name="description")
    assert sorted(description.attrs) == ["content", "name"] and len(description["content"]) >= 50
    assert dom.find(html, "link", rel="canonical")["href"].startswith("https://www.example.org/")
    assert dom.find(html, "html").attrs == {"lang": i18n.language_of(url)}
    assert 'itemtype="https://schema.org/MedicalOrganization"' in html


@pytest.mark.parametrize("url", catalog_paths())
def test_education_pages_carry_no_script_and_set_no_cookie(client, url):
    response = client.get(url)
    assert "<script" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "public" in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", catalog_paths())
def test_education_page_fits_first_round_trip(client, url):
    """HTML plus the stylesheet it links, in the real gzip bytes the server sends."""
    page = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    css_url = dom.find(gzip.decompress(page.data), "link", rel="stylesheet")["href"]
    css = client.get(css_url, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    total = len(page.data) + len(css.data)
    assert total <= BUDGET, f"{url}: {total} bytes gzipped (HTML {len(page.data)} + CSS {len(css.data)})"


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_repeat_request_with_etag_gets_304(client, encoding):
    first = client.get("/overdose", headers={"Accept-Encoding": encoding})
    assert first.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in first.headers["Vary"]
    again = client.get("/overdose", headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get("/overdose", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_changed_etag_gets_the_page(client):
    response = client.get("/overdose", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200


def test_static_files_are_fingerprinted_and_immutable(client):
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', html)[1]
    response = client.get(css_url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get("/static/site.0000000000.css")
    assert stale.status_code == 200
    assert "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/static/nothing.css").status_code == 404


def test_sitemap_lists_every_catalog_page(client):
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    for path in catalog_paths():
        assert f"<loc>https://www.example.org{path}</loc>" in xml
    assert "<loc>https://www.example.org/contact</loc>" in xml


def test_robots_points_at_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://www.example.org/sitemap.xml" in text


def test_navigation_comes_from_the_catalog(client, app):
    html = client.get("/withdrawal").get_data(as_text=True)
    links = dom.find_all(html, "a")
    for page in app.extensions["catalog"].nav:
        assert any(link.get("href") == page.path for link in links), page.path
    assert {"href": "/withdrawal", "aria-current": "page"} in [link.attrs for link in links]


# Elements that make the browser fetch what their attributes name.
ASSET_TAGS = ("script", "link", "img", "iframe", "source", "audio", "video")
REMOTE = re.compile(r"\s*(?:https?:)?//", re.I)
CSS_REMOTE = re.compile(r"(?:url\(|@import)\s*[\"']?(?:https?:)?//", re.I)
VISITOR = {
    "name": "Sam",
    "phone": "202 555 0123",
    "contact_method": "call",
    "message": "My brother needs help.",
}


def remote_loads(url: str, html: str) -> tuple[list[str], list[str]]:
    """(what the page loads from another origin, the stylesheets it links), read as the browser does."""
    offenders = [f"{url}: {match[0]}" for match in CSS_REMOTE.finditer(html)]  # style attributes and blocks
    stylesheets = []
    for element in dom.find_all(html):
        if element.tag not in ASSET_TAGS:
            continue
        rel = element.get("rel", "").lower().split()
        if "canonical" in rel or "alternate" in rel:
            continue  # names this page's public address, or its twin's; nothing is fetched
        if element.tag == "link" and "itemprop" in element and "rel" not in element:
            continue  # a microdata value (the organization's address), which the browser never fetches
        if "stylesheet" in rel:
            stylesheets.append(element["href"])
        offenders += [
            f"{url}: <{element.tag} {name}={value!r}>" for name, value in element.attrs.items() if REMOTE.match(value)
        ]
    return offenders, stylesheets


def visitor_pages(client) -> dict[str, str]:
    """Every HTML page and htmx fragment a visitor can be shown, by how it was reached."""
    pages = {url: client.get(url).get_data(as_text=True) for url in html_urls()}
    hidden = dom.values(pages["/contact"], "input", type="hidden")
    mistake = client.post("/contact", data={**hidden, **VISITOR, "name": ""})
    fragment = client.post("/contact", data={**hidden, **VISITOR, "name": ""}, headers={"HX-Request": "true"})
    field = client.post("/contact/validate/name", data={**hidden, "name": ""}, headers={"HX-Request": "true"})
    sent = client.post("/contact", data={**hidden, **VISITOR})
    missing = client.get("/no-such-page")
    too_large = client.post("/contact", data={"message": "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)})
    statuses = [r.status_code for r in (mistake, fragment, field, sent, missing, too_large)]
    assert statuses == [422, 200, 200, 303, 404, 413]
    thanks = client.get(sent.headers["Location"])
    htmx = {"HX-Request": "true"}
    htmx_thanks = client.post("/contact", data={**hidden, **VISITOR, "name": "Another"}, headers=htmx)
    htmx_too_large = client.post(
        "/contact", data={"message": "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)}, headers=htmx
    )
    assert [r.status_code for r in (thanks, htmx_thanks, htmx_too_large)] == [200, 200, 413]
    client.application.config["CONTACT_RATE_LIMIT"] = "1 per hour"  # this visitor has sent two already
    limited = client.post("/contact", data={**hidden, **VISITOR, "name": "A third"})
    assert limited.status_code == 429
    answers = {
        "contact, a mistake": mistake,
        "contact, a mistake by htmx": fragment,
        "contact, one field by htmx": field,
        "contact, thanks": thanks,
        "a missing page": missing,
        "a body too large": too_large,
        "contact, thanks by htmx": htmx_thanks,
        "a body too large, by htmx": htmx_too_large,
        "contact, over the rate limit": limited,
    }
    return pages | {name: response.get_data(as_text=True) for name, response in answers.items()}


def test_nothing_is_loaded_from_another_origin(client):
    offenders, stylesheets = [], set()
    for url, html in visitor_pages(client).items():
        found, linked = remote_loads(url, html)
        offenders += found
        stylesheets.update(linked)
    assert stylesheets
    for href in sorted(stylesheets):
        css = client.get(href)
        assert css.status_code == 200, href
        offenders += [f"{href}: {match[0]}" for match in CSS_REMOTE.finditer(css.get_data(as_text=True))]
    assert offenders == []


def test_the_staff_email_loads_nothing_from_another_origin(app, client):
    """A remote image in the staff email would be a tracking pixel on every inquiry."""
    hidden = dom.values(client.get("/contact"), "input", type="hidden")
    sent = client.post("/contact", data={**hidden, **VISITOR, "message": "See https://example.net/x.png"})
    ref = sent.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        inquiry = store.get_inquiry(get_db(), ref)
        message = mailer.compose(inquiry, "<test@center.test>")
    offenders, stylesheets = remote_loads("staff email", message.html)
    assert (offenders, stylesheets) == ([], [])
    assert [m[0] for m in CSS_REMOTE.finditer(message.html)] == []
    assert "https://example.net/x.png" in message.html  # the visitor's text is shown, never loaded


def test_a_load_from_another_origin_would_be_seen():
    html = """<link rel="canonical" href="https://www.example.org/"><link itemprop="url" href="https://x.org/">
    <link itemprop="url" rel="preload" as="image" href="https://cdn.example/i.png">
    <link href="//cdn.example/a.css" rel="stylesheet">
    <script data-htmx="/static/x.js" src=https://cdn.example/s.js></script><img alt="" src="/ok.png"
    srcset="HTTPS://cdn.example/p.png 2x"><div style="background: url( 'http://cdn.example/b.png')"></div>"""
    offenders, stylesheets = remote_loads("sample", html)
    assert stylesheets == ["//cdn.example/a.css"]
    assert offenders == [
        "sample: url( 'http://",
        "sample: <link href='https://cdn.example/i.png'>",
        "sample: <link href='//cdn.example/a.css'>",
        "sample: <script src='https://cdn.example/s.js'>",
        "sample: <img srcset='HTTPS://cdn.example/p.png 2x'>",
    ]


def test_health_says_ok_and_nothing_more(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
