"""Fixtures in the flaskr style: a fresh app and database file for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

import catalog
from app import create_app

ROOT = Path(__file__).resolve().parent.parent

# Every page the catalog does not own but the contract promises.
EXTRA_HTML_URLS = ("/contact",)


@pytest.fixture
def app(tmp_path):
    """An app on its own temporary database, with the sender thread off."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "site.db"), "OUTBOX_WORKER": False})
    yield app


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s commands."""
    return app.test_cli_runner()


def catalog_paths() -> list[str]:
    """Paths of every catalog page, read from the same list the site uses."""
    return [page.path for page in catalog.load(ROOT / "content/pages.toml").pages]


def html_urls() -> list[str]:
    """Every HTML page a visitor can reach by a GET."""
    return [*catalog_paths(), *EXTRA_HTML_URLS]
