"""Plain text: a line per OCR line (but empty ones), a blank line between blocks, pages separated by a form feed."""

from __future__ import annotations

from ..model import Document, Page

__all__ = ["page_text", "document_text"]


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
