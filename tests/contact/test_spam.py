"""The contact form's spam defences and limits: nothing a person sends is lost, nothing reaches the logs."""

from __future__ import annotations

import logging
import time

import pytest

from tests import html as dom
from tests.contact_data import HTMX, VALID, hidden_fields, post, rows


def test_filled_honeypot_is_stored_with_its_reason_but_not_emailed(client, app):
    response = post(client, website_url="http://spam.example")
    assert response.status_code == 303  # the sender sees the normal confirmation
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    [row] = rows(app)
    assert row["spam_reason"] == "honeypot filled" and row["emailed"] == 0
    assert rows(app, "outbox") == []


def test_a_form_sent_too_fast_is_flagged_but_still_emailed(client, app):
    app.config["CONTACT_MIN_SECONDS"] = 60
    assert post(client).status_code == 303
    [row] = rows(app)
    assert row["spam_reason"].startswith("possible spam: sent") and row["emailed"] == 1
    assert len(rows(app, "outbox")) == 1


def test_a_forged_or_missing_timer_is_flagged_but_still_emailed(client, app):
    assert post(client, rendered_at="MTc5.forged").status_code == 303
    assert client.post("/contact", data={**VALID, "submission_key": "k" * 20}).status_code == 303
    assert [r["spam_reason"] for r in rows(app)] == ["possible spam: form timer missing or forged"] * 2
    assert len(rows(app, "outbox")) == 2


def test_a_person_who_took_their_time_is_not_flagged(client, app, monkeypatch):
    hidden = hidden_fields(client)
    later = time.time() + app.config["CONTACT_TOKEN_SECONDS"] - 60  # hours later, the form still good
    monkeypatch.setattr("inquiries.spam.time.time", lambda: later)
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303
    assert rows(app)[0]["spam_reason"] is None


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_expired_timer_is_not_spam_but_a_second_chance_with_every_word(client, app, monkeypatch, headers):
    app.config["CONTACT_MIN_SECONDS"] = 60
    hidden = hidden_fields(client)
    later = time.time() + app.config["CONTACT_TOKEN_SECONDS"] + 60
    monkeypatch.setattr("inquiries.spam.time.time", lambda: later)
    data = {**hidden, **VALID, "message": "Words I must not lose <3"}
    response = client.post("/contact", data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == (200 if headers else 400)
    assert "this form expires after a while" in html and "please press Send again" in html
    assert dom.text_of(html, "textarea", name="message") == "Words I must not lose <3"
    assert "Words I must not lose &lt;3</textarea>" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"
    kept = dom.values(html, "input", type="hidden")
    assert kept["submission_key"] == hidden["submission_key"]
    assert rows(app) == [] and rows(app, "outbox") == []
    fresh = kept["rendered_at"]
    assert fresh
    assert fresh != hidden["rendered_at"]
    # Pressing Send again at once is a person who has spent long on the form, not a fast robot.
    assert client.post("/contact", data={**data, "rendered_at": fresh}, headers=headers).status_code in (200, 303)
    [row] = rows(app)
    assert row["spam_reason"] is None and row["message"] == "Words I must not lose <3"
    assert len(rows(app, "outbox")) == 1


def test_rate_limit_keeps_the_words_and_shows_the_phone(app, client):
    app.config["CONTACT_RATE_LIMIT"] = "2 per hour"
    assert post(client, name="").status_code == 422  # mistakes do not use up the limit
    assert post(client).status_code == 303
    assert post(client, contact_method="text").status_code == 303
    response = post(client, message="Please call me about my son")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert dom.text_of(html, "textarea", name="message") == "Please call me about my son"
    assert 'href="tel:+15550100199"' in html and "several messages from your connection" in html
    assert html.count("<title>Error: ") == 1
    assert len(rows(app)) == 2
    by_htmx = post(client, headers=HTMX)
    assert by_htmx.status_code == 429 and "<html" not in by_htmx.get_data(as_text=True)


def test_huge_body_gets_a_friendly_413(client, app):
    response = client.post("/contact", data={**VALID, "message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Back button" in html and 'href="tel:+15550100199"' in html
    by_htmx = client.post("/contact", data={**VALID, "message": "x" * 70_000}, headers=HTMX)
    assert by_htmx.status_code == 413
    assert by_htmx.headers["HX-Retarget"] == "#send-status"
    assert "still here" in by_htmx.get_data(as_text=True)
    assert rows(app) == []


def test_form_contents_never_reach_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    post(client, name="Ellery Secretname", message="unique-words-about-relapse")
    post(client, name="", message="unique-words-about-relapse")
    client.post("/contact/validate/name", data={"name": "Ellery Secretname"}, headers=HTMX)
    assert "Secretname" not in caplog.text and "relapse" not in caplog.text
