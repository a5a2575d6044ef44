"""`flask check-config`: passes with a real production environment, names each missing or demo setting."""

from __future__ import annotations

import pytest

import settings
from tests.conftest import ROOT
from tests.deploy_env import VENV_BIN, flask_in_process, production_env, run

BACKUP = {
    "FLASK_MAIL_BACKUP_SERVER": "smtp.mailgun.org",
    "FLASK_MAIL_BACKUP_USERNAME": "site",
    "FLASK_MAIL_BACKUP_PASSWORD": "x",
}


def test_check_config_passes_with_a_real_production_env(tmp_path):
    result = run([str(VENV_BIN / "flask"), "--app", "app", "check-config"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "Configuration OK"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"FLASK_SECRET_KEY": ""}, "FLASK_SECRET_KEY"),
        ({"FLASK_SECRET_KEY": settings.DEMO_SECRET_KEY}, "FLASK_SECRET_KEY"),
        ({"FLASK_SECRET_KEY": "short"}, "FLASK_SECRET_KEY"),
        ({"FLASK_SITE_PHONE": ""}, "FLASK_SITE_PHONE"),
        ({"FLASK_SITE_PHONE": settings.DEMO_PHONE}, "FLASK_SITE_PHONE"),
        ({"FLASK_STAFF_EMAILS": ""}, "FLASK_STAFF_EMAILS"),
        ({"FLASK_STAFF_EMAILS": "[]"}, "FLASK_STAFF_EMAILS"),
        ({"FLASK_STAFF_EMAILS": "intake@riverbendrecovery.org"}, "FLASK_STAFF_EMAILS"),  # not a JSON list
        ({"FLASK_STAFF_EMAILS": '["intake at riverbend"]'}, "FLASK_STAFF_EMAILS"),
        ({"FLASK_MAIL_SERVER": ""}, "FLASK_MAIL_SERVER"),
        ({"FLASK_MAIL_SERVER": settings.SINK_HOST, "FLASK_MAIL_PORT": str(settings.SINK_PORT)}, "FLASK_MAIL_SERVER"),
        ({"FLASK_MAIL_USE_TLS": "false"}, "FLASK_MAIL_USE_TLS"),
        ({"FLASK_MAIL_USE_SSL": "true"}, "FLASK_MAIL_USE_SSL"),
        ({"FLASK_MAIL_DEFAULT_SENDER": ""}, "FLASK_MAIL_DEFAULT_SENDER"),
        ({"FLASK_MAIL_DEFAULT_SENDER": "website@example.org"}, "FLASK_MAIL_DEFAULT_SENDER"),
        ({"FLASK_MAIL_DEFAULT_SENDER": "alerts@gmail.com"}, "FLASK_MAIL_DEFAULT_SENDER"),
        ({"FLASK_SITE_URL": ""}, "FLASK_SITE_URL"),
        ({"FLASK_SITE_URL": "https://www.example.org"}, "FLASK_SITE_URL"),
        ({"FLASK_SITE_URL": "http://www.riverbendrecovery.org"}, "FLASK_SITE_URL"),
        ({"FLASK_SITE_NAME": ""}, "FLASK_SITE_NAME"),
        ({"FLASK_SITE_NAME": "Example Recovery Center"}, "FLASK_SITE_NAME"),
        ({"FLASK_SITE_ADDRESS": ""}, "FLASK_SITE_ADDRESS"),
        ({"FLASK_SITE_EMAIL": ""}, "FLASK_SITE_EMAIL"),
        ({"FLASK_SITE_EMAIL": "help@example.org"}, "FLASK_SITE_EMAIL"),
        ({"FLASK_PROXY_HOPS": "one"}, "FLASK_PROXY_HOPS"),
        ({"FLASK_RETENTION_DAYS": "0"}, "FLASK_RETENTION_DAYS"),
        ({"FLASK_PRODUCTION": "false"}, "FLASK_PRODUCTION"),
        ({"FLASK_PICKUP_SECONDS": "0"}, "FLASK_PICKUP_SECONDS"),
        ({"FLASK_PICKUP_LINK_DAYS": "-1"}, "FLASK_PICKUP_LINK_DAYS"),
        ({"FLASK_ESCALATION_EMAILS": '["supervisor at riverbend"]'}, "FLASK_ESCALATION_EMAILS"),
        ({"FLASK_ALERT_URLS": '["ntfys://ntfy.sh/topic", "nosuchservice://token"]'}, "FLASK_ALERT_URLS entry 2"),
        # A second route is checked like the first, naming its own settings.
        ({**BACKUP, "FLASK_MAIL_BACKUP_USE_TLS": "false"}, "FLASK_MAIL_BACKUP_USE_TLS"),
        ({**BACKUP, "FLASK_MAIL_BACKUP_USE_SSL": "true"}, "FLASK_MAIL_BACKUP_USE_SSL"),
        (
            {
                **BACKUP,
                "FLASK_MAIL_BACKUP_SERVER": settings.SINK_HOST,
                "FLASK_MAIL_BACKUP_PORT": str(settings.SINK_PORT),
            },
            "FLASK_MAIL_BACKUP_SERVER",
        ),
    ],
)
def test_check_config_fails_on_each_missing_or_demo_setting(tmp_path, overrides, named):
    result = flask_in_process(["check-config"], production_env(tmp_path, **overrides))
    output = result.output
    assert result.exit_code != 0, output
    assert named in output, output
    assert "Traceback" not in output
    assert "Configuration OK" not in output


