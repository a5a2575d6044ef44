"""Real-browser fixtures: the production server (gunicorn), a real SMTP server and Debian's Chromium.

One gunicorn, one SMTP server and one Chromium serve the whole session; every test gets fresh
browser contexts (no shared cookies or storage) on a phone-sized screen.

Playwright's sync API must not run inside a running asyncio loop: aiosmtpd's ``Controller`` runs its
loop in a thread of its own, so the test thread never has one.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import settings
from tests.conftest import INSTALL, ROOT, missing
from tests.servers import start_gunicorn, stop
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
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
FAILURES = ROOT / "test-artifacts" / "failures"
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1… under pytest-xdist: one summary file each
AXE_SUMMARY = ROOT / "test-artifacts" / (f"axe-{WORKER}.tsv" if WORKER else "axe.tsv")  # page, violations, …
STAFF = "staff@center.test"
EXIT_URL = settings.defaults()["SITE_EXIT_URL"]

# A phone: small screen, high density, touch (the people this site is for mostly use one).
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "has_touch": True,
    "is_mobile": True,
}

# Pages opened with JavaScript off (see ``phone`` and ``run_axe``).
NO_SCRIPT_PAGES: weakref.WeakSet = weakref.WeakSet()

# WCAG 2.2 level A and AA, as axe-core tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# --- SMTP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server on a free loopback port; ``smtp.inbox`` holds what it received."""
    with MailServer() as server:
        yield server


# --- The site -------------------------------------------------------------------------------------


@dataclass
class Site:
    """The running gunicorn: its base URL, database file and log."""

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


@pytest.fixture(scope="session")
def site(tmp_path_factory, smtp):
    """The production server exactly as ``make run`` starts it (gunicorn + gunicorn.conf.py)."""
    tmp = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "FLASK_DATABASE": str(tmp / "site.db"),
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp.port),
        "FLASK_STAFF_EMAILS": f'["{STAFF}"]',
        "FLASK_OUTBOX_WORKER": "true",
        "FLASK_OUTBOX_POLL_SECONDS": "0.2",
        "FLASK_CONTACT_MIN_SECONDS": "0",
        "FLASK_CONTACT_RATE_LIMIT": "1000 per hour",
        "PYTHONUNBUFFERED": "1",  # the log is read while the server runs
    }
    env.pop("FLASK_PRODUCTION", None)
    log = tmp / "gunicorn.log"
    server, url = start_gunicorn(env, log)
    try:
        yield Site(url=url, database=tmp / "site.db", log=log)
    finally:
        stop(server)


# --- The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing Chromium: skip locally, fail under CI."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM}", INSTALL["chromium"])
    from playwright.sync_api import sync_playwright

    AXE_SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    AXE_SUMMARY.write_text("page\tviolations\trules passed\tto review\twhich\n")
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
        print("--- end of gunicorn's log ---\n" + "\n".join(site.log.read_text().splitlines()[-30:]))
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


def run_axe(page, name: str | None = None) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now.

    axe needs timers, which never fire with JavaScript off. A page opened without JavaScript is
    therefore checked as a copy: its DOM, served at the same URL into a page whose scripts are
    all blocked by CSP, so the page's own scripts still do not run and axe sees what those
    visitors get."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    if page not in NO_SCRIPT_PAGES:
        return axe_summary(Axe().run(page, options=options).response, name)
    html, url = page.content(), page.url
    context = page.context.browser.new_context(**PHONE)
    try:
        copy = context.new_page()
        copy.route(
            url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=html,
                headers={"Content-Security-Policy": "script-src 'none'"},
            ),
        )
        copy.goto(url)
        return axe_summary(Axe().run(copy, options=options).response, name)
    finally:
        context.close()


def axe_summary(results: dict, name: str | None) -> list[dict]:
    """The violations; with a ``name``, also a one-line summary in test-artifacts/axe.tsv."""
    if name:
        AXE_SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        counts = {kind: len(results[kind]) for kind in ("violations", "passes", "incomplete", "inapplicable")}
        review = ",".join(sorted({rule["id"] for rule in results["incomplete"]})) or "-"
        with AXE_SUMMARY.open("a") as out:
            out.write(f"{name}\t{counts['violations']}\t{counts['passes']}\t{counts['incomplete']}\t{review}\n")
    return results["violations"]


def axe_report(violations: list[dict]) -> str:
    """One line per violation and node, readable in an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # From the top, or the sticky header is drawn across the middle of the picture.
    page.evaluate("window.scrollTo(0, 0)")
    # caret="initial": hiding the caret would inject a style, which the CSP (rightly) reports.
    page.screenshot(path=path, full_page=True, caret="initial")
    return path
