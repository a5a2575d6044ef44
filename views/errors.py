"""Friendly error pages that still show the phone and crisis numbers."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    404: ("Page not found", "We could not find that page. It may have moved."),
    405: ("That did not work", "That page cannot be used that way."),
    # The words are still in the visitor's browser: say how to get back to them.
    413: (
        "Message too long",
        "What you sent was too large for us to receive. Press your browser's Back button to "
        "return to your message, make it shorter, and send it again. Or call us.",
    ),
    429: ("Too many tries", "We have had several messages from your connection. Please call us instead."),
    500: ("Something went wrong", "Something went wrong on our side. Please try again, or call us."),
}


def render_error(error: HTTPException):
    """Render an HTTP error as a full page with the crisis numbers."""
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description))
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    """Use the friendly page for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        return render_error(InternalServerError())
