"""The contact form in Spanish (/es/contacto): every word a visitor reads is Spanish, from the labels
to the refusals and the thanks page, while what they typed comes back exactly as they typed it.

The English form is the same views and templates: the last tests check that it has not changed.
"""

from __future__ import annotations

import io
import re

import itsdangerous
import pytest

from inquiries import store
from inquiries.forms import ContactForm
from tests import html as dom
from tests.contact_data import HTMX, contact_app, rows
from tests.test_translations import english_words

# What a Spanish speaker might type, with everything that must survive a round trip untouched.
WORDS = {
    "name": "José Ñúñez-O'Brien",
    "phone": "(202) 555-0123",
    "email": "",
    "contact_method": "call",
    "voicemail_ok": "no",
    "who": "loved_one",
    "insurance": "Seguro Médico <Popular> & Cía.",
    "message": "Mi hermano necesita ayuda <ya> & rápido — ¿me pueden llamar después de las 6?",
}
THANKS = re.compile(r"/es/contacto/gracias/[2-9A-Z]{4}-[2-9A-Z]{4}")


@pytest.fixture
def app(make_app):
    """CSRF off: these tests are about the words (the CSRF tests below turn it on)."""
    return contact_app(make_app, csrf=False)


def spanish_hidden(client) -> dict[str, str]:
    return dom.values(client.get("/es/contacto"), "input", type="hidden")


def summary(html: str) -> list[str]:
    """The error summary's messages, in order."""
    return [item.text for item in dom.find(html, "div", id="error-summary").find_all("li")]


def assert_words_kept(html: str, words: dict[str, str]) -> None:
    """Every answer on the page again, exactly as typed."""
    for name in ("name", "phone", "email", "insurance"):
        assert dom.find(html, "input", name=name).get("value", "") == words[name], name
    assert dom.text_of(html, "textarea", name="message").lstrip("\r\n") == words["message"]
    for name in ("contact_method", "voicemail_ok", "who"):
        checked = [e["value"] for e in dom.find_all(html, "input", name=name) if "checked" in e]
        assert checked == (
            [words[name]] if words[name] in ("call", "text", "email", "yes", "no", "self", "loved_one") else []
        )


def assert_spanish_page(app, html: str) -> None:
    assert '<html lang="es">' in html
    assert english_words(html, app.config) == []


# --- The page --------------------------------------------------------------------------------------


def test_the_spanish_page_is_the_form_in_spanish_posting_to_spanish_urls(app, client):
    response = client.get("/es/contacto")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert_spanish_page(app, html)
    form = dom.find(html, "form", id="contact-form")
    assert (form["action"], form["data-hx-post"]) == ("/es/contacto", "/es/contacto")
    for name in store.FIELDS:
        assert dom.find(html, "div", id=f"field-{name}")["data-hx-post"] == f"/es/contacto/validar/{name}"
    labels = {label["for"]: label.text for label in dom.find_all(html, "label")}
    assert labels["name"] == "Su nombre" and labels["phone"] == "Número de teléfono"
    assert (
        labels["contact_method-text"] == "Envíenme un mensaje de texto" and labels["who-loved_one"] == "Un ser querido"
    )
    assert dom.find_all(html, "legend")[0].text == "¿Cómo quiere que nos comuniquemos con usted?"
    assert "Hasta 2,000 caracteres." in dom.text_of(html, "p", id="message-hint")
    send = dom.find(html, "button", id="send")
    assert (send.text, send["data-send"], send["data-sending"]) == ("Enviar", "Enviar", "Enviando…")
    status = dom.find(html, "p", id="send-status")
    assert status["data-sending"] == "Enviando…" and "vuelva a oprimir Enviar" in status["data-failed"]
    assert dom.text_of(html, "title").startswith("Contáctenos | ")
    assert dom.find(html, "link", rel="canonical")["href"] == "https://www.example.org/es/contacto"
    # Its links lead to the Spanish pages: what to expect, the privacy notice.
    pages = app.extensions["catalog"]
    links = [a["href"] for a in dom.find(html, "main").find_all("a")]
    for english in ("/what-to-expect", "/privacy"):
        assert pages.find(english).twin("es") in links and english not in links


