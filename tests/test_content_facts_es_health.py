"""The health facts of the Spanish home, heroin, dependence and withdrawal pages.

The same checks as `tests/test_content_facts.py` makes on the English pages, in the Spanish the
pages use: today's drug supply, the dangers of withdrawal and when to go to the emergency room,
the risk after a break, naltrexone's warning, and that every phone number can be tapped.
"""

from __future__ import annotations

import re

import pytest

from tests import content_checks as checks
from tests import phone_checks, spanish_checks
from tests.conftest import page_html

HOME = "/es/"
HEROIN = "/es/adiccion-a-la-heroina"
DEPENDENCE = "/es/dependencia-y-tolerancia"
WITHDRAWAL = "/es/abstinencia"
PAGES = (HOME, HEROIN, DEPENDENCE, WITHDRAWAL)

# The fixed Spanish address of every page (the shared spec's table): links in Spanish text go there.
SPANISH_PATHS = {
    "/es/",
    "/es/adiccion-a-la-heroina",
    "/es/dependencia-y-tolerancia",
    "/es/abstinencia",
    "/es/sobredosis",
    "/es/tratamiento",
    "/es/que-esperar",
    "/es/para-familias",
    "/es/seguro-medico",
    "/es/programas",
    "/es/quienes-somos",
    "/es/privacidad",
    "/es/accesibilidad",
    "/es/contacto",
}


def missing_phrases(text: str, phrases: list[str]) -> list[str]:
    """The phrases ``text`` does not contain, ignoring case."""
    return [p for p in phrases if p.lower() not in text.lower()]


# --- What each page must say ----------------------------------------------------------------------

MUST_SAY = {
    HOME: ["crónica y tratable", "la recuperación es posible", "naloxona", "sin receta", "fentanilo"],
    HEROIN: ["xilacina", "heridas", "de 10 a 15 granos de sal", "solo fentanilo", "5 de cada 10", "medetomidina"],
    DEPENDENCE: ["la tolerancia se pierde", "cárcel", "prisión", "desintoxicación", "naltrexona", "a solas"],
    WITHDRAWAL: [
        "medetomidina",
        "convulsiones",
        "embarazada",
        "abstinencia precipitada",
        "Fentanilo:",
        "deshidratación",
    ],
}


@pytest.mark.parametrize(("path", "phrases"), MUST_SAY.items())
def test_page_covers_what_a_visitor_needs_today(client, path, phrases):
    assert missing_phrases(checks.main_text(page_html(client, path)), phrases) == []


def test_must_say_check_can_fail():
    assert missing_phrases("La adicción no tiene remedio.", MUST_SAY[HOME][:2]) == MUST_SAY[HOME][:2]


@pytest.mark.parametrize("path", PAGES)
def test_own_text_links_911_as_a_tap_link(client, path):
    blocks = checks.read_blocks(page_html(client, path))
    assert any("tel:911" in b["links"] for b in blocks), f"{path} does not link 911 in its own text"


def test_home_names_the_helpline_and_988_in_spanish(client):
    html = page_html(client, HOME)
    text = checks.main_text(html)
    main = html.split('<main id="main">')[1].split("</main>")[0]
    assert "SAMHSA" in text
    assert "oprima el 2" in text and "AYUDA" in text
    assert 'href="https://988lifeline.org/"' in main
    assert 'href="sms:988?&amp;body=AYUDA"' in main


STAFF_SPANISH_PROMISE = re.compile(r"hablamos español|habla(n)? español|intérpretes?|en su idioma", re.I)


def staff_language_promises(text: str) -> list[str]:
    """Claims that our staff speak Spanish or that interpreters exist: only the layout may say that."""
    return [m.group(0) for m in STAFF_SPANISH_PROMISE.finditer(text)]


@pytest.mark.parametrize("path", PAGES)
def test_pages_do_not_promise_spanish_speaking_staff(client, path):
    assert staff_language_promises(checks.main_text(page_html(client, path))) == []


def test_staff_language_check_can_fail():
    assert staff_language_promises("Llámenos: hablamos español y tenemos intérpretes.") == [
        "hablamos español",
        "intérpretes",
    ]


# --- /es/adiccion-a-la-heroina: today's figures ------------------------------------------------------


def test_outdated_fentanyl_figures_are_gone(client):
    text = checks.main_text(page_html(client, HEROIN))
    assert "6 de cada 10" not in text, "the 2022 DEA figure is outdated"
    assert "unos pocos granos de sal" not in text


