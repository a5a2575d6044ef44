"""Checks on what the Spanish pages say: reading ease, words, promises, review dates.

`tests/test_content_es.py` runs these on every Spanish page of the catalog. Run this module to
print each Spanish page's figures (Fernández-Huerta, words, sentences, and the gzip bytes and
requests of a first visit):

    .venv/bin/python -m tests.spanish_checks

Reading ease is Fernández-Huerta's adaptation of Flesch to Spanish,
206.84 − 60 × syllables per word − 1.02 × words per sentence, with syllables counted here, by the
rules of Spanish spelling: textstat's Spanish counter (pyphen's hyphenation dictionary) gives
agua 1, heroína 3 and adicción 2, which overstates how easy a page is.
"""

from __future__ import annotations

import re
import unicodedata

from tests import content_checks
from tests.content_checks import main_text, read_blocks, term_problems

MIN_READING_EASE = 70.0  # every page: "bastante fácil" on Fernández-Huerta's scale
MIN_MEAN_READING_EASE = 75.0  # the Spanish pages together

# a, e, o always carry their own syllable; so do í and ú (an accent on i or u breaks a diphthong:
# dí-a, o-í-do, ba-úl). Unaccented i and u (and ü) glide into the vowel beside them: a diphthong.
STRONG = set("aeoáéóíú")
WEAK = set("iuü")
VOWELS = STRONG | WEAK
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
SENTENCE_END = re.compile(r"[.!?…]+")


def _letters(word: str) -> str:
    """The word in lower case with ``h`` dropped (it is silent and does not break a vowel run:
    a-ho-ra, pro-hí-be) and a ``y`` read as a vowel only where it ends a syllable (muy, hoy, y)."""
    word = unicodedata.normalize("NFC", word.lower())
    word = re.sub(r"(?<!c)h", "", word)
    return re.sub(r"y(?![aeiouáéíóú])", "i", word)


def syllables(word: str) -> int:
    """Syllables in one Spanish word, by its vowels: each run of vowels is one syllable, plus one for
    each pair of strong vowels side by side in it (a hiatus: le-er, o-í-do). A word with no vowel
    (a number, an initialism such as "DEA" read letter by letter is still counted by its vowels) counts 1."""
    letters = _letters(word)
    count = 0
    previous = ""
    for char in letters:
        if char in VOWELS:
            if not previous:
                count += 1  # a new vowel run
            elif previous in STRONG and char in STRONG:
                count += 1  # hiatus inside the run
            previous = char
        else:
            previous = ""
    return max(count, 1)


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters or digits (1-800-662-4357 is one word, as it is read)."""
    return WORD.findall(text)


def sentences(text: str) -> int:
    """Sentences in ``text``: pieces ending in . ! ? or … (each block of `main_text` ends in one)."""
    return max(1, sum(1 for piece in SENTENCE_END.split(text) if words(piece)))


def reading_ease(text: str) -> float:
    """Fernández-Huerta reading ease of ``text``: 100 is very easy, 70–80 fairly easy, under 60 hard."""
    found = words(text)
    if not found:
        raise ValueError("no words to measure")
    per_word = sum(syllables(w) for w in found) / len(found)
    per_sentence = len(found) / sentences(text)
    return 206.84 - 60 * per_word - 1.02 * per_sentence


def word_count(text: str) -> int:
    """Words in ``text``."""
    return len(words(text))


# Words that stigmatize, with what to say instead (the Spanish of NIDA's "Words Matter"; the
# CDC's and SAMHSA's Spanish pages use the same person-first wording).
STIGMA = {
    r"\badict[oa]s?\b": 'diga "persona con un trastorno por consumo de sustancias"',
    r"\bdrogadict[oa]s?\b": 'diga "persona que consume drogas"',
    r"\btoxicóman[oa]s?\b": 'diga "persona que consume drogas"',
    r"\byonquis?\b|\byonkis?\b": 'diga "persona que consume drogas"',
    r"\bvicios?\b|\bviciosos?\b": 'diga "consumo" o "trastorno por consumo"',
    r"\babuso\s+de\s+(?:las\s+)?(?:drogas|sustancias|opioides|alcohol|heroína)\b": 'diga "consumo de sustancias" o "trastorno por consumo"',
    r"\b(?:limpi|suci)[oa]s?\b": 'para pruebas diga "resultado negativo/positivo"; para personas, "en recuperación"',
    r"\balcohólic[oa]s?\b": 'diga "persona con un trastorno por consumo de alcohol"',
    r"\btratamiento\s+de\s+(?:sustitución|reemplazo)\b": 'diga "medicamentos para el trastorno por consumo de opioides"',
}
# Promises no one can keep.
UNSAFE = {
    r"\bno\s+tiene\s+cura\b|\bincurables?\b|\bsin\s+cura\b": 'diga "crónica y tratable; la recuperación es posible"',
    r"\bgarantí?[a-z]*\b": "ningún tratamiento se puede garantizar",
    r"\bcur(?:a|as|an|ar|ado|ada|ados|adas|arse|ación)\b": "no prometa una cura",
}
RATE = re.compile(
    r"\d\s*(?:%|por\s*ciento\b)|\btasas?\s+de\s+éxito\b|\b(?:\d+|un[oa]?|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)"
    r"\s+de\s+cada\s+(?:\d+|diez|cien)\b",
    re.I,
)


def language_problems(html: str) -> list[str]:
    """Stigmatizing terms in the page's own text; words inside <q> or <cite> (a quoted name) are allowed."""
    return [problem for block in read_blocks(html) for problem in term_problems(block, STIGMA)]


