"""Opening a pick-up link and pressing its button as a browser does, and reading what it recorded."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from inquiries import pickup
from tests import html as dom
from tests.staff_data import rows

STAFF = ["intake@center.test", "Night Nurse <nurse@center.test>"]
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def inquiry(app, ref: str) -> dict:
    [row] = rows(app, "SELECT * FROM inquiries WHERE ref = ?", [ref])
    return row


def path_of(url: str) -> str:
    return urlsplit(url).path


def link_path(app, ref: str, address: str = "intake@center.test", **kwargs) -> str:
    token = pickup.make_token(app.config["SECRET_KEY"], inquiry(app, ref), address, **kwargs)
    return pickup.PATH + token


def press(client, path: str, **headers):
    """Open the page as a browser does, then press its button (the form's own CSRF token)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = dom.find(page, "form")
    assert form["method"] == "post" and "action" not in form  # posts back to the link itself
    return client.post(path, data=dom.values(form, "input", type="hidden"), headers=headers)


def picked(app, ref: str) -> tuple[str | None, str | None]:
    row = inquiry(app, ref)
    return row["picked_up_by"], row["picked_up_at"]


def assert_private_page(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert dom.find(response, "meta", name="robots")["content"] == "noindex"
    cookies = response.headers.getlist("Set-Cookie")
    assert all(cookie.startswith("session=") for cookie in cookies), cookies  # the CSRF token's, nothing else
