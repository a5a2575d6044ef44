"""Each answer's plain words are stated once, in inquiries/words.py: the staff email (text and
HTML) and the staff tools take their headings and answers from there."""

from __future__ import annotations

import secrets

import pytest

from inquiries import db as dbmod
from inquiries import forms, mailer, store, words

INQUIRY = {
    "name": "Maria Lopez",
    "phone": "+12125550143",
    "email": "maria@example.com",
    "contact_method": "text",
    "voicemail_ok": "no",
    "who": "loved_one",
    "insurance": "Aetna",
    "message": "My son needs help.",
}


def saved_ref(app) -> str:
    """One inquiry saved through the real store; its reference."""
    db = dbmod.connect(dbmod.database_path(app))
    try:
        return store.save_inquiry(db, INQUIRY, submission_key=secrets.token_hex(16), spam_reason=None).ref
    finally:
        db.conn.close()


def staff_email(app, ref: str) -> tuple[str, str]:
    """The staff email for ``ref`` as composed for sending: (text, html)."""
    db = dbmod.connect(dbmod.database_path(app))
    try:
        inquiry = store.get_inquiry(db, ref)
    finally:
        db.conn.close()
    with app.app_context():
        message = mailer.compose(inquiry, f"<inquiry-{ref}@center.test>")
    return message.body, message.html


@pytest.mark.parametrize("field", ["contact_method", "voicemail_ok", "who"])
def test_every_choice_of_the_form_has_words_for_staff_and_for_the_email(field):
    values = {value for value, _label in forms.ContactForm.__dict__[field].args[1]}
    assert set(words.ANSWERS[field]) == values
    assert set(words.EMAIL_ANSWERS[field]) == values


def test_the_email_and_the_staff_tools_say_the_answers_their_own_way_from_one_table(app, runner):
    ref = saved_ref(app)
    text, html = staff_email(app, ref)
    shown = runner.invoke(args=["inquiries", "show", ref]).output
    assert "Best way to reach them: Send a text message" in text
    assert "OK to leave a voicemail: No: do not leave a voicemail" in text
    assert '<th align="left" scope="row">OK to leave a voicemail</th><td>No: do not leave a voicemail</td>' in html
    assert "Best way to reach them: Text message\n" in shown
    assert "OK to leave a voicemail: No\n" in shown


def test_a_heading_changed_in_words_py_changes_the_email_and_the_staff_tools(app, runner, monkeypatch):
    monkeypatch.setitem(words.LABELS, "phone", "Callback number")
    monkeypatch.setitem(words.LABELS, "who", "Who it is for")
    monkeypatch.setitem(words.EMAIL_ANSWERS, "who", {"self": "Them", "loved_one": "A family member or friend"})
    monkeypatch.setitem(words.ANSWERS, "who", {"self": "Them", "loved_one": "Family or friend"})
    ref = saved_ref(app)
    text, html = staff_email(app, ref)
    shown = runner.invoke(args=["inquiries", "show", ref]).output
    assert "Callback number: +12125550143 (tel:+12125550143)" in text
    assert "Who it is for: A family member or friend" in text
    assert '<th align="left" scope="row">Callback number</th>' in html
    assert '<th align="left" scope="row">Who it is for</th><td>A family member or friend</td>' in html
    assert "Callback number: +12125550143" in shown
    assert "Who it is for: Family or friend" in shown
    assert "Phone:" not in text + shown and "Who needs help" not in text + html + shown
