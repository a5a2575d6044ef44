"""The facts a frightened visitor needs, where they need them, in the order that keeps someone alive.

`tests/test_content.py` checks every page's form (sources, grade, words); this module checks what
the pages tell a person to do: the overdose steps, the dangers of today's drug supply, the
medicines' warnings, and that every phone number can be tapped.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

import catalog
import i18n
from tests import content_checks as checks
from tests import phone_checks
from tests.conftest import ROOT, catalog_paths, html_urls, page_html

PAGES = catalog.load(ROOT / "content/pages.toml")

# CONTENT-FACTS.md, "Dates to recheck": the DEA telemedicine rules for buprenorphine run to the end
# of 2026 and Medicaid's work rules start on 1 January 2027, so pages stating either are reviewed
# by then.
RECHECK_TELEHEALTH_AND_MEDICAID_BY = dt.date(2027, 1, 31)


# --- /overdose: the steps ------------------------------------------------------------------------


def test_overdose_steps_support_breathing_before_any_wait(client):
    steps = checks.overdose_steps(page_html(client, "/overdose"))
    assert any(checks.BREATHING_SUPPORT.search(step) for step in steps), "the steps never say how to help them breathe"
    assert checks.wait_before_breathing(steps) == []


def test_a_bare_wait_before_rescue_breathing_is_caught():
    """The check above fires on the order the page had: wait 2 to 3 minutes, then help them breathe."""
    old = [
        "Give naloxone (Narcan) if you have it.",
        "Wait 2 to 3 minutes. If they do not wake up or breathe better, give a second dose.",
        "Help them breathe. Give one breath every 5 seconds. If you know CPR, do CPR.",
    ]
    assert checks.wait_before_breathing(old) == [old[1]]
    assert checks.wait_before_breathing([old[2], old[1]]) == []


def test_overdose_steps_say_what_to_do_at_each_turn(client):
    text = " ".join(checks.overdose_steps(page_html(client, "/overdose")))
    for needed in (
        "911",
        "operator",  # 911 coaches CPR ...
        "training",  # ... and no training is needed
        "naloxone",
        "every 2 to 3 minutes",  # keep dosing ...
        "until they breathe",  # ... judged by breathing, not by waking
        "side",
        "leave",  # on their side first if you must leave them
        "Stay with them",
    ):
        assert needed in text, f"/overdose steps lack {needed!r}"
    assert len(text.split()) <= 240, "the steps must stay short enough to read in an emergency"


def test_overdose_page_says_what_to_do_without_naloxone_and_what_not_to_do(client):
    text = checks.main_text(page_html(client, "/overdose"))
    assert re.search(r"No naloxone\?", text)
    for never in ("bath", "throw up", "inject", "sleep it off"):
        assert never in text, f"/overdose does not warn against: {never}"


def test_overdose_page_says_what_to_expect_when_they_wake(client):
    text = checks.main_text(page_html(client, "/overdose"))
    assert "withdrawal" in text
    assert re.search(r"using (more|again) (now|right away)[^.]*(dangerous|deadly)", text, re.I)


def test_good_samaritan_protection_is_sourced_and_its_limits_stated(client):
    blocks = [b for b in checks.read_blocks(page_html(client, "/overdose")) if "Good Samaritan" in b["text"]]
    assert blocks, "/overdose does not explain Good Samaritan laws"
    assert any(link.startswith("https://") for b in blocks for link in b["links"]), "no source link"
    limits = " ".join(b["text"] for b in checks.read_blocks(page_html(client, "/overdose")))
    for limit in ("warrant", "probation or parole", "selling or sharing"):
        assert limit in limits, f"/overdose does not name the common limit: {limit}"


# --- Today's drug supply --------------------------------------------------------------------------

MUST_SAY = {
    "/overdose": ["xylazine", "medetomidine", "does not reverse", "always give naloxone", "on their side"],
    "/withdrawal": ["medetomidine", "seizures", "pregnant", "precipitated withdrawal", "Fentanyl:"],
    "/heroin-addiction": ["xylazine", "wounds", "10 to 15 grains of salt", "fentanyl alone"],
    "/treatment": ["once a week", "without detox", "counseling", "telehealth", "pregnant", "2024"],
}
HARM_REDUCTION = ["Never Use Alone", "test strips", "does not mean", "free naloxone", "syringe services"]


@pytest.mark.parametrize(("path", "phrases"), MUST_SAY.items())
def test_page_covers_what_a_visitor_needs_today(client, path, phrases):
    text = checks.main_text(page_html(client, path))
    missing = [p for p in phrases if p.lower() not in text.lower()]
    assert missing == [], f"{path} does not say: {missing}"


def test_overdose_page_carries_harm_reduction(client):
    text = checks.main_text(page_html(client, "/overdose"))
    missing = [p for p in HARM_REDUCTION if p.lower() not in text.lower()]
    assert missing == []


def test_withdrawal_page_lists_when_to_go_to_the_emergency_room(client):
    html = page_html(client, "/withdrawal")
    blocks = checks.read_blocks(html)
    heading = next(i for i, b in enumerate(blocks) if b["tag"] == "h2" and "emergency room" in b["text"])
    following = blocks[heading + 1 :]
    end = next((i for i, b in enumerate(following) if b["tag"] == "h2"), len(following))
    joined = " ".join(b["text"] for b in following[:end])
    for sign in ("blood pressure", "heart", "seizure", "vomiting", "confused", "pregnant"):
        assert sign in joined, f"/withdrawal's emergency room list lacks {sign!r}"


def test_withdrawal_is_not_called_rarely_deadly_without_its_exceptions(client):
    blocks = checks.read_blocks(page_html(client, "/withdrawal"))
    for i, block in enumerate(blocks):
        if "rarely deadly" in block["text"]:
            following = " ".join(b["text"] for b in blocks[i : i + 6]).lower()
            for caveat in ("medetomidine", "alcohol", "benzo", "pregnant"):
                assert caveat in following, f"'rarely deadly' is not followed by its caveat: {caveat}"


def test_outdated_fentanyl_figures_are_gone(client):
    text = checks.main_text(page_html(client, "/heroin-addiction"))
    assert "6 in 10" not in text, "the 2022 DEA figure is outdated"
    assert "a few grains of salt" not in text


# --- Naltrexone -------------------------------------------------------------------------------------

NALTREXONE_WARNING = re.compile(r"(stop|miss)[^.]*\b(overdose|dose)\b", re.I)
LOWER_RISK = re.compile(r"\b(lower|less likely|protects?)\b[^.]*\boverdose|\boverdose\b[^.]*\blower\b", re.I)


def naltrexone_problems(html: str) -> list[str]:
    """Naltrexone named among medicines that lower overdose risk, or named without its warning."""
    blocks = checks.read_blocks(html)
    problems = []
    for block in blocks:
        if "naltrexone" in block["text"].lower() and LOWER_RISK.search(block["text"]):
            problems.append(f"naltrexone named with lower overdose risk: {block['text'][:80]}")
    named = [b for b in blocks if "naltrexone" in b["text"].lower() and b["tag"] != "h3"]
    if named and not any(NALTREXONE_WARNING.search(b["text"]) and "naltrexone" in b["text"].lower() for b in named):
        problems.append("naltrexone is named without its overdose warning")
    return problems


@pytest.mark.parametrize("path", catalog_paths("en"))
def test_naltrexone_carries_its_warning_and_no_lower_risk_claim(client, path):
    assert naltrexone_problems(page_html(client, path)) == []


def test_naltrexone_check_can_fail():
    grouped = "<article><p>Methadone, buprenorphine or naltrexone lower the risk of overdose.</p></article>"
    assert naltrexone_problems(grouped)
    unwarned = "<article><p>Naltrexone blocks opioids.</p></article>"
    assert naltrexone_problems(unwarned) == ["naltrexone is named without its overdose warning"]


# --- Phone numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*html_urls(), "/no-such-page"])
def test_every_phone_number_is_a_link_that_dials_what_it_shows(client, url):
    assert phone_checks.phone_problems(client.get(url).get_data(as_text=True)) == []


def test_phone_check_can_fail():
    html = (
        "<body><p>Call 911 or 1-800-662-4357. Chat at 988lifeline.org.</p>"
        '<a href="tel:+18006624358">1-800-662-4357</a> <a href="tel:988">988</a>'
        ' <a href="sms:988?&amp;body=AYUDA">text AYUDA to 988</a></body>'
    )
    problems = phone_checks.phone_problems(html)
    assert len(problems) == 3, problems
    assert "911 is not a tel: link" in problems[0]
    assert "+18006624357 is not a tel: link" in problems[1]
    assert "tel:+18006624358 does not dial what it shows" in problems[2]


# --- Crisis strip, privacy, the new page, review dates ---------------------------------------------


@pytest.mark.parametrize("url", html_urls())
def test_crisis_strip_names_the_helpline_and_988_in_spanish(client, url):
    html = client.get(url).get_data(as_text=True)
    strip = html[html.index('<aside class="crisis"') : html.index("</aside>")]
    assert "SAMHSA" in strip
    assert 'href="sms:988?&amp;body=AYUDA"' in strip
    if i18n.language_of(url) == "es":
        assert "oprima el 2" in strip and "SAMHSA, en español" in strip
        assert 'href="https://988lineadevida.org/"' in strip
    else:
        assert 'href="https://988lifeline.org/"' in strip
        assert re.search(r'<span lang="es">[^<]*(<a [^>]*>[^<]*</a>[^<]*)*AYUDA', strip)


def test_home_names_the_helpline_and_links_988(client):
    html = page_html(client, "/")
    assert 'href="https://988lifeline.org/"' in html.split('<main id="main">')[1].split("</main>")[0]
    assert "SAMHSA National Helpline" in checks.main_text(html)
    assert "AYUDA" in checks.main_text(html)


def test_privacy_page_promises_only_what_the_software_does(client):
    text = checks.main_text(page_html(client, "/privacy"))
    assert "follow the same time limit" not in text
    assert "42 CFR Part 2" in text
    assert re.search(r"mailbox", text)


def test_what_to_expect_is_in_the_catalog_menu_and_sitemap(client):
    page = PAGES.find("/what-to-expect")
    assert page is not None and page.nav, "/what-to-expect is not a catalog page in the menu"
    assert page in PAGES.nav
    assert '<a href="/what-to-expect"' in page_html(client, "/overdose")
    assert "<loc>https://www.example.org/what-to-expect</loc>" in client.get("/sitemap.xml").get_data(as_text=True)


def test_contact_page_links_to_what_to_expect(client):
    """The thanks page's link is checked with the rest of the thanks page in tests/contact/test_send.py."""
    contact = page_html(client, "/contact").split('<main id="main">')[1].split("</main>")[0]
    assert 'href="/what-to-expect"' in contact


@pytest.mark.parametrize("path", catalog_paths())
def test_pages_with_telehealth_or_medicaid_facts_are_reviewed_by_the_recheck_date(client, path):
    text = checks.main_text(page_html(client, path))
    if re.search(r"telehealth|telesalud|telemedicina|Medicaid", text, re.I):
        assert PAGES.find(path).next_review <= RECHECK_TELEHEALTH_AND_MEDICAID_BY
