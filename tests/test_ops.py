"""Production set-up: the env file as shipped and as filled in, and the systemd units that run the site and its jobs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import settings
from tests.conftest import needs
from tests.deploy_env import (
    DEPLOY,
    ENV_EXAMPLE,
    PROJECT_ON_SERVER,
    VENV_BIN,
    clean_environ,
    filled_env_text,
    read_env_file,
    run,
    unit_commands,
    unit_settings,
)


def test_env_example_has_every_setting():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert re.search(rf"^#? ?FLASK_{setting.name}=", text, flags=re.M), f"FLASK_{setting.name} missing"
    assert re.search(r"^FLASK_PRODUCTION=true$", text, flags=re.M)


def test_env_example_as_shipped_fails_check_config_naming_each_blank(tmp_path):
    env = {**clean_environ(), "ENV_FILE": str(ENV_EXAMPLE), "FLASK_DATABASE": str(tmp_path / "site.db")}
    result = run([str(DEPLOY / "manage"), "check-config"], {**env, "PATH": f"{VENV_BIN}:{env['PATH']}"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for blank in ("SECRET_KEY", "SITE_URL", "SITE_NAME", "SITE_PHONE", "STAFF_EMAILS", "MAIL_SERVER"):
        assert f"FLASK_{blank}" in output, output


def test_manage_wrapper_reads_the_filled_env_file_like_systemd(tmp_path):
    env_file = tmp_path / "recovery-site.env"
    env = {**clean_environ(), "ENV_FILE": str(env_file)}
    (tmp_path / "data").mkdir()
    env_file.write_text(filled_env_text({"FLASK_DATABASE": str(tmp_path / "data" / "site.db")}), encoding="utf-8")
    result = run([str(DEPLOY / "manage"), "check-config"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration OK" in result.stdout
    # sh and systemd read the quoted JSON list the same way
    assert read_env_file(env_file)["FLASK_STAFF_EMAILS"].startswith('["intake@')


def test_site_unit_checks_the_config_then_runs_the_launcher():
    commands = unit_commands("recovery-site.service")
    (pre,) = commands["ExecStartPre"]
    (start,) = commands["ExecStart"]
    assert pre[1:] == ["--app", "app", "check-config"]
    assert Path(start[0]).name == "python" and start[1:] == ["serve.py"]  # as `make run` and tests/servers.py
    unit = unit_settings("recovery-site.service")
    assert unit["EnvironmentFile"] == "/etc/recovery-site.env"
    assert unit["WorkingDirectory"] == PROJECT_ON_SERVER
    assert unit["User"] != "root" and unit["UMask"] == "0077"
    assert unit["ReadWritePaths"].split() == [f"{PROJECT_ON_SERVER}/data"]


@pytest.mark.parametrize(
    ("unit", "args"),
    [
        ("recovery-backup.service", ["backup", "/var/backups/recovery-site", "--prune"]),
        ("recovery-purge.service", ["inquiries", "purge"]),
        ("recovery-outbox.service", ["outbox", "work"]),
    ],
)
def test_job_units_run_the_documented_commands(unit, args):
    (start,) = unit_commands(unit)["ExecStart"]
    assert Path(start[0]).name == "flask" and start[1:3] == ["--app", "app"] and start[3:] == args
    timer = DEPLOY / unit.replace(".service", ".timer")
    if unit != "recovery-outbox.service":
        text = timer.read_text(encoding="utf-8")
        assert "OnCalendar=" in text and "Persistent=true" in text


@needs("systemd-analyze")
def test_units_pass_systemd_analyze_verify():
    units = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
    result = subprocess.run(
        ["systemd-analyze", "verify", *[f"./{u}" for u in units]],
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The only complaint allowed: the venv is not at /srv/recovery-site on this machine.
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line and "/srv/recovery-site" not in line
    ]
    assert complaints == []


HARDENING = (
    "User",
    "UMask",
    "NoNewPrivileges",
    "PrivateTmp",
    "PrivateDevices",
    "ProtectSystem",
    "ProtectHome",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectControlGroups",
    "RestrictAddressFamilies",
    "RestrictNamespaces",
    "RestrictRealtime",
    "LockPersonality",
)


def test_replica_unit_runs_the_replicator_beside_the_site_never_in_front_of_it():
    (start,) = unit_commands("recovery-replica.service")["ExecStart"]
    assert Path(start[0]).name == "flask" and start[1:] == ["--app", "app", "replica", "run"]
    replica, site = unit_settings("recovery-replica.service"), unit_settings("recovery-site.service")
    assert replica["Restart"] == "always"
    assert replica["EnvironmentFile"] == site["EnvironmentFile"] and replica["WorkingDirectory"] == PROJECT_ON_SERVER
    assert {k: replica[k] for k in HARDENING} == {k: site[k] for k in HARDENING}
    paths = replica["ReadWritePaths"].split()
    assert paths[0] == f"{PROJECT_ON_SERVER}/data" and paths[1:] == ["-/var/lib/recovery-replica"]
    site_text = (DEPLOY / "recovery-site.service").read_text(encoding="utf-8")
    assert "recovery-replica" not in site_text  # no Requires=, BindsTo= or After= on it
