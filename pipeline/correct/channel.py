"""The channel: how likely is this OCR form for that word?

The built-in prior of typewriter OCR's confusions, the learned counts on top of it, and what
approved decisions add to them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from ..lexicon import confusion_chunks

if TYPE_CHECKING:
    from collections.abc import Iterable
    from .corrector import Corrector


# Typical typewriter OCR confusions, (truth, ocr): a prior for the learned weights, so that the
# corrector knows them even for a typewriter the dev set never showed it.
_PRIOR_CONFUSIONS = {
    ("e", "c"), ("c", "e"), ("m", "rn"), ("rn", "m"), ("d", "cl"), ("cl", "d"), ("h", "li"), ("li", "h"),
    ("h", "n"), ("n", "h"), ("l", "1"), ("1", "l"), ("l", "i"), ("i", "l"), ("o", "0"), ("0", "o"),
    ("en", "ch"), ("ch", "en"), ("m", "in"), ("in", "m"), ("n", "u"), ("u", "n"), ("a", "e"), ("e", "a"),
    ("s", "a"), ("a", "s"), ("o", "c"), ("c", "o"), ("o", "e"), ("e", "o"), ("i", "1"), ("t", "f"), ("f", "t"),
    ("l", "t"), ("t", "l"), ("b", "h"), ("h", "b"), ("w", "vv"), ("m", "nn"), ("g", "q"), ("q", "g"),
    ("g", "s"), ("g", "z"), ("p", "v"), ("q", "o"), ("q", "c"), ("u", "a"), ("r", "t"), ("s", "e"),
    ("i", "j"), ("j", "i"), ("s", "5"), ("b", "6"), ("a", "o"), ("ri", "n"), ("n", "ri"), ("ni", "m"),
    ("i", ""), ("l", ""), ("h", "ii"), ("h", "li"), ("n", "ii"), ("u", "ii"),
}


# One reviewer's decision (OCR form -> replacement) is one observation of each of its character
# confusions, no more: bench_corrector.py --decisions on BLN600 (ground truth deciding the flagged
# words of half the articles, 3,217 approvals) gains most at 1 (CER of the other half 6.19 % with the
# overrides alone -> 6.13 %; 6.14 % at 3, 6.18 % at 10, which over-trusts each decision).
DECISION_WEIGHT = 1


def _slips(truth: str, ocr: str) -> list[tuple[str, str]]:
    """The character confusions (three letters a side at most) that make ``ocr`` of ``truth``, both
    lower case; none where the two are too far apart for one misread word (a rewording, which says
    nothing about characters)."""
    if ocr == truth or Levenshtein.distance(ocr, truth) > max(2, len(truth) // 3):
        return []
    return [(t, o) for t, o in confusion_chunks(truth, ocr) if len(t) <= 3 and len(o) <= 3]


def decided_confusions(
    confusions: dict[tuple[str, str], tuple[int, int]], decisions: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """The confusion table with the confusions of approved corrections (ocr, replacement) added."""
    extra: dict[tuple[str, str], int] = {}
    for ocr, truth in decisions:
        for slip in _slips(truth.lower(), ocr.lower()):
            extra[slip] = extra.get(slip, 0) + 1
    if not extra:
        return confusions
    table = dict(confusions)
    for key, n in extra.items():
        count, total = table.get(key, (0, 0))
        table[key] = (count + DECISION_WEIGHT * n, total + DECISION_WEIGHT * n)
    return table


def _chunk_logp(t: str, o: str, corrector: Corrector) -> float:
    s = corrector.settings
    conf = corrector.lexicon.confusions
    if corrector._reads:
        corrector._reads[-1].confusions.add((t, o))
    learned = conf.get((t, o))
    prior = s.prior_p if (t, o) in _PRIOR_CONFUSIONS else 0.0
    if learned is not None or prior:
        n, total = learned if learned is not None else (0, 0)
        p = (n + s.prior_weight * prior) / (total + s.prior_weight)
        if p > 0:
            return math.log(p)
    # Unknown stretch: split into single-character edits at the generic rates.
    if len(t) == len(o):
        return len(t) * math.log(s.generic_sub)
    common = min(len(t), len(o))
    return common * math.log(s.generic_sub) + (abs(len(t) - len(o))) * math.log(s.generic_indel)


def channel_logp(ocr: str, truth: str, corrector: Corrector) -> float:
    """log P(OCR wrote ``ocr`` | the page said ``truth``), both lower case."""
    if ocr == truth:
        return 0.0
    return sum(_chunk_logp(t, o, corrector) for t, o in confusion_chunks(truth, ocr))
