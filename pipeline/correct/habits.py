"""Spelling habits: the edits by which a collection consistently spells dictionary words its own way.

An early printed book's final e ("tolde", "soone") is no misreading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from ..collection import MIN_COUNT
from .candidates import _collection_state, _symspell
from .channel import channel_logp
from .collection_words import _VARIANT_CHANNEL

if TYPE_CHECKING:
    from .corrector import Corrector


# A spelling is the collection's habit, not a misreading, where it writes this many different words
# so, each consistently (3 times or more, in 2 documents, never the dictionaries' form more often),
# by an edit that is no typewriter confusion: an early printed book's "tolde", "soone", "kinge",
# "shoulde", "waye" (a final e). OCR's slips are not consistent: BLN600's "wvas" and "hle" recur, but
# "was" and "he" far more often, and no other pattern of its text gives more than 2 such words
# (names: "Griffiths", "Abrahams"). A typewriter's clogged "e" read as "c" everywhere ("thc", "hcr")
# is consistent, but it is a confusion the channel knows, so it stays a misreading.
SPELLING_HABIT_WORDS = 5


def _edit_pattern(word: str, form: str) -> tuple[str, str, str, str] | None:
    """The one edit that turns ``word`` into ``form`` (kind, letters before, after, and where in
    the word: start, middle or end), or None where it takes more than one."""
    ops = [op for op in Levenshtein.opcodes(word, form) if op.tag != "equal"]
    if len(ops) != 1:
        return None
    op = ops[0]
    where = "end" if op.src_end == len(word) else "start" if op.src_start == 0 else "middle"
    return op.tag, word[op.src_start : op.src_end], form[op.dest_start : op.dest_end], where


def spelling_habits(corrector: Corrector) -> dict[tuple[str, str, str, str], tuple[str, ...]]:
    """The edits by which the collection consistently spells dictionary words its own way (see
    SPELLING_HABIT_WORDS), each with the dictionary words it spells so. Cached on the collection
    model until it grows."""
    collection = corrector.collection
    if collection is None:
        return {}
    key = _collection_state(corrector)
    cached = getattr(collection, "_spelling_habits", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    counts = corrector.lexicon.counts
    words: dict[tuple[str, str, str, str], set[str]] = {}
    # Worked out once per collection, not for the decision that first asks: the dependencies name
    # the habits as a whole (dependencies.dependency_base), not the confusions looked up here.
    reads, corrector._reads = corrector._reads, []
    try:
        for form, n in collection.counts.items():
            if n < MIN_COUNT or collection.documents[form] < 2 or form in counts or not form.isalpha():
                continue
            near = _symspell(form, corrector, 1)
            if not near:
                continue
            word = max((w for w, _d in near), key=lambda w: (counts.get(w, 0), w))
            pattern = _edit_pattern(word, form)
            if pattern is not None and n >= collection.count(word) and channel_logp(form, word, corrector) < _VARIANT_CHANNEL:
                words.setdefault(pattern, set()).add(word)
    finally:
        corrector._reads = reads
    habits = {p: tuple(sorted(ws)) for p, ws in words.items() if len(ws) >= SPELLING_HABIT_WORDS}
    collection._spelling_habits = (key, habits)
    return habits


def describe_edit(pattern: tuple[str, str, str, str]) -> str:
    """An edit of ``_edit_pattern`` in words: "e added at the end", "u written v at the start"."""
    kind, before, after, where = pattern
    at = {"start": "at the start", "middle": "inside the word", "end": "at the end"}[where]
    if kind == "insert":
        return f"{after} added {at}"
    if kind == "delete":
        return f"{before} left out {at}"
    return f"{before} written {after} {at}"


def _spelling_habit(word: str, best: str, corrector: Corrector) -> bool:
    """Whether ``word`` is ``best`` spelled by one of the collection's habits, and the collection
    writes ``best`` no more often than ``word`` ("feare" in a book of "tolde" and "soone")."""
    habits = spelling_habits(corrector)
    if not habits:
        return False
    assert corrector.collection is not None
    return (_edit_pattern(best, word) in habits
            and corrector.collection.count(best) <= corrector.collection.count(word))