def test_both_contact_pages_name_each_other_as_alternates_and_switch(client):
    for url, other, other_lang in (("/contact", "/es/contacto", "es"), ("/es/contacto", "/contact", "en")):
        html = client.get(url).get_data(as_text=True)
        alternates = {link["hreflang"]: link["href"] for link in dom.find_all(html, "link", rel="alternate")}
        assert alternates == {
            "en": "https://www.example.org/contact",
            "x-default": "https://www.example.org/contact",
            "es": "https://www.example.org/es/contacto",
        }
        switch = dom.find(html, "a", class_="switch")
        assert (switch["href"], switch["hreflang"]) == (other, other_lang)


def test_contact_js_takes_the_buttons_words_from_the_page():
    from tests.conftest import ROOT

    script = (ROOT / "static/contact.js").read_text(encoding="utf-8")
    assert '"Sending…"' not in script and '"Send"' not in script
    assert 'getAttribute(sending ? "data-sending" : "data-send")' in script


# --- Sending without JavaScript ---------------------------------------------------------------------


def test_a_spanish_submission_with_mistakes_is_answered_in_spanish_keeping_every_word_then_succeeds(app, client):
    hidden = spanish_hidden(client)
    wrong = {**WORDS, "phone": "12345", "contact_method": "", "voicemail_ok": "quizás", "insurance": "Ñ" * 101}
    response = client.post("/es/contacto", data={**hidden, **wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_spanish_page(app, html)
    assert dom.text_of(html, "title").startswith("Error: Contáctenos | ")
    assert dom.text_of(html, "h2", id="error-summary-title") == "Hay un problema"
    assert summary(html) == [
        "Escriba un número de teléfono con su código de área, por ejemplo 202 555 0123",
        "Elija cómo quiere que nos comuniquemos con usted",
        "Elija una de las opciones",
        "Compañía de seguros: use 100 caracteres o menos",
    ]
    error = dom.find(html, "p", id="phone-error")
    assert error.find("span", class_="visually-hidden").text == "Error:"
    assert_words_kept(html, wrong)
    assert "Mi hermano necesita ayuda &lt;ya&gt; &amp; rápido" in html  # escaped, not dropped
    assert rows(app) == []

    # They fix what was asked, from the page they were given: the hidden key and timer come back.
    again = {**dom.values(html, "input", type="hidden"), **WORDS}
    sent = client.post("/es/contacto", data=again)
    assert sent.status_code == 303 and THANKS.fullmatch(sent.headers["Location"])
    [row] = rows(app)
    assert row["language"] == "es"
    assert {name: row[name] for name in ("name", "insurance", "message")} == {
        name: WORDS[name] for name in ("name", "insurance", "message")
    }
    assert row["phone"] == "+1 202-555-0123"  # parsed exactly as the English form parses it

    thanks = client.get(sent.headers["Location"])
    page = thanks.get_data(as_text=True)
    assert thanks.status_code == 200
    assert_spanish_page(app, page)
    assert dom.text_of(page, "h1") == "Gracias: recibimos su mensaje"
    assert dom.text_of(page, "strong", id="ref") == row["ref"]
    assert "Una persona de nuestro equipo le devolverá la llamada." in page
    assert "oprima el 2" in page and "AYUDA" in page and "1-800-662-4357" in page
    assert "José" not in page and "hermano" not in page
    alternates = {link["hreflang"]: link["href"] for link in dom.find_all(page, "link", rel="alternate")}
    assert alternates["en"] == f"https://www.example.org/contact/thanks/{row['ref']}"
    assert alternates["es"] == f"https://www.example.org/es/contacto/gracias/{row['ref']}"
    assert dom.find(page, "a", class_="switch")["href"] == f"/contact/thanks/{row['ref']}"
    assert any(a["href"] == "/es/" for a in dom.find(page, "main").find_all("a"))


def test_every_message_the_spanish_form_can_give_is_spanish(app, client):
    tries = [
        {"name": "", "phone": "", "email": "", "contact_method": "", "message": ""},
        {"contact_method": "email", "email": ""},
        {"contact_method": "text", "phone": ""},
        {"email": "no es un correo", "phone": "555"},
        {"email": "a%b@example.com"},
        {"name": "x" * 101, "phone": "1" * 41, "message": "x" * 2001, "who": "nadie"},
    ]
    for changes in tries:
        html = client.post("/es/contacto", data={**spanish_hidden(client), **WORDS, **changes}).get_data(as_text=True)
        assert summary(html), changes
        assert_spanish_page(app, html)


def test_wtforms_own_messages_come_in_spanish_on_a_spanish_request(app):
    """None of WTForms' built-in messages reaches a visitor (each rule carries ours), but if one
    did it would be Spanish: Flask-WTF hands WTForms the request's language."""
    with app.test_request_context("/es/contacto", method="POST", data={"who": "nadie"}):
        form = ContactForm()
        assert form.meta.get_translations(form).gettext("Not a valid choice.") == "Opción inválida."
        assert form.meta.get_translations(form).gettext("This field is required.") == "Este campo es obligatorio."
    with app.test_request_context("/contact", method="POST"):
        form = ContactForm()
        assert form.meta.get_translations(form).gettext("Not a valid choice.") == "Not a valid choice."


# --- With htmx ----------------------------------------------------------------------------------------


def test_the_htmx_field_check_answers_in_spanish(client):
    response = client.post("/es/contacto/validar/email", data={**WORDS, "email": "nada"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    wrapper = dom.find(html, "div", id="field-email")
    assert wrapper["data-hx-post"] == "/es/contacto/validar/email"
    assert dom.find(html, "label").text == "Correo electrónico"
    error = dom.find(html, "p", id="email-error")
    assert error.text == "Error: Escriba un correo electrónico como nombre@ejemplo.com"
    assert dom.find(html, "input", name="email")["value"] == "nada"
    fixed = client.post("/es/contacto/validar/email", data={**WORDS, "email": "jose@example.com"}, headers=HTMX)
    assert 'class="error"' not in fixed.get_data(as_text=True)


def test_the_htmx_field_check_of_an_unknown_field_is_a_spanish_404(app, client):
    response = client.post("/es/contacto/validar/nada", data=WORDS, headers=HTMX)
    assert response.status_code == 404
    assert_spanish_page(app, response.get_data(as_text=True))


def test_the_htmx_whole_form_re_render_is_spanish_and_keeps_every_word(client):
    wrong = {**WORDS, "name": "", "message": "Necesito ayuda con el fentanilo & la heroína"}
    response = client.post("/es/contacto", data={**spanish_hidden(client), **wrong}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert dom.text_of(html, "title").startswith("Error: Contáctenos | ")
    assert summary(html) == ["Escriba su nombre"]
    assert dom.find(html, "form", id="contact-form")["action"] == "/es/contacto"
    assert english_words(f"<body>{html}</body>", {"SITE_NAME": "", "SITE_ADDRESS": "", "SITE_EMAIL": ""}) == []
    assert_words_kept(html, wrong)


def test_the_htmx_thanks_is_spanish(app, client):
    response = client.post("/es/contacto", data={**spanish_hidden(client), **WORDS}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#main"
    assert dom.text_of(html, "h1") == "Gracias: recibimos su mensaje"
    assert dom.text_of(html, "title").startswith("Gracias | ")
    assert [row["language"] for row in rows(app)] == ["es"]


# --- Refusals ---------------------------------------------------------------------------------------


def test_an_expired_or_missing_token_on_the_spanish_form_is_answered_in_spanish_with_every_word(make_app, monkeypatch):
    app = contact_app(make_app, csrf=True)
    client = app.test_client()
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: real(self) - app.config["CONTACT_TOKEN_SECONDS"] - 60,
    )
    hidden = spanish_hidden(client)
    monkeypatch.undo()
    response = client.post("/es/contacto", data={**hidden, **WORDS})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_spanish_page(app, html)
    assert "Por su seguridad, este formulario vence después de un tiempo." in html
    assert dom.text_of(html, "title").startswith("Error: Contáctenos | ")
    assert_words_kept(html, WORDS)
    fresh = dom.values(html, "input", type="hidden")
    assert client.post("/es/contacto", data={**fresh, **WORDS}).status_code == 303
    # One field's check with a stale token: the field as typed, in Spanish, judged on Send.
    field = client.post("/es/contacto/validar/email", data={**WORDS, "email": "nada"}, headers=HTMX)
    assert field.status_code == 200 and dom.find(field.get_data(as_text=True), "label").text == "Correo electrónico"


def test_the_rate_limit_on_the_spanish_form_is_answered_in_spanish_with_every_word(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, CONTACT_RATE_LIMIT="1 per hour")
    client = app.test_client()
    assert client.post("/es/contacto", data={**spanish_hidden(client), **WORDS}).status_code == 303
    second = {**WORDS, "message": "Otra vez yo: ¿me llaman hoy? <por favor>"}
    response = client.post("/es/contacto", data={**spanish_hidden(client), **second})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert_spanish_page(app, html)
    assert "Recibimos varios mensajes desde su conexión" in html and 'href="tel:+15550100199"' in html
    assert_words_kept(html, second)
    by_htmx = client.post("/es/contacto", data={**spanish_hidden(client), **second}, headers=HTMX)
    assert by_htmx.status_code == 429 and "Recibimos varios mensajes" in by_htmx.get_data(as_text=True)


def test_too_large_on_the_spanish_form_is_answered_in_spanish(app):
    client = app.test_client()
    body = {**WORDS, "message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    page = client.post("/es/contacto", data=body)
    html = page.get_data(as_text=True)
    assert page.status_code == 413
    assert_spanish_page(app, html)
    assert dom.text_of(html, "h1") == "Mensaje demasiado largo" and "botón Atrás" in html
    # With htmx the form stays on screen as it is (the words never leave it): a note by the button.
    note = client.post("/es/contacto", data=body, headers=HTMX)
    text = note.get_data(as_text=True)
    assert (note.status_code, note.headers["HX-Retarget"]) == (413, "#send-status")
    assert text.startswith(
        "<strong>Su mensaje es demasiado largo para enviarlo.</strong> Todo lo que escribió sigue aquí"
    )
    assert english_words(f"<body>{text}</body>", {"SITE_NAME": "", "SITE_ADDRESS": "", "SITE_EMAIL": ""}) == []


def test_a_file_sent_to_the_spanish_form_is_refused_in_spanish_with_every_word(app, client):
    data = {**spanish_hidden(client), **WORDS, "adjunto": (io.BytesIO(b"%PDF-1.4"), "informe.pdf")}
    response = client.post("/es/contacto", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_spanish_page(app, html)
    assert "No podemos recibir archivos por este formulario" in html
    assert_words_kept(html, WORDS)
    assert rows(app) == []


# --- Error pages ------------------------------------------------------------------------------------


def test_error_pages_under_es_are_spanish_and_lead_to_the_spanish_home_and_contact(make_app):
    app = make_app()

    @app.get("/es/falla-de-prueba")
    def broken():
        raise RuntimeError("a bug")

    client = app.test_client()
    answers = {
        404: client.get("/es/no-existe"),
        405: client.put("/es/contacto"),
        500: client.get("/es/falla-de-prueba"),
        413: client.post("/es/contacto", data={"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}),
    }
    titles = {
        404: "No encontramos la página",
        405: "No se pudo hacer",
        500: "Algo salió mal",
        413: "Mensaje demasiado largo",
    }
    for code, response in answers.items():
        html = response.get_data(as_text=True)
        assert response.status_code == code
        assert_spanish_page(app, html)
        assert dom.text_of(html, "h1") == titles[code]
        links = [a["href"] for a in dom.find(html, "main").find_all("a")]
        assert "/es/" in links and "/es/contacto" in links and "tel:911" in links, code


def test_a_429_page_under_es_is_spanish(app):
    from werkzeug.exceptions import TooManyRequests

    from views import errors

    with app.test_request_context("/es/contacto"):
        html, code = errors.render_error(TooManyRequests())
    assert code == 429 and dom.text_of(html, "h1") == "Demasiados intentos"
    assert english_words(html, app.config) == []


# --- The English form is as it was ------------------------------------------------------------------


def test_the_english_form_is_unchanged(app, client):
    page = client.get("/contact").get_data(as_text=True)
    assert '<html lang="en">' in page and dom.find(page, "form", id="contact-form")["action"] == "/contact"
    assert dom.find(page, "div", id="field-name")["data-hx-post"] == "/contact/validate/name"
    assert dom.text_of(page, "button", id="send") == "Send"
    wrong = {**WORDS, "phone": "12345", "contact_method": "", "voicemail_ok": "maybe", "insurance": "x" * 101}
    hidden = dom.values(page, "input", type="hidden")
    html = client.post("/contact", data={**hidden, **wrong}).get_data(as_text=True)
    assert dom.text_of(html, "title").startswith("Error: Contact us | ")
    assert summary(html) == [
        "Enter a phone number with its area code, like 202 555 0123",
        "Choose how we should reach you",
        "Choose one of the options",
        "Insurance company must be 100 characters or fewer",
    ]
    assert dom.find(html, "p", id="phone-error").find("span").text == "Error:"
    sent = client.post("/contact", data={**hidden, **WORDS})
    assert re.fullmatch(r"/contact/thanks/[2-9A-Z]{4}-[2-9A-Z]{4}", sent.headers["Location"])
    assert [row["language"] for row in rows(app)] == ["en"]
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert dom.text_of(thanks, "h1") == "Thank you: we have your message" and "24 hours a day" in thanks
