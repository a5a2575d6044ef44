"""A valid contact form and the helpers that send it, shared by the contact tests."""

from __future__ import annotations

from inquiries.db import connect
from tests import html as dom

VALID = {
    "name": "Sam",
    "phone": "202 555 0123",
    "email": "",
    "contact_method": "call",
    "voicemail_ok": "no",
    "who": "loved_one",
    "insurance": "Aetna",
    "message": "My brother needs help.",
}
HTMX = {"HX-Request": "true"}


def contact_app(make_app, *, csrf: bool):
    """An app from ``make_app`` with a generous rate limit, so each test checks one thing."""
    return make_app(WTF_CSRF_ENABLED=csrf, CONTACT_RATE_LIMIT="100000 per hour")


def hidden_fields(client) -> dict[str, str]:
    """The hidden inputs of a freshly shown form (key, timer, token), as a browser would send them."""
    return dom.values(client.get("/contact"), "input", type="hidden")


def post(client, headers=None, **changes):
    """POST the contact form: a valid inquiry with ``changes`` applied."""
    return client.post("/contact", data={**hidden_fields(client), **VALID, **changes}, headers=headers or {})


def rows(app, table="inquiries"):
    db = connect(app.config["DATABASE"])
    try:
        return list(db[table].rows)
    finally:
        db.conn.close()


def field_element(html: str, name: str) -> dom.Element:
    """The ``<div class="field" id="field-NAME">…</div>`` of one field."""
    wrapper = dom.find(html, "div", id=f"field-{name}")
    assert wrapper["class"].split()[0] == "field", wrapper
    return wrapper


def field_wrapper(html: str, name: str) -> str:
    """The ``<div class="field" id="field-NAME">…</div>`` of one field, exactly as rendered."""
    return field_element(html, name).source
