"""Filling the contact form the way a visitor would, to the DOM contract in the shared brief."""

from __future__ import annotations

import uuid

VALID = {
    "phone": "(503) 201-4567",
    "email": "sam@example.com",
    "insurance": "Aetna",
    "message": "I would like to talk about treatment for my brother.",
}


def unique_name() -> str:
    """A visitor name no other test uses, to find this test's inquiry and email."""
    return f"Sam Tester {uuid.uuid4().hex[:8]}"


def fill_text(page, name: str, value: str) -> None:
    """Type into a text field, or pick ``value`` (or the first real option) in a select."""
    field = page.locator(f"#{name}")
    if field.evaluate("el => el.tagName") == "SELECT":
        values = field.locator("option").evaluate_all("os => os.map(o => o.value || o.textContent)")
        choice = value if value in values else next(v for v in values if v)
        field.select_option(choice)
    else:
        field.fill(value)


def fill_valid(page, name: str, **overrides: str) -> dict[str, str]:
    """Fill every field with valid answers; returns the text values used."""
    values = {"name": name, **VALID, **overrides}
    for field in ("name", "phone", "email", "insurance", "message"):
        fill_text(page, field, values[field])
    # Radios: call us, voicemail OK, for myself (the first radio of each group has id=NAME).
    for group in ("contact_method", "voicemail_ok", "who"):
        page.locator(f"#{group}").check()
    return values


def text_values(page) -> dict[str, str]:
    """What the visitor sees in each text field right now."""
    return {
        field: page.locator(f"#{field}").input_value() for field in ("name", "phone", "email", "insurance", "message")
    }
