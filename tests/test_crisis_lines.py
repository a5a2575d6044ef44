"""The crisis lines are stated once, in crisis.py: every place that shows them follows a change there."""

from __future__ import annotations

import re

import pytest

import crisis

EMERGENCY = crisis.Line("Overdose or emergency", "112", "tel:112")
HELPLINE = crisis.Line("SAMHSA National Helpline (free, 24/7)", "1-800-555-0100", "tel:+18005550100")
SPANISH_TEXT = crisis.Line("Lifeline in Spanish (text)", "741741", "sms:741741?&body=AYUDA")


@pytest.fixture
def changed(monkeypatch):
    """crisis.py with three lines changed, as a center in another country might set them."""
    monkeypatch.setattr(crisis, "EMERGENCY", EMERGENCY)
    monkeypatch.setattr(crisis, "SAMHSA", HELPLINE)
    monkeypatch.setattr(crisis, "LIFELINE_SPANISH_TEXT", SPANISH_TEXT)
    monkeypatch.setattr(crisis, "LINES", (EMERGENCY, crisis.LIFELINE, HELPLINE))


def block(html: str, start: str, end: str) -> str:
    """The part of ``html`` from the first ``start`` to the next ``end``."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def test_the_crisis_strip_follows_crisis_py(client, changed):
    strip = block(client.get("/").get_data(as_text=True), '<aside class="crisis"', "</aside>")
    assert 'Overdose: call <a href="tel:112">112</a>.' in strip
    assert 'Free SAMHSA helpline: <a href="tel:+18005550100">1-800-555-0100</a>.' in strip
    assert '<a href="sms:741741?&amp;body=AYUDA">741741</a>' in strip
    assert "tel:911" not in strip and "662-4357" not in strip and "sms:988" not in strip


def test_the_spanish_crisis_strip_follows_crisis_py(client, changed):
    strip = block(client.get("/es/").get_data(as_text=True), '<aside class="crisis"', "</aside>")
    assert 'Sobredosis: llame al <a href="tel:112">112</a>.' in strip
    assert 'SAMHSA, en español: <a href="tel:+18005550100">1-800-555-0100</a>.' in strip
    assert '<a href="sms:741741?&amp;body=AYUDA">741741</a>' in strip
    assert "tel:911" not in strip and "662-4357" not in strip and "sms:988" not in strip


def test_the_emergency_box_of_every_catalog_page_follows_crisis_py(app, client, changed):
    for page in app.extensions["catalog"].pages:
        html = client.get(page.path).get_data(as_text=True)
        box = block(html, '<aside class="emergency"', "</aside>")
        said = 'llame al <a href="tel:112">112</a> ahora' if page.lang == "es" else 'call <a href="tel:112">112</a> now'
        assert said in box, page.path
        assert "tel:911" not in box, page.path


def test_the_error_page_follows_crisis_py(client, changed):
    main = block(client.get("/no-such-page").get_data(as_text=True), '<main id="main">', "</main>")
    assert 'call <a href="tel:112">112</a> now' in main
    assert "tel:911" not in main


def test_the_thanks_page_lists_the_lines_of_crisis_py(app, client, changed):
    app.config.update(WTF_CSRF_ENABLED=False)
    answers = {"name": "Sam", "phone": "202 555 0123", "contact_method": "call", "message": "Help, please."}
    location = client.post("/contact", data=answers).headers["Location"]
    listed = block(client.get(location).get_data(as_text=True), '<section class="emergency"', "</section>")
    assert re.findall(r"<li>(.*?)</li>", listed) == [
        'Overdose or emergency: <a href="tel:112">112</a>',
        'Suicide &amp; Crisis Lifeline (call or text): <a href="tel:988">988</a>',
        'SAMHSA National Helpline (free, 24/7): <a href="tel:+18005550100">1-800-555-0100</a>',
    ]
