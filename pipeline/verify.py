"""Verification of preprocessing against the page itself: two reads of one page, merged line by line.

Preprocessing that helps most pages can still wreck one (a reduction or a median that erodes thin,
broken strokes; a crop that removes a letterhead), and Tesseract may stay confident in the wreck.
So the read of the processed page is never trusted alone: the page is also read as scanned, the
lines of the two reads are aligned by their boxes (on the page as scanned), and each group of lines
keeps the read whose words are more plausible. A line that only the original read found is kept
(a lost line loses); where the estimate cannot tell, the original read is kept.

The plausibility of a read (``read_quality``) counts, for each word, its letters and digits
weighted by Tesseract's confidence, and at full weight only when the word is known: in the word
list of the engine's language data (Tesseract's own dictionary, so this works for any installed
language), a number, or a form the page itself uses elsewhere. Garbled words ("-oiny to see" for
"going to school") lose on both counts, and a line read as nothing scores nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import BBox, Line, Word

__all__ = ["Vocabulary", "read_quality", "align_lines", "merge_reads", "MergeResult"]

# The weight of an unknown word's characters against a known word's. A garbled word is nearly
# always unknown, a right word nearly always known (names and codes are the exceptions, and they
# are read the same way in both reads, so they cancel). Checked on the dev collections: see
# bench/bench_chooser.py for the leave-one-collection-out figures.
UNKNOWN_WEIGHT = 0.35
# The processed read of a group replaces the original only when it is this much more plausible
# (relative, and at least MIN_GAIN weighted characters): where the estimate cannot tell, the
# original read is kept.
MIN_RELATIVE_GAIN = 0.05
MIN_GAIN = 1.0
# Confidence assumed for a word that carries none.
DEFAULT_CONFIDENCE = 50.0

_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$", re.UNICODE)


def _core(text: str) -> str:
    """The word without the punctuation around it, lower-cased (possessive 's kept)."""
    return _EDGE_PUNCT.sub("", text).lower()


@dataclass(frozen=True)
class Vocabulary:
    """What counts as a known word on this page: the engine's word list and the page's own forms."""

    lexicon: frozenset[str]
    page_counts: Counter[str]

    @classmethod
    def build(cls, lexicon: Iterable[str], *reads: list[Line]) -> "Vocabulary":
        counts: Counter[str] = Counter()
        for lines in reads:
            for line in lines:
                counts.update(c for w in line.words if len(c := _core(w.text)) >= 3)
        return cls(frozenset(w.lower() for w in lexicon), counts)

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
        # A form the page uses at least three times (across both reads: twice in each is a name or
        # a term of the document, not a one-off garble).
        return len(core) >= 3 and self.page_counts[core] >= 3


def _word_value(word: Word, knows: Callable[[str], bool], unknown_weight: float) -> float:
    chars = sum(1 for ch in word.text if ch.isalnum())
    if chars == 0:
        return 0.0
    conf = (word.confidence if word.confidence is not None else DEFAULT_CONFIDENCE) / 100.0
    return chars * max(0.0, conf) * (1.0 if knows(word.text) else unknown_weight)


def read_quality(lines: list[Line], knows: Callable[[str], bool], unknown_weight: float = UNKNOWN_WEIGHT) -> float:
    """Confidence-weighted letters and digits of the lines' words, unknown words discounted."""
    return sum(_word_value(w, knows, unknown_weight) for line in lines for w in line.words)


def _line_box(line: Line) -> BBox | None:
    if line.bbox is not None:
        return line.bbox
    boxes = [w.bbox for w in line.words if w.bbox is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _same_text_line(a: BBox | None, b: BBox | None) -> bool:
    """Whether two line boxes cover the same typed line: they overlap across, and down by at least
    half the lower one's height (neighbouring typed lines overlap far less, if at all)."""
    if a is None or b is None:
        return False
    across = min(a[2], b[2]) - max(a[0], b[0])
    down = min(a[3], b[3]) - max(a[1], b[1])
    if across <= 0 or down <= 0:
        return False
    return down >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def align_lines(first: list[Line], second: list[Line]) -> list[tuple[list[int], list[int]]]:
    """Groups of lines that cover the same part of the page: (indices in ``first``, in ``second``).
    Connected components of "boxes cover the same typed line", so a line one read split in two and
    the other read whole fall in one group. Lines without a box are groups of their own."""
    n = len(first)
    parent = list(range(n + len(second)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    boxes_a = [_line_box(line) for line in first]
    boxes_b = [_line_box(line) for line in second]
    for i, a in enumerate(boxes_a):
        for j, b in enumerate(boxes_b):
            if _same_text_line(a, b):
                parent[find(i)] = find(n + j)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for k in range(n + len(second)):
        group = groups.setdefault(find(k), ([], []))
        (group[0] if k < n else group[1]).append(k if k < n else k - n)
    return list(groups.values())


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

    def as_params(self) -> dict[str, float | int]:
        return {
            "groups": self.groups,
            "groups_from_processed": self.from_processed,
            "groups_from_original": self.from_original,
            "lines_only_in_original": self.only_original,
            "lines_only_in_processed": self.only_processed,
            "quality_original": round(self.quality_original, 1),
            "quality_processed": round(self.quality_processed, 1),
            "quality_merged": round(self.quality_merged, 1),
        }


def merge_reads(
    original: list[Line],
    processed: list[Line],
    vocabulary: Vocabulary,
    *,
    unknown_weight: float = UNKNOWN_WEIGHT,
    min_relative_gain: float = MIN_RELATIVE_GAIN,
    min_gain: float = MIN_GAIN,
) -> MergeResult:
    """Per group of aligned lines, the processed read where it is clearly more plausible, else the
    original read. Both reads' boxes must refer to the same image (the page as scanned). Lines
    keep the original read's order; groups the original read has no line in go where their
    first line stood in the processed read."""
    knows = vocabulary.knows
    groups = align_lines(original, processed)
    chosen: list[tuple[float, str, list[int]]] = []
    took_processed = took_original = only_o = only_p = 0
    for o_idx, p_idx in groups:
        q_o = read_quality([original[i] for i in o_idx], knows, unknown_weight)
        q_p = read_quality([processed[j] for j in p_idx], knows, unknown_weight)
        use_processed = q_p > q_o * (1.0 + min_relative_gain) and q_p - q_o >= min_gain
        if not p_idx:
            only_o += len(o_idx)
        if not o_idx:
            only_p += len(p_idx)
        if use_processed:
            took_processed += 1
        else:
            took_original += 1
        source, idx = ("processed", p_idx) if use_processed else ("original", o_idx)
        chosen.append((_position(o_idx, p_idx, original, processed), source, sorted(idx)))
    merged: list[Line] = []
    blocks: dict[tuple[str, int], int] = {}
    for _, source, idx in sorted(chosen, key=lambda c: c[0]):
        lines = processed if source == "processed" else original
        for i in idx:
            line = lines[i]
            block = blocks.setdefault((source, line.block), len(blocks))
            merged.append(line.model_copy(update={"block": block}))
    return MergeResult(
        lines=merged,
        groups=len(groups),
        from_processed=took_processed,
        from_original=took_original,
        only_original=only_o,
        only_processed=only_p,
        quality_original=read_quality(original, knows, unknown_weight),
        quality_processed=read_quality(processed, knows, unknown_weight),
        quality_merged=read_quality(merged, knows, unknown_weight),
    )


def _position(o_idx: list[int], p_idx: list[int], original: list[Line], processed: list[Line]) -> float:
    """Where a group goes in the merged reading order: at its first original line; a group only
    the processed read has goes just after the last original line above it."""
    if o_idx:
        return float(min(o_idx))
    box = _line_box(processed[min(p_idx)])
    if box is None:
        return float(len(original))
    above = [i for i, line in enumerate(original) if (b := _line_box(line)) is not None and b[1] <= box[1]]
    return (max(above) if above else -1) + 0.5
