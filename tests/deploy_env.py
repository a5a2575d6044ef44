"""The production environment as an operator fills it in, the systemd units, and ways to run `flask` with them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "recovery-site.env.example"
VENV_BIN = Path(sys.executable).parent
PROJECT_ON_SERVER = "/srv/recovery-site"
# The center's own pages as an operator fills them in (content/center.toml ships with examples).
CENTER_FILE = ROOT / "tests/data/center.toml"

# What an operator fills in: real-looking values for every blank in the example file.
FILLED = {
    "FLASK_SECRET_KEY": "q3ZkV8pW1xR7nT0yL5sB9dF2gH6jK4mN8cX1vZ7aQ0wE",
    "FLASK_SITE_URL": "https://www.riverbendrecovery.org",
    "FLASK_SITE_NAME": "Riverbend Recovery Center",
    "FLASK_SITE_PHONE": "+1 518-555-0143",
    "FLASK_SITE_EMAIL": "help@riverbendrecovery.org",
    "FLASK_SITE_ADDRESS": "12 River Road, Albany, NY 12207",
    "FLASK_STAFF_EMAILS": '["intake@riverbendrecovery.org", "nights@riverbendrecovery.org"]',
    "FLASK_MAIL_SERVER": "smtp.postmarkapp.com",
    "FLASK_MAIL_USERNAME": "website-token",
    "FLASK_MAIL_PASSWORD": "s3cret-smtp-password",
    "FLASK_MAIL_DEFAULT_SENDER": "Riverbend website <website@riverbendrecovery.org>",
    # The center's own /about and /programs (the shipped content/center.toml holds only examples).
    "FLASK_CENTER_FILE": str(CENTER_FILE),
}


def read_env_file(path: Path) -> dict[str, str]:
    """Read KEY=value lines the way systemd's EnvironmentFile= does for the forms the example uses."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def filled_env_text(overrides: dict[str, str] | None = None) -> str:
    """The example file with the blanks filled in (single-quoted, as the file tells operators to)."""
    values = {**FILLED, **(overrides or {})}
    lines = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        key = line.partition("=")[0]
        if not line.startswith("#") and key in values:
            line = f"{key}='{values.pop(key)}'"
        lines.append(line)
    lines += [f"{key}='{value}'" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def clean_environ() -> dict[str, str]:
    """This process's environment without any site setting that could leak into a child."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FLASK_") and k not in ("PORT", "WEB_CONCURRENCY")}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A full production environment: the example file, filled in, plus ``overrides``."""
    env_file = tmp_path / "recovery-site.env"
    env_file.write_text(filled_env_text(), encoding="utf-8")
    env = {**clean_environ(), **read_env_file(env_file), "FLASK_DATABASE": str(tmp_path / "data" / "site.db")}
    env.update(overrides)
    return env


def unit_commands(unit: str) -> dict[str, list[list[str]]]:
    """ExecStartPre/ExecStart of a unit, with the server's venv path mapped to this checkout's."""
    commands: dict[str, list[list[str]]] = {}
    for line in (DEPLOY / unit).read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStartPre", "ExecStart", "ExecReload"):
            argv = shlex.split(value)
            argv[0] = argv[0].replace(f"{PROJECT_ON_SERVER}/.venv/bin", str(VENV_BIN))
            commands.setdefault(key, []).append(argv)
    return commands


def unit_settings(unit: str) -> dict[str, str]:
    out = {}
    for line in (DEPLOY / unit).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.setdefault(key, value)
    return out


def run(argv: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, **kwargs)


def flask_in_process(args: list[str], env: dict[str, str]):
    """The `flask` command's own entry point (`flask --app app …`), run in this process for speed:
    the same app loading, the same error handling, the environment swapped in for the call."""
    from click.testing import CliRunner
    from flask.cli import cli

    unset = {k: None for k in os.environ if k.startswith("FLASK_") or k in ("PORT", "WEB_CONCURRENCY")}
    site_env = {k: v for k, v in env.items() if k.startswith("FLASK_")}
    return CliRunner().invoke(cli, ["--app", "app", *args], env={**unset, **site_env}, catch_exceptions=False)