def test_dea_figure_links_its_source_in_the_same_paragraph(client):
    blocks = [b for b in checks.read_blocks(page_html(client, HEROIN)) if "5 de cada 10" in b["text"]]
    assert blocks, "the newest DEA figure is missing"
    assert any(link.startswith("https://www.dea.gov/") for b in blocks for link in b["links"])


# --- /es/abstinencia: dangers and the emergency room -------------------------------------------------


def section_after(blocks: list[dict], heading: str) -> str:
    """The text between the h2 containing ``heading`` and the next h2."""
    start = next(i for i, b in enumerate(blocks) if b["tag"] == "h2" and heading in b["text"])
    following = blocks[start + 1 :]
    end = next((i for i, b in enumerate(following) if b["tag"] == "h2"), len(following))
    return " ".join(b["text"] for b in following[:end])


def test_withdrawal_page_lists_when_to_go_to_the_emergency_room(client):
    joined = section_after(checks.read_blocks(page_html(client, WITHDRAWAL)), "sala de emergencias")
    for sign in ("presión", "corazón", "convulsión", "vómitos", "confundid", "embarazada", "988"):
        assert sign in joined, f"the emergency room list lacks {sign!r}"


RARELY_DEADLY = "rara vez es mortal"
CAVEATS = ("medetomidina", "alcohol", "benzo", "embarazada")


def uncaveated(blocks: list[dict]) -> list[str]:
    """Caveats missing from the six blocks after each "rarely deadly" claim."""
    missing = []
    for i, block in enumerate(blocks):
        if RARELY_DEADLY in block["text"].lower():
            following = " ".join(b["text"] for b in blocks[i : i + 6]).lower()
            missing += [caveat for caveat in CAVEATS if caveat not in following]
    return missing


def test_withdrawal_is_not_called_rarely_deadly_without_its_exceptions(client):
    blocks = checks.read_blocks(page_html(client, WITHDRAWAL))
    assert any(RARELY_DEADLY in b["text"] for b in blocks)
    assert uncaveated(blocks) == []


def test_rarely_deadly_check_can_fail():
    blocks = checks.read_blocks(
        "<article><p>La abstinencia de opioides rara vez es mortal.</p><p>Beba agua.</p></article>"
    )
    assert uncaveated(blocks) == list(CAVEATS)


def test_withdrawal_medicines_lower_risk_and_start_without_detox(client):
    text = checks.main_text(page_html(client, WITHDRAWAL))
    assert re.search(r"metadona o buprenorfina[^.]*\.[^.]*bajan el riesgo de sobredosis", text)
    assert "No tiene que terminar la desintoxicación antes de empezarlos" in text


# --- /es/dependencia-y-tolerancia: the risk after a break ----------------------------------------------


def test_dependence_page_sources_the_prison_release_study_on_the_page(client):
    blocks = [b for b in checks.read_blocks(page_html(client, DEPENDENCE)) if "prisión" in b["text"]]
    assert any("https://doi.org/10.1056/NEJMsa064115" in b["links"] for b in blocks)


def test_dependence_page_names_the_medicines_that_lower_the_risk(client):
    blocks = checks.read_blocks(page_html(client, DEPENDENCE))
    assert any(
        "metadona o buprenorfina" in b["text"] and spanish_checks.LOWER_RISK.search(b["text"]) for b in blocks
    ), "the page does not say methadone or buprenorphine lower the risk of overdose"


# --- Naltrexone -------------------------------------------------------------------------------------


# --- Links and phone numbers ------------------------------------------------------------------------


def foreign_language_links(html: str) -> list[str]:
    """Links in the page's own text to a page of this site that is not one of the Spanish paths."""
    links = [link for b in checks.read_blocks(html) for link in b["links"]]
    local = [link for link in links if link.startswith("/")]
    return [link for link in local if link.split("#", 1)[0] not in SPANISH_PATHS]


@pytest.mark.parametrize("path", PAGES)
def test_own_links_stay_in_spanish(client, path):
    assert foreign_language_links(page_html(client, path)) == []


def test_link_language_check_can_fail():
    html = '<article><p>Vea <a href="/overdose">los pasos</a> y <a href="/es/sobredosis#lower-the-risk">más</a>.</p></article>'
    assert foreign_language_links(html) == ["/overdose"]


@pytest.mark.parametrize("path", PAGES)
def test_every_phone_number_is_a_link_that_dials_what_it_shows(client, path):
    assert phone_checks.phone_problems(page_html(client, path)) == []
