"""The center's own facts, read from ``content/center.toml``: who it is, its licences, team and programs.

`/about` and `/programs` are catalog pages like any other (``content/pages.toml``); their
templates lay out what this file says, so a center describes itself without touching Python.
The file ships with made-up entries marked ``example = true``: `example_problems` is what
``flask check-config`` says about them until they are replaced.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

MAP_SEARCH = "https://www.openstreetmap.org/search?query="


@dataclass(frozen=True)
class License:
    """A licence or accreditation, with the number a visitor can check."""

    name: str
    issued_by: str
    number: str
    check_url: str = ""
    example: bool = False


@dataclass(frozen=True)
class Role:
    """One kind of person on the team: what they do for a patient."""

    role: str
    does: str
    example: bool = False


@dataclass(frozen=True)
class Program:
    """One program: who it is for, what happens, how long, medicine and telehealth."""

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
    """Everything the file says, in the order it says it."""

    who_we_are: tuple[str, ...]
    licenses: tuple[License, ...]
    team: tuple[Role, ...]
    programs: tuple[Program, ...]
    map_query: str = ""
    example: bool = False

    def in_language(self, lang: str) -> Center:
        """The center's texts in ``lang`` (the numbers, links and yes/no facts are the same in each)."""
        return self

    def map_url(self, address: str) -> str:
        """A plain link to a map search for the center (nothing is embedded or loaded)."""
        return MAP_SEARCH + quote_plus(self.map_query or address)


def _entries(kind: type, data: list[dict[str, Any]], where: str) -> tuple:
    names = {f.name for f in fields(kind)}
    entries = []
    for number, entry in enumerate(data, 1):
        unknown = sorted(set(entry) - names)
        missing = sorted(f.name for f in fields(kind) if f.default is MISSING and f.name not in entry)
        if unknown or missing:
            raise ValueError(f"{where} entry {number}: unknown keys {unknown}, missing keys {missing}")
        entries.append(kind(**entry))
    return tuple(entries)


def load(path: Path) -> Center:
    """Read and check the file; a missing or misspelt key fails loudly at start-up, naming the entry."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - {"about", "license", "team", "program"})
    if unknown:
        raise ValueError(f"{path}: unknown sections {unknown} (use [about], [[license]], [[team]], [[program]])")
    about = data.get("about", {})
    if set(about) - {"who_we_are", "map_query", "example"}:
        raise ValueError(
            f"{path}: [about] has unknown keys {sorted(set(about) - {'who_we_are', 'map_query', 'example'})}"
        )
    who = about.get("who_we_are", [])
    if not who or not all(isinstance(p, str) and p.strip() for p in who):
        raise ValueError(f"{path}: [about] who_we_are must be a list of paragraphs")
    programs = _entries(Program, data.get("program", []), f"{path}: [[program]]")
    if not programs:
        raise ValueError(f"{path}: list at least one [[program]]")
    return Center(
        who_we_are=tuple(who),
        licenses=_entries(License, data.get("license", []), f"{path}: [[license]]"),
        team=_entries(Role, data.get("team", []), f"{path}: [[team]]"),
        programs=programs,
        map_query=about.get("map_query", ""),
        example=bool(about.get("example", False)),
    )


def _is_example(entry: Any, label: str) -> bool:
    return entry.example or label.strip().lower().startswith("example")


def example_problems(center: Center, shown_path: str) -> list[str]:
    """One line for the about content and one for the programs still holding the shipped examples."""
    problems = []
    licenses = sum(_is_example(item, item.name) for item in center.licenses)
    roles = sum(_is_example(item, item.role) for item in center.team)
    about = [
        *(["who we are"] if center.example or any(p.lower().startswith("example") for p in center.who_we_are) else []),
        *([f"{licenses} of {len(center.licenses)} licenses"] if licenses else []),
        *([f"{roles} of {len(center.team)} team roles"] if roles else []),
    ]
    if about:
        problems.append(
            f"{shown_path}: the about content is still the example ({', '.join(about)}): write the center's "
            "own, then delete each `example = true` line."
        )
    programs = [p.name for p in center.programs if _is_example(p, p.name)]
    if programs:
        problems.append(
            f"{shown_path}: the programs are still the examples ({', '.join(repr(n) for n in programs)}): "
            "describe the center's own programs, then delete each `example = true` line."
        )
    return problems
