"""Production set-up: the env file, the systemd units, `check-config`, ProxyFix, privacy-safe logs,
and the production server started exactly as the systemd unit starts it, serving a page and an
inquiry end to end over a real socket to a real SMTP server."""

from __future__ import annotations

import http.client
import logging
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

import settings
from serving.logs import PrivacyLogger, ScrubFilter, mask_address, scrub
from tests.conftest import ROOT, needs
from tests.servers import free_port
from tests.smtp import MailServer

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "recovery-site.env.example"
VENV_BIN = Path(sys.executable).parent
PROJECT_ON_SERVER = "/srv/recovery-site"

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
}


# ---------------------------------------------------------------- helpers


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


# ---------------------------------------------------------------- env file and units


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


def test_site_unit_checks_the_config_then_runs_gunicorn():
    commands = unit_commands("recovery-site.service")
    (pre,) = commands["ExecStartPre"]
    (start,) = commands["ExecStart"]
    assert pre[1:] == ["--app", "app", "check-config"]
    assert Path(start[0]).name == "gunicorn" and start[1:] == ["-c", "gunicorn.conf.py", "app:create_app()"]
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


# ---------------------------------------------------------------- check-config


def flask_in_process(args: list[str], env: dict[str, str]):
    """The `flask` command's own entry point (`flask --app app …`), run in this process for speed:
    the same app loading, the same error handling, the environment swapped in for the call."""
    from click.testing import CliRunner
    from flask.cli import cli

    unset = {k: None for k in os.environ if k.startswith("FLASK_") or k in ("PORT", "WEB_CONCURRENCY")}
    site_env = {k: v for k, v in env.items() if k.startswith("FLASK_")}
    return CliRunner().invoke(cli, ["--app", "app", *args], env={**unset, **site_env}, catch_exceptions=False)


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


# ---------------------------------------------------------------- ProxyFix


def remote_addr_app(make_app, hops: int):
    app = make_app(PROXY_HOPS=hops)
    app.add_url_rule("/_whoami", "whoami", lambda: __import__("flask").request.remote_addr or "-")
    return app


def test_proxy_hops_1_trusts_the_proxy_s_x_forwarded_for(make_app):
    client = remote_addr_app(make_app, 1).test_client()
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "198.51.100.23"
    # Only the hop the proxy appended is trusted, not an address the client made up before it.
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "198.51.100.23"


def test_proxy_hops_0_ignores_x_forwarded_for(make_app):
    client = remote_addr_app(make_app, 0).test_client()
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "127.0.0.1"


# ---------------------------------------------------------------- access log privacy


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("", "-"),
        (None, "-"),
        ("unix:/run/x.sock", "-"),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_privacy_logger_atoms_have_no_address_query_or_referrer():
    from gunicorn.config import Config

    logger = PrivacyLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/contact?name=Secret",
        "PATH_INFO": "/contact",
        "QUERY_STRING": "name=Secret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_REFERER": "https://www.riverbendrecovery.org/contact?name=Secret",
        "HTTP_X_FORWARDED_FOR": "203.0.113.77",
    }
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.77"), ("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="303 See Other", headers=[], sent=0)
    request_time = SimpleNamespace(seconds=0, microseconds=1500)
    atoms = logger.atoms(response, request, environ, request_time)
    assert atoms["h"] == "203.0.113.0"
    assert atoms["r"] == "POST /contact HTTP/1.1"
    flat = repr(atoms)
    assert "Secret" not in flat and "203.0.113.77" not in flat


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("ratelimit 5 per hour (203.0.113.77) exceeded at endpoint: contact.submit", "(203.0.113.0)"),
        ("Error handling request /contact?name=Secret", "request /contact"),
        ("from 2001:db8:85a3:8d3:1319:8a2e:370:7348.", "from 2001:db8:85a3::."),
        ("mapped ::ffff:198.51.100.9 here", "mapped 198.51.100.0 here"),
    ],
)
def test_app_log_filter_masks_addresses_and_drops_query_strings(message, cleaned):
    assert cleaned in scrub(message)
    record = logging.LogRecord("flask-limiter", logging.INFO, __file__, 1, "%s", (message,), None)
    ScrubFilter().filter(record)
    assert cleaned in record.getMessage() and "Secret" not in record.getMessage()


