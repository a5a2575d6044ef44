"""The safety facts of four Spanish pages, in Spanish: /es/sobredosis, /es/tratamiento, /es/que-esperar, /es/para-familias.

The same checks `tests/test_content_facts.py` runs on /overdose, /treatment, /what-to-expect and
/for-families, written for the Spanish wording: the overdose steps first and in an order that keeps
someone alive, the dangers of today's drug supply, the medicines' warnings, and phone numbers a
visitor can tap.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from tests import content_checks as checks
from tests import phone_checks, spanish_checks
from tests.conftest import ROOT, page_html

# The Spanish paths are fixed by the site's URL contract.
OVERDOSE = "/es/sobredosis"
TREATMENT = "/es/tratamiento"
WHAT_TO_EXPECT = "/es/que-esperar"
FAMILIES = "/es/para-familias"
PAGES = (OVERDOSE, TREATMENT, WHAT_TO_EXPECT, FAMILIES)

# As in tests/test_content_facts.py: pages stating the telehealth or Medicaid rules are reviewed by then.
RECHECK_TELEHEALTH_AND_MEDICAID_BY = dt.date(2027, 1, 31)


def spanish_entry(path: str) -> dict:
    """The ``[page.es]`` table of the catalog entry whose Spanish path is ``path``."""
    data = tomllib.loads((ROOT / "content/pages.toml").read_text(encoding="utf-8"))
    return next(entry["es"] for entry in data["page"] if entry.get("es", {}).get("path") == path)


# --- /es/sobredosis: the steps ---------------------------------------------------------------------


def test_sobredosis_steps_come_before_any_explanation(client):
    tags = checks.own_tags(page_html(client, OVERDOSE))
    assert "ol" in tags, f"{OVERDOSE} has no ordered list of steps"
    first_paragraph = tags.index("p") if "p" in tags else len(tags)
    assert tags.index("ol") < first_paragraph, f"{OVERDOSE} explains before it gives the steps"
    before = set(tags[tags.index("article") + 1 : tags.index("ol")])
    assert before <= {"h2"}, f"{OVERDOSE}: only a heading may come before the steps, found {before}"


def test_sobredosis_steps_support_breathing_before_any_wait(client):
    steps = checks.overdose_steps(page_html(client, OVERDOSE))
    assert any(spanish_checks.BREATHING_SUPPORT.search(step) for step in steps), (
        "the steps never say how to help them breathe"
    )
    assert spanish_checks.wait_before_breathing(steps) == []


def test_a_bare_wait_before_rescue_breathing_is_caught():
    """The check above fires on a wait placed before breathing support, and not after it."""
    old = [
        "Dele naloxona (Narcan) si la tiene.",
        "Espere de 2 a 3 minutos. Si no despierta ni respira mejor, dele otra dosis.",
        "Ayúdela a respirar. Dele 1 respiración cada 5 segundos. Si sabe hacer RCP, hágala.",
    ]
    assert spanish_checks.wait_before_breathing(old) == [old[1]]
    assert spanish_checks.wait_before_breathing([old[2], old[1]]) == []


def test_sobredosis_steps_say_what_to_do_at_each_turn(client):
    text = " ".join(checks.overdose_steps(page_html(client, OVERDOSE)))
    for needed in (
        "911",
        "operador",  # 911 coaches CPR ...
        "capacitación",  # ... and no training is needed
        "naloxona",
        "cada 2 a 3 minutos",  # keep dosing ...
        "hasta que respire",  # ... judged by breathing, not by waking
        "de lado",
        "dejarla sola",  # on their side first if you must leave them
        "Quédese con ella",
        "de 30 a 90 minutos",  # naloxone wears off: why you stay
    ):
        assert needed in text, f"{OVERDOSE} steps lack {needed!r}"
    assert len(text.split()) <= 240, "the steps must stay short enough to read in an emergency"


def test_sobredosis_says_what_to_do_without_naloxona_and_what_not_to_do(client):
    text = checks.main_text(page_html(client, OVERDOSE))
    assert "¿No tiene naloxona?" in text
    for never in ("bañera", "vomitar", "inyecte", "dormir para que se le pase"):
        assert never in text, f"{OVERDOSE} does not warn against: {never}"


def test_sobredosis_says_what_to_expect_when_they_wake(client):
    text = checks.main_text(page_html(client, OVERDOSE))
    assert "abstinencia" in text
    assert re.search(r"consumir más (ahora mismo|enseguida|de nuevo)[^.]*(peligroso|mortal)", text, re.I)


def test_good_samaritan_protection_is_sourced_and_its_limits_stated(client):
    blocks = checks.read_blocks(page_html(client, OVERDOSE))
    samaritan = [b for b in blocks if "Buen Samaritano" in b["text"]]
    assert samaritan, f"{OVERDOSE} does not explain Good Samaritan laws"
    assert any(link.startswith("https://") for b in samaritan for link in b["links"]), "no source link"
    limits = " ".join(b["text"] for b in blocks)
    for limit in ("orden de arresto", "libertad condicional", "vender o compartir"):
        assert limit in limits, f"{OVERDOSE} does not name the common limit: {limit}"


# --- Today's drug supply, the medicines, the first call ---------------------------------------------

MUST_SAY = {
    OVERDOSE: [
        "xilacina",
        "medetomidina",
        "no revierte",
        "siempre dé naloxona",
        "de lado",
        "la metadona y la buprenorfina bajan el riesgo de morir",
    ],
    TREATMENT: [
        "crónica y tratable",
        "la recuperación es posible",
        "una vez por semana",
        "sin desintoxicación",
        "consejería",
        "telesalud",
        "embarazada",
        "no deje los opioides de golpe",
        "2024",
        "de 7 a 10 días",
    ],
    WHAT_TO_EXPECT: [
        "el mismo día",
        "no tiene que pasar antes por una desintoxicación",
        "no es un castigo",
        "42 CFR Part 2",
    ],
    FAMILIES: ["naloxona", "respire por la persona", "CRAFT", "sin receta"],
}
HARM_REDUCTION = ["Never Use Alone", "tiras de prueba", "no quiere decir", "naloxona gratis", "servicios de jeringas"]


@pytest.mark.parametrize(("path", "phrases"), MUST_SAY.items())
def test_page_covers_what_a_visitor_needs_today(client, path, phrases):
    text = checks.main_text(page_html(client, path))
    missing = [p for p in phrases if p.lower() not in text.lower()]
    assert missing == [], f"{path} does not say: {missing}"


def test_sobredosis_carries_harm_reduction(client):
    text = checks.main_text(page_html(client, OVERDOSE))
    missing = [p for p in HARM_REDUCTION if p.lower() not in text.lower()]
    assert missing == []


# --- Naltrexone -------------------------------------------------------------------------------------


def test_tratamiento_names_naltrexone_with_its_warning(client):
    """The treatment page names naltrexone, so the naltrexone check (tests/test_content_es.py) has something to check."""
    text = checks.main_text(page_html(client, TREATMENT))
    assert "naltrexona" in text
    assert re.search(r"si deja la naltrexona o se salta una dosis, su riesgo de sobredosis es más alto", text)


# --- Phone numbers, menu, review dates --------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_phone_number_is_a_link_that_dials_what_it_shows(client, path):
    assert phone_checks.phone_problems(page_html(client, path)) == []


@pytest.mark.parametrize("path", PAGES)
def test_page_text_gives_911_as_a_tap_link(client, path):
    blocks = checks.read_blocks(page_html(client, path))
    assert any("tel:911" in b["links"] for b in blocks), f"{path}'s own text does not give 911 as a tap link"


def test_que_esperar_is_in_the_spanish_menu(client):
    assert '<a href="/es/que-esperar"' in page_html(client, OVERDOSE)


@pytest.mark.parametrize("path", PAGES)
def test_pages_with_telehealth_or_medicaid_facts_are_reviewed_by_the_recheck_date(client, path):
    text = checks.main_text(page_html(client, path))
    if re.search(r"telesalud|Medicaid", text, re.I):
        assert spanish_entry(path)["next_review"] <= RECHECK_TELEHEALTH_AND_MEDICAID_BY
