"""The page-language check: whether a page reads as the dictionaries' language.

Where it does not, a step says so and the page is left as read.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from ..model import LANGUAGE_STEP, Step

if TYPE_CHECKING:
    from ..lexicon import Lexicon
    from .corrector import Corrector
    from .tokens import _Tok


# Whether a page reads as the dictionaries' language, from its words of two letters or more: the share
# the dictionaries know and the share among their commonest words (the function words). Raw Tesseract
# text of the dev pages, with the shipped English dictionaries (bench/bench_language.py): English pages
# (ehri, synthetic) know 0.92 or more of their words and have 0.31 or more among the 50 commonest;
# German pages 0.39 and 0.08 at most. Each bar sits halfway, and a page is left alone only where both
# say it is not the dictionaries' language. Held out: Danish pages know 0.51 and 0.12 at most (all 36
# left alone); of BLN600's 480 articles of 19th-century English OCR, 5 read so badly that they are
# (30 of the corrector's 3,953 fixes there). German and Danish corrected as if --lang were forgotten:
# no page worse (39 of 56 and 25 of 36 without the test).
LANGUAGE_KNOWN = 0.66
LANGUAGE_COMMON = 0.20
# Fewer words than this say too little (one word moves a share by more than 6 points): the
# collection's words decide, or, without one, the page is taken as the dictionaries' language. (No
# dev page is this short: a guess.)
LANGUAGE_MIN_WORDS = 15
_LANGUAGE_WORD = re.compile(r"^[^\W\d_]{2,}$")


def language_fit(forms: Counter[str], lexicon: Lexicon) -> tuple[int, float, float]:
    """Words (lower case, two letters or more, with their counts): how many, the share the dictionaries
    know, the share among their commonest words."""
    n = sum(forms.values())
    if not n:
        return 0, 0.0, 0.0
    known = sum(c for w, c in forms.items() if w in lexicon.counts)
    common = sum(c for w, c in forms.items() if w in lexicon.commonest)
    return n, known / n, common / n


def _collection_language_fit(corrector: Corrector) -> tuple[int, float, float]:
    """``language_fit`` of the collection's words, worked out once for this corrector (a view for the
    collection in one state, as ``collection_unknown`` is)."""
    if not corrector._collection_fit:
        words = Counter({w: c for w, c in corrector.collection.counts.items() if _LANGUAGE_WORD.match(w)})
        corrector._collection_fit.append(language_fit(words, corrector.lexicon))
    return corrector._collection_fit[0]


def foreign_language(blocks: list[list[_Tok]], corrector: Corrector) -> Step | None:
    """Where a page's words (its ``blocks`` of tokens) are mostly not the dictionaries' language
    (German read with English dictionaries: correcting it would turn its words into English ones), a
    step saying so; None where they are, or too few to tell."""
    words = Counter(t.core.lower() for block in blocks for t in block if _LANGUAGE_WORD.match(t.core))
    n, known, common = language_fit(words, corrector.lexicon)
    if n < LANGUAGE_MIN_WORDS and corrector.collection is not None:
        n, known, common = _collection_language_fit(corrector)
    if n < LANGUAGE_MIN_WORDS or known >= LANGUAGE_KNOWN or common >= LANGUAGE_COMMON:
        return None
    return Step(
        name=LANGUAGE_STEP,
        params={"words": n, "known": round(known, 3), "common": round(common, 3)},
        reason=(f"left as read by the corrector: {known:.0%} of its words are in the dictionaries and {common:.0%} among "
                f"their commonest (text in their language: about 90 % and 30 % or more). Another language? Give --lang for it, and "
                "--dictionaries built for it with `ocrfix dictionary build`"),
    )
