"""The corrector. (Foundation version: a deliberately timid first pass that only fixes a word when
exactly one dictionary word is one edit away and that word is common; issue "corrector" replaces
the scoring with the period-tuned noisy channel behind the same names.)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from symspellpy import SymSpell, Verbosity

from .model import Change, Line, Page, Word
from .options import CorrectOptions

__all__ = ["Corrector", "load_corrector", "correct_page", "page_from_text"]

_WORD = re.compile(r"^([\"'(\[]*)([A-Za-z]+)([\"')\].,;:!?]*)$")


@dataclass
class Corrector:
    symspell: SymSpell
    known: frozenset[str]
    protected: frozenset[str]


@functools.lru_cache(maxsize=4)
def _bundled_symspell() -> SymSpell:
    sym = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    sym.load_dictionary(str(path), term_index=0, count_index=1)
    return sym


def load_corrector(
    options: CorrectOptions, known: frozenset[str] = frozenset(), protected: frozenset[str] = frozenset()
) -> Corrector:
    return Corrector(symspell=_bundled_symspell(), known=known, protected=protected)


def _fix_word(text: str, corrector: Corrector) -> tuple[str, float] | None:
    match = _WORD.match(text)
    if not match:
        return None
    lead, core, trail = match.groups()
    if len(core) < 6 or core in corrector.protected or core.lower() in corrector.known:
        return None
    if not core.islower():
        return None  # capitalised words may be names, upper case acronyms: leave them all
    lower = core.lower()
    if lower in corrector.symspell.words:
        return None
    hits = corrector.symspell.lookup(lower, Verbosity.ALL, max_edit_distance=1)
    if len(hits) != 1 or hits[0].count < 100_000:
        return None
    fixed = hits[0].term
    return lead + fixed + trail, 1.0 / (1 + len(hits))


def correct_page(page: Page, corrector: Corrector, skip: frozenset[tuple[int, int]] = frozenset()) -> Page:
    """Return a corrected copy of ``page``; every change recorded, positions in ``skip`` untouched."""
    changes = list(page.changes)
    lines: list[Line] = []
    for li, line in enumerate(page.lines):
        words: list[Word] = []
        for wi, word in enumerate(line.words):
            fixed = None if (li, wi) in skip else _fix_word(word.text, corrector)
            if fixed is None:
                words.append(word)
                continue
            new_text, score = fixed
            words.append(word.model_copy(update={"text": new_text}))
            changes.append(Change(line=li, word=wi, original=word.text, new=new_text, source="lexicon", score=score))
        lines.append(line.model_copy(update={"words": words}))
    return page.model_copy(update={"lines": lines, "changes": changes})


def page_from_text(text: str, source: str) -> Page:
    """A Page from existing OCR text (no boxes, no confidences): a Line per text line, blocks at blank lines."""
    lines: list[Line] = []
    block = 0
    for raw in text.splitlines():
        tokens = raw.split()
        if not tokens:
            if lines and lines[-1].block == block:
                block += 1
            continue
        lines.append(Line(words=[Word(text=t) for t in tokens], block=block))
    return Page(source=source, lines=lines)
