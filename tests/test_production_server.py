"""The production server started exactly as the systemd unit starts it, serving a page and an inquiry
end to end over a real socket to a real SMTP server, with nothing private left in its logs or files.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import secrets
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT
from tests.deploy_env import production_env, run, unit_commands
from tests.servers import free_port
from tests.smtp import MailServer


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

    log_path = tmp_path / "server.log"
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
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
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
    assert f"Listening at: http://127.0.0.1:{port}" in log  # the real address, not a masked one
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
