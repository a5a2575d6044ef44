"""Configuration: layered the Flask way, refused in production while demo values remain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import settings
from app import create_app
from tests.test_headers import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_SITE_NAME", "Riverbend Recovery")
    monkeypatch.setenv("FLASK_SITE_INSURANCE", '["Acme Health"]')
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "OUTBOX_WORKER": False})
    assert app.config["SITE_INSURANCE"] == ["Acme Health"]
    html = app.test_client().get("/insurance").get_data(as_text=True)
    assert "Riverbend Recovery" in html and "Acme Health" in html


def test_instance_file_is_read(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('SITE_NAME = "Instance Center"\n')
    import flask

    real_init = flask.Flask.__init__

    def with_instance(self, *args, **kwargs):
        kwargs["instance_path"] = str(instance)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(flask.Flask, "__init__", with_instance)
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "OUTBOX_WORKER": False})
    assert app.config["SITE_NAME"] == "Instance Center"


def test_production_starts_when_every_setting_is_real(tmp_path):
    app = create_app({**PRODUCTION, "DATABASE": str(tmp_path / "x.db"), "OUTBOX_WORKER": False})
    assert app.config["PRODUCTION"] is True


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SECRET_KEY": settings.DEMO_SECRET_KEY}, "FLASK_SECRET_KEY"),
        ({"SITE_PHONE": settings.DEMO_PHONE}, "FLASK_SITE_PHONE"),
        ({"STAFF_EMAILS": []}, "FLASK_STAFF_EMAILS"),
        ({"MAIL_DEFAULT_SENDER": "website@example.org"}, "FLASK_MAIL_DEFAULT_SENDER"),
        ({"SITE_URL": "https://www.example.org"}, "FLASK_SITE_URL"),
    ],
)
def test_production_refuses_demo_values_naming_the_setting(tmp_path, override, named):
    with pytest.raises(settings.ConfigError) as excinfo:
        create_app({**PRODUCTION, **override, "DATABASE": str(tmp_path / "x.db"), "OUTBOX_WORKER": False})
    message = str(excinfo.value)
    assert named in message
    assert "\n" not in message


def test_production_refusal_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_PRODUCTION", "true")
    with pytest.raises(settings.ConfigError, match="FLASK_SITE_PHONE"):
        create_app({"DATABASE": str(tmp_path / "x.db")})


def test_readme_settings_table_matches_the_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `FLASK_([A-Z_]+)` \|", readme, flags=re.M))
    assert documented == {s.name for s in settings.SETTINGS}
