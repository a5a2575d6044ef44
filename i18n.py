"""The site's two languages: which one a request is in, and Flask-Babel wired to say it.

The language is the URL's: everything under ``/es/`` is Spanish, everything else English. It is
never guessed from ``Accept-Language``, so a page is the same for everyone who asks for its URL
(cacheable by URL) and the visitor's own choice of link is what changes it.

Interface words (buttons, labels, messages) go through gettext, with their Spanish in
``translations/es/LC_MESSAGES/messages.po`` (the README's "Translations" says how to update it);
page prose is written per language in ``templates/pages/`` and ``templates/pages/es/``.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from settings import ConfigError

LANGUAGES = ("en", "es")
DEFAULT = "en"
# The language's own name, as its speakers write it: the switch link's text.
NAMES = {"en": "English", "es": "Español"}
# The staff's name for each language (emails and the CLI are in the staff's English).
STAFF_NAMES = {"en": "English", "es": "Spanish"}
PREFIX = {"en": "", "es": "/es"}
# Each language's home page and contact page: the brand link, the menu's last item, error pages.
HOME = {"en": "/", "es": "/es/"}
CONTACT = {"en": "/contact", "es": "/es/contacto"}
# The compiled Spanish interface words: a page rendered before a change to them is stale.
CATALOG_FILE = "translations/es/LC_MESSAGES/messages.mo"


def language_of(path: str) -> str:
    """The language of the page at ``path``: ``es`` under ``/es/``, else English."""
    return next((lang for lang, prefix in PREFIX.items() if prefix and (path + "/").startswith(prefix + "/")), DEFAULT)


def current() -> str:
    """The language of the request being answered (English outside a request: the CLI, the sender)."""
    return language_of(request.path) if has_request_context() else DEFAULT


def other(lang: str) -> str:
    """The other language of the two."""
    return "es" if lang == "en" else "en"


def language_help_problems(offered: dict) -> list[str]:
    """What is wrong with ``FLASK_SITE_LANGUAGE_HELP``: it says, per language, what the center offers."""
    problems = []
    for lang, text in offered.items():
        if lang not in LANGUAGES:
            problems.append(
                f"FLASK_SITE_LANGUAGE_HELP: {lang!r} is not one of the site's languages ({', '.join(LANGUAGES)})."
            )
        elif not isinstance(text, str) or not text.strip():
            problems.append(
                f"FLASK_SITE_LANGUAGE_HELP: the text for {lang!r} is empty; leave the language out instead."
            )
    return problems


def init_app(app: Flask) -> None:
    """Flask-Babel, choosing the language by URL; templates get ``lang`` and the gettext calls.

    Raises ConfigError for language help promised in a language the site does not speak.
    """
    problems = language_help_problems(app.config["SITE_LANGUAGE_HELP"])
    if problems:
        raise ConfigError(" ".join(problems), problems, heading=None)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=current)
    app.context_processor(template_words)


def template_words() -> dict:
    """What every template knows of the languages: this page's, the other one, their names and homes."""
    lang = current()
    return {"lang": lang, "other_lang": other(lang), "language_names": NAMES, "home_of": HOME, "contact_of": CONTACT}


class LazyWords(LazyString):
    """Flask-Babel's lazy string, escaped like any other text where a template shows it
    (Flask-Babel's own is taken as markup, so an ``&`` or ``<`` in a translation would go out raw)."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy(string: str, **variables) -> LazyWords:
    """``gettext(string, **variables)`` looked up when shown, in that request's language: for words
    fixed at import time (form labels, validators' messages). Import it as ``_l``, the name
    ``make translations`` extracts."""
    return LazyWords(gettext, string, **variables)