def test_scrub_leaves_references_times_and_versions_alone():
    text = "[2026-11-25 17:44:18 +0000] Inquiry K7Q2-M9XD stored by gunicorn 27.0.1 at 12:30"
    assert scrub(text) == text


# ---------------------------------------------------------------- the production server, end to end


class FormInputs(HTMLParser):
    """The contact form's inputs: hidden and text values, and whether insurance is free text."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "contact-form":
            self.in_form = True
        elif self.in_form and tag in ("input", "textarea") and attrs.get("name"):
            if attrs.get("type") in ("radio", "checkbox", "submit"):
                return
            self.values.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


class Browser:
    """Just enough of a browser over http.client: cookies (Secure ones too, as behind HTTPS)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        hdrs = {
            # as Caddy/nginx in front would pass them (FLASK_PROXY_HOPS=1)
            "X-Forwarded-For": "203.0.113.77",
            "X-Forwarded-Proto": "https",
            **(headers or {}),
        }
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data


def submit_inquiry(browser: Browser, port: int, values: dict[str, str]) -> tuple[int, str, str]:
    """GET the form, POST it at once (FLASK_CONTACT_MIN_SECONDS=0 below): (status, Location, body)."""
    response, page = browser.request("GET", "/contact")
    assert response.status == 200, page[:500]
    parser = FormInputs()
    parser.feed(page)
    form = {**parser.values, **values}
    referer = f"https://127.0.0.1:{port}/contact"
    response, body = browser.request("POST", "/contact", body=urlencode(form), headers={"Referer": referer})
    return response.status, response.getheader("Location") or "", body


def canary_values(canary: str, phone_digits: str) -> dict[str, str]:
    return {
        "name": f"Name {canary}",
        "phone": f"518 555 {phone_digits}",
        "email": f"{canary.lower()}@riverbendrecovery.org",
        "contact_method": "call",
        "voicemail_ok": "no",
        "who": "loved_one",
        "insurance": f"Insurer {canary}",
        "message": f"Message {canary}: my brother uses fentanyl and we need help.",
    }


def files_containing(root: Path, needles: list[bytes], since: float, skip: set[Path]) -> list[str]:
    """Files under ``root`` changed since ``since`` whose bytes contain any needle."""
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            if path in skip or path.is_symlink():
                continue
            try:
                if path.stat().st_mtime < since:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if any(n in data for n in needles):
                hits.append(str(path))
    return hits


