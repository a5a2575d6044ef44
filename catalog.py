"""The one list of pages: read from ``content/pages.toml``.

It drives the navigation, the sitemap, the page routes and the tests. Staff add a page by adding
an entry there and a template under ``templates/pages/`` — no Python to touch.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """An authority a page's facts come from."""

    name: str
    url: str


@dataclass(frozen=True)
class Page:
    """One page of the site and its metadata."""

    path: str
    template: str
    title: str
    nav: str
    description: str
    last_reviewed: dt.date
    next_review: dt.date
    sources: tuple[Source, ...]

    @property
    def slug(self) -> str:
        """The path without its leading slash (empty for the home page)."""
        return self.path.lstrip("/")


@dataclass(frozen=True)
class Catalog:
    """Every page, in navigation order."""

    pages: tuple[Page, ...]

    def find(self, path: str) -> Page | None:
        """The page served at ``path``, if any."""
        return next((p for p in self.pages if p.path == path), None)

    @property
    def nav(self) -> tuple[Page, ...]:
        """Pages shown in the main navigation."""
        return tuple(p for p in self.pages if p.nav)


def load(path: Path) -> Catalog:
    """Read and check the catalog file; a broken entry fails loudly at start-up."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pages = []
    for entry in data["page"]:
        sources = tuple(Source(**s) for s in entry.pop("sources", ()))
        page = Page(sources=sources, **entry)
        if not page.path.startswith("/"):
            raise ValueError(f"{path}: page path {page.path!r} must start with '/'")
        pages.append(page)
    paths = [p.path for p in pages]
    if len(set(paths)) != len(paths):
        raise ValueError(f"{path}: a page path is listed twice")
    return Catalog(tuple(pages))
