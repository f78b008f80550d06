"""Accuracy as EVALUATION.md defines it: normalise, then character and word Levenshtein distances
summed over pages and divided by the ground truth's length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

__all__ = ["normalise", "Score", "score_page", "total"]

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2013": "-", "\u2014": "-", "~": " "})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Typographic quotes to ASCII, en/em dashes to '-', '~' to a space, whitespace runs to one space."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True)
class Score:
    char_errors: int
    chars: int
    word_errors: int
    words: int

    @property
    def cer(self) -> float:
        return self.char_errors / self.chars if self.chars else 0.0

    @property
    def wer(self) -> float:
        return self.word_errors / self.words if self.words else 0.0

    def __add__(self, other: "Score") -> "Score":
        return Score(
            self.char_errors + other.char_errors,
            self.chars + other.chars,
            self.word_errors + other.word_errors,
            self.words + other.words,
        )


def score_page(output: str, ground_truth: str) -> Score:
    hyp, ref = normalise(output), normalise(ground_truth)
    hyp_words, ref_words = hyp.split(), ref.split()
    return Score(
        char_errors=Levenshtein.distance(hyp, ref),
        chars=len(ref),
        word_errors=Levenshtein.distance(hyp_words, ref_words),
        words=len(ref_words),
    )


def total(scores: list[Score]) -> Score:
    result = Score(0, 0, 0, 0)
    for s in scores:
        result = result + s
    return result
