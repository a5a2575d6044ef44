"""The center's own facts, read from ``content/center.toml``: who it is, its licences, team and programs.

`/about` and `/programs` are catalog pages like any other (``content/pages.toml``); their
templates lay out what this file says, so a center describes itself without touching Python.
Every text has a Spanish twin in the entry's ``es`` table (``[about.es]``, ``[program.es]``…) for
`/es/quienes-somos` and `/es/programas`; `Center.in_language` gives the center in either language.
The file ships with made-up entries marked ``example = true``: `example_problems` is what
``flask check-config`` says about them until they are replaced.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import quote_plus

import i18n

MAP_SEARCH = "https://www.openstreetmap.org/search?query="
# How the shipped examples begin, in each language: check-config refuses a text that still does.
EXAMPLE_WORDS = ("example", "ejemplo")


@dataclass(frozen=True)
class License:
    """A licence or accreditation, with the number a visitor can check."""

    TEXT: ClassVar[tuple[str, ...]] = ("name", "issued_by")

    name: str
    issued_by: str
    number: str
    check_url: str = ""
    example: bool = False


@dataclass(frozen=True)
class Role:
    """One kind of person on the team: what they do for a patient."""

    TEXT: ClassVar[tuple[str, ...]] = ("role", "does")

    role: str
    does: str
    example: bool = False


@dataclass(frozen=True)
class Program:
    """One program: who it is for, what happens, how long, medicine and telehealth."""

    TEXT: ClassVar[tuple[str, ...]] = (
        "name",
        "for_whom",
        "what_happens",
        "how_long",
        "medicine_note",
        "telehealth_note",
    )

    name: str
    for_whom: str
    what_happens: str
    how_long: str
    medicine: bool
    medicine_note: str
    telehealth: bool
    telehealth_note: str
    example: bool = False


@dataclass(frozen=True)
class Center:
    """Everything the file says, in the order it says it, in one language."""

    who_we_are: tuple[str, ...]
    licenses: tuple[License, ...]
    team: tuple[Role, ...]
    programs: tuple[Program, ...]
    map_query: str = ""
    example: bool = False
    # The same center in each language, shared by all of them ("en" → English, "es" → Spanish).
    languages: Mapping[str, Center] = field(default_factory=dict, compare=False, repr=False)

    def map_url(self, address: str) -> str:
        """A plain link to a map search for the center (nothing is embedded or loaded)."""
        return MAP_SEARCH + quote_plus(self.map_query or address)

    def in_language(self, lang: str) -> Center:
        """The center with its texts in ``lang`` ("en" or "es"); numbers, links and flags are the same in each."""
        if not self.languages and lang == "en":
            return self
        try:
            return self.languages[lang]
        except KeyError:
            raise ValueError(f"the center file has no {lang!r} texts (it has {sorted(self.languages)})") from None


def _key_problems(entry: Mapping[str, Any], allowed: set[str], required: set[str]) -> str:
    unknown, missing = sorted(set(entry) - allowed), sorted(required - set(entry))
    return f"unknown keys {unknown}, missing keys {missing}" if unknown or missing else ""


def _spanish(entry: Mapping[str, Any], texts: tuple[str, ...], where: str, table: str, kind: type = str) -> dict:
    """The entry's ``[table.es]``, checked: exactly the English entry's text keys, each a ``kind``."""
    spanish = entry.get("es")
    if not isinstance(spanish, dict):
        raise ValueError(f"{where} has no [{table}.es] table: add one with its Spanish {', '.join(texts)}")
    problems = _key_problems(spanish, set(texts), set(texts))
    if problems:
        raise ValueError(f"{where}, [{table}.es]: {problems}")
    wrong = sorted(key for key, value in spanish.items() if not isinstance(value, kind))
    if wrong:
        raise ValueError(f"{where}, [{table}.es]: {wrong} must be {'text' if kind is str else 'a list of paragraphs'}")
    return spanish


def _entries(kind: type, data: list[dict[str, Any]], where: str, table: str) -> tuple[tuple, tuple]:
    """Each entry of one kind in English and, from its ``[table.es]``, in Spanish."""
    names = {f.name for f in fields(kind)}
    required = {f.name for f in fields(kind) if f.default is MISSING}
    english, spanish = [], []
    for number, entry in enumerate(data, 1):
        text = {key: value for key, value in entry.items() if key != "es"}
        problems = _key_problems(text, names, required)
        if problems:
            raise ValueError(f"{where} entry {number}: {problems}")
        es = _spanish(entry, kind.TEXT, f"{where} entry {number}", table)
        english.append(kind(**text))
        spanish.append(replace(english[-1], **es))
    return tuple(english), tuple(spanish)


def _paragraphs(value: Any, where: str) -> tuple[str, ...]:
    if not value or not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise ValueError(f"{where} who_we_are must be a list of paragraphs")
    return tuple(value)


def load(path: Path) -> Center:
    """The file at ``path``, read and checked (`read`) once for as long as it is unchanged: every
    app a process builds (the test suite builds hundreds) shares the same frozen result."""
    stat = path.stat()
    return _load_unchanged(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_unchanged(path: Path, mtime_ns: int, size: int) -> Center:
    return read(path)


def read(path: Path) -> Center:
    """Read and check the file; a missing or misspelt key fails loudly at start-up, naming the entry.

    Returns the English center; ``.in_language("es")`` on it gives the Spanish one.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - {"about", "license", "team", "program"})
    if unknown:
        raise ValueError(f"{path}: unknown sections {unknown} (use [about], [[license]], [[team]], [[program]])")
    about = data.get("about", {})
    if set(about) - {"who_we_are", "map_query", "example", "es"}:
        raise ValueError(
            f"{path}: [about] has unknown keys {sorted(set(about) - {'who_we_are', 'map_query', 'example', 'es'})}"
        )
    who = _paragraphs(about.get("who_we_are"), f"{path}: [about]")
    who_es = _paragraphs(
        _spanish(about, ("who_we_are",), f"{path}: [about]", "about", list)["who_we_are"], f"{path}: [about.es]"
    )
    programs = _entries(Program, data.get("program", []), f"{path}: [[program]]", "program")
    if not programs[0]:
        raise ValueError(f"{path}: list at least one [[program]]")
    licenses = _entries(License, data.get("license", []), f"{path}: [[license]]", "license")
    team = _entries(Role, data.get("team", []), f"{path}: [[team]]", "team")
    languages: dict[str, Center] = {}
    shared = {"map_query": about.get("map_query", ""), "example": bool(about.get("example", False))}
    for index, (lang, paragraphs) in enumerate(zip(i18n.LANGUAGES, (who, who_es), strict=True)):
        languages[lang] = Center(
            who_we_are=paragraphs,
            licenses=licenses[index],
            team=team[index],
            programs=programs[index],
            languages=MappingProxyType(languages),
            **shared,
        )
    return languages["en"]