def test_check_config_lists_every_problem_at_once(tmp_path):
    env = production_env(tmp_path, FLASK_SECRET_KEY="", FLASK_SITE_PHONE="", FLASK_STAFF_EMAILS="")
    result = run([str(VENV_BIN / "flask"), "--app", "app", "check-config"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    lines = [line for line in output.splitlines() if "FLASK_" in line]
    assert len(lines) == 3, output
    assert all(any(name in line for line in lines) for name in ("SECRET_KEY", "SITE_PHONE", "STAFF_EMAILS"))


def test_check_config_in_process(runner, app):
    result = runner.invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "FLASK_PRODUCTION is not true" in result.output and "FLASK_SITE_PHONE" in result.output


def test_check_config_passes_with_a_real_backup_route_and_notices(tmp_path):
    notices = {"FLASK_ALERT_URLS": '["ntfys://ntfy.sh/riverbend-on-call-7f3a", "json://127.0.0.1:9000/hook"]'}
    result = flask_in_process(["check-config"], production_env(tmp_path, **BACKUP, **notices))
    assert result.exit_code == 0 and result.output.strip() == "Configuration OK", result.output


def test_check_config_refuses_the_example_programs_and_about_content(tmp_path):
    """The shipped content/center.toml is made-up: production must not go live with it."""
    shipped = ROOT / "content/center.toml"
    result = flask_in_process(["check-config"], production_env(tmp_path, FLASK_CENTER_FILE=str(shipped)))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if str(shipped) in line]
    assert len(lines) == 2, result.output
    about, programs = lines
    assert (
        "the about content is still the example" in about
        and "2 of 2 licenses" in about
        and "4 of 4 team roles" in about
    )
    assert "the programs are still the examples" in programs
    assert "'Example program, to replace: outpatient care with medicine'" in programs
    assert "Configuration OK" not in result.output


def test_check_config_names_a_low_contrast_colour_and_its_ratio(tmp_path):
    result = run(
        [str(VENV_BIN / "flask"), "--app", "app", "check-config"], production_env(tmp_path, FLASK_SITE_COLOR="#7fb3d5")
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "FLASK_SITE_COLOR #7fb3d5 gives 2.25:1 against white text" in output
    assert "needs 4.5:1" in output and "Traceback" not in output


def test_check_config_names_a_missing_logo(tmp_path):
    missing_logo = tmp_path / "logo.svg"
    result = flask_in_process(["check-config"], production_env(tmp_path, FLASK_SITE_LOGO=str(missing_logo)))
    assert result.exit_code != 0
    assert f"FLASK_SITE_LOGO {missing_logo}: no such file" in result.output
    assert "Traceback" not in result.output


def test_check_config_passes_with_a_real_logo_and_colour(tmp_path):
    from tests import logos

    logo = logos.svg(tmp_path / "logo.svg", approx_bytes=3000)
    env = production_env(tmp_path, FLASK_SITE_LOGO=str(logo), FLASK_SITE_COLOR="#1b5e7a")
    result = flask_in_process(["check-config"], env)
    assert result.exit_code == 0 and result.output.strip() == "Configuration OK", result.output
