"""The probability that a word of the output is wrong, from what the corrector knows of it.

A logistic model over a few features of a word as it stands after correction: Tesseract's
confidence (where there is one), whether the dictionaries and the collection know the word, its
shape, and how close the best other word comes (the corrector's margin). Fit by
``bench/bench_corrector.py`` on the dev collections with labels from the ground truth, and checked
there leave one collection out with a reliability table (of the words given about 0.8, about 80 %
should be wrong). It is in every word's JSON (``p_wrong``) and in ALTO's WC (1 - p), and it is
what flags a word for review. Where no corrector ran (a language the dictionaries do not know, or
--no-correct), a second, smaller model judges each word from its read alone (``READ_FEATURES``: Tesseract's
confidence, its word list for the language, whether the two reads of the line agree, the word's
shape), fit the same way on the German, Danish and English dev reads (``bench/bench_review.py
--fit``); only where Tesseract has no word list for the language is there no probability, and a low
confidence flags a word instead (``flag_doubtful``). Either way the words flagged in the JSON are
exactly the review queue.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Container
from dataclasses import dataclass

from .model import Page, Word
from .tokens import has_text, split_token

__all__ = ["FEATURES", "WrongModel", "DEFAULT_WRONG_MODEL", "READ_FEATURES", "DEFAULT_READ_MODEL", "read_features", "page_read_features", "assess_read", "logistic", "DOUBT_CONFIDENCE", "DOUBT_ANY", "DOUBT_UNKNOWN", "doubtful", "disputed", "flag_doubtful"]

# The features, in order (each 0..1 or a small number; see correct.assess.word_features).
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
    "unknown_confident",  # unknown x confidence: a confident read of an unknown word is a name more often
    "known_confident",  # lexicon x confidence
    "punctuated_confident",  # punctuated x confidence
    "comma_before_sentence",  # a comma before a word with a capital the corpus rarely gives it mid-sentence
    "stop_before_small",  # a full stop (no abbreviation's) before a word in small letters
    "odd_case",  # a capital the corpus rarely gives the word mid-sentence, or a small letter it nearly always capitalises
)


@dataclass(frozen=True)
class WrongModel:
    """P(word wrong) = sigmoid(intercept + weights . features); flagged for review from ``flag_at``."""

    intercept: float
    weights: tuple[float, ...]
    flag_at: float

    def probability(self, features: tuple[float, ...]) -> float:
        return logistic(self.intercept, self.weights, features)


def logistic(intercept: float, weights: tuple[float, ...], features: tuple[float, ...]) -> float:
    """sigmoid(intercept + weights . features), the exponent clipped (no overflow at the extremes)."""
    z = intercept + sum(map(operator.mul, weights, features))  # map: a third of the time of a generator
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Fit by ``bench/bench_corrector.py --fit`` on the words of ehri, synthetic (all four damages) and
# BLN600 (each family weighing the same), in plain text and from Tesseract's reads with their
# confidences, labels from the ground truth. Held out one family at a time the weights move (the
# collection_unknown weight most: three families are few) and the bench prints the reliability of
# each held-out fit. The last three features (a comma before a sentence, a stop before a small word,
# an odd capital) took weights of 1.6-3.4 in every held-out fit; with them, held out, the reads'
# wrong words flagged at 0.2 went from 60 to 63 % (49 % of the flags wrong either way), the text's
# from 58 to 60 % (70 %). Flagging from 0.22, the lowest bar at which, held out, at least half the
# flags on the reads are wrong: 62 % of the wrong words flagged, 52 % of the flags wrong (text: 59
# and 71 %); most of the wrong words it misses are dictionary words Tesseract was sure of.
DEFAULT_WRONG_MODEL = WrongModel(
    intercept=-0.23,
    weights=(0.448, -1.556, -3.383, -0.322, 1.904, 0.275, 1.684, -1.608, 1.155, -1.03, 1.856, 1.825, 0.25, 0.849, 9.71,
             -1.622, -0.375, 0.617, 2.197, 3.34, 2.091),
    flag_at=0.22,
)


# The features of a word judged from its read alone, where no corrector runs (a language the
# dictionaries do not know, or --no-correct), in order; see read_features.
READ_FEATURES = (
    "confidence",  # Tesseract's word confidence / 100
    "low_confidence",  # below 50
    "mid_confidence",  # 50 to 85
    "known",  # Tesseract's word list for the language has it (half of a word hyphenated at a line's end: the whole)
    "known_confident",  # known x confidence
    "disputed",  # the two reads of its line read it differently (Word.other_read)
    "disputed_confident",  # disputed x confidence
    "no_text",  # no letter or digit: a speck or a stroke read as punctuation
    "short",  # two letters or digits or fewer
    "digits",  # holds a digit
    "punctuated",  # punctuation before or after it
    "neighbour_doubt",  # 1 - the lower confidence of the words either side / 100 (0 without)
    "capital",  # starts with a capital
)

# Fit by ``bench/bench_review.py --fit`` on the words of the German, Danish and English (ehri and
# synthetic, processed with --no-correct) dev pages, each family weighing the same, labels from the
# ground truth. ``flag_at`` is the lowest bar at which the flags of the models fit leaving each family
# out are at least half wrong on every family left out (pooled, with the families weighing the same as
# for the English corrector, the bar was 0.19 and the Danish flags held out 48 % wrong). Held out (the
# model fit without the family, at the bar the other families choose), it flags 51 % of the German
# words left wrong (63 % of its flags wrong), 65 % of the Danish (56 %) and 58 % of ehri's (60 %),
# against 55 % (57 %) and 59 % (57 %) for the bars of confidence it replaced; on the rendered pages
# with few errors (synthetic mild and moderate, 30-34 wrong words each) most of its flags are right.
DEFAULT_READ_MODEL = WrongModel(
    intercept=0.49,
    weights=(-2.797, 0.465, 1.109, -1.445, -0.234, 1.761, -0.508, 1.366, 0.215, 0.535, 0.923, 1.096, 0.123),
    flag_at=0.28,
)


def read_features(words: list[Word], i: int, known: bool) -> tuple[float, ...]:
    """The READ_FEATURES of word i of a line (``known``: Tesseract's word list has it)."""
    word = words[i]
    conf = word.confidence if word.confidence is not None else 0.0
    confidence = conf / 100.0
    lead, core, trail = split_token(word.text)
    disputed_ = 1.0 if word.other_read is not None else 0.0
    near = [w.confidence for w in words[max(0, i - 1):i] + words[i + 1:i + 2] if w.confidence is not None]
    return (
        confidence,
        1.0 if conf < 50 else 0.0,
        1.0 if 50 <= conf < 85 else 0.0,
        1.0 if known else 0.0,
        confidence if known else 0.0,
        disputed_,
        disputed_ * confidence,
        0.0 if has_text(core) else 1.0,
        1.0 if sum(ch.isalnum() for ch in core) <= 2 else 0.0,
        1.0 if any(ch.isdigit() for ch in core) else 0.0,
        1.0 if lead or trail else 0.0,
        1.0 - min(near) / 100.0 if near else 0.0,
        1.0 if core[:1].isupper() else 0.0,
    )


def page_read_features(page: Page, knows: Callable[[str], bool]) -> list[tuple[int, int, tuple[float, ...]]]:
    """(line, word, READ_FEATURES) of every word of a page read with a confidence. The half of a
    word hyphenated at a line's end is looked up whole, as the word list has it."""
    whole = hyphenated_wholes(page)
    return [(li, wi, read_features(line.words, wi, knows(whole[(li, wi)].text if (li, wi) in whole else word.text)))
            for li, line in enumerate(page.lines) for wi, word in enumerate(line.words) if word.confidence is not None]


def assess_read(page: Page, knows: Callable[[str], bool], skip: Container[tuple[int, int]] = frozenset(),
                model: WrongModel = DEFAULT_READ_MODEL) -> Page:
    """Where no corrector ran: every word read with a confidence gets the read model's probability
    of being wrong (``knows``: Tesseract's word list for the language, via verify.Vocabulary) and is
    flagged from its bar; positions in ``skip`` (decided by corrections.yaml) are left as they are."""
    lines = [line.model_copy(update={"words": list(line.words)}) for line in page.lines]
    for li, wi, features in page_read_features(page, knows):
        if (li, wi) in skip:
            continue
        p = round(model.probability(features), 4)
        lines[li].words[wi] = lines[li].words[wi].model_copy(update={"p_wrong": p, "flagged": p >= model.flag_at})
    return page.model_copy(update={"lines": lines})


# Where no probability can be given (no corrector ran and Tesseract has no word list for the
# language, or a page is in another language than the run's dictionaries), words Tesseract was less
# sure of than this (0-100) are flagged (below 40 nearly every dev word read is wrong); it is also
# the bar of ``ocrfix review --threshold`` for such words.
DOUBT_CONFIDENCE = 40.0
# ... and so are tokens of punctuation alone read with less than DOUBT_ANY, and words the two reads
# of their line read differently read with less than DOUBT_UNKNOWN. These were the bars of the rule
# the read model replaced where Tesseract has a word list (a word below DOUBT_ANY, or unknown and
# below DOUBT_UNKNOWN, was flagged), fit on the German and Danish dev outputs each choosing for the
# other: 50 % and 56 % of the words left wrong caught, 58 % and 53 % of the flags wrong. Above 90
# nearly every unknown word is flagged: Tesseract gives most words it reads without doubt 91 to 96.
DOUBT_ANY = 70.0
DOUBT_UNKNOWN = 90.0


def _two_letters(word: Word) -> bool:
    """Two letters or digits or more: a lone doubtful character is nearly always a speck or a stroke
    of a stamp, and an entry for "a" or "3" everywhere would do harm."""
    return sum(ch.isalnum() for ch in split_token(word.text)[1]) >= 2


def doubtful(word: Word, below: float = DOUBT_CONFIDENCE) -> bool:
    """A word of two letters or more that Tesseract read with a confidence under ``below``."""
    return word.confidence is not None and word.confidence < below and _two_letters(word)


def _doubtful_speck(word: Word) -> bool:
    """A token of punctuation alone read with less than DOUBT_ANY: a speck or a stroke (of those
    on the German and Danish dev outputs, 68 of 80 and 38 of 42 were wrong), for review to delete."""
    return word.confidence is not None and word.confidence < DOUBT_ANY and not has_text(split_token(word.text)[1])


def hyphenated_wholes(page: Page) -> dict[tuple[int, int], Word]:
    """Each half of a word hyphenated at a line's end ("Regie-" / "rung,") as the whole word
    ("Regierung,"), with the half's own confidence: a word list knows the word, not its halves (the
    read model looks each half up whole, and judges it with its own confidence and neighbours)."""
    wholes: dict[tuple[int, int], Word] = {}
    for li in range(len(page.lines) - 1):
        words, following = page.lines[li].words, page.lines[li + 1].words
        if not words or not following:
            continue
        head, tail = words[-1], following[0]
        if not head.text.endswith("-") or len(head.text) < 3 or not tail.text[:1].islower():
            continue
        text = head.text[:-1] + tail.text
        wholes[(li, len(words) - 1)] = head.model_copy(update={"text": text})
        wholes[(li + 1, 0)] = tail.model_copy(update={"text": text})
    return wholes


def disputed(word: Word) -> bool:
    """A word of letters or digits (one is enough) that the two reads of its line read differently
    (``Word.other_read``), read with less than DOUBT_UNKNOWN: doubted like an unknown word, with no
    bar of its own. On the German and Danish dev outputs 70 % and 77 % of such words are wrong, of
    those read with more 20 % and 9 % (so each language would set the bar at 90 or below for the
    other), of the words the reads agree on or read once 9 % and 7 %. A lone letter or digit counts too: "a" read where the other
    read has "o" is mostly wrong (flagging them took the German queue from 53 to 55 % of the wrong
    words, the Danish from 54 to 59 %, each more often wrong); a token of punctuation alone does not
    (bench/bench_review.py)."""
    return (word.other_read is not None and word.confidence is not None and word.confidence < DOUBT_UNKNOWN
            and has_text(split_token(word.text)[1]))


def flag_doubtful(page: Page, skip: Container[tuple[int, int]] = frozenset()) -> Page:
    """Where no probability can be given (see DOUBT_CONFIDENCE): the page with the ``doubtful``
    words flagged, among those with a confidence (a read's) and two letters or more, the doubtful
    specks and the disputed words; positions in ``skip`` (decided by corrections.yaml) are not."""
    lines = list(page.lines)
    for li, line in enumerate(page.lines):
        marked = [wi for wi, w in enumerate(line.words)
                  if (li, wi) not in skip and (doubtful(w) or _doubtful_speck(w) or disputed(w))]
        if marked:
            words = list(line.words)
            for wi in marked:
                words[wi] = words[wi].model_copy(update={"flagged": True})
            lines[li] = line.model_copy(update={"words": words})
    return page.model_copy(update={"lines": lines})
