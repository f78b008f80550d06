"""Accuracy as EVALUATION.md defines it: normalise, then character and word Levenshtein distances
summed over pages and divided by the ground truth's length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

__all__ = ["normalise", "Score", "score_page", "total", "CorrectorCounts", "corrector_counts"]

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


@dataclass(frozen=True)
class CorrectorCounts:
    """What a corrector did to the words of a page, judged against the ground truth."""

    fixed: int = 0  # wrong in the OCR, right after correction
    damaged: int = 0  # right in the OCR, wrong after correction
    changed_wrong: int = 0  # wrong in the OCR, changed, still wrong
    missed: int = 0  # wrong in the OCR, left as it was
    right: int = 0  # right in the OCR (damaged ones included)
    changed: int = 0  # every OCR word the corrector changed

    def __add__(self, other: "CorrectorCounts") -> "CorrectorCounts":
        return CorrectorCounts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.fixed, self.damaged, self.changed_wrong, self.missed, self.right, self.changed)


def _align_to(ref: list[str], hyp: list[str]) -> list[str | None]:
    """For each word of ``ref``, the word of ``hyp`` aligned to it (None where there is none).

    Words that moved into a many-to-many replacement are paired position by position when the
    stretch has the same length, and with the joined stretch otherwise (a split or joined word).
    """
    out: list[str | None] = [None] * len(ref)
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(ref, hyp):
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            for k in range(a1 - a0):
                out[a0 + k] = hyp[b0 + k]
        elif tag == "replace":
            joined = " ".join(hyp[b0:b1])
            for k in range(a0, a1):
                out[k] = joined
    return out


def corrector_counts(ocr: str, corrected: str, ground_truth: str) -> CorrectorCounts:
    """Count fixed, damaged, changed-but-still-wrong and missed words (EVALUATION.md).

    The OCR words are aligned to the ground truth, and the corrected words to the OCR words; each
    OCR word then has its truth and its corrected form. Texts are normalised first. Words that a
    split or join turned into several are compared as the joined stretch.
    """
    o = normalise(ocr).split()
    c = normalise(corrected).split()
    g = normalise(ground_truth).split()
    truth = _align_to(o, g)
    after = _align_to(o, c)
    fixed = damaged = changed_wrong = missed = right = changed = 0
    for i, word in enumerate(o):
        t, a = truth[i], after[i]
        new = a if a is not None else ""
        was_right = t is not None and t == word
        is_changed = new != word
        is_right = t is not None and new == t
        changed += is_changed
        if was_right:
            right += 1
            if is_changed and not is_right:
                damaged += 1
        elif is_changed:
            if is_right:
                fixed += 1
            else:
                changed_wrong += 1
        else:
            missed += 1
    return CorrectorCounts(fixed, damaged, changed_wrong, missed, right, changed)
