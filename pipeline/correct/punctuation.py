"""Punctuation slips around known words: stray full stops, a comma for a full stop, "rates.on", a blotted "a"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .tokens import _CORE, _TITLES, _Tok

if TYPE_CHECKING:
    from .corrector import Corrector


# Punctuation inside a run of two words ("rates.on", "is'also", "inspection,and").
_INNER_PUNCT = re.compile(r"^([A-Za-z]+)([.,:;']{1,2})([a-z]+)$")
# Abbreviations that end in a period mid-sentence; a period after them is no slip.
_ABBREVIATIONS = frozenset(
    "etc viz cf vs approx ibid op cit pp para paras ref refs tel telno no nos vol vols art arts sect fig figs govt dept "
    "jan feb mar apr aug sep sept oct nov dec esq sr jr co corp inc ltd ave nr encl".split()
) | _TITLES
# Words prose never ends a clause with, so no comma follows them (a parenthesis aside: "in, say,
# 1939"): articles, prepositions, determiners that need their noun ("their own", "this time"),
# "very" and "than", and the conjunctions that join what follows them. ("her", "his" and "that"
# also end clauses: "to her, and".)
_NO_COMMA_AFTER = frozenset(
    "a an the to of in on at by for from with into onto upon about against between among through during under "
    "over without within towards toward my your its our their this these those very than and or nor".split()
)
# Words that start a sentence: after one of them, a comma before is a misread period.
_SENTENCE_STARTERS = frozenset("The It We In This These They There Our He She However Thus Moreover Furthermore".split())
# Lower-cased, these often begin a sentence whose capital OCR lost: a full stop before them stays.
_STARTER_WORDS = frozenset(
    "the it we in this that these they there our he she however thus moreover furthermore and but as at "
    "for if when while after before since so yet a an all some many my his her i what which one finally".split()
)


def _fix_punctuation(tok: _Tok, block: list[_Tok], i: int, corrector: Corrector) -> str | None:
    """Undo punctuation slips around a known word, or None. Only where the words around say so."""
    s = corrector.settings
    counts = corrector.lexicon.counts
    nxt = block[i + 1] if i + 1 < len(block) else None
    prev = block[i - 1] if i > 0 else None
    if tok.text in ("«", "@") and prev is not None and nxt is not None and s.blot_article:
        # A lone "«" or "@" between two lower-case words is the article "a" with a blot.
        if prev.ctx and not prev.trail and prev.core.islower() and nxt.ctx and nxt.core.islower():
            return "a"
        return None
    m = _INNER_PUNCT.match(tok.core)
    if m and tok.core.lower() not in counts:
        a, mark, b = m.groups()
        # Two real words of two letters or more ("U.s." and "e.g" are abbreviations, not slips).
        if (
            len(a) >= 2
            and len(b) >= 2
            and a.lower() not in _ABBREVIATIONS
            and counts.get(a.lower(), 0) >= s.punct_min_count
            and counts.get(b, 0) >= s.punct_min_count
        ):
            # A comma there is a comma whose space was lost: in BLN600's OCR text, where both words
            # are right, its ground truth has "a, b" 22 times and "a b" twice ("against,him",
            # "when,the"); the German dev pages' raw text 28 and 0. Not after an article or a
            # preposition, which prose never ends a clause with: a speck there (EHRI's "to,me").
            # Other marks are specks where the space was ("for.the": "a b" 45 times in BLN600, "a.
            # b" never; "said'the" 122 and 1).
            comma = mark == "," and a.lower() not in _NO_COMMA_AFTER
            return f"{tok.lead}{a}{', ' if comma else ' '}{b}{tok.trail}"
    core = tok.core
    if (
        s.stop_read_as_e
        and nxt is not None
        and core.endswith("e")
        and core.islower()
        and len(core) >= 5
        and not tok.trail
        and core not in counts
        and counts.get(core[:-1], 0) >= s.punct_min_count
        and nxt.ctx
        and nxt.core[:1].isupper()
        and not nxt.core.isupper()
        and not nxt.lead
    ):
        # A typed full stop read as an "e" stuck to the word, before a new sentence ("was closede
        # People should", "more severee Agricultural"). Lower-case words only: "Simone Veil".
        return f"{tok.lead}{core[:-1]}."
    if not _CORE.match(tok.core) or counts.get(tok.core.lower(), 0) < s.punct_min_count or nxt is None:
        return None
    if tok.core.isupper() or tok.core.lower() in _ABBREVIATIONS or nxt.lead or not _CORE.match(nxt.core):
        return None
    # "the. common": a full stop before a lower-case word, after a word that is no abbreviation.
    if (
        tok.trail == "."
        and nxt.line == tok.line  # a line may start with a garble of a capital
        and nxt.core[:1].islower()
        and len(tok.core) >= 3
        and nxt.core not in _STARTER_WORDS
        and counts.get(nxt.core, 0) >= s.punct_min_count
    ):
        return tok.lead + tok.core
    # "reflection, Time and": a comma before a word that starts sentences.
    if tok.trail == "," and nxt.core in _SENTENCE_STARTERS and nxt.line == tok.line:
        return tok.lead + tok.core + "."
    return None
