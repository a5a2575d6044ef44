"""What the Spanish insurance, programs, about, privacy and accessibility pages must tell a visitor.

Each check is the Spanish twin of one in `tests/test_content.py`, `tests/test_center.py` or
`tests/test_accessibility_statement.py`: the configured carriers, retention days and contacts
reach the page, the center's own texts come in Spanish from `content/center.toml`, and the
prose links stay on the Spanish site.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from tests import content_checks as checks
from tests import html as dom
from tests import phone_checks
from tests.conftest import ROOT, page_html
from tests.deploy_env import CENTER_FILE

PAGES = ("/es/seguro-medico", "/es/programas", "/es/quienes-somos", "/es/privacidad", "/es/accesibilidad")
ENGLISH = {
    "/es/seguro-medico": "/insurance",
    "/es/programas": "/programs",
    "/es/quienes-somos": "/about",
    "/es/privacidad": "/privacy",
    "/es/accesibilidad": "/accessibility",
}
MONTHS = [
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
# A link to this site outside /es/: an English page, where the Spanish reader should not be sent.
ENGLISH_PATH = re.compile(r"^/(?!es/|static/)[a-z]")


def spanish_entry(english_path: str) -> dict:
    """The ``[page.es]`` table of an English catalog entry, read straight from content/pages.toml."""
    pages = tomllib.loads((ROOT / "content/pages.toml").read_text(encoding="utf-8"))["page"]
    return next(page["es"] for page in pages if page["path"] == english_path)


def english_links(html: str) -> list[str]:
    """Links in the page's own text that point to an English page of this site."""
    return [link for block in checks.read_blocks(html) for link in block["links"] if ENGLISH_PATH.match(link)]


# --- Every page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_the_spanish_twin_in_the_catalog(path):
    entry = spanish_entry(ENGLISH[path])
    assert entry["path"] == path
    assert entry["sources"] and all(source["url"].startswith("https://") for source in entry["sources"])


@pytest.mark.parametrize("path", PAGES)
def test_prose_links_stay_on_the_spanish_site(client, path):
    assert english_links(page_html(client, path)) == []


def test_the_link_check_can_fail():
    html = '<article><p>Vea el <a href="/contact">formulario</a> o <a href="/es/contacto">este</a>.</p></article>'
    assert english_links(html) == ["/contact"]


@pytest.mark.parametrize("path", PAGES)
def test_every_phone_number_dials_what_it_shows(client, path):
    assert phone_checks.phone_problems(page_html(client, path)) == []


# --- /es/seguro-medico -------------------------------------------------------------------------------


def test_insurance_lists_the_configured_carriers_and_never_asks_for_the_ssn(app):
    app.config["SITE_INSURANCE"] = ["Mutua de Ejemplo", "Example Care"]
    html = page_html(app.test_client(), "/es/seguro-medico")
    assert "<li>Mutua de Ejemplo</li>" in html and "<li>Example Care</li>" in html
    text = checks.main_text(html)
    assert "nunca le pedimos su número de Seguro Social" in text
    assert 'href="https://www.cuidadodesalud.gov/es/medicaid-chip/getting-medicaid-chip/"' in html
    assert "1-800-662-4357" in text and "atiende en español" in text


# --- /es/privacidad ------------------------------------------------------------------------------------


def test_privacy_states_the_configured_retention(app):
    app.config.update(RETENTION_DAYS=97, SPAM_RETENTION_DAYS=13)
    text = checks.main_text(page_html(app.test_client(), "/es/privacidad"))
    assert "Borramos los mensajes 97 días después de que llegan." in text
    assert "a los 13 días" in text
    assert "nunca más de 194 días" in text  # a backup keeps a copy at most twice the retention
    assert "antes de 97 días" in text  # the staff's own mailboxes


def test_privacy_promises_only_what_the_software_does(client):
    text = checks.main_text(page_html(client, "/es/privacidad"))
    assert "42 CFR Part 2" in text and "HIPAA" in text
    assert "buzón" in text, "the copy in the staff mailbox is not mentioned"
    assert "No usamos rastreadores." in text
    assert "“Salir de esta página”" in text  # the quick-exit button, by the name the layout gives it


# --- /es/accesibilidad -----------------------------------------------------------------------------------


