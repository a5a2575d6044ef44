"""Two languages, one site: every page links its twin both ways, search engines are told, and the
visitor's own choice of link is the only thing that changes the language."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import i18n
from tests import html as dom
from tests.conftest import catalog_paths, html_urls

SITE = "https://www.example.org"
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def alternates(html: str) -> dict[str, str]:
    """The page's <link rel="alternate" hreflang> targets, by language, as paths."""
    links = dom.find_all(html, "link", rel="alternate")
    return {link["hreflang"]: link["href"].removeprefix(SITE) for link in links}


@pytest.mark.parametrize("url", html_urls())
def test_alternates_are_reciprocal_and_resolve(client, url):
    html = client.get(url).get_data(as_text=True)
    found = alternates(html)
    assert set(found) == {"en", "es", "x-default"}, f"{url}: {found}"
    assert found[i18n.language_of(url)] == url, f"{url} does not name itself as its {i18n.language_of(url)} page"
    assert found["x-default"] == found["en"]
    for lang, path in found.items():
        twin = client.get(path)
        assert twin.status_code == 200, f"{url}: its {lang} alternate {path} answers {twin.status_code}"
        assert alternates(twin.get_data(as_text=True)) == found, f"{url} and {path} disagree on their alternates"
        if lang != "x-default":
            assert f'<html lang="{lang}">' in twin.get_data(as_text=True)


@pytest.mark.parametrize("url", html_urls())
def test_every_page_links_to_its_twin_in_the_other_language(client, url):
    html = client.get(url).get_data(as_text=True)
    lang = i18n.language_of(url)
    other = i18n.other(lang)
    switch = dom.find(html, "a", **{"class": "switch"})
    assert switch.attrs == {"class": "switch", "href": alternates(html)[other], "lang": other, "hreflang": other}
    assert dom.text_of(html, "a", **{"class": "switch"}) == i18n.NAMES[other]


def test_a_missing_page_links_to_the_other_languages_home(client):
    for url, home in (("/no-such-page", "/es/"), ("/es/no-existe", "/")):
        html = client.get(url).get_data(as_text=True)
        assert dom.find(html, "a", **{"class": "switch"})["href"] == home
        assert alternates(html) == {}, "an error page has no twin to announce"


def test_sitemap_lists_both_languages_with_their_alternates(client):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    entries = {
        url.find("s:loc", SITEMAP).text.removeprefix(SITE): {
            link.get("hreflang"): link.get("href").removeprefix(SITE) for link in url.findall("x:link", SITEMAP)
        }
        for url in root.findall("s:url", SITEMAP)
    }
    expected = [*catalog_paths(), "/contact", "/es/contacto"]
    assert sorted(entries) == sorted(expected)
    for loc, links in entries.items():
        assert set(links) == {"en", "es", "x-default"}, loc
        assert links[i18n.language_of(loc)] == loc
        assert entries[links["en"]] == entries[links["es"]] == links, f"{loc}: alternates are not reciprocal"


def test_the_language_is_the_urls_never_the_browsers(client):
    """No redirect or change by Accept-Language: a page is the same for everyone who asks for its URL."""
    english = client.get("/overdose", headers={"Accept-Language": "es-MX,es;q=0.9"})
    spanish = client.get("/es/sobredosis", headers={"Accept-Language": "en-US"})
    assert english.status_code == spanish.status_code == 200
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    assert "accept-language" not in english.headers.get("Vary", "").lower()
    assert client.get("/", headers={"Accept-Language": "es"}).status_code == 200


def test_spanish_pages_menu_and_footer_stay_in_spanish(client):
    html = client.get("/es/sobredosis").get_data(as_text=True)
    nav = html[html.index("<nav") : html.index("</nav>")]
    footer = html[html.index("<footer") : html.index("</footer>")]
    for part in (nav, footer):
        hrefs = re.findall(r'<a (?:class="[^"]*" )?href="(/[^"]*)"', part)
        own = [h for h in hrefs if not re.search(r'class="switch"[^>]*href="' + re.escape(h), part)]
        assert own and all(h.startswith("/es/") for h in own), own
    assert 'href="/es/contacto"' in nav


# --- What the center offers in each language ----------------------------------------------------------


@pytest.mark.parametrize("url", [u for u in html_urls() if u.startswith("/es/")])
def test_the_spanish_line_is_shown_and_dialled_on_every_spanish_page(make_app, url):
    client = make_app(SITE_SPANISH_PHONE="+1 555-010-0142").test_client()
    html = client.get(url).get_data(as_text=True)
    assert '<a href="tel:+15550100142">+1 555-010-0142</a>' in html


def test_language_help_is_shown_as_written_on_its_own_languages_pages(make_app):
    words = {"en": "Interpreters on our 24/7 line", "es": "Intérpretes en nuestra línea 24/7"}
    client = make_app(SITE_LANGUAGE_HELP=words, SITE_SPANISH_PHONE="+1 555-010-0142").test_client()
    english = client.get("/overdose").get_data(as_text=True)
    spanish = client.get("/es/sobredosis").get_data(as_text=True)
    assert words["en"] in english and words["es"] not in english
    assert words["es"] in spanish and words["en"] not in spanish
    assert "tel:+15550100142" not in english, "the Spanish line belongs on the Spanish pages"


def test_nothing_is_promised_when_nothing_is_configured(client):
    for url in ("/overdose", "/es/sobredosis"):
        assert 'class="language-help"' not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('["Interpreters"]', "FLASK_SITE_LANGUAGE_HELP must be a JSON object"),
        ('{"fr": "Interprètes"}', "FLASK_SITE_LANGUAGE_HELP: 'fr' is not one of the site's languages (en, es)"),
        ('{"es": ""}', "FLASK_SITE_LANGUAGE_HELP: the text for 'es' is empty"),
    ],
)
def test_a_wrong_language_help_setting_stops_the_start(make_app, value, problem):
    import json

    from settings import ConfigError

    with pytest.raises(ConfigError) as raised:
        make_app(SITE_LANGUAGE_HELP=value if value.startswith("[") else json.loads(value))
    assert problem in str(raised.value)
