"""What every English education page says: sourced, reviewed, readable, person-first and safe in an emergency.

The checks themselves live in `tests/content_checks.py`; each test here names the page it fails on.
The Spanish pages have their own (`tests/test_content_es.py`).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from markupsafe import escape

import catalog
from tests import content_checks as checks
from tests.conftest import ROOT, catalog_paths, page_html

PAGES = catalog.load(ROOT / "content/pages.toml")


# --- Sources and review dates -------------------------------------------------------------------


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_page_lists_its_sources_with_https_links(client, path):
    page = PAGES.find(path)
    assert page.sources, f"{path} lists no sources in content/pages.toml"
    html = page_html(client, path)
    for source in page.sources:
        assert source.url.startswith("https://"), f"{path}: source {source.name!r} is not an https:// link"
        assert f'href="{escape(source.url)}"' in html, f"{path}: source {source.name!r} is not shown on the page"


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_page_shows_its_review_dates(client, path):
    html = page_html(client, path)
    page = PAGES.find(path)
    assert "Last reviewed" in html, f"{path} does not show 'Last reviewed'"
    assert "Next review due" in html, f"{path} does not show 'Next review due'"
    assert f'datetime="{page.next_review.isoformat()}"' in html
    assert page.last_reviewed <= page.next_review, f"{path}: last_reviewed is after next_review"
    assert page.last_reviewed <= dt.date.today(), f"{path}: last_reviewed is in the future"


def test_no_page_is_past_its_review_date():
    assert checks.overdue(PAGES.pages, dt.date.today()) == []


def test_a_page_past_its_review_date_is_named():
    """The review check really fires: on the day after a page's date it names that page."""
    page = PAGES.find("/overdose")
    late = page.next_review + dt.timedelta(days=1)
    problems = checks.overdue(PAGES.pages, late)
    assert any(p.startswith("/overdose (overdose.html) was due for review") for p in problems), problems
    on_the_day = checks.overdue(PAGES.pages, page.next_review)
    assert not any(p.startswith("/overdose ") for p in on_the_day)


# --- Reading level ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_reading_level_is_grade_8_or_lower(client, path):
    text = checks.main_text(page_html(client, path))
    assert checks.word_count(text) >= 150, f"{path}: the page's own text is too short to measure"
    grade = checks.grade(text)
    assert grade <= checks.MAX_GRADE, f"{path}: Flesch-Kincaid grade {grade:.1f} is above {checks.MAX_GRADE}"


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_headings_are_the_questions_people_ask(client, path):
    headings = [b["text"] for b in checks.read_blocks(page_html(client, path)) if b["tag"] == "h2"]
    assert headings, f"{path} has no h2 headings"
    statements = [h for h in headings if not h.endswith("?")]
    assert statements == [], f"{path}: h2 headings should be questions: {statements}"


def test_reading_level_check_can_fail():
    hard = (
        "Pharmacological interventions utilizing opioid agonist medications demonstrate considerable "
        "effectiveness regarding retention, notwithstanding heterogeneous implementation characteristics."
    )
    assert checks.grade(hard) > checks.MAX_GRADE
    assert checks.grade("Call us. We can help. A real person answers the phone.") < checks.MAX_GRADE


def test_main_text_leaves_out_the_layout(client):
    html = page_html(client, "/withdrawal")
    text = checks.main_text(html)
    assert "How long does withdrawal last?" in text
    for boilerplate in ("See the steps", "To talk to us any time", "Sources", "Last reviewed", "Skip to main"):
        assert boilerplate not in text


SYLLABLES_OFFLINE = """
import socket, sys
import nltk

def refuse(*args, **kwargs):
    raise AssertionError("network or download attempted")

socket.socket.connect = refuse
socket.create_connection = refuse
nltk.download = refuse
def missing(resource, *args, **kwargs):
    raise LookupError(resource)
nltk.data.find = missing  # as on a fresh machine: no NLTK data installed anywhere
{setup}
print(textstat.flesch_kincaid_grade("Heroin is an opioid. It slows breathing. Naloxone reverses an overdose."))
print(textstat.syllable_count("heroin fire every"))
"""


