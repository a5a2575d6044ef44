"""Friendly error pages that still show the phone and crisis numbers, in the URL's language."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

import i18n
from i18n import lazy as _l

MESSAGES = {
    404: (_l("Page not found"), _l("We could not find that page. It may have moved.")),
    405: (_l("That did not work"), _l("That page cannot be used that way.")),
    # The words are still in the visitor's browser: say how to get back to them.
    413: (
        _l("Message too long"),
        _l(
            "What you sent was too large for us to receive. Press your browser's Back button to "
            "return to your message, make it shorter, and send it again. Or call us."
        ),
    ),
    429: (_l("Too many tries"), _l("We have had several messages from your connection. Please call us instead.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Please try again, or call us.")),
}
# Any other refusal on a Spanish page: Werkzeug's own words for it are English only.
OTHER = (_l("That did not work"), _l("We could not do that. Please go back and try again, or call us."))


def render_error(error: HTTPException):
    """Render an HTTP error as a full page with the crisis numbers."""
    code = error.code or 500
    fallback = (error.name, error.description) if i18n.current() == i18n.DEFAULT else OTHER
    title, message = MESSAGES.get(code, fallback)
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    """Use the friendly page for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        return render_error(InternalServerError())
