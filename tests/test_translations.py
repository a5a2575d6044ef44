"""The Spanish interface words: every one translated, the catalog current with the code, and no
English left on a Spanish page.

The catalog is `translations/es/LC_MESSAGES/messages.po` (`make translations` updates and
compiles it); page prose is not in it (`tests/test_content_es.py` checks that).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT, html_urls

PO = ROOT / "translations/es/LC_MESSAGES/messages.po"
MO = ROOT / "translations/es/LC_MESSAGES/messages.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def read_catalog(path):
    with open(path, "rb") as file:
        return read_po(file)


def extracted(tmp_path):
    """The interface words in the code now, as `make translations` extracts them."""
    pot = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg"]
    command += ["-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
    return read_catalog(pot)


def untranslated(catalog) -> list[str]:
    """Entries with no Spanish, or with Spanish marked fuzzy (a guess, not yet checked)."""
    return [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags)]


def test_every_interface_word_is_translated():
    assert untranslated(read_catalog(PO)) == []


def test_the_catalog_holds_every_word_in_the_code_and_no_other(tmp_path):
    in_code = {m.id for m in extracted(tmp_path) if m.id}
    in_catalog = {m.id for m in read_catalog(PO) if m.id}
    assert sorted(in_code - in_catalog) == [], "new words: run `make translations` and translate them"
    assert sorted(in_catalog - in_code) == [], "words no longer in the code: run `make translations`"


def test_the_compiled_catalog_is_the_current_one():
    with open(MO, "rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    written = {m.id: m.string for m in read_catalog(PO) if m.id}
    assert compiled == written, "messages.mo is stale: run `make translations`"


def test_each_translation_keeps_its_placeholders():
    problems = [
        m.id
        for m in read_catalog(PO)
        if m.id and sorted(PLACEHOLDER.findall(str(m.id))) != sorted(PLACEHOLDER.findall(str(m.string)))
    ]
    assert problems == []


def test_the_untranslated_check_can_fail(tmp_path):
    catalog = read_catalog(PO)
    catalog.add("A word nobody translated", "")
    catalog.add("A guess", "Una suposición", flags=["fuzzy"])
    assert untranslated(catalog) == ["A word nobody translated", "A guess"]


# --- No English on a Spanish page ------------------------------------------------------------------

# Words that are English and never Spanish: one of them outside a quoted English name means an
# interface string that skipped gettext. ("Error" is not one: Spanish writes it the same.)
ENGLISH = re.compile(
    r"\b(?:the|and|your|you|with|call|send|please|page|message|this|that|what|our|we|here|help|not|try)\b",
    re.I,
)
TAG = re.compile(r"<[^>]+>")
QUOTED_ENGLISH = re.compile(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', re.S)
SOURCES = re.compile(r'<section class="sources".*?</section>', re.S)


def english_words(html: str, config) -> list[str]:
    """English words on a page meant to be Spanish, outside sources and elements marked lang="en"."""
    body = html.split("<body", 1)[1]
    body = SOURCES.sub("", QUOTED_ENGLISH.sub("", body))
    text = TAG.sub(" ", body)
    for value in (config["SITE_NAME"], config["SITE_ADDRESS"], config["SITE_EMAIL"]):
        text = text.replace(value, "")
    return sorted({match.lower() for match in ENGLISH.findall(text)})


@pytest.mark.parametrize("url", [u for u in html_urls() if u.startswith("/es/")] + ["/es/no-existe"])
def test_no_english_is_left_on_a_spanish_page(app, client, url):
    html = client.get(url).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert english_words(html, app.config) == []


def test_the_english_check_can_fail(app):
    assert english_words("<body><p>Llame. Send us a message</p></body>", app.config) == ["message", "send"]
