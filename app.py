"""The application factory: ``flask --app app …`` and ``gunicorn 'app:create_app()'`` start here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import catalog
import crisis
import inquiries
import serving
import settings
from inquiries import cli
from views import contact, contact_guards, errors, health, pages


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings (defaults, instance file, ``FLASK_*`` environment, test overrides),
    then extensions, blueprints and CLI commands."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(settings.defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    settings.typed(app.config)

    if app.config["PRODUCTION"]:
        problems = settings.production_problems(app.config)
        if problems:
            raise settings.ConfigError("Refusing to start in production: " + " ".join(problems), problems)
    lease_note = settings.lengthen_short_lease(app.config)
    app.extensions["config_notes"] = [lease_note] if lease_note else []
    if lease_note:
        app.logger.warning(lease_note)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.extensions["catalog"] = catalog.load(Path(app.root_path) / "content/pages.toml")
    inquiries.init_app(app)
    cli.init_app(app)  # every command: init-db, outbox …, inquiries …, backup, check-config
    errors.init_app(app)
    contact_guards.init_app(app)  # CSRF and the contact rate limit
    for blueprint in (pages.bp, contact.bp, health.bp):
        app.register_blueprint(blueprint)

    app.jinja_env.filters["tel"] = tel_href
    app.context_processor(lambda: site_context(app))
    # Security headers, static files, compression, then the WSGI layers AtRoot and (outermost)
    # MicroCache: the order is documented in serving/__init__.py.
    serving.init_app(app)
    return app


def tel_href(number: str) -> str:
    """``tel:`` URL for a phone number as people write it: ``+1 555-010-0199`` → ``tel:+15550100199``."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def site_context(app: Flask) -> dict[str, Any]:
    """What every template may use: the site's identity, the pages and the crisis lines."""
    config = app.config
    site = {key[5:].lower(): value for key, value in config.items() if key.startswith("SITE_")}
    site["url"] = site["url"].rstrip("/")
    return {"site": site, "catalog": app.extensions["catalog"], "crisis": crisis.context()}
