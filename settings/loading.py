"""Loading the settings into an app: defaults, the instance file, the environment, test overrides."""

from __future__ import annotations

from typing import Any

from flask import Flask

from settings.errors import ConfigError
from settings.production import lengthen_short_lease, production_problems
from settings.reading import raw, typed
from settings.table import defaults


def init_app(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config``, each later source overriding the one before: the table's defaults,
    ``instance/config.py``, ``FLASK_*`` environment variables, ``test_config``. Every value is
    then given its type once; in production a setting that would put inquiries at risk stops the
    start (`ConfigError`), and a lease too short for one delivery is lengthened and noted."""
    app.config.from_mapping(defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(loads=raw)
    if test_config:
        app.config.from_mapping(test_config)
    typed(app.config)

    if app.config["PRODUCTION"]:
        problems = production_problems(app.config)
        if problems:
            raise ConfigError("Refusing to start in production: " + " ".join(problems), problems)
    lease_note = lengthen_short_lease(app.config)
    app.extensions["config_notes"] = [lease_note] if lease_note else []
    if lease_note:
        app.logger.warning(lease_note)