def test_accessibility_names_the_standard_the_tests_and_the_centers_contacts(app):
    app.config.update(SITE_PHONE="+1 555-010-0142", SITE_EMAIL="access@center.test")
    html = page_html(app.test_client(), "/es/accesibilidad")
    text = dom.text_of(html, "main")
    assert "(WCAG) 2.2 en el nivel AA" in text
    assert "axe-core" in text and "Chromium" in text and "320 píxeles" in text
    assert "+1 555-010-0142" in text and "access@center.test" in text
    assert 'href="tel:+15550100142"' in html and 'href="mailto:access@center.test"' in html


def test_accessibility_dates_the_statement_in_spanish(client):
    written = spanish_entry("/accessibility")["last_reviewed"]
    text = dom.text_of(page_html(client, "/es/accesibilidad"), "main")
    assert f"Escribimos esta declaración el {written.day} de {MONTHS[written.month - 1]} de {written.year}." in text


# --- /es/programas and /es/quienes-somos: the center's own texts, in Spanish ----------------------------


def test_programs_show_each_program_in_spanish(make_app):
    html = page_html(make_app(CENTER_FILE=str(CENTER_FILE)).test_client(), "/es/programas")
    program = dom.find(html, "section", class_="program")
    assert program.find("h3").text == "Atención ambulatoria con medicina"
    answers = dict(
        zip([dt.text for dt in program.find_all("dt")], [dd.text for dd in program.find_all("dd")], strict=True)
    )
    assert answers == {
        "¿Para quién es?": "Adultos con trastorno por consumo de opioides que viven en su casa.",
        "¿Qué se hace?": "Una visita con un médico o una enfermera, y con un consejero una vez a la semana.",
        "¿Cuánto dura?": "El tiempo que le ayude.",
        "¿Hay medicina para el trastorno por consumo de opioides?": "Sí. Buprenorfina.",
        "¿Se puede hacer una parte por telesalud?": "Sí. Algunas visitas por video.",
    }
    assert "Outpatient care with medicine" not in html


def test_shipped_programs_say_no_where_they_offer_none_and_are_marked_as_examples(client):
    sections = dom.find_all(page_html(client, "/es/programas"), "section", class_="program")
    assert len(sections) == 3
    assert "No. Este grupo es para familiares y amigos." in sections[2].text
    assert "No. Los grupos son en persona." in sections[1].text
    assert all(section.find("h3").text.startswith("Ejemplo de programa, para reemplazar: ") for section in sections)


def test_programs_say_why_medicine_matters(client):
    text = checks.main_text(page_html(client, "/es/programas"))
    assert "La metadona y la buprenorfina" in text
    assert "Bajan el riesgo de morir por una sobredosis." in text
    assert "sin pasar antes por una desintoxicación" in text
    assert "antes de estar listo para la consejería" in text
    assert "telesalud hasta el final de 2026" in text  # the DEA flexibilities' end: reviewed by then
    assert spanish_entry("/programs")["next_review"].isoformat() <= "2027-01-31"


def test_about_shows_licenses_team_and_a_plain_map_link_in_spanish(make_app):
    app = make_app(CENTER_FILE=str(CENTER_FILE), SITE_ADDRESS="12 River Road, Albany, NY 12207")
    html = page_html(app.test_client(), "/es/quienes-somos")
    text = dom.text_of(html, "main")
    assert "Certificado de operación de OASAS del Estado de Nueva York, atención ambulatoria" in text
    assert "Número: OP-4471." in text and "Revise este número" in text
    assert "que otorga la Oficina de Servicios y Apoyos para la Adicción del Estado de Nueva York." in text
    assert "Director médico." in text and "Un médico que dirige nuestra atención médica." in text
    assert "Riverbend Recovery Center ayuda a adultos" in text
    assert "has helped adults" not in text and "Medical director" not in text
    maps = [a["href"] for a in dom.find_all(html, "a") if "openstreetmap" in a.get("href", "")]
    assert maps == ["https://www.openstreetmap.org/search?query=12+River+Road%2C+Albany%2C+NY+12207"]
    for tag in ("iframe", "img", "script", "object", "embed"):
        assert dom.find_all(dom.find(html, "main").source, tag) == [], f"/es/quienes-somos embeds an {tag}"


def test_shipped_about_is_marked_as_an_example_in_spanish(client):
    text = dom.text_of(page_html(client, "/es/quienes-somos"), "main")
    assert "Ejemplo de texto, para reemplazar:" in text
    assert "Ejemplo de licencia, para reemplazar:" in text and "Ejemplo de puesto, para reemplazar:" in text
