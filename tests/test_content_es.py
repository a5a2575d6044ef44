"""What every Spanish page says: sourced, reviewed, plain, person-first and safe in an emergency.

The same rules as the English pages (`tests/test_content.py`), measured for Spanish: the checks
live in `tests/spanish_checks.py`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape

import catalog
from tests import content_checks
from tests import spanish_checks as checks
from tests.conftest import ROOT, catalog_paths, page_html

PAGES = catalog.load(ROOT / "content/pages.toml")
SPANISH = catalog_paths("es")


# --- Every page has its twin ----------------------------------------------------------------------


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_every_english_page_has_a_spanish_twin(path):
    twin = PAGES.find(path).twin("es")
    assert twin, f"{path} has no [page.es] in content/pages.toml"
    assert PAGES.find(twin).lang == "es"
    assert PAGES.find(twin).twin("en") == path


@pytest.mark.parametrize("path", SPANISH)
def test_spanish_page_is_in_spanish_and_under_es(client, path):
    assert path.startswith("/es/")
    html = page_html(client, path)
    assert '<html lang="es">' in html
    assert "Última revisión" in html and "Próxima revisión" in html
    assert "Last reviewed" not in html


# --- Syllables and reading ease -------------------------------------------------------------------

KNOWN_WORDS = {
    "agua": 2,  # a-gua: ua is a diphthong
    "heroína": 4,  # he-ro-í-na: the accent on í breaks oí
    "adicción": 3,  # a-dic-ción
    "oído": 3,  # o-í-do
    "naloxona": 4,
    "fentanilo": 4,
    "día": 2,
    "ciudad": 2,  # iu: two weak vowels glide
    "leer": 2,  # le-er: two strong vowels
    "ahora": 3,  # a-ho-ra: h does not join a and o
    "muy": 1,  # a final y is a vowel
    "ayuda": 3,  # a y before a vowel is a consonant
    "guía": 2,
    "pingüino": 3,
    "buprenorfina": 5,
    "respiración": 4,
    "europeo": 4,
}


@pytest.mark.parametrize(("word", "count"), KNOWN_WORDS.items())
def test_syllable_counter_is_right_on_known_words(word, count):
    assert checks.syllables(word) == count
    assert checks.syllables(word.upper()) == count


def test_textstat_spanish_counter_is_wrong_on_some_of_them():
    """Why the site counts syllables itself (DESIGN.md, "Traps"): textstat's Spanish counter
    misses the hiatus and the vowel-initial syllables these words have."""
    import textstat

    textstat.set_lang("es")
    try:
        wrong = {
            w: textstat.syllable_count(w) for w in ("agua", "heroína", "adicción", "oído", "naloxona", "fentanilo")
        }
    finally:
        textstat.set_lang("en_US")
    assert [w for w, n in wrong.items() if n != KNOWN_WORDS[w]], wrong


def test_reading_ease_formula():
    # 10 words, 21 syllables, 2 sentences: 206.84 − 60 × 2.1 − 1.02 × 5 = 75.74
    text = "Llame ahora mismo al número de ayuda. Quédese con ella."
    assert checks.word_count(text) == 10
    assert sum(checks.syllables(w) for w in checks.words(text)) == 21
    assert checks.reading_ease(text) == pytest.approx(75.74)


def test_reading_ease_check_can_fail():
    hard = (
        "Las intervenciones farmacológicas fundamentadas en agonistas opioides demuestran considerable "
        "efectividad respecto a la retención terapéutica, independientemente de características heterogéneas."
    )
    assert checks.reading_ease(hard) < checks.MIN_READING_EASE
    assert checks.reading_ease("Llame ya. Le vamos a ayudar. Una persona le contesta.") > checks.MIN_READING_EASE


@pytest.mark.parametrize("path", SPANISH)
def test_reading_ease_is_70_or_more(client, path):
    text = content_checks.main_text(page_html(client, path))
    assert checks.word_count(text) >= 150, f"{path}: the page's own text is too short to measure"
    ease = checks.reading_ease(text)
    assert ease >= checks.MIN_READING_EASE, f"{path}: Fernández-Huerta {ease:.1f} is under {checks.MIN_READING_EASE}"


def test_mean_reading_ease_is_75_or_more(client):
    scores = {path: checks.reading_ease(content_checks.main_text(page_html(client, path))) for path in SPANISH}
    assert scores, "no Spanish pages"
    mean = sum(scores.values()) / len(scores)
    assert mean >= checks.MIN_MEAN_READING_EASE, f"mean Fernández-Huerta {mean:.1f}: {scores}"


# --- Sources, dates, headings ---------------------------------------------------------------------


@pytest.mark.parametrize("path", SPANISH)
def test_spanish_page_lists_its_sources_with_https_links(client, path):
    page = PAGES.find(path)
    assert page.sources, f"{path} lists no sources in content/pages.toml"
    html = page_html(client, path)
    for source in page.sources:
        assert source.url.startswith("https://"), f"{path}: source {source.name!r} is not an https:// link"
        assert f'href="{escape(source.url)}"' in html, f"{path}: source {source.name!r} is not shown on the page"


@pytest.mark.parametrize("path", SPANISH)
def test_spanish_page_shows_its_review_dates_in_spanish(client, path):
    page = PAGES.find(path)
    html = page_html(client, path)
    months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
    assert f"{page.next_review.day} de {months[page.next_review.month - 1]} de {page.next_review.year}" in html
    assert page.last_reviewed <= page.next_review <= PAGES.find(page.twin("en")).next_review
    assert page.last_reviewed <= dt.date.today()
    assert content_checks.overdue([page], dt.date.today()) == []


@pytest.mark.parametrize("path", SPANISH)
def test_headings_are_questions_in_spanish(client, path):
    headings = [b["text"] for b in content_checks.read_blocks(page_html(client, path)) if b["tag"] == "h2"]
    assert headings, f"{path} has no h2 headings"
    statements = [h for h in headings if not (h.startswith("¿") and h.endswith("?"))]
    assert statements == [], f"{path}: h2 headings should be questions, ¿…?: {statements}"


# --- Words and promises ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPANISH)
def test_language_is_person_first_and_promises_no_cure_and_no_unsourced_rate(client, path):
    html = page_html(client, path)
    problems = checks.language_problems(html) + checks.safety_problems(html)
    assert problems == [], f"{path}: " + "; ".join(problems)


STIGMATIZING = [
    "Muchos adictos recaen.",
    "Es una adicta.",
    "No sea drogadicto.",
    "Ayuda para toxicómanos.",
    "Los yonquis del barrio.",
    "Dejar el vicio.",
    "El abuso de drogas es común.",
    "Programa contra el abuso de sustancias.",
    "Su prueba salió sucia.",
    "Lleva un año limpio.",
]
PROMISES = [
    "La adicción no tiene cura.",
    "Es incurable.",
    "Le garantizamos la recuperación.",
    "Podemos curar la adicción.",
    "Nuestro programa tiene una tasa de éxito del 90 %.",
    "Ocho de cada 10 personas dejan de consumir.",
]


@pytest.mark.parametrize(
    ("lint", "sentence"),
    [(checks.language_problems, s) for s in STIGMATIZING] + [(checks.safety_problems, s) for s in PROMISES],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_spanish_lints_catch_stigmatizing_terms_and_promises(lint, sentence):
    assert lint(f"<article><p>{sentence}</p></article>")


def test_spanish_lint_allows_quoted_agency_names_and_person_first_words():
    html = (
        "<article><p>Datos del <cite>Instituto Nacional sobre el Abuso de Drogas</cite> y de la "
        "<cite>Administración de Servicios de Salud Mental y Abuso de Sustancias</cite>. Una persona con un "
        "trastorno por consumo de sustancias puede recuperarse. La adicción es tratable. Procure dormir. "
        'La prueba dio un resultado negativo.</p><p>En 2024, la <a href="https://www.dea.gov/onepill">DEA</a> '
        "halló 5 de cada 10 pastillas con una dosis mortal.</p></article>"
    )
    assert checks.language_problems(html) == []
    assert checks.safety_problems(html) == []


# --- Safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPANISH)
def test_naltrexone_carries_its_warning_and_no_lower_risk_claim(client, path):
    assert checks.naltrexone_problems(page_html(client, path)) == []


def test_naltrexone_check_can_fail():
    grouped = "<article><p>La metadona, la buprenorfina o la naltrexona bajan el riesgo de sobredosis.</p></article>"
    assert checks.naltrexone_problems(grouped)
    unwarned = "<article><p>La naltrexona bloquea los opioides.</p></article>"
    assert checks.naltrexone_problems(unwarned) == ["naltrexona is named without its overdose warning"]
    warned = "<article><p>La naltrexona bloquea los opioides. Si deja de tomarla, la sobredosis es más probable.</p></article>"
    assert checks.naltrexone_problems(warned) == []


@pytest.mark.parametrize("path", SPANISH)
def test_spanish_page_says_what_to_do_in_an_emergency_in_its_own_words(client, path):
    text = content_checks.main_text(page_html(client, path))
    assert "911" in text, f"{path}: the page's own text never says to call 911"


def test_spanish_home_frames_addiction_as_chronic_and_treatable(client):
    text = content_checks.main_text(page_html(client, "/es/"))
    assert "crónica y tratable" in text
    assert "la recuperación es posible" in text.lower()


def test_spanish_overdose_steps_come_before_any_explanation(client):
    tags = content_checks.own_tags(page_html(client, "/es/sobredosis"))
    assert "ol" in tags, "/es/sobredosis has no ordered list of steps"
    first_paragraph = tags.index("p") if "p" in tags else len(tags)
    assert tags.index("ol") < first_paragraph, "/es/sobredosis explains before it gives the steps"
    before = set(tags[tags.index("article") + 1 : tags.index("ol")])
    assert before <= {"h2"}, f"/es/sobredosis: only a heading may come before the steps, found {before}"
