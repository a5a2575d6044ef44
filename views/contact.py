"""The contact page."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("contact", __name__)


@bp.get("/contact")
def form():
    """The contact page."""
    return render_template("contact/page.html")
