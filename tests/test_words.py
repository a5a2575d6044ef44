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


def as_staff_read_it(app, runner) -> dict[str, str]:
    """A newly saved inquiry as staff get it: the email's text and HTML, and `inquiries show`."""
    ref = saved_ref(app)
    db = dbmod.connect(dbmod.database_path(app))
    try:
        inquiry = store.get_inquiry(db, ref)
    finally:
        db.conn.close()
    with app.app_context():
        message = mailer.compose(inquiry, f"<inquiry-{ref}@center.test>")
    return {"text": message.body, "html": message.html, "show": runner.invoke(args=["inquiries", "show", ref]).output}


def missing(read: dict[str, str], **expected: list[str]) -> list[str]:
    """Each expected piece that is not in its output (``text=[…]``, ``html=[…]``, ``show=[…]``)."""
    return [f"{where}: {piece}" for where, pieces in expected.items() for piece in pieces if piece not in read[where]]


@pytest.mark.parametrize("field", ["contact_method", "voicemail_ok", "who"])
def test_every_choice_of_the_form_has_words_for_staff_and_for_the_email(field):
    values = {value for value, _label in forms.ContactForm.__dict__[field].args[1]}
    assert set(words.ANSWERS[field]) == values
    assert set(words.EMAIL_ANSWERS[field]) == values


def test_the_email_and_the_staff_tools_say_the_answers_their_own_way_from_one_table(app, runner):
    read = as_staff_read_it(app, runner)
    row = '<th align="left" scope="row">OK to leave a voicemail</th><td>No: do not leave a voicemail</td>'
    text = ["Best way to reach them: Send a text message", "OK to leave a voicemail: No: do not leave a voicemail"]
    show = ["Best way to reach them: Text message\n", "OK to leave a voicemail: No\n"]
    assert missing(read, text=text, html=[row], show=show) == []


def test_a_heading_changed_in_words_py_changes_the_email_and_the_staff_tools(app, runner, monkeypatch):
    monkeypatch.setitem(words.LABELS, "phone", "Callback number")
    monkeypatch.setitem(words.LABELS, "who", "Who it is for")
    monkeypatch.setitem(words.EMAIL_ANSWERS, "who", {"self": "Them", "loved_one": "A family member or friend"})
    monkeypatch.setitem(words.ANSWERS, "who", {"self": "Them", "loved_one": "Family or friend"})
    read = as_staff_read_it(app, runner)
    html = ['<th align="left" scope="row">Callback number</th>', "Who it is for</th><td>A family member or friend</td>"]
    text = ["Callback number: +12125550143 (tel:+12125550143)", "Who it is for: A family member or friend"]
    show = ["Callback number: +12125550143", "Who it is for: Family or friend"]
    assert missing(read, text=text, html=html, show=show) == []
    assert "Phone:" not in read["text"] + read["show"]
    assert "Who needs help" not in "".join(read.values())
