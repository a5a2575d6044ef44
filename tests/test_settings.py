"""Configuration: layered the Flask way, refused in production while demo values remain."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import settings
from app import create_app
from inquiries import sender
from tests.deploy_env import VENV_BIN, clean_environ, run
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


def test_production_starts_when_every_setting_is_real(make_app):
    app = make_app(**PRODUCTION, TESTING=False)
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
def test_production_refuses_demo_values_naming_the_setting(make_app, override, named):
    with pytest.raises(settings.ConfigError) as excinfo:
        make_app(**{**PRODUCTION, **override}, TESTING=False)
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


# ---------------------------------------------------------------- each value typed once


def test_production_off_is_not_production_for_the_app_or_check_config(monkeypatch, make_app):
    monkeypatch.setenv("FLASK_PRODUCTION", "off")
    app = make_app()
    assert app.config["PRODUCTION"] is False
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert "FLASK_PRODUCTION is not true" in result.output


def test_outbox_worker_no_starts_no_sender_thread(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_OUTBOX_WORKER", "no")
    before = {t for t in threading.enumerate() if t.name == "outbox-sender"}
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.db")})
    try:
        assert app.test_client().get("/").status_code == 200
        started = {t for t in threading.enumerate() if t.name == "outbox-sender"} - before
        assert not started
        assert sender.ensure_started(app) is None  # what serve.site calls in each worker
        assert app.config["OUTBOX_WORKER"] is False
    finally:
        for extension in list(app.extensions.values()):
            if isinstance(extension, sender.Sender):
                extension.stop(5)


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("PRODUCTION", "off", False),
        ("MAIL_USE_SSL", "Yes", True),
        ("OUTBOX_WORKER", "0", False),
        ("OUTBOX_WORKER", "on", True),
        ("MAIL_USE_TLS", "true", True),
        ("MAIL_PORT", "587", 587),
        ("OUTBOX_POLL_SECONDS", "0.5", 0.5),
        ("OUTBOX_POLL_SECONDS", "5", 5),
        ("STAFF_EMAILS", '["intake@center.org"]', ["intake@center.org"]),
        ("STAFF_EMAILS", "", []),  # a blank line of the env file: listed by check-config
        ("SITE_PHONE", "911", "911"),  # JSON reads a number: the setting is text
        ("PROXY_HOPS", "2", 2),
        ("PROXY_HOPS", "", None),  # no default: blank is unset
        ("MAIL_USERNAME", "", None),
        ("MAIL_PASSWORD", "1.50", "1.50"),  # text is kept as typed, not read as a JSON number
        ("MAIL_PASSWORD", "null", "null"),
        ("SITE_NAME", '["Two", "names"]', '["Two", "names"]'),  # text, not a list
        ("MAIL_DEFAULT_SENDER", '["Riverbend", "web@riverbend.org"]', ["Riverbend", "web@riverbend.org"]),
        ("MAIL_DEFAULT_SENDER", "web@riverbend.org", "web@riverbend.org"),
    ],
)
def test_each_environment_value_is_read_as_its_setting_s_type(monkeypatch, tmp_path, name, raw, value):
    monkeypatch.setenv(f"FLASK_{name}", raw)
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "x.db"))
    app = create_app({"TESTING": True, "OUTBOX_WORKER": False} if name != "OUTBOX_WORKER" else {"TESTING": True})
    assert app.config[name] == value
    assert type(app.config[name]) is type(value)


def test_proxy_hops_unset_stays_none():
    config = settings.defaults()
    settings.typed(config)
    assert config["PROXY_HOPS"] is None


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("MAIL_PORT", "abc", "a whole number"),
        ("PROXY_HOPS", "one", "a whole number"),
        ("PRODUCTION", "maybe", "true or false"),
        ("OUTBOX_POLL_SECONDS", "soon", "a number"),
        ("STAFF_EMAILS", "intake@center.org", "a JSON list"),
        ("STAFF_EMAILS", '{"intake": "a@center.org"}', "a JSON list"),
        ("MAIL_DEFAULT_SENDER", '["only a name"]', "an address, or a JSON list"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_setting(monkeypatch, make_app, name, raw, expected):
    monkeypatch.setenv(f"FLASK_{name}", raw)
    with pytest.raises(settings.ConfigError) as excinfo:
        make_app()
    message = excinfo.value.format_message()
    assert message.startswith(f"FLASK_{name} must be {expected}")
    assert message.endswith(f"not {raw!r}.")
    assert "\n" not in message


def test_a_malformed_value_stops_the_flask_command_with_one_line(tmp_path):
    env = {**clean_environ(), "FLASK_MAIL_PORT": "abc", "FLASK_DATABASE": str(tmp_path / "site.db")}
    result = run([str(VENV_BIN / "flask"), "--app", "app", "check-config"], env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["Error: FLASK_MAIL_PORT must be a whole number, not 'abc'."]


def test_settings_import_nothing_above_them():
    """Views and the pipeline read the settings; the settings never import them back."""
    probe = (
        "import sys, settings; print(sorted({m.split('.')[0] for m in sys.modules} & {'app', 'inquiries', 'views'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
