"""The application factory: ``flask --app app …`` and the production server (``serve.py``) start here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask_mail import Mail
from jinja2 import BytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix

import catalog
import center
import crisis
import i18n
import inquiries
import serving
import settings
from inquiries import cli, sender
from views import contact, contact_guards, errors, health, pages, staff


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; each line below is one part of it, in the order they must be installed."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    # Defaults < instance/config.py < FLASK_* environment < test_config, typed; production refusals.
    settings.init_app(app, test_config)
    i18n.init_app(app)  # Flask-Babel: English, and Spanish under /es/

    # Extensions
    inquiries.init_app(app)  # the SQLite file: tables at start, one connection per app context
    Mail(app)  # Flask-Mail: the staff email's default sender
    contact_guards.init_app(app)  # Flask-WTF's CSRF and the contact rate limit (a `limits` storage)
    sender.init_app(app)  # the outbox sender thread, when OUTBOX_WORKER is on
    app.extensions["catalog"] = catalog.load(Path(app.root_path) / "content/pages.toml")
    app.extensions["center"] = center.load(Path(app.root_path) / app.config["CENTER_FILE"])  # /about, /programs

    # Blueprints, and the error pages for everything they don't answer themselves
    for blueprint in (pages.bp, contact.bp, health.bp, staff.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)

    # CLI groups: init-db, outbox …, inquiries …, backup, check-config
    cli.init_app(app)

    # Templates
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.jinja_env.filters["tel"] = tel_href
    app.context_processor(lambda: site_context(app))

    # Middleware, innermost first: ProxyFix (PROXY_HOPS), then serving's security headers, the
    # static assets (its `assets` blueprint: /static/…, /favicon.ico), compression, AtRoot and,
    # outermost, MicroCache (serving/__init__.py says why).
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    serving.init_app(app)
    return app


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, shared by every app built in it.

    Jinja keys each entry by the template's name and a checksum of its source, so an edited
    template is compiled again. A server builds one app per process; the test suite builds
    hundreds, and compiling the layout, the pages and the form for each one cost most of its time.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Fill ``bucket`` from an earlier compile of the same source, if any."""
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        """Keep a fresh compile for the next app."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def tel_href(number: str) -> str:
    """``tel:`` URL for a phone number as people write it: ``+1 555-010-0199`` → ``tel:+15550100199``."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def site_context(app: Flask) -> dict[str, Any]:
    """What every template may use: the site's identity, the pages, the center's own facts and the crisis lines."""
    config = app.config
    site = {key[5:].lower(): value for key, value in config.items() if key.startswith("SITE_")}
    site["url"] = site["url"].rstrip("/")
    return {
        "site": site,
        "catalog": app.extensions["catalog"],
        "center": app.extensions["center"].in_language(i18n.current()),
        "crisis": crisis.context(),
    }
