"""Fixtures in the flaskr style: a fresh app and database file for every test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest
from flask import Flask

import catalog
from app import create_app

ROOT = Path(__file__).resolve().parent.parent

# How to get each program a test may need (`.ci/run` installs them all).
INSTALL = {
    "caddy": "apt-get install caddy",
    "chromium": "apt-get install chromium",
    "java": "apt-get install default-jre-headless",
    "nginx": "apt-get install nginx",
    "openssl": "apt-get install openssl",
    "systemd-analyze": "apt-get install systemd",
}

# Every page the catalog does not own but the contract promises.
EXTRA_HTML_URLS = ("/contact", "/es/contacto")


def base_config(folder: Path) -> dict:
    """What every test app shares: testing mode, a database file in ``folder``, no sender thread."""
    return {"TESTING": True, "DATABASE": str(folder / "site.db"), "OUTBOX_WORKER": False}


@pytest.fixture
def make_app(tmp_path):
    """Factory: ``make_app(**overrides)`` → an app on this test's database with ``overrides`` applied."""

    def make(**overrides) -> Flask:
        return create_app({**base_config(tmp_path), **overrides})

    return make


@pytest.fixture
def app(make_app):
    """An app on its own temporary database, with the sender thread off."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s commands."""
    return app.test_cli_runner()


def catalog_paths(lang: str | None = None) -> list[str]:
    """Paths of every catalog page (or of those in ``lang``), read from the same list the site uses."""
    pages = catalog.load(ROOT / "content/pages.toml")
    return [page.path for page in (pages.in_language(lang) if lang else pages.pages)]


def page_html(client, path: str) -> str:
    """The page at ``path`` as its visitor gets it; fails the test unless it answers 200."""
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def html_urls() -> list[str]:
    """Every HTML page a visitor can reach by a GET, in both languages."""
    return [*catalog_paths(), *EXTRA_HTML_URLS]


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set (``CI=true bash .ci/run``)."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def missing(what: str, how: str) -> NoReturn:
    """Skip the test: ``what`` is not on this machine and ``how`` gets it. Under CI, fail instead:
    `.ci/run` installs everything, so a missing tool there means the check never ran."""
    message = f"{what} is not installed ({how})"
    if in_ci():
        pytest.fail(f"{message}, and CI must run every test", pytrace=False)
    pytest.skip(message)


def needs(*programs: str) -> pytest.MarkDecorator:
    """Mark a test (or a module, in ``pytestmark``) as running these programs from PATH:
    skipped without them on a developer's machine, failed without them under CI."""
    return pytest.mark.needs(*programs)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Apply the ``needs`` marks before any fixture starts a server."""
    for mark in item.iter_markers("needs"):
        for program in mark.args:
            if shutil.which(program) is None:
                missing(program, INSTALL.get(program, "see .ci/run"))