def safety_problems(html: str) -> list[str]:
    """Promises of a cure or a guarantee, and percentages or rates with no source link in their block."""
    return content_checks.safety_problems(html, promises=UNSAFE, rate=RATE)


# /es/sobredosis: a step that says how to help them breathe, and a word that tells the reader to wait.
BREATHING_SUPPORT = re.compile(
    r"\brespiraci[oó]n(?:es)?\b.*\bcada 5 segundos\b|\bRCP\b|\brespiraci[oó]n(?:es)? de rescate\b|\bboca a boca\b",
    re.I,
)
WAIT = re.compile(r"\besper[aeo]\w*", re.I)


def wait_before_breathing(steps: list[str]) -> list[str]:
    """Steps that tell the reader to wait before any step has said how to help the person breathe."""
    return content_checks.wait_before_breathing(steps, BREATHING_SUPPORT, WAIT)


# Naltrexone's warning (CONTENT-FACTS.md): overdose risk is higher after stopping it or missing a
# dose, and it is never grouped with methadone and buprenorphine as lowering that risk.
NALTREXONE_WARNING = re.compile(
    r"\b(?:deja|dejar|deje|olvida|salta|pierde|no toma)\b[^.]*\b(?:sobredosis|dosis)\b", re.I
)
LOWER_RISK = re.compile(
    r"\b(?:bajan?|bajar|reducen?|reducir|menor|menos probable|protegen?)\b[^.]*\bsobredosis\b"
    r"|\bsobredosis\b[^.]*\b(?:baja|bajo|más bajo|menor)\b",
    re.I,
)


def naltrexone_problems(html: str) -> list[str]:
    """Naltrexone named among the medicines that lower overdose risk, or named without its warning."""
    blocks = read_blocks(html)
    problems = [
        f"naltrexona named with lower overdose risk: {block['text'][:80]}"
        for block in blocks
        if "naltrexona" in block["text"].lower() and LOWER_RISK.search(block["text"])
    ]
    named = [b for b in blocks if "naltrexona" in b["text"].lower() and b["tag"] != "h3"]
    if named and not any(NALTREXONE_WARNING.search(b["text"]) for b in named):
        problems.append("naltrexona is named without its overdose warning")
    return problems


def report(app) -> list[tuple[str, float, int, int, int, int]]:
    """(path, reading ease, words, sentences, first-visit gzip bytes, requests) for every Spanish
    catalog page of ``app``: the bytes are the page and what it makes a browser fetch, as the
    budget tests count them."""
    from tests.test_budgets import first_visit

    client = app.test_client()
    rows = []
    for page in app.extensions["catalog"].in_language("es"):
        text = main_text(client.get(page.path).get_data(as_text=True))
        urls, total, _, _ = first_visit(client, page.path)
        rows.append((page.path, reading_ease(text), word_count(text), sentences(text), total, len(urls)))
    return rows


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from app import create_app
    from tests.conftest import base_config

    with tempfile.TemporaryDirectory() as tmp:
        site = create_app(base_config(Path(tmp)))
        rows = report(site)
        print(f"{'page':30} {'F-H':>5} {'words':>5} {'sent.':>5} {'gzip B':>6} {'req.':>4}")
        for path, ease, count, sentence_count, size, requests in rows:
            print(f"{path:30} {ease:5.1f} {count:5d} {sentence_count:5d} {size:6d} {requests:4d}")
        if rows:
            print(f"{'mean':30} {sum(r[1] for r in rows) / len(rows):5.1f}")
