"""Real-browser fixtures: the production server (Granian, serve.py), a real SMTP server and Debian's Chromium.

One server, one SMTP server and one Chromium serve the whole session; every test gets fresh
browser contexts (no shared cookies or storage) on a phone-sized screen.

Playwright's sync API must not run inside a running asyncio loop: aiosmtpd's ``Controller`` runs its
loop in a thread of its own, so the test thread never has one.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import settings
from tests.browser.pages import NO_SCRIPT_PAGES, PHONE, start_axe_summary
from tests.conftest import INSTALL, ROOT, missing
from tests.servers import start_site, stop
from tests.smtp import MailServer

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing leaves the machine: every host name but loopback fails to resolve. Tests still see
    # (and fail on) any request a page makes to another origin.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
FAILURES = ROOT / "test-artifacts" / "failures"
STAFF = "staff@center.test"
EXIT_URL = settings.defaults()["SITE_EXIT_URL"]


# --- SMTP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server on a free loopback port; ``smtp.inbox`` holds what it received."""
    with MailServer() as server:
        yield server


# --- The site -------------------------------------------------------------------------------------


@dataclass
class Site:
    """The running server: its base URL, database file and log."""

    url: str
    database: Path
    log: Path
    origin: str = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def inquiries(self, where: str = "1", *params) -> list[dict]:
        """Rows of the inquiries table (read straight from the SQLite file)."""
        with sqlite3.connect(self.database) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(f"select * from inquiries where {where}", params)]


@contextmanager
def own_site(folder: Path, smtp: MailServer, **settings_: str) -> Iterator[str]:
    """The production server exactly as ``make run`` starts it (``python serve.py``), its database
    and log (``server.log``) in ``folder``, mail to ``smtp``, no FLASK_* setting from the shell but
    ``settings_`` (names without the prefix); yields its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env |= {
        "FLASK_DATABASE": str(folder / "site.db"),
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp.port),
        "FLASK_STAFF_EMAILS": f'["{STAFF}"]',
        "PYTHONUNBUFFERED": "1",  # the log is read while the server runs
        **{f"FLASK_{name}": value for name, value in settings_.items()},
    }
    server, url = start_site(env, folder / "server.log")
    try:
        yield url
    finally:
        stop(server)


@pytest.fixture(scope="session")
def site(tmp_path_factory, smtp):
    """The server every browser test shares, with a fast sender and a generous rate limit."""
    tmp = tmp_path_factory.mktemp("site")
    settings_ = {"OUTBOX_WORKER": "true", "OUTBOX_POLL_SECONDS": "0.2", "CONTACT_MIN_SECONDS": "0"}
    with own_site(tmp, smtp, CONTACT_RATE_LIMIT="1000 per hour", **settings_) as url:
        yield Site(url=url, database=tmp / "site.db", log=tmp / "server.log")


# --- The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing Chromium: skip locally, fail under CI."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM}", INSTALL["chromium"])
    from playwright.sync_api import sync_playwright

    start_axe_summary()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that a visitor must never suffer: errors, CSP reports, foreign requests."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    document_status: int = 200

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)
        elif message.type == "error":
            self.console_errors.append(f"{message.text} [at {message.location.get('url', '')}]")

    def _request(self, request) -> None:
        self.requests.append(request)
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if url.startswith(EXIT_URL):
            return  # the quick exit: leaving is the point (answered by a stub, see ``stub_exit``)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(url)

    def assert_clean(self, *, allow: tuple[str, ...] = ()) -> None:
        """No CSP violation, uncaught error, console error or foreign request.

        ``allow``: console errors starting with these are expected in this scenario (htmx logs
        every error event it fires, e.g. ``htmx:timeout`` when the test cuts the connection)."""
        assert not self.csp, f"CSP violations: {self.csp}"
        assert not self.page_errors, f"JavaScript errors: {self.page_errors}"
        errors = [e for e in self.console_errors if not e.startswith(allow)]
        assert not errors, f"console errors: {errors}"
        assert not self.foreign, f"requests to other origins: {self.foreign}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def phone(browser, site, request):
    """Factory: ``phone(js=True)`` → (context, page, watch) on a phone-sized screen at the site.

    When the test fails, each of its pages is saved to test-artifacts/failures/ and the end of
    the server's log is printed, to see what the visitor saw and what the server said."""
    contexts = []

    def make(*, js: bool = True):
        context = browser.new_context(**PHONE, java_script_enabled=js, base_url=site.url)
        context.set_default_timeout(10_000)

        contexts.append(context)
        page = context.new_page()
        if not js:
            NO_SCRIPT_PAGES.add(page)
        watch = Watch(origin=site.origin)
        watch.attach(page)
        return context, page, watch

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(page for context in contexts for page in context.pages):
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=FAILURES / f"{name}-{i}.png", full_page=True, caret="initial")
        print("--- end of the server's log ---\n" + "\n".join(site.log.read_text().splitlines()[-30:]))
    for context in contexts:
        context.close()


def stub_exit(context) -> None:
    """Answer the quick-exit URL with a local stub page, so leaving the site needs no network."""
    context.route(
        EXIT_URL + "**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Elsewhere</title>"
        ),
    )
