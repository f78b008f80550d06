"""Whether the collection uses a form as a word of its own.

Not as a misread of a form it writes far more often ("tlie": "the"), nor as two words it writes
far more often run together ("andthe").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..collection import MIN_COUNT, VARIANT_RATIO
from .channel import channel_logp

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from .corrector import Corrector


# A rival at least this likely as the OCR of the word (one typewriter confusion, e^-8 = 3e-4; two
# cost about e^-12) can make a frequent form its variant.
_VARIANT_CHANNEL = -8.0


def _variant_of(word: str, candidates: Iterable[str], corrector: Corrector) -> list[str]:
    """The candidates the collection writes VARIANT_RATIO times as often as ``word`` that OCR turns
    into it by one typewriter confusion: the forms ``word`` is a misread of."""
    collection = corrector.collection
    assert collection is not None
    count = max(collection.count(word), 1)
    return [c for c in candidates
            if collection.count(c) >= VARIANT_RATIO * count and channel_logp(word, c, corrector) >= _VARIANT_CHANNEL]


def _collection_word(word: str, candidates: Iterable[str], corrector: Corrector) -> bool:
    """Whether the collection uses ``word`` as a word of its own: often enough, and not as the rare
    variant of a form the collection writes far more often that OCR turns into it ("tlie": "the"),
    nor as two words it writes far more often that OCR ran together ("andthe": "and the")."""
    collection = corrector.collection
    if collection is None:
        return False
    return (collection.count(word) >= MIN_COUNT and not _variant_of(word, candidates, corrector)
            and not _run_together(word, corrector))


def _run_together(word: str, corrector: Corrector) -> bool:
    """Whether ``word`` is two words with the space lost: a phrase the dictionaries' corpus writes (as
    often as a split's halves must be written, ``split_min_count``) whose halves the collection
    writes VARIANT_RATIO times as often as ``word``. A repeated OCR slip ("andthe" in 4 of BLN600's
    articles) is not the collection's vocabulary; its compounds ("workhouse": "work house" is no
    phrase of the corpus) and names are."""
    collection = corrector.collection
    assert collection is not None
    lex = corrector.lexicon
    if lex.counts.get(word, 0):
        return False  # (the dictionaries' words are never split: _try_split)
    often = VARIANT_RATIO * collection.count(word)
    return any(lex.bigrams.get(f"{a} {b}", 0) >= corrector.settings.split_min_count
               and collection.count(a) >= often and collection.count(b) >= often
               for a, b in _split_halves(word, corrector))


def _split_halves(low: str, corrector: Corrector) -> Iterator[tuple[str, str]]:
    """The ways to cut ``low`` into two words a split may make: each half written at least
    ``split_min_count`` times, and no lone letter but "a" and "i"."""
    counts, least = corrector.lexicon.counts, corrector.settings.split_min_count
    for i in range(1, len(low)):
        a, b = low[:i], low[i:]
        if counts.get(a, 0) >= least and counts.get(b, 0) >= least and (len(a) > 1 or a in "ai") and (len(b) > 1 or b in "ai"):
            yield a, b