def run_isolated(setup: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the syllable probe in a fresh interpreter with no NLTK data and no network."""
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    code = textwrap.dedent(SYLLABLES_OFFLINE).replace("{setup}", setup)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_reading_level_needs_no_download(tmp_path):
    result = run_isolated("from tests.content_checks import textstat", tmp_path)
    assert result.returncode == 0, result.stderr
    grade, syllables = result.stdout.split()
    assert float(grade) < 8
    assert int(syllables) == 8  # he-ro-in fi-re ev-er-y per the CMU dictionary (pyphen alone says 5)


def test_plain_textstat_would_try_to_download(tmp_path):
    """The guard above is real: textstat 0.7.x on its own reaches for nltk.download."""
    result = run_isolated("import textstat", tmp_path)
    assert result.returncode != 0
    assert "network or download attempted" in result.stderr


# --- Language and promises ----------------------------------------------------------------------


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_language_is_person_first_and_promises_no_cure_and_no_unsourced_rate(client, path):
    html = page_html(client, path)
    problems = checks.language_problems(html) + checks.safety_problems(html)
    assert problems == [], f"{path}: " + "; ".join(problems)


STIGMATIZING = [
    "Many addicts relapse.",
    "He is a drug abuser.",
    "Don't be a junkie.",
    "Her test came back dirty.",
    "He has been clean for a year.",
    "Substance abuse is common.",
    "Help for drug abuse.",
    "Services for heroin users.",
    "Medication-assisted treatment is offered.",
]
PROMISES = [
    "Addiction cannot be cured.",
    "There is no cure.",
    "We guarantee recovery.",
    "Our program has a 90% success rate.",
    "Eight in 10 people stay sober.",
]


@pytest.mark.parametrize(
    ("lint", "sentence"),
    [(checks.language_problems, s) for s in STIGMATIZING] + [(checks.safety_problems, s) for s in PROMISES],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_lints_catch_stigmatizing_terms_and_promises(lint, sentence):
    assert lint(f"<article><p>{sentence}</p></article>")


def test_language_lint_allows_quoted_names():
    html = (
        "<article><p>Research from the <cite>National Institute on Drug Abuse</cite> "
        "and the book <q>Clean</q> by a journalist.</p></article>"
    )
    assert checks.language_problems(html) == []


# --- Safety -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_page_says_what_to_do_in_an_emergency_in_its_own_words(client, path):
    text = checks.main_text(page_html(client, path))
    assert "911" in text, f"{path}: the page's own text never says to call 911"


def test_a_sourced_figure_is_allowed():
    html = '<article><p>In 2022, <a href="https://www.dea.gov/onepill">DEA</a> found 6 in 10 pills.</p></article>'
    assert checks.safety_problems(html) == []


def test_home_page_frames_addiction_as_chronic_and_treatable(client):
    text = checks.main_text(page_html(client, "/"))
    assert "chronic and treatable" in text
    assert "recovery is possible" in text


def test_overdose_steps_come_before_any_explanation(client):
    tags = checks.own_tags(page_html(client, "/overdose"))
    assert "ol" in tags, "/overdose has no ordered list of steps"
    first_paragraph = tags.index("p") if "p" in tags else len(tags)
    assert tags.index("ol") < first_paragraph, "/overdose explains before it gives the steps"
    before = set(tags[tags.index("article") + 1 : tags.index("ol")])
    assert before <= {"h2"}, f"/overdose: only a heading may come before the steps, found {before}"


def test_insurance_page_lists_the_configured_carriers(app, client):
    app.config["SITE_INSURANCE"] = ["Example Mutual"]
    html = page_html(app.test_client(), "/insurance")
    assert "<li>Example Mutual</li>" in html
    assert "Social Security number" in html


def test_privacy_page_states_the_configured_retention(app):
    app.config.update(RETENTION_DAYS=97, SPAM_RETENTION_DAYS=13)
    text = checks.main_text(page_html(app.test_client(), "/privacy"))
    assert "97 days" in text
    assert "13 days" in text
