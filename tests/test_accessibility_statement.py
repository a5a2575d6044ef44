"""The accessibility statement: a catalog page, linked from every footer and the sitemap, kept out of the main menu."""

from __future__ import annotations

import i18n
from tests import html as dom
from tests.conftest import html_urls

STATEMENT = {"en": "/accessibility", "es": "/es/accesibilidad"}


def test_the_statement_is_a_catalog_page_outside_the_main_menu(app):
    catalog = app.extensions["catalog"]
    page = catalog.find("/accessibility")
    assert page is not None, "/accessibility is not in content/pages.toml"
    assert page not in catalog.nav, "the statement belongs in the footer, not the main menu"


def test_every_page_links_the_statement_from_its_footer_and_not_its_menu(client):
    """Each page links the statement in its own language: /accessibility, or /es/accesibilidad."""
    for url in html_urls():
        statement = STATEMENT[i18n.language_of(url)]
        html = client.get(url).get_data(as_text=True)
        footer = [a.get("href") for a in dom.find(html, "footer").find_all("a")]
        menu = [a.get("href") for a in dom.find(html, "nav").find_all("a")]
        assert statement in footer, f"{url}: no link to {statement} in the footer"
        assert statement not in menu, f"{url}: {statement} is in the main menu"


def test_the_sitemap_lists_the_statement(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>https://www.example.org/accessibility</loc>" in sitemap
    assert "<loc>https://www.example.org/es/accesibilidad</loc>" in sitemap


def test_the_statement_names_the_standard_and_the_centers_own_contacts(app):
    app.config.update(SITE_PHONE="+1 555-010-0142", SITE_EMAIL="access@center.test")
    text = dom.text_of(app.test_client().get("/accessibility"), "main")
    assert "WCAG) 2.2 at level AA" in text
    assert "axe-core" in text and "Chromium" in text
    assert "+1 555-010-0142" in text and "access@center.test" in text
    written = app.extensions["catalog"].find("/accessibility").last_reviewed.strftime("%B %-d, %Y")
    assert f"We wrote this statement on {written}." in text
