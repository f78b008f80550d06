"""The language model: log P(word | left) + log P(right | word).

With the prior that a word the dictionaries lack is right as read, and how the collection moves it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .candidates import _collection_forms

if TYPE_CHECKING:
    from ..collection import CollectionModel
    from ..lexicon import Lexicon
    from .corrector import Corrector
    from .settings import Settings


def _unknown_prior(corrector: Corrector, capital: bool = False) -> float:
    """The log prior that a word the dictionaries lack is right as read, in this collection."""
    s = corrector.settings
    return (s.oov_capital if capital else s.oov_lower) + corrector.oov_shift


# Three letters or fewer: a fragment's or an abbreviation's spelling says little (short_extra
# already asks more of a change to one).
SHORT_WORD = 3


def _compound(word: str, corrector: Corrector) -> bool:
    """Whether a form is two words the dictionaries trust, written as one ("washhouse",
    "tenpence"): spelt as words are, whatever its joint looks like."""
    counts, trusted = corrector.lexicon.counts, corrector.settings.trusted_count
    return any(counts.get(word[:i], 0) >= trusted and counts.get(word[i:], 0) >= trusted for i in range(3, len(word) - 2))


def _unknown_prior_of(word: str, corrector: Corrector, capital: bool, lower_case: bool) -> float:
    """``_unknown_prior`` for this form: lower where it is written in lower case and spelt as no
    word is."""
    prior = _unknown_prior(corrector, capital)
    s = corrector.settings
    if s.shape_weight and lower_case and len(word) > SHORT_WORD and word.isalpha() and not _compound(word, corrector):
        shape = corrector.lexicon.shape
        odd = shape.log_prob(word) - shape.reference * (len(word) + 1)  # below a rare word spelt so long
        prior += max(-s.shape_floor, min(0.0, s.shape_weight * odd))
    return prior


# The share of unknown forms written once is taken as if this many more tokens at the reference
# share had been seen: a page or two say little about how garbled a collection is.
_OOV_PSEUDO_TOKENS = 1000


def collection_oov_shift(collection: CollectionModel, lexicon: Lexicon, settings: "Settings") -> float:
    """What to add to the unknown-word priors for a collection: log(reference share / the
    collection's share of tokens that are unknown forms written once) where that is below 0, at
    least -oov_shift_max."""
    reference, most = settings.oov_reference_once, settings.oov_shift_max
    if not most or reference <= 0:
        return 0.0
    counts = lexicon.counts
    once = sum(1 for form, n in collection.counts.items() if n == 1 and form not in counts)
    share = (once + reference * _OOV_PSEUDO_TOKENS) / (collection.tokens + _OOV_PSEUDO_TOKENS)
    return max(-most, min(0.0, math.log(reference / share)))


def _lm(word: str, left: str | None, right: str | None, corrector: Corrector, oov: float | None = None) -> float:
    """log P(word | left) + log P(right | word); ``oov`` is the log prior used when word is unknown."""
    lex = corrector.lexicon
    count = lex.counts.get(word, 0)
    collection = corrector.collection
    if count:
        p_word = count / lex.total
        collection_mu = corrector.settings.collection_mu
        if collection_mu and collection is not None:
            p_word = (collection.count(word) + collection_mu * p_word) / (collection.tokens + collection_mu)
    elif word in _collection_forms(corrector)[0]:
        # A word of the collection's own (a name it repeats): as probable as it is frequent there,
        # discounted against the dictionaries' words.
        assert collection is not None
        p_word = COLLECTION_WEIGHT * collection.count(word) / collection.tokens
    else:
        p_word = math.exp(oov if oov is not None else _unknown_prior(corrector))
    mu = corrector.settings.mu
    score = 0.0
    if left is not None:
        big = lex.bigrams.get(f"{left} {word}", 0)
        score += math.log((big + mu * p_word) / (lex.counts.get(left, 0) + mu))
    else:
        score += math.log(p_word)
    if right is not None:
        p_right = (lex.counts.get(right, 0) + 0.5) / lex.total
        big = lex.bigrams.get(f"{word} {right}", 0)
        score += math.log((big + mu * p_right) / (count + mu)) - math.log(p_right)
    return score


# The collection's own words are candidates with this share of their frequency in the collection.
COLLECTION_WEIGHT = 0.1
