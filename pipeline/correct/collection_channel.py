"""The channel learned from the collection: confusions its own words show more often than expected.

Another OCR engine's slips (BLN600's newspapers: "li" for "h", "ii" for "n"), learned for
``Corrector.with_collection``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from .candidates import _candidates, _collection_forms
from .channel import _chunk_logp, _slips, channel_logp
from .language import LANGUAGE_COMMON, LANGUAGE_KNOWN, _collection_language_fit
from .language_model import _unknown_prior
from .reads import reading

if TYPE_CHECKING:
    from .corrector import Corrector


# A rate learned from k slips is taken as (k - sqrt(k)) / occurrences, a standard deviation below what
# was seen: one or two slips in a small collection say nothing (one slip: rate 0).
def collection_confusions(corrector: Corrector) -> dict[tuple[str, str], tuple[int, int]]:
    """The character confusions that the collection's own words show more often than the channel
    expects: each form the dictionaries lack whose best dictionary word (its unigram prior and the
    channel, without context) clears the corrector's bars is counted as that word misread, once for
    each document that writes it; a confusion's rate is its count over the occurrences of the
    letters in the collection (a standard deviation below what was seen), and it replaces the
    channel's where higher. As (count, total) entries of the confusion table.

    Other people's OCR makes slips that Tesseract on typewriting seldom makes (BLN600's newspapers:
    "li" for "h", "ii" for "n", "b" for "h"), so a garble of three such slips stayed as read."""
    collection = corrector.collection
    assert collection is not None
    # Only from a collection in the dictionaries' language by both of foreign_language's bars: the
    # words of another language (or of many pages of one, in a mixed folder) are no slips.
    _n, known_share, common_share = _collection_language_fit(corrector)
    if known_share < LANGUAGE_KNOWN or common_share < LANGUAGE_COMMON:
        return {}
    s, lex = corrector.settings, corrector.lexicon
    keep = _unknown_prior(corrector)
    slips: Counter[tuple[str, str]] = Counter()
    read_as: dict[str, str] = {}  # form -> the dictionary word it is taken for
    own = _collection_forms(corrector)[0]
    with reading(corrector):  # (what this asks is the collection's, not a page's)
        for form, n in collection.counts.items():
            # The collection's own words and names (mostly capitalised) are no slips, and a form
            # counts once a document it is in: a garble repeated on one page is one slip repeated.
            if (form in lex.counts or len(form) < 3 or not form.isalpha() or form in own
                    or 2 * collection.capitalised[form] > n):
                continue
            n = min(n, collection.documents[form])
            scored = sorted(((math.log(lex.counts[c] / lex.total) + channel_logp(form, c, corrector), c)
                             for c in _candidates(form, None, corrector, collection=False) if c in lex.counts), reverse=True)
            if not scored:
                continue
            best, word = scored[0]
            runner = scored[1][0] if len(scored) > 1 else -math.inf
            found = _slips(word, form) if best - keep >= s.accept and best - runner >= s.ambiguity else []
            if found:
                read_as[form] = word
            for slip in found:
                slips[slip] += n
        if not slips:
            return {}
        # how often each truth stretch occurs in the collection's words, as the pass above reads them
        # ("": once a word, an insertion)
        wanted = {t for t, _o in slips if t}
        lengths = sorted({len(t) for t in wanted})
        occurrences: Counter[str] = Counter()
        words = 0
        for form, n in collection.counts.items():
            n = min(n, collection.documents[form])  # counted as the slips are
            words += n
            word = read_as.get(form, form)
            for size in lengths:
                for i in range(len(word) - size + 1):
                    if word[i:i + size] in wanted:
                        occurrences[word[i:i + size]] += n
        learned = {}
        for (t, o), k in slips.items():
            rate = (k - math.sqrt(k)) / max(1, occurrences[t] if t else words)
            if rate > math.exp(_chunk_logp(t, o, corrector)):
                learned[(t, o)] = (round(rate * _RATE_SCALE), _RATE_SCALE)
    return learned


# (count, total) of a learned rate: a total this large makes the prior's pseudo-counts vanish.
_RATE_SCALE = 10**9