def _example_label(versions: tuple[Any, ...], label: str) -> str | None:
    """The entry's label in the first language where it is still an example (flagged, or named so)."""
    for item in versions:
        if item.example or getattr(item, label).strip().lower().startswith(EXAMPLE_WORDS):
            return getattr(item, label)
    return None


def example_problems(center: Center, shown_path: str) -> list[str]:
    """One line for the about content and one for the programs still holding the shipped examples,
    in English or in Spanish."""
    centers = [center.in_language(lang) for lang in i18n.LANGUAGES] if center.languages else [center]

    def examples(kind: str, label: str) -> list[str]:
        groups = zip(*(getattr(c, kind) for c in centers), strict=True)
        return [found for group in groups if (found := _example_label(group, label)) is not None]

    licenses, roles = examples("licenses", "name"), examples("team", "role")
    who = center.example or any(p.lower().startswith(EXAMPLE_WORDS) for c in centers for p in c.who_we_are)
    about = [
        *(["who we are"] if who else []),
        *([f"{len(licenses)} of {len(center.licenses)} licenses"] if licenses else []),
        *([f"{len(roles)} of {len(center.team)} team roles"] if roles else []),
    ]
    problems = []
    if about:
        problems.append(
            f"{shown_path}: the about content is still the example ({', '.join(about)}): write the center's "
            "own, then delete each `example = true` line."
        )
    programs = examples("programs", "name")
    if programs:
        problems.append(
            f"{shown_path}: the programs are still the examples ({', '.join(repr(n) for n in programs)}): "
            "describe the center's own programs, then delete each `example = true` line."
        )
    return problems
