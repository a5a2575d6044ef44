"""The one list of pages: read from ``content/pages.toml``.

It drives the navigation, the sitemap, the page routes, the language switch and the tests. Each
English entry carries its Spanish twin in a ``[page.es]`` table: staff add a page by adding an
entry there and its two templates (``templates/pages/`` and ``templates/pages/es/``), no Python.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import i18n


@dataclass(frozen=True)
class Source:
    """An authority a page's facts come from."""

    name: str
    url: str


@dataclass(frozen=True)
class Page:
    """One page of the site, in one language, and its metadata."""

    path: str
    template: str
    title: str
    nav: str
    description: str
    last_reviewed: dt.date
    next_review: dt.date
    sources: tuple[Source, ...]
    lang: str = i18n.DEFAULT
    # The same page in every language it exists in, this one included: (lang, path) pairs.
    alternates: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def slug(self) -> str:
        """The path without its leading slash (empty for the home page)."""
        return self.path.lstrip("/")

    def twin(self, lang: str) -> str | None:
        """The path of this page in ``lang``, if it has been written in it."""
        return dict(self.alternates).get(lang)


@dataclass(frozen=True)
class Catalog:
    """Every page in every language: the English in navigation order, then the Spanish in the same order."""

    pages: tuple[Page, ...]

    def find(self, path: str) -> Page | None:
        """The page served at ``path``, if any."""
        return next((p for p in self.pages if p.path == path), None)

    def path_in(self, path: str, lang: str) -> str:
        """Where the page at ``path`` is in ``lang``: its twin once it is written in it, else ``path`` itself."""
        page = self.find(path)
        return (page.twin(lang) if page else None) or path

    def in_language(self, lang: str) -> tuple[Page, ...]:
        """The pages written in ``lang``, in navigation order."""
        return tuple(p for p in self.pages if p.lang == lang)

    def nav_for(self, lang: str) -> tuple[Page, ...]:
        """Pages shown in ``lang``'s main navigation."""
        return tuple(p for p in self.in_language(lang) if p.nav)

    @property
    def nav(self) -> tuple[Page, ...]:
        """Pages shown in the English main navigation."""
        return self.nav_for(i18n.DEFAULT)


def _page(entry: dict, lang: str, where: Path) -> Page:
    entry = dict(entry)
    sources = tuple(Source(**s) for s in entry.pop("sources", ()))
    page = Page(sources=sources, lang=lang, **entry)
    prefix = i18n.PREFIX[lang]
    if not page.path.startswith(prefix + "/"):
        raise ValueError(f"{where}: page path {page.path!r} must start with {prefix + '/'!r}")
    return page


def load(path: Path) -> Catalog:
    """The file at ``path``, read and checked (`read`) once for as long as it is unchanged: every
    app a process builds (the test suite builds hundreds) shares the same frozen result."""
    stat = path.stat()
    return _load_unchanged(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_unchanged(path: Path, mtime_ns: int, size: int) -> Catalog:
    return read(path)


def read(path: Path) -> Catalog:
    """Read and check the catalog file; a broken entry fails loudly at start-up."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    english, spanish = [], []
    for entry in data["page"]:
        entry = dict(entry)
        translation = entry.pop("es", None)
        page = _page(entry, "en", path)
        twin = _page(translation, "es", path) if translation else None
        alternates = (("en", page.path),) + ((("es", twin.path),) if twin else ())
        english.append(replace(page, alternates=alternates))
        if twin:
            spanish.append(replace(twin, alternates=alternates))
    pages = english + spanish
    paths = [p.path for p in pages]
    if len(set(paths)) != len(paths):
        raise ValueError(f"{path}: a page path is listed twice")
    return Catalog(tuple(pages))
