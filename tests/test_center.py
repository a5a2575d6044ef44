"""The center's own pages: /about and /programs built from content/center.toml, examples named for replacing."""

from __future__ import annotations

import textwrap
from urllib.parse import quote_plus

import pytest

import center
from tests import html as dom
from tests.conftest import ROOT
from tests.deploy_env import CENTER_FILE

SHIPPED = ROOT / "content/center.toml"


def test_the_shipped_file_is_all_examples_and_named_so():
    shipped = center.load(SHIPPED)
    problems = center.example_problems(shipped, "content/center.toml")
    assert len(problems) == 2
    assert problems[0].startswith("content/center.toml: the about content is still the example")
    assert problems[1].startswith("content/center.toml: the programs are still the examples")
    for program in shipped.programs:
        assert program.example and program.name.startswith("Example program, to replace: ")
        assert repr(program.name) in problems[1]


def test_a_real_file_has_no_problems():
    assert center.example_problems(center.load(CENTER_FILE), "x") == []


def test_an_example_name_is_refused_even_without_its_flag(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace("example = true\n", "")
    (tmp_path / "center.toml").write_text(text, encoding="utf-8")
    problems = center.example_problems(center.load(tmp_path / "center.toml"), "center.toml")
    assert len(problems) == 2
    assert "the about content is still the example (who we are, 2 of 2 licenses, 4 of 4 team roles)" in problems[0]
    assert "the programs are still the examples ('Example program" in problems[1]


def test_one_example_program_left_is_named_alone(tmp_path):
    real = CENTER_FILE.read_text(encoding="utf-8")
    extra = textwrap.dedent(
        """
        [[program]]
        example = true
        name = "Evening group"
        for_whom = "x"
        what_happens = "x"
        how_long = "x"
        medicine = false
        medicine_note = ""
        telehealth = false
        telehealth_note = ""
        [program.es]
        name = "Grupo de la tarde"
        for_whom = "x"
        what_happens = "x"
        how_long = "x"
        medicine_note = ""
        telehealth_note = ""
        """
    )
    (tmp_path / "center.toml").write_text(real + extra, encoding="utf-8")
    problems = center.example_problems(center.load(tmp_path / "center.toml"), "center.toml")
    assert problems == [
        "center.toml: the programs are still the examples ('Evening group'): describe the center's own programs, "
        "then delete each `example = true` line."
    ]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("how_long = ", "how_lnog = "), "[[program]] entry 1: unknown keys ['how_lnog'], missing keys ['how_long']"),
        (("who_we_are = [", 'who_we_are = ["", '), "[about] who_we_are must be a list of paragraphs"),
        (("[[program]]", "[[programme]]"), "unknown sections ['programme']"),
        (("map_query = ", "map_qeury = "), "[about] has unknown keys ['map_qeury']"),
        (("[about.es]", "[about.ex]"), "[about] has unknown keys ['ex']"),
        (("[about.es]\nwho_we_are", "[about.es]\nwho_we_ar"), "[about], [about.es]: unknown keys ['who_we_ar']"),
        (("[license.es]", "[license.sp]"), "[[license]] entry 1: unknown keys ['sp'], missing keys []"),
        (("[team.es]", "[team.es]\nnumber = 'T-1'"), "[[team]] entry 1, [team.es]: unknown keys ['number']"),
    ],
)
def test_a_broken_entry_stops_the_start_naming_it(make_app, tmp_path, change, says):
    (tmp_path / "center.toml").write_text(CENTER_FILE.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        make_app(CENTER_FILE=str(tmp_path / "center.toml"))
    assert says in str(excinfo.value)


def without_table(text: str, table: str) -> str:
    """The file with its first ``[table]`` and the keys under it taken out."""
    start = text.index(f"[{table}]\n")
    end = text.find("\n[", start + 1)
    return text[:start] + (text[end + 1 :] if end != -1 else "")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("about.es", "[about] has no [about.es] table: add one with its Spanish who_we_are"),
        ("license.es", "[[license]] entry 1 has no [license.es] table: add one with its Spanish name, issued_by"),
        ("team.es", "[[team]] entry 1 has no [team.es] table: add one with its Spanish role, does"),
        (
            "program.es",
            "[[program]] entry 1 has no [program.es] table: add one with its Spanish name, for_whom, what_happens, "
            "how_long, medicine_note, telehealth_note",
        ),
    ],
)
def test_an_entry_without_its_spanish_table_stops_the_start_naming_it(make_app, tmp_path, table, says):
    text = without_table(CENTER_FILE.read_text(encoding="utf-8"), table)
    assert f"[{table}]" not in text
    (tmp_path / "center.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        make_app(CENTER_FILE=str(tmp_path / "center.toml"))
    assert says in str(excinfo.value)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            ('how_long = "El tiempo', 'how_lnog = "El tiempo'),
            "[[program]] entry 1, [program.es]: unknown keys ['how_lnog'], missing keys ['how_long']",
        ),
        (('medicine_note = "Buprenorfina."', ""), "[[program]] entry 1, [program.es]: unknown keys [], missing keys"),
        (
            ('role = "Director médico"', 'role = "Director médico"\nexample = true'),
            "[team.es]: unknown keys ['example']",
        ),
        (('does = "Un médico que dirige nuestra atención médica."', "does = 3"), "[team.es]: ['does'] must be text"),
        (
            ('who_we_are = [\n  "Riverbend Recovery Center ayuda', 'who_we_are = [\n  "", "Riverbend'),
            "[about.es] who_we_are",
        ),
    ],
)
def test_a_broken_spanish_entry_stops_the_start_naming_it(make_app, tmp_path, change, says):
    text = CENTER_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "center.toml").write_text(text.replace(*change, 1), encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        make_app(CENTER_FILE=str(tmp_path / "center.toml"))
    assert says in str(excinfo.value)


def test_the_spanish_center_has_the_spanish_texts_and_the_same_numbers_and_flags():
    english = center.load(CENTER_FILE)
    spanish = english.in_language("es")
    assert english.in_language("en") is english and spanish.in_language("en") is english
    assert spanish.in_language("es") is spanish
    assert spanish.who_we_are[0].startswith("Riverbend Recovery Center ayuda a adultos")
    assert spanish.licenses[0].name.startswith("Certificado de operación de OASAS")
    assert (spanish.licenses[0].number, spanish.licenses[0].check_url) == ("OP-4471", "https://oasas.ny.gov/providers")
    assert spanish.team[0].role == "Director médico"
    program = spanish.programs[0]
    assert (program.name, program.medicine, program.telehealth) == ("Atención ambulatoria con medicina", True, True)
    assert spanish.map_url("x") == english.map_url("x")
    with pytest.raises(ValueError, match="no 'fr' texts"):
        english.in_language("fr")


def test_every_shipped_spanish_example_is_named_so():
    shipped = center.load(SHIPPED).in_language("es")
    labels = [
        *shipped.who_we_are[:1],
        *(item.name for item in shipped.licenses),
        *(item.role for item in shipped.team),
        *(item.name for item in shipped.programs),
    ]
    assert len(labels) == 1 + 2 + 4 + 3
    assert [label for label in labels if not label.startswith("Ejemplo")] == []


def test_a_spanish_example_left_behind_is_refused(tmp_path):
    """An operator who replaced the English but not the Spanish still gets each example named."""
    text = CENTER_FILE.read_text(encoding="utf-8")
    text = text.replace(
        'name = "Atención ambulatoria con medicina"', 'name = "Ejemplo de programa, para reemplazar: x"'
    )
    text = text.replace('role = "Director médico"', 'role = "Ejemplo de puesto: director médico"')
    text = text.replace('"Riverbend Recovery Center ayuda', '"Ejemplo de texto. Riverbend Recovery Center ayuda')
    (tmp_path / "center.toml").write_text(text, encoding="utf-8")
    problems = center.example_problems(center.load(tmp_path / "center.toml"), "center.toml")
    assert len(problems) == 2, problems
    assert "the about content is still the example (who we are, 1 of 1 team roles)" in problems[0]
    assert "the programs are still the examples ('Ejemplo de programa, para reemplazar: x')" in problems[1]


def test_programs_page_shows_each_program_from_the_file(make_app):
    html = make_app(CENTER_FILE=str(CENTER_FILE)).test_client().get("/programs").get_data(as_text=True)
    program = dom.find(html, "section", class_="program")
    assert program.find("h3").text == "Outpatient care with medicine"
    answers = dict(
        zip([dt.text for dt in program.find_all("dt")], [dd.text for dd in program.find_all("dd")], strict=True)
    )
    assert answers == {
        "Who is it for?": "Adults with opioid use disorder who live at home.",
        "What happens?": "A visit with a doctor or nurse, and a counselor once a week.",
        "How long does it last?": "As long as it helps you.",
        "Is medicine for opioid use disorder offered?": "Yes. Buprenorphine.",
        "Can some of it be done by telehealth?": "Yes. Some visits by video.",
    }


def test_shipped_programs_say_no_where_they_offer_none(client):
    html = client.get("/programs").get_data(as_text=True)
    sections = dom.find_all(html, "section", class_="program")
    assert len(sections) == len(center.load(SHIPPED).programs) == 3
    assert "No. This group is for family and friends." in sections[2].text
    assert "No. Groups meet in person." in sections[1].text


def test_about_page_shows_licenses_team_and_a_plain_map_link(make_app):
    app = make_app(CENTER_FILE=str(CENTER_FILE), SITE_ADDRESS="12 River Road, Albany, NY 12207")
    html = app.test_client().get("/about").get_data(as_text=True)
    text = dom.text_of(html, "main")
    assert "New York State OASAS operating certificate, outpatient" in text and "Number: OP-4471." in text
    assert "Medical director." in text
    assert "Riverbend Recovery Center has helped adults" in text
    maps = [a for a in dom.find_all(html, "a") if "openstreetmap" in a.get("href", "")]
    assert [a["href"] for a in maps] == [
        "https://www.openstreetmap.org/search?query=" + quote_plus("12 River Road, Albany, NY 12207")
    ]
    assert {"href": "https://oasas.ny.gov/providers", "rel": "noreferrer"} in [a.attrs for a in dom.find_all(html, "a")]
    for tag in ("iframe", "img", "script", "object", "embed"):
        assert dom.find_all(html, tag) == [], f"/about embeds an {tag}"


@pytest.mark.parametrize(("path", "label"), [("/programs", "Programs"), ("/about", "About us")])
def test_center_pages_are_in_the_catalog_menu_footer_and_sitemap(client, app, path, label):
    page = app.extensions["catalog"].find(path)
    assert page is not None and page.nav == label
    html = client.get("/").get_data(as_text=True)
    menu = dom.find(html, "nav")
    assert {"href": path} in [a.attrs for a in menu.find_all("a")]
    assert {"href": path} in [a.attrs for a in dom.find(html, "footer").find_all("a")]
    assert f"<loc>https://www.example.org{path}</loc>" in client.get("/sitemap.xml").get_data(as_text=True)
