"""Existing OCR files, read for ``ocrfix correct``: plain text, or hOCR (Tesseract's own, or another
engine's).

Archives often keep the OCR of earlier runs. Plain text has only the words; hOCR also has every
word's box and confidence, which lets the corrector weigh Tesseract's doubt and lets
``layout.rejoin_page`` put back together lines that the segmentation cut apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from .correct import page_from_text
from .errors import InputFileError, OcrEngineError
from .model import Document, Page
from .tesseract import parse_hocr_pages

__all__ = ["OcrFileKind", "ocr_file_kind", "read_ocr_file"]

OcrFileKind = Literal["txt", "hocr"]

# hOCR is (X)HTML that names the ocr_page or ocr_line class; text that merely mentions HTML is text.
_HOCR_MARK = re.compile(rb"class=['\"](ocr_page|ocr_line|ocrx_word)['\"]")


def ocr_file_kind(data: bytes) -> OcrFileKind:
    head = data[:4096].lstrip().lower()
    if (head.startswith(b"<?xml") or head.startswith(b"<!doctype html") or head.startswith(b"<html")) and _HOCR_MARK.search(data[:200_000]):
        return "hocr"
    return "txt"


def read_ocr_file(path: Path, data: bytes) -> tuple[Document, OcrFileKind]:
    """The Document in an OCR file's bytes: text pages split at form feeds, or the hOCR's pages."""
    kind = ocr_file_kind(data)
    if kind == "txt":
        text = data.decode("utf-8", errors="replace")
        pages = [page_from_text(p, path.name).model_copy(update={"index": i}) for i, p in enumerate(text.split("\f"))]
        return Document(source=path.name, pages=pages), kind
    try:
        parsed = parse_hocr_pages(data)
    except OcrEngineError as e:
        raise InputFileError("looks like hOCR but could not be parsed", path=path) from e
    pages = []
    for index, (box, lines) in enumerate(parsed):
        width, height = (box[2], box[3]) if box else (0, 0)
        pages.append(Page(source=path.name, index=index, width=width, height=height, lines=lines))
    return Document(source=path.name, pages=pages), kind