@pytest.mark.slow
def test_production_server_serves_a_page_and_delivers_an_inquiry_end_to_end(tmp_path):
    started_at = time.time() - 2
    smtp = MailServer().start()
    port = free_port()
    env = production_env(
        tmp_path,
        PORT=str(port),
        FLASK_MAIL_SERVER="127.0.0.1",  # a local relay: the one case where plain SMTP is allowed
        FLASK_MAIL_PORT=str(smtp.port),
        FLASK_MAIL_USE_TLS="false",
        FLASK_MAIL_USE_SSL="false",
        FLASK_MAIL_USERNAME="",
        FLASK_MAIL_PASSWORD="",
        FLASK_CONTACT_MIN_SECONDS="0",  # the bot timer lets an immediate POST through unflagged
        FLASK_OUTBOX_POLL_SECONDS="1",
        FLASK_CONTACT_RATE_LIMIT="1 per hour",  # so the second inquiry below is refused (and logged)
    )
    (tmp_path / "data").mkdir()
    commands = unit_commands("recovery-site.service")
    check = run(commands["ExecStartPre"][0], env)
    assert check.returncode == 0 and "Configuration OK" in check.stdout, check.stdout + check.stderr

    log_path = tmp_path / "gunicorn.log"
    canary = "CANARY" + secrets.token_hex(8).upper()
    phone_digits = f"{secrets.randbelow(9000) + 1000}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(commands["ExecStart"][0], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        browser = Browser(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                response, page = browser.request("GET", "/overdose")
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
                time.sleep(0.2)
        assert response.status == 200
        assert "tel:+15185550143" in page and "Riverbend Recovery Center" in page
        assert response.getheader("Strict-Transport-Security")

        # A query string must never reach the log.
        response, _ = browser.request("GET", f"/overdose?q={canary}")
        assert response.status == 200

        status, location, body = submit_inquiry(browser, port, canary_values(canary, phone_digits))
        assert status == 303, body[:2000]
        ref = re.fullmatch(r"(?:https?://[^/]+)?/contact/thanks/([2-9A-Z]{4}-[2-9A-Z]{4})", location).group(1)
        response, thanks = browser.request("GET", f"/contact/thanks/{ref}")
        assert response.status == 200 and ref in thanks
        assert canary not in thanks  # the confirmation repeats nothing they wrote

        (message,) = smtp.inbox.wait_for(ref, timeout=30)
        envelope = smtp.inbox.envelope_of(message)
        assert envelope.mail_from == "website@riverbendrecovery.org"
        assert sorted(envelope.rcpt_tos) == ["intake@riverbendrecovery.org", "nights@riverbendrecovery.org"]
        assert "riverbendrecovery.org" in message["From"]

        # More inquiries from the same address hit the rate limit: its log line names no address,
        # and the access line's address is masked.
        statuses = []
        while 429 not in statuses and len(statuses) < 4:
            statuses.append(submit_inquiry(browser, port, canary_values(canary, phone_digits))[0])
        assert statuses[-1] == 429, statuses

        response, health = browser.request("GET", "/healthz")
        assert response.status == 200, health
    finally:
        server.terminate()
        server.wait(timeout=30)
        smtp.stop()

    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Booting worker" in log
    assert f"Inquiry {ref} stored" in log  # the app's own lines reach the log, with the reference
    assert f"Staff email for inquiry {ref} sent" in log  # each delivery attempt, reference only
    assert re.search(r"^203\.0\.113\.0 .*\"POST /contact\" 303", log, flags=re.M), log
    assert "Contact rate limit 1 per 1 hour reached at contact.submit" in log, log
    assert re.search(r"^203\.0\.113\.0 .*\"POST /contact\" 429", log, flags=re.M), log
    assert "203.0.113.77" not in log  # the client address is masked in every line
    assert canary not in log and canary.lower() not in log, "form contents or a query string reached the log"
    assert not re.search(rf"555\D?{phone_digits}", log)
    database = tmp_path / "data" / "site.db"
    skip = {database, Path(f"{database}-wal"), Path(f"{database}-shm")}
    needles = [canary.encode(), canary.lower().encode()]
    assert files_containing(ROOT, needles, started_at, skip) == []
    assert files_containing(tmp_path, needles, started_at, skip) == []


def test_app_logs_never_contain_form_contents(app, client, caplog, tmp_path):
    """Canary in every field, through validation, a failed and a good submission: no log line has it."""
    started_at = time.time() - 2
    caplog.set_level(logging.DEBUG)
    app.logger.setLevel(logging.DEBUG)
    app.config.update(CONTACT_MIN_SECONDS=0)
    canary = "CANARY" + secrets.token_hex(8).upper()
    phone_digits = f"{secrets.randbelow(9000) + 1000}"
    values = canary_values(canary, phone_digits)

    page = client.get("/contact").get_data(as_text=True)
    parser = FormInputs()
    parser.feed(page)
    form = {**parser.values, **values}
    for field in values:
        client.post(f"/contact/validate/{field}", data=form)
    bad = client.post("/contact", data={**form, "email": f"not-an-email-{canary}", "phone": f"x{canary}"})
    assert bad.status_code in (200, 422)
    no_csrf = client.post("/contact", data={**form, "csrf_token": "forged"})
    assert no_csrf.status_code >= 400
    too_big = client.post("/contact", data={**form, "message": f"{canary} " * 10000})
    assert too_big.status_code == 413
    good = client.post("/contact", data=form)
    assert good.status_code == 303, good.get_data(as_text=True)[:2000]

    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert canary not in logged and canary.lower() not in logged
    assert not re.search(rf"555\D?{phone_digits}", logged)
    database = Path(app.config["DATABASE"])
    skip = {database, Path(f"{database}-wal"), Path(f"{database}-shm")}
    assert files_containing(ROOT, [canary.encode(), canary.lower().encode()], started_at, skip) == []
