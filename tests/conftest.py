"""Fixtures in the flaskr style: a fresh app and database file for every test."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

import catalog
from app import create_app

ROOT = Path(__file__).resolve().parent.parent

# Every page the catalog does not own but the contract promises.
EXTRA_HTML_URLS = ("/contact",)


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


def catalog_paths() -> list[str]:
    """Paths of every catalog page, read from the same list the site uses."""
    return [page.path for page in catalog.load(ROOT / "content/pages.toml").pages]


def html_urls() -> list[str]:
    """Every HTML page a visitor can reach by a GET."""
    return [*catalog_paths(), *EXTRA_HTML_URLS]
