"""Verification of preprocessing against the page itself: two reads of one page, merged line by line.

Preprocessing that helps most pages can still wreck one (a reduction or a median that erodes thin,
broken strokes; a crop that removes a letterhead), and Tesseract may stay confident in the wreck.
So the read of the processed page is never trusted alone: the page is also read as scanned, the
lines of the two reads are aligned by their boxes (on the page as scanned), and each group of lines
keeps the read whose words are more plausible. A line that only the original read found is kept
(a lost line loses) unless it was read again, the cleaned page shows nothing there, and it does not
read as text (specks or a scanner edge read as letters); where the estimate cannot tell, the
original read is kept.

The plausibility of a read (``read_quality``) counts, for each word, its letters and digits
weighted by Tesseract's confidence, and at full weight only when the word is known: in the word
list of the engine's language data (Tesseract's own dictionary, so this works for any installed
language), a number, or a form the page itself uses elsewhere. Garbled words ("-oiny to see" for
"going to school") lose on both counts, and a line read as nothing scores nothing.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .calibration import logistic
from .model import BBox, Line, Word, box_iou, union_box
from .tokens import has_text, split_token

__all__ = [
    "Vocabulary",
    "read_quality",
    "line_at_risk",
    "lines_at_risk",
    "word_at_risk",
    "align_lines",
    "pair_features",
    "ChoiceModel",
    "DEFAULT_MODEL",
    "merge_reads",
    "MergeResult",
    "comparable_groups",
]

# The weight of an unknown word's letters against a known word's in a read's plausibility. A
# garbled word is nearly always unknown, a right word nearly always known (88-98 % of the dev
# ground truth's words are in Tesseract's word lists: German and Danish 88-89 %, English 98 %).
UNKNOWN_WEIGHT = 0.35
# A line only the processed read found needs at least this much plausibility (a letter's worth).
MIN_GAIN = 1.0
# Two reads of a group are two reads of the same text only when their texts are at least this
# alike (normalised edit similarity); below it one read has the layout wrong, or both are noise.
MIN_SIMILARITY = 0.5
# A line only the processed read found is added where at least this share of its letters are in
# known words (a stamp or a speck read as letters is mostly unknown).
MIN_KNOWN_SHARE_NEW_LINE = 0.5
# ... and whose letters are on average at least this plausible (confidence relative to the read's
# own, unknown words at UNKNOWN_WEIGHT): a typed line is read with the page's usual confidence, a
# margin scribble or a stamp read as words ("D pr sake", 77/36/4) is not.
# bench/bench_chooser.py, all dev pages, CER merged at 0 / 0.3 / 0.5 / 0.6 / 0.7: 4.04 / 4.02 /
# 4.01 / 4.00 / 4.07 % (Danish falls off at 0.7); German's pages worse 2 -> 1 from 0.5. Chosen
# leaving German or Danish out, the others pick 0.5-0.6, and the one left out gains there too.
MIN_NEW_LINE_PLAUSIBILITY = 0.5
# ... and, where the first read found any text at all, where it has at least this many words: a
# typed line the first read missed, not a heading, a stamp or a filing mark (transcriptions often
# leave those out). On the dev pages this took the pages worse in bench_chooser from 8 to 4 and
# raised no collection's CER.
MIN_WORDS_NEW_LINE = 3
# ... and where the lines of the original read that it overlaps do not hold its text already
# (fuzzy containment, 0-100): a band's edge or a skewed box must not write words twice.
DUPLICATE_SIMILARITY = 80
# Two words of two reads are the same word when their boxes overlap this much (intersection over
# union; a re-read moves boxes by a few pixels), and two lines are the same typed line when at
# least this share of the shorter one's words are shared.
WORD_IOU = 0.3
MIN_SHARED_WORDS = 0.3
# A word the first read left unknown is replaced by the other read's known word at its place only
# where the two are this few letters apart: a misread letter or two, not another word.
WORD_EDITS = 2
# Confidences are taken relative to a read's own on shared words only where the reads share this
# many words.
MIN_SHARED_FOR_SCALE = 10
# Confidence assumed for a word that carries none.
DEFAULT_CONFIDENCE = 50.0
# A line of the original read is at risk (worth a second read) when a word in it is read with less
# confidence than RISK_CONFIDENCE, or is unknown and read with less than RISK_UNKNOWN_CONFIDENCE.
# bench/bench_chooser.py, on the dev pages (merged CER ehri / german / danish / severe, pages worse
# than the read as scanned, second reads' engine time as a share of the first reads'): every line
# open 1.96 / 4.96 / 4.80 / 1.27 %, 2 worse, 0.79; bars 70, 85: 2.00 / 4.97 / 4.78 / 1.35 %, 1 worse,
# 0.52; 60, 80: 2.04 / 5.01 / 4.80 / 1.38 %, none worse, 0.45; 50, 75: 2.06 / 5.02 / 4.83 / 1.40 %,
# none, 0.39. Lower bars leave more garbles to the first read and every collection pays a little,
# but the page the second read made worse (EHRI-ET-WL1375B310_04) is left alone from 60, 80: a loss
# on one page is not paid for by gains on others.
RISK_CONFIDENCE = 60.0
RISK_UNKNOWN_CONFIDENCE = 80.0

_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$", re.UNICODE)


def _core(text: str) -> str:
    """The word without the punctuation around it, lower-cased (possessive 's kept)."""
    return _EDGE_PUNCT.sub("", text).lower()


@dataclass(frozen=True)
class Vocabulary:
    """What counts as a known word on this page: the engine's word list and the page's own forms."""

    lexicon: frozenset[str]
    # Forms of three letters or more that every read of the page has, with their total count.
    page_counts: Counter[str]

    @classmethod
    def build(cls, lexicon: Iterable[str], *reads: list[Line]) -> "Vocabulary":
        per_read = [Counter(c for line in lines for w in line.words if len(c := _core(w.text)) >= 3) for lines in reads]
        shared: Counter[str] = Counter()
        if len(per_read) >= 2:
            common = set.intersection(*(set(c) for c in per_read))
            for counts in per_read:
                shared.update({form: n for form, n in counts.items() if form in common})
        # An engine's word list comes lower-cased already (and is large: lower-casing it per page
        # cost 0.2 s).
        words = lexicon if isinstance(lexicon, frozenset) else frozenset(w.lower() for w in lexicon)
        return cls(words, shared)

    def knows(self, text: str) -> bool:
        core = _core(text)
        if not core:
            return False
        if any(ch.isdigit() for ch in core) and not any(ch.isalpha() for ch in core):
            return True
        if core in self.lexicon:
            return True
        # Hyphenated and possessive forms: every part known.
        parts = [p for p in re.split(r"[-'\u2019]", core) if p]
        if len(parts) > 1 and all(p in self.lexicon or p == "s" for p in parts):
            return True
        # A form of the page's own (a name, a term of the document): read alike by both reads, three
        # times or more in all. One read alone cannot vouch for a form: a page read badly repeats
        # its garbles ("tbe" for "the" on every line).
        return self.page_counts[core] >= 3


def read_quality(lines: list[Line], knows: Callable[[str], bool], unknown_weight: float = UNKNOWN_WEIGHT) -> float:
    """Confidence-weighted letters and digits of the lines' words, unknown words discounted."""
    return _span_value([w for line in lines for w in line.words], knows, unknown_weight, 1.0 / 100.0)


def line_at_risk(
    line: Line,
    knows: Callable[[str], bool],
    min_confidence: float = RISK_CONFIDENCE,
    unknown_confidence: float = RISK_UNKNOWN_CONFIDENCE,
) -> bool:
    """Whether a line of the original read may be wrong somewhere: a word of letters or digits read
    with less than ``min_confidence``, or an unknown one read with less than
    ``unknown_confidence``. Only these lines are read again from the processed page; a line of
    known, confident words is as good as a second read could show."""
    return any(word_at_risk(word, knows, min_confidence, unknown_confidence) for word in line.words)


def lines_at_risk(original: list[Line], lexicon: Iterable[str]) -> set[int]:
    """Indices of the lines of the read as scanned worth a second read (``line_at_risk``), with
    what the first read alone knows: the engine's word list and the read's own forms."""
    knows = Vocabulary.build(lexicon, original).knows
    return {i for i, line in enumerate(original) if line_at_risk(line, knows)}


def word_at_risk(
    word: Word,
    knows: Callable[[str], bool],
    min_confidence: float = RISK_CONFIDENCE,
    unknown_confidence: float = RISK_UNKNOWN_CONFIDENCE,
) -> bool:
    """Whether a word of letters or digits may be misread: read with less than ``min_confidence``, or
    unknown and read with less than ``unknown_confidence`` (what puts its line at risk)."""
    if not has_text(word.text):
        return False
    conf = word.confidence if word.confidence is not None else DEFAULT_CONFIDENCE
    return conf < min_confidence or (conf < unknown_confidence and not knows(word.text))


def _line_box(line: Line) -> BBox | None:
    return line.bbox if line.bbox is not None else union_box([w.bbox for w in line.words])


def _same_text_line(a: BBox | None, b: BBox | None) -> bool:
    """Whether two line boxes may cover the same typed line: they overlap across, and down by at
    least half the lower one's height."""
    if a is None or b is None:
        return False
    across = min(a[2], b[2]) - max(a[0], b[0])
    down = min(a[3], b[3]) - max(a[1], b[1])
    if across <= 0 or down <= 0:
        return False
    return down >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def _shared_words(a: Line, b: Line) -> int:
    """How many words of ``a`` lie on a word of ``b`` (box overlap of at least WORD_IOU)."""
    boxes = [w.bbox for w in b.words if w.bbox is not None]
    return sum(1 for w in a.words if w.bbox is not None and any(box_iou(w.bbox, other) >= WORD_IOU for other in boxes))


def _linked(a: Line, b: Line) -> bool:
    """Whether two lines of two reads are (partly) the same typed line. Their line boxes must
    overlap; where both have word boxes, they must share words too: the box of a skewed or noisy
    line reaches into the lines above and below it, its words do not."""
    if not _same_text_line(_line_box(a), _line_box(b)):
        return False
    if not any(w.bbox for w in a.words) or not any(w.bbox for w in b.words):
        return True
    shared = _shared_words(a, b)
    return shared >= max(1.0, MIN_SHARED_WORDS * min(len(a.words), len(b.words)))


def align_lines(first: list[Line], second: list[Line]) -> list[tuple[list[int], list[int]]]:
    """Groups of lines that cover the same part of the page: (indices in ``first``, in ``second``).
    Connected components of ``_linked``, so a line one read cut in pieces and the other read whole
    fall in one group. Lines linked to nothing are groups of their own."""
    n = len(first)
    parent = list(range(n + len(second)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(first):
        for j, b in enumerate(second):
            if _linked(a, b):
                parent[find(i)] = find(n + j)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for k in range(n + len(second)):
        group = groups.setdefault(find(k), ([], []))
        (group[0] if k < n else group[1]).append(k if k < n else k - n)
    return list(groups.values())


def _reading_order(lines: list[Line]) -> list[Line]:
    """Lines of one group in reading order: pieces side by side (no two overlap across, centres
    within a line's height) are pieces of one typed line, from the left, however a skewed page has
    moved them up or down; else by row (pieces of one typed line share a row), then from the left."""
    boxes = [_line_box(ln) for ln in lines]
    if len(lines) > 1 and all(b is not None for b in boxes):
        spans = sorted((b[0], b[2]) for b in boxes)  # type: ignore[index]
        centres = [(b[1] + b[3]) / 2 for b in boxes]  # type: ignore[index]
        tallest = max(b[3] - b[1] for b in boxes)  # type: ignore[index]
        if (all(left[1] <= right[0] for left, right in zip(spans, spans[1:]))
                and max(centres) - min(centres) <= tallest):
            return [lines[k] for k in sorted(range(len(lines)), key=lambda k: boxes[k][0])]  # type: ignore[index]
    heights = [b[3] - b[1] for b in boxes if b is not None]
    row = max(1.0, statistics.median(heights) / 2) if heights else 1.0

    def key(k: int) -> tuple[float, float]:
        b = boxes[k]
        return (0.0, 0.0) if b is None else (round((b[1] + b[3]) / 2 / row), b[0])

    return [lines[k] for k in sorted(range(len(lines)), key=key)]


@dataclass
class MergeResult:
    lines: list[Line]
    # Per source: groups decided for it, and how many lines it gave.
    groups: int
    from_processed: int
    from_original: int
    only_original: int
    only_processed: int
    quality_original: float
    quality_processed: float
    quality_merged: float
    # Lines only the original read had, dropped as no text (see merge_reads).
    dropped_original: int = 0

    def as_params(self) -> dict[str, float | int]:
        return {
            "groups": self.groups,
            "groups_from_processed": self.from_processed,
            "groups_from_original": self.from_original,
            "lines_only_in_original": self.only_original,
            "lines_only_in_processed": self.only_processed,
            "lines_dropped_as_no_text": self.dropped_original,
            "quality_original": round(self.quality_original, 1),
            "quality_processed": round(self.quality_processed, 1),
            "quality_merged": round(self.quality_merged, 1),
        }


def _confidence_scale(words: list[Word], other: list[Word]) -> float:
    """1 / the median confidence of the words this read shares with the other read: a read whose
    confidences run high across the board (a rescaled page often does) must not win every line on
    that alone, so each read's confidences are taken relative to its own on the words both agree
    on. Where they share too few words to say (one read is noise), confidences count as they are."""
    shared = {w.text for w in other}
    confs = [w.confidence for w in words if w.confidence is not None and w.text in shared]
    if len(confs) < MIN_SHARED_FOR_SCALE:
        return 1.0 / 100.0
    return 1.0 / max(statistics.median(confs), 1.0)


def _span_value(words: list[Word], knows: Callable[[str], bool], unknown_weight: float, scale: float) -> float:
    total = 0.0
    for word in words:
        chars = sum(1 for ch in word.text if ch.isalnum())
        if chars == 0:
            continue
        conf = word.confidence if word.confidence is not None else DEFAULT_CONFIDENCE
        total += chars * min(1.0, max(0.0, conf * scale)) * (1.0 if knows(word.text) else unknown_weight)
    return total


def differing_quality(
    o_words: list[Word], p_words: list[Word], knows: Callable[[str], bool], unknown_weight: float,
    scale_o: float = 1 / 100, scale_p: float = 1 / 100,
) -> tuple[float, float]:
    """(original, processed) plausibility of the words the two reads of a line read differently
    (words both read the same are right or wrong in both, and say nothing about which is better)."""
    q_o = q_p = 0.0
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes([w.text for w in o_words], [w.text for w in p_words]):
        if tag == "equal":
            continue
        q_o += _span_value(o_words[i1:i2], knows, unknown_weight, scale_o)
        q_p += _span_value(p_words[j1:j2], knows, unknown_weight, scale_p)
    return q_o, q_p


_CASE_SLIP = re.compile(r"[a-z\u00df-\u00ff][A-Z\u00c0-\u00de]")


def pair_features(
    o_words: list[Word],
    p_words: list[Word],
    knows: Callable[[str], bool],
    scale_o: float,
    scale_p: float,
    deskewed: bool = False,
) -> tuple[float, ...]:
    """What the choice between two reads of one line rests on, each positive where the processed
    read looks better: (1) the plausibility of the words they read differently (confidence relative
    to each read's own, known words at full weight, unknown at UNKNOWN_WEIGHT), (2) the same for
    known words alone, (3) for all letters alone, (4) how much shorter the processed read is
    (a read that grows is more often noise read as letters than text found), (5) how many fewer
    case slips inside words it has ("exPerience", "aNd": typewriter letters whose capital and small
    forms differ only in size), (6) whether the processed page was deskewed (Tesseract reads a
    skewed page's lines with a wandering x-height, and so mistakes c, o, s, v, w for C, O, S, V, W
    and back, which neither confidence nor the lexicon shows)."""
    q = differing_quality(o_words, p_words, knows, UNKNOWN_WEIGHT, scale_o, scale_p)
    k = differing_quality(o_words, p_words, knows, 0.0, scale_o, scale_p)
    c = differing_quality(o_words, p_words, lambda _: True, 1.0, scale_o, scale_p)
    len_o = sum(len(w.text) for w in o_words)
    len_p = sum(len(w.text) for w in p_words)
    slips_o = sum(len(_CASE_SLIP.findall(w.text)) for w in o_words)
    slips_p = sum(len(_CASE_SLIP.findall(w.text)) for w in p_words)
    return (_rel(*q), _rel(*k), _rel(*c), (len_o - len_p) / max(1, len_o + len_p), float(slips_o - slips_p),
            1.0 if deskewed else 0.0)


def _rel(a: float, b: float) -> float:
    """How much larger b is than a, in -1..1 (the +1 keeps two tiny values from deciding)."""
    return (b - a) / (a + b + 1.0)


def comparable_groups(
    original: list[Line], processed: list[Line], at_risk: set[int] | None = None,
    groups: list[tuple[list[int], list[int]]] | None = None,
) -> list[tuple[list[int], list[int], list[Word], list[Word]]]:
    """The groups of aligned lines that the model decides between: two reads of the same text that
    differ (one line, or none, on one side against one or more on the other, texts at least
    MIN_SIMILARITY alike), with at least one line at risk where ``at_risk`` is given. Each as
    (original indices, processed indices, original words, processed words), words in reading order.
    ``groups``: ``align_lines(original, processed)`` where it was made already."""
    out = []
    for o_idx, p_idx in groups if groups is not None else align_lines(original, processed):
        if not o_idx or not p_idx or (len(o_idx) > 1 and len(p_idx) > 1):
            continue
        if at_risk is not None and not any(i in at_risk for i in o_idx):
            continue
        o_lines = _reading_order([original[i] for i in o_idx])
        p_lines = _reading_order([processed[j] for j in p_idx])
        o_text = " ".join(ln.text for ln in o_lines)
        p_text = " ".join(ln.text for ln in p_lines)
        if o_text == p_text or Levenshtein.normalized_similarity(o_text, p_text) < MIN_SIMILARITY:
            continue
        out.append((o_idx, p_idx, [w for ln in o_lines for w in ln.words], [w for ln in p_lines for w in ln.words]))
    return out


@dataclass(frozen=True)
class ChoiceModel:
    """Logistic model of the probability that the processed read of a line has fewer errors than the
    original read, from ``pair_features``. The processed read is taken where that probability is
    above ``threshold``: a change is made only where it is clearly more likely right than wrong."""

    intercept: float
    weights: tuple[float, ...]
    threshold: float

    def probability(self, features: tuple[float, ...]) -> float:
        return logistic(self.intercept, self.weights, features)


# Fit by bench/bench_chooser.py on the 1,825 lines of the dev pages whose two reads differ
# (labels from the ground truth, weighted by the characters at stake), all collections; fit
# leave-one-collection-out, the weights move little and the held-out figures are printed by the
# bench. The threshold 0.6 was chosen there: 0.5 gains more on average but loses more lines.
DEFAULT_MODEL = ChoiceModel(intercept=0.257, weights=(3.885, 0.275, -1.716, 9.093, 1.72, 0.803), threshold=0.6)


def _letters(lines: list[Line]) -> int:
    return sum(1 for line in lines for w in line.words for ch in w.text if ch.isalnum())


def _known_share(lines: list[Line], knows: Callable[[str], bool]) -> float:
    chars = known = 0
    for line in lines:
        for word in line.words:
            n = sum(1 for ch in word.text if ch.isalnum())
            chars += n
            known += n if knows(word.text) else 0
    return known / chars if chars else 0.0


def _reads_as_text(
    lines: list[Line], knows: Callable[[str], bool], scale: float, plausibility: float = MIN_NEW_LINE_PLAUSIBILITY
) -> bool:
    """Whether lines that only one read has look like typed text: most of their letters in known
    words (MIN_KNOWN_SHARE_NEW_LINE) and, on average, at least ``plausibility`` plausible (confidence
    relative to the read's own, unknown words at UNKNOWN_WEIGHT), and at least MIN_GAIN in all."""
    value = _span_value([w for ln in lines for w in ln.words], knows, UNKNOWN_WEIGHT, scale)
    return _known_share(lines, knows) >= MIN_KNOWN_SHARE_NEW_LINE and value >= max(MIN_GAIN, plausibility * _letters(lines))


def _known_words(lines: list[Line], knows: Callable[[str], bool], scale: float) -> int:
    """How many words of two letters or more the lines hold that are known and read with at least
    MIN_NEW_LINE_PLAUSIBILITY of the read's usual confidence."""
    return sum(
        1 for ln in lines for w in ln.words
        if sum(ch.isalpha() for ch in w.text) >= 2 and knows(w.text)
        and (w.confidence if w.confidence is not None else DEFAULT_CONFIDENCE) * scale >= MIN_NEW_LINE_PLAUSIBILITY
    )


def _overlapping(line: Line, others: list[Line]) -> list[Line] | None:
    """The lines of ``others`` whose boxes overlap the line's; None where the line has no box."""
    box = _line_box(line)
    if box is None:
        return None
    near = []
    for other in others:
        b = _line_box(other)
        if b is not None and min(box[2], b[2]) > max(box[0], b[0]) and min(box[3], b[3]) > max(box[1], b[1]):
            near.append(other)
    return near


def _overlaps(line: Line, others: list[Line]) -> bool:
    """Whether any of ``others`` overlaps the line's box (a line without a box: assume so)."""
    near = _overlapping(line, others)
    return near is None or bool(near)


def _already_read(line: Line, others: list[Line]) -> bool:
    """Whether the text of a line is read already by the lines of the other read it overlaps (a
    line cut out of a band edge, or read again under another line's box): then adding it would
    write the same words twice."""
    near = _overlapping(line, others)
    if near is None:
        return True
    return bool(near) and fuzz.partial_ratio(line.text, " ".join(ln.text for ln in near)) >= DUPLICATE_SIMILARITY


def merge_reads(
    original: list[Line],
    processed: list[Line],
    vocabulary: Vocabulary,
    *,
    model: ChoiceModel = DEFAULT_MODEL,
    at_risk: set[int] | None = None,
    covered: set[int] | None = None,
    deskewed: bool = False,
) -> MergeResult:
    """Per group of aligned lines, the processed read where it is clearly more plausible, else the
    original read. Both reads' boxes must refer to the same image (the page as scanned).

    A group is decided only where it is two reads of the same text: one line (or none) on one side
    against one or more on the other, whose texts are alike (a tangle of several lines on both
    sides, or texts that share little, is a different reading of the layout, and the original is
    kept). The words the two reads share are left out of the comparison; the differing ones are
    scored by ``_span_value`` with each read's confidences relative to its own. Lines the original
    read alone has are kept; lines the processed read alone has are added where most of their
    letters are in known words. With ``at_risk`` (indices of original lines), a group with none of
    them keeps the original read unseen. A line only the original read has is dropped where it does
    not read as text and the second read covered its rows (``covered``: indices of the original
    lines whose rows the second read read and found text in; None: both reads are of the whole
    page). Original lines keep their order; a processed group goes
    where its main original line was (``_position``), or after the original line above it."""
    knows = vocabulary.knows
    groups = align_lines(original, processed)
    all_o = [w for line in original for w in line.words]
    all_p = [w for line in processed for w in line.words]
    scale_o, scale_p = _confidence_scale(all_o, all_p), _confidence_scale(all_p, all_o)
    decidable = {(tuple(o), tuple(p)): (ow, pw) for o, p, ow, pw in comparable_groups(original, processed, at_risk, groups)}
    chosen: list[tuple[float, str, list[int]]] = []
    took_processed = took_original = only_o = only_p = dropped = 0
    for o_idx, p_idx in groups:
        use_processed = False
        if not p_idx:
            only_o += len(o_idx)
            o_lines = _reading_order([original[i] for i in o_idx])
            if (processed and all((at_risk is None or i in at_risk) and (covered is None or i in covered) for i in o_idx)
                    and not _reads_as_text(o_lines, knows, scale_o)
                    and _known_words(o_lines, knows, scale_o) < MIN_WORDS_NEW_LINE
                    and not any(_overlaps(ln, processed) for ln in o_lines)):
                # Its rows were read again and the second read, which found text around them, put no
                # line here; and what the first read made of it would not pass as a line if the
                # second read had found it, nor holds a few known words read with the page's usual
                # confidence (specks, a dark scanner edge or a stamp read as letters: "PES SRE EC BIR
                # DGS ORI gar a, i nee"): dropped.
                dropped += len(o_idx)
                continue
        elif not o_idx:
            only_p += len(p_idx)
            p_lines = _reading_order([processed[j] for j in p_idx])
            use_processed = (
                (not original or sum(len(ln.words) for ln in p_lines) >= MIN_WORDS_NEW_LINE)
                # (on a page the first read found nothing on, something read beats nothing)
                and _reads_as_text(p_lines, knows, scale_p, MIN_NEW_LINE_PLAUSIBILITY if original else 0.0)
                and not any(_already_read(ln, original) for ln in p_lines)
            )
        elif (key := (tuple(o_idx), tuple(p_idx))) in decidable:
            o_words, p_words = decidable[key]
            features = pair_features(o_words, p_words, knows, scale_o, scale_p, deskewed)
            use_processed = model.probability(features) > model.threshold
        if use_processed:
            took_processed += 1
            # (a line only the second read has is disputed by the first read, which read the whole
            # page and found nothing there)
            chosen.append((_position(o_idx, p_idx, original, processed), "processed", sorted(p_idx), o_idx))
        else:
            took_original += 1
            # (the second read is evidence about a line only where it read the line's rows and found text there)
            chosen.extend((float(i), "original", [i], p_idx if (at_risk is None or i in at_risk) and (covered is None or i in covered)
                           and processed else None) for i in o_idx)
    merged: list[Line] = []
    blocks: dict[tuple[str, int], int] = {}
    for _, source, idx, other_idx in sorted(chosen, key=lambda c: c[0]):
        lines, other_lines = (processed, original) if source == "processed" else (original, processed)
        others = None if other_idx is None else [w for j in other_idx for w in other_lines[j].words]
        for i in idx:
            line = lines[i]
            block = blocks.setdefault((source, line.block), len(blocks))
            merged.append(_with_other_read(line, others, knows).model_copy(update={"block": block}))
    return MergeResult(
        lines=merged,
        groups=len(groups),
        from_processed=took_processed,
        from_original=took_original,
        only_original=only_o,
        only_processed=only_p,
        dropped_original=dropped,
        quality_original=read_quality(original, knows),
        quality_processed=read_quality(processed, knows),
        quality_merged=read_quality(merged, knows),
    )


def _with_other_read(line: Line, others: list[Word] | None, knows: Callable[[str], bool]) -> Line:
    """``line`` with each word's ``other_read``: the text of the other read's words on it (box
    overlap of WORD_IOU), where that differs from the word's own; ``others``: the other read's
    words of the same lines (None where the line was read once). Two reads of a line that differ
    at a word are worth doubting: on the German and Danish dev outputs, 70 % and 77 % of such words
    read with less than 90 are wrong, of the others 9 % and 7 % (bench/bench_review.py). Where
    the word is unknown and the other read's one word there is a known word close to it
    (``_better_word``), the known word ships."""
    if others is None:
        return line
    words = []
    for w in line.words:
        there = [] if w.bbox is None else [o for o in others if box_iou(o.bbox, w.bbox) >= WORD_IOU]
        if w.bbox is None or any(o.text == w.text for o in there):
            words.append(w)
        elif (len(there) == 1 and _better_word(there[0].text, w.text, knows)
              # one word for one: not where the other read's word also covers a neighbour ("Londo" "n")
              and not any(x is not w and box_iou(x.bbox, there[0].bbox) > 0 for x in line.words)):
            words.append(there[0].model_copy(update={"other_read": w.text}))
        else:
            words.append(w.model_copy(update={"other_read": " ".join(o.text for o in there)}))
    return line.model_copy(update={"words": words})


def _better_word(other: str, own: str, knows: Callable[[str], bool]) -> bool:
    """Whether the other read's ``other`` is the better read of a word read ``own``: own is unknown,
    other is known, both are words of letters with the same punctuation around them, at most
    WORD_EDITS letters apart."""
    o_lead, o_core, o_trail = split_token(other)
    w_lead, w_core, w_trail = split_token(own)
    return (len(o_core) >= 3 and o_core.isalpha() and w_core.isalpha() and (o_lead, o_trail) == (w_lead, w_trail)
            and not knows(own) and knows(other) and Levenshtein.distance(o_core, w_core) <= WORD_EDITS)


# A line at least this share of the widest line's width may be part of a column of type.
COLUMN_MIN_SHARE = 0.25


def top_to_bottom(lines: list[Line]) -> list[Line]:
    """A read's lines from the top of the page down, where no two of them sit side by side (one
    column of type, as a letter or a memo has); else as they are (columns, or pieces of a line).
    Tesseract's layout analysis of a page read again may file a line in a block of its own, after
    the signature, though it lies between two lines of the body."""
    boxes = [_line_box(line) for line in lines]
    if not boxes or any(b is None for b in boxes):
        return lines
    # Only lines of some length can be columns: a scrap beside a signature is no column.
    widest = max(b[2] - b[0] for b in boxes)  # type: ignore[index]
    long = [b for b in boxes if b[2] - b[0] >= COLUMN_MIN_SHARE * widest]  # type: ignore[index]
    for a in range(len(long)):
        for b in range(a + 1, len(long)):
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = long[a], long[b]  # type: ignore[misc]
            down = min(ay1, by1) - max(ay0, by0)
            if down > 0.5 * min(ay1 - ay0, by1 - by0) and min(ax1, bx1) <= max(ax0, bx0):
                return lines  # side by side
    order = sorted(range(len(lines)), key=lambda k: (boxes[k][1] + boxes[k][3]) / 2)  # type: ignore[index]
    return [lines[k] for k in order]


def _position(o_idx: list[int], p_idx: list[int], original: list[Line], processed: list[Line]) -> float:
    """Where a group read from the processed page goes in the merged reading order: at the first of
    its original lines that holds a good part (a third) of the words the reads share; a stray
    piece of the group (a mark in the margin), filed elsewhere in the original's order, must not
    carry the whole group there. A group the original read has no line of goes just after the last
    original line above it."""
    if o_idx:
        shared = {i: sum(_shared_words(original[i], processed[j]) for j in p_idx) for i in o_idx}
        most = sum(shared.values())
        # The first of the original lines that hold a good part of the group's words.
        main = [i for i in o_idx if shared[i] >= most / 3] if most else list(o_idx)
        return float(min(main))
    box = _line_box(processed[min(p_idx)])
    if box is None:
        return float(len(original))
    above = [i for i, line in enumerate(original) if (b := _line_box(line)) is not None and b[1] <= box[1]]
    return (max(above) if above else -1) + 0.5
