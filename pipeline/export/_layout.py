"""What the layout writers (ALTO, hOCR, PDF) share: pages in blocks of lines of tokens with boxes.

A token is one whitespace-separated word as ``page_text`` writes it: a Word whose text the
corrector split into "a b" gives two tokens, each with its share of the word's box (by character
count), so every format has exactly the words of the .txt output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import BBox, Change, Line, Page, Word, runs_down, split_box, union_box

__all__ = ["Token", "LayoutLine", "Block", "page_blocks", "page_pixel_aspect", "page_turn", "block_turn", "xml_safe",
           "DEFAULT_DPI"]

# Characters XML 1.0 cannot hold (control characters other than tab and line breaks, surrogates,
# U+FFFE/U+FFFF) become U+FFFD in the XML formats.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)

# Physical sizes (PDF points) need a resolution; scans that do not say are most often 300 dpi.
DEFAULT_DPI = 300


@dataclass
class Token:
    text: str
    bbox: BBox | None
    # Tesseract's word confidence 0-100 (None for text input).
    confidence: float | None
    # The change that produced this word (the first token of a changed word), else None.
    change: Change | None = None
    word: Word | None = None
    # The first (or only) token of its Word.
    first: bool = True


@dataclass
class LayoutLine:
    index: int
    bbox: BBox | None
    tokens: list[Token] = field(default_factory=list)


@dataclass
class Block:
    number: int
    lines: list[LayoutLine] = field(default_factory=list)

    @property
    def bbox(self) -> BBox | None:
        return union_box([line.bbox for line in self.lines])


def _line_tokens(line: Line, li: int, changes: dict[tuple[int, int], Change]) -> list[Token]:
    tokens: list[Token] = []
    for wi, word in enumerate(line.words):
        parts = word.text.split()
        if not parts:
            continue
        change = changes.get((li, wi))
        for k, (text, box) in enumerate(zip(parts, split_box(word.bbox, parts))):
            tokens.append(Token(text, box, word.confidence, change if k == 0 else None, word, k == 0))
    return tokens


def page_blocks(page: Page) -> list[Block]:
    """The page's lines grouped into blocks (consecutive lines with one block number), without empty lines."""
    changes: dict[tuple[int, int], Change] = {}
    for change in page.changes:
        # The first change of a word holds its OCR form.
        changes.setdefault((change.line, change.word), change)
    blocks: list[Block] = []
    for li, line in enumerate(page.lines):
        tokens = _line_tokens(line, li, changes)
        if not tokens:
            continue
        # A line's box covers its words: a word the merge of two reads or a person's insertion put
        # in it may stand outside the box Tesseract gave the line (ALTO wants strings in lines).
        bbox = union_box([line.bbox, *(t.bbox for t in tokens)])
        if not blocks or blocks[-1].number != line.block:
            blocks.append(Block(line.block))
        blocks[-1].lines.append(LayoutLine(li, bbox, tokens))
    return blocks


def page_turn(page: Page) -> int:
    """The degrees (0, 90, 180, 270) the page was turned clockwise to be read: its text runs that
    many degrees anticlockwise of upright on the scan. 0 where the read as scanned shipped (the
    turn was the chooser's mistake: the verify step says so)."""
    degrees = next((int(s.params.get("degrees", 0)) % 360 for s in page.steps if s.name == "orient"), 0)
    verify = next((s for s in page.steps if s.name == "verify"), None)
    if verify is not None and verify.params.get("shipped", "processed") != "processed":
        return 0
    return degrees


def block_turn(page: Page, block: Block) -> int:
    """The degrees anticlockwise a block's text runs on the scan: the page's turn (``page_turn``),
    or, on a page read as it is, 270 where the block's lines run down it (a stamp along the
    margin, which Tesseract reads by itself): ALTO, hOCR and PAGE said nothing of it."""
    turn = page_turn(page)
    if turn:
        return turn
    return 270 if runs_down([(t.text, t.bbox) for line in block.lines for t in line.tokens]) else 0


def page_pixel_aspect(page: Page) -> float:
    """How many times as tall as wide the page's pixels are, as its file said (a fax sent at 204 x
    98 dpi: 2.08); 1 where it said nothing else or the page was not measured (--preprocess off)."""
    for step in page.steps:
        if step.name == "measure":
            value = step.params.get("pixel_aspect", 1.0)
            return float(value) if isinstance(value, (int, float)) and value > 0 else 1.0
    return 1.0
