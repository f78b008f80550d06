"""Plain text: a line per OCR line (but empty ones), a blank line between blocks, pages separated by a
form feed; or, for a document read from plain text, the text's own layout with its words corrected."""

from __future__ import annotations

import difflib
import re

from ..model import Document, Page

__all__ = ["page_text", "document_text", "text_in_layout"]


def page_text(page: Page) -> str:
    out: list[str] = []
    previous_block: int | None = None
    for line in page.lines:
        if not line.words:
            continue  # (a line whose words a person deleted, as hOCR and ALTO leave it out)
        if previous_block is not None and line.block != previous_block:
            out.append("")
        out.append(line.text)
        previous_block = line.block
    return "\n".join(out) + ("\n" if out else "")


def document_text(doc: Document) -> str:
    return "\f".join(page_text(page) for page in doc.pages)


def text_in_layout(original: str, doc: Document) -> str:
    """``doc``, read from the plain text ``original`` (``correct.page_from_text``: a page a form
    feed, a Line a text line that has words) and corrected, as text in the original's own layout:
    its line ends (CRLF, CR), blank lines, tabs, runs of spaces and page breaks as they were, and the
    changed words in their places. Where nothing changed it is the original, character for
    character. A page whose lines no longer match the text's is written as ``page_text`` writes it."""
    texts = original.split("\f")
    if len(texts) != len(doc.pages):
        return document_text(doc)
    return "\f".join(_page_in_layout(text, page) for text, page in zip(texts, doc.pages))


def _page_in_layout(text: str, page: Page) -> str:
    rows = text.splitlines(keepends=True)
    if sum(1 for row in rows if row.split()) != len(page.lines):
        return page_text(page)
    lines = iter(page.lines)
    return "".join(row if not row.split() else _row_in_layout(row, [w.text for w in next(lines).words]) for row in rows)


_TOKEN = re.compile(r"\S+")


def _row_in_layout(row: str, words: list[str]) -> str:
    """One text line (with its line end) with its words replaced by ``words``: the space between two
    words kept where both are kept, one space between words that are new."""
    tokens = list(_TOKEN.finditer(row))
    old = [m.group() for m in tokens]
    if old == words:
        return row
    if not words:
        return ""  # (its words joined the line before: a word hyphenated across the line end)
    # What follows each word: the space to the next word; None after the last (the line's end).
    after: list[str | None] = [row[a.end():b.start()] for a, b in zip(tokens, tokens[1:])] + [None]
    pieces: list[tuple[str, str | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, words, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces += [(old[k], after[k]) for k in range(i1, i2)]
        elif tag != "delete":
            new = words[j1:j2]
            pieces += [(w, " ") for w in new[:-1]] + [(new[-1], after[i2 - 1] if i2 > i1 else " ")]
    # The line's own start and end stay where they were, whichever words now stand first and last.
    return row[:tokens[0].start()] + "".join(w + (" " if sep is None else sep) for w, sep in pieces[:-1]) \
        + pieces[-1][0] + row[tokens[-1].end():]
