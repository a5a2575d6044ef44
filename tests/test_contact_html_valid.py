"""Every state of the contact form is a valid HTML page too: errors, refusals and the thanks page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import html as dom
from tests.contact_data import VALID
from tests.test_html_valid import vnu_problems


@pytest.fixture
def app(make_app):
    return make_app(CONTACT_RATE_LIMIT="1 per hour")


def contact_states(client, app, form_url: str = "/contact") -> dict[str, bytes]:
    """The HTML of each state a visitor can land on, by a short name (on the form at ``form_url``)."""
    hidden = dom.values(client.get(form_url), "input", type="hidden")
    answers = {
        "errors": client.post(form_url, data={**hidden, "name": "", "email": "x@", "contact_method": "fax"}),
        "csrf_expired": client.post(form_url, data={**VALID, "csrf_token": "old"}),
        "sent": client.post(form_url, data={**hidden, **VALID}),
        "rate_limited": client.post(form_url, data={**hidden, **VALID, "submission_key": "another-key-123456"}),
        "too_large": client.post(form_url, data={**VALID, "message": "x" * app.config["MAX_CONTENT_LENGTH"]}),
    }
    assert [r.status_code for r in answers.values()] == [422, 400, 303, 429, 413]
    answers["thanks"] = client.get(answers.pop("sent").headers["Location"])
    assert answers["thanks"].status_code == 200
    return {name: response.data for name, response in answers.items()}


@pytest.mark.parametrize("form_url", ["/contact", "/es/contacto"])
def test_every_contact_state_is_valid_html(app, client, tmp_path: Path, form_url):
    pages = {f"contact_{name}": html for name, html in contact_states(client, app, form_url).items()}
    assert vnu_problems(pages, tmp_path) == []
