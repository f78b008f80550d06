"""The data that flows between stages: a Document of Pages of Lines of Words, plus every Change.

Everything is a pydantic model so that a page survives a JSON round-trip losslessly
(``Document.model_validate_json(doc.model_dump_json()) == doc``); the JSON file written beside each
text output is exactly this.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BBox",
    "CharChoices",
    "Word",
    "Line",
    "Change",
    "Step",
    "LANGUAGE_STEP",
    "Page",
    "Document",
    "SCHEMA_VERSION",
    "box_iou",
    "union_box",
    "runs_down",
]

SCHEMA_VERSION = 1

# (x0, y0, x1, y1) in pixels of the page image as it was read from the input file.
BBox = tuple[int, int, int, int]
# Tesseract's alternatives for one character position: [(character, confidence 0-100), ...],
# best first. Only positions where Tesseract offered more than its first choice are kept.
CharChoices = list[tuple[str, float]]


def box_iou(a: BBox | None, b: BBox | None) -> float:
    """Intersection over union of two boxes (0 when either is missing): how far two readings of
    one word on one page are the same word, though a re-OCR moves boxes by a few pixels."""
    if a is None or b is None:
        return 0.0
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def union_box(boxes: list[BBox | None]) -> BBox | None:
    """The smallest box holding all the known boxes (None when none is known)."""
    known = [b for b in boxes if b is not None]
    if not known:
        return None
    return (min(b[0] for b in known), min(b[1] for b in known), max(b[2] for b in known), max(b[3] for b in known))


# How many times as tall as wide a word's box is at least to stand on end: three letters or more
# on end are 1.3 to 7 times (Tesseract's boxes, 300 dpi), while upright, a narrow sans's 'fill' is
# 1.06 times; "taller than wide" took a one-word line such as 'fill.' for one running down the page.
ON_END = 1.25


def runs_down(words: list[tuple[str, BBox | None]]) -> bool:
    """Whether (text, box) words stand on end: most of those of three letters or more are clearly
    taller than wide (``ON_END``), as Tesseract reads type turned a quarter clockwise, by itself,
    as lines running down the page."""
    boxes = [b for t, b in words if b is not None and sum(c.isalnum() for c in t) >= 3]
    return bool(boxes) and sum(b[3] - b[1] > ON_END * (b[2] - b[0]) for b in boxes) > len(boxes) / 2


def split_box(box: BBox | None, parts: list[str]) -> list[BBox | None]:
    """Divide a word's box among its parts in proportion to their length (a space counts as one)."""
    if box is None or len(parts) == 1:
        return [box] * len(parts)
    x0, y0, x1, y1 = box
    total = sum(len(p) for p in parts) + len(parts) - 1
    width = max(0, x1 - x0)
    out: list[BBox | None] = []
    pos = 0
    for p in parts:
        a = x0 + round(width * pos / total)
        b = x0 + round(width * (pos + len(p)) / total)
        out.append((a, y0, max(a, b), y1))
        pos += len(p) + 1
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Word(_Model):
    text: str
    bbox: BBox | None = None
    # Tesseract's word confidence, 0-100; None where the text did not come from OCR.
    confidence: float | None = None
    # Per-character alternatives, aligned with ``text`` by position; empty when Tesseract gave none.
    alternatives: list[CharChoices] = Field(default_factory=list)
    # Set where the word is likely wrong (its p_wrong at or above its model's bar, or, with no
    # model, Tesseract's doubt): left as read and offered for review.
    flagged: bool = False
    suggestions: list[str] = Field(default_factory=list)
    # The calibrated probability that the word (as it stands) is wrong: the corrector's, or where no
    # corrector ran the read model's; None where neither could judge it (calibration.py).
    p_wrong: float | None = None
    # Where the page was read twice here and the two reads differ: what the other read has at this
    # word's place ("" where it has nothing there); None where it was read once or both agree. The
    # read model weighs it (calibration.py).
    other_read: str | None = None


class Line(_Model):
    words: list[Word] = Field(default_factory=list)
    bbox: BBox | None = None
    # Lines with the same block number belong to one paragraph; text output puts a blank line
    # between blocks.
    block: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class Change(_Model):
    """One correction: where, what it was, what it became, who decided and how sure."""

    line: int
    word: int
    original: str
    new: str
    # "override" (corrections.yaml), "lexicon", "context", "alternatives", "split", "merge", "ordinal", ...
    source: str
    score: float = 1.0
    # The corrections.yaml entry that made the change, for source "override".
    entry_id: str | None = None


class Step(_Model):
    """One processing step as it was applied: what, with which settings, and why."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""


# The step the corrector records on a page it left as read because its words are not the
# dictionaries' language (correct.language.foreign_language); the exporters and the run's count look for it.
LANGUAGE_STEP = "language"


class Page(_Model):
    source: str
    # 0-based page number within a multi-page input.
    index: int = 0
    width: int = 0
    height: int = 0
    dpi: int | None = None
    lines: list[Line] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    engine: dict[str, str] = Field(default_factory=dict)
    # The scan the page was read from, as the OCR file it came from names it (hOCR's ``image``,
    # ALTO's ``fileName``); None: the document's source is the scan (or none is known). The hOCR
    # and ALTO written name it, so that they still lead to the scan.
    image: str | None = None

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def mean_confidence(self) -> float | None:
        confs = [w.confidence for w in self.words if w.confidence is not None]
        return sum(confs) / len(confs) if confs else None


class Document(_Model):
    """Everything ocrfix knows about one input file."""

    schema_version: int = SCHEMA_VERSION
    source: str
    pages: list[Page] = Field(default_factory=list)
