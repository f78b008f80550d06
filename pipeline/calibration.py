"""The probability that a word of the output is wrong, from what the corrector knows of it.

A logistic model over a few features of a word as it stands after correction: Tesseract's
confidence (where there is one), whether the dictionaries and the collection know the word, its
shape, and how close the best other word comes (the corrector's margin). Fit by
``bench/bench_corrector.py`` on the dev collections with labels from the ground truth, and checked
there leave one collection out with a reliability table (of the words given about 0.8, about 80 %
should be wrong). It is in every word's JSON (``p_wrong``) and in ALTO's WC (1 - p), and it is
what flags a word for review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FEATURES", "WrongModel", "DEFAULT_WRONG_MODEL"]

# The features, in order (each 0..1 or a small number; see correct._word_features).
FEATURES = (
    "has_confidence",  # 1 where Tesseract gave a confidence (hOCR, ALTO, process), 0 for plain text
    "confidence",  # Tesseract's word confidence / 100 (0 without one)
    "lexicon",  # log(1 + count in the dictionaries) / 10
    "collection",  # log(1 + count in the collection) / 5
    "unknown",  # neither the dictionaries nor the collection have it as a word
    "capital",  # written with a capital
    "short",  # three letters or fewer
    "not_word",  # letters mixed with digits or symbols, or no letters
    "margin",  # best other word's score over keeping it, /10, clipped to -1..1 (-1: no other word)
    "protected",  # a code, acronym or protected name the corrector never touches
    "low_confidence",  # Tesseract's confidence below 50
    "mid_confidence",  # 50 to 85 (confidence is not linear in accuracy: a step at each end)
    "punctuated",  # punctuation before or after the word (misread punctuation is common)
    "neighbour_doubt",  # 1 - the lower confidence of the words either side / 100 (0 without)
    "collection_unknown",  # share of the collection's words the dictionaries lack (how garbled it is)
)


@dataclass(frozen=True)
class WrongModel:
    """P(word wrong) = sigmoid(intercept + weights . features); flagged for review from ``flag_at``."""

    intercept: float
    weights: tuple[float, ...]
    flag_at: float

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.intercept + sum(w * f for w, f in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Fit by ``bench/bench_corrector.py --fit`` on the words of ehri, synthetic (all four damages) and
# BLN600 (each family weighing the same), in plain text and from Tesseract's reads with their
# confidences, labels from the ground truth. Held out one family at a time the weights move (the
# collection_unknown weight most: three families are few) and the bench prints the reliability of
# each held-out fit. Flagging from 0.3: held out, on the dev pages' reads, half the flagged words
# are wrong and half the wrong words are flagged (0.5 flags fewer, 71 % of them wrong, 46 % found).
DEFAULT_WRONG_MODEL = WrongModel(
    intercept=-1.059,
    weights=(0.149, -1.807, -2.933, -0.574, 1.825, 0.516, 1.667, -1.671, 0.558, -1.028, 2.074, 1.733, 0.52, 1.046, 11.33),
    flag_at=0.3,
)
