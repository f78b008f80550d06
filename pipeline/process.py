"""Runs the stages in order for one input file. No stage calls another; this module does.

``ocr_document`` (expensive: decode, preprocess, Tesseract) and ``correct_document`` (cheap:
overrides, then the corrector) are separate so that correction can be re-run from cached OCR.
Both are module-level functions of picklable data, so they run the same in a local process pool
or on a Dask worker.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .correct import Corrector, correct_page, load_corrector
from .ingest import DEFAULT_MAX_PIXELS, PageImage, load_pages
from .model import BBox, Document, Line, Page
from .options import CorrectOptions, Options
from .overrides import Corrections, apply_overrides, load_corrections
from .preprocess import preprocess
from .tesseract import check_tesseract, ocr_image

__all__ = ["ocr_page", "ocr_document", "correct_document", "corrector_for", "map_lines"]


def _map_box(box: BBox | None, matrix: np.ndarray, width: int, height: int) -> BBox | None:
    if box is None:
        return None
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    mapped = corners @ matrix.T
    xs, ys = mapped[:, 0], mapped[:, 1]
    return (
        int(max(0, min(width, np.floor(xs.min())))),
        int(max(0, min(height, np.floor(ys.min())))),
        int(max(0, min(width, np.ceil(xs.max())))),
        int(max(0, min(height, np.ceil(ys.max())))),
    )


def map_lines(lines: list[Line], matrix: np.ndarray, width: int, height: int) -> list[Line]:
    """Move every box from the preprocessed image's coordinates to the input image's."""
    if np.allclose(matrix, [[1, 0, 0], [0, 1, 0]]):
        return lines
    return [
        line.model_copy(
            update={
                "bbox": _map_box(line.bbox, matrix, width, height),
                "words": [
                    w.model_copy(update={"bbox": _map_box(w.bbox, matrix, width, height)}) for w in line.words
                ],
            }
        )
        for line in lines
    ]


def ocr_page(page_image: PageImage, source: str, options: Options) -> Page:
    """Preprocess one page image and read it with Tesseract; boxes refer to the input image."""
    info = check_tesseract(options.ocr.tesseract_cmd, options.ocr.lang)
    height, width = page_image.image.shape[:2]
    clean = preprocess(page_image.image, page_image.dpi, options.preprocess)
    lines = ocr_image(clean.image, options.ocr, clean.dpi)
    return Page(
        source=source,
        index=page_image.index,
        width=width,
        height=height,
        dpi=page_image.dpi,
        lines=map_lines(lines, clean.to_input, width, height),
        steps=clean.steps,
        engine={"name": "tesseract", "version": info.version, "lang": options.ocr.lang, "psm": str(options.ocr.psm)},
    )


def ocr_document(path: Path, source: str, options: Options, max_pixels: int = DEFAULT_MAX_PIXELS) -> Document:
    """OCR every page of one input file (the uncorrected result, as cached)."""
    pages = [ocr_page(page_image, source, options) for page_image in load_pages(path, max_pixels)]
    return Document(source=source, pages=pages)


@functools.lru_cache(maxsize=4)
def corrector_for(options: CorrectOptions, corrections: Corrections) -> Corrector:
    """The corrector for these options and overrides, built once per process."""
    return load_corrector(options, corrections.known_words(), corrections.protected_words())


def correct_document(doc: Document, options: CorrectOptions, corrections: Corrections | None = None) -> Document:
    """Apply the overrides, then (when enabled) the automatic corrector, to every page."""
    if corrections is None:
        corrections = load_corrections(options.corrections_file)
    corrector = corrector_for(options, corrections) if options.enabled else None
    pages: list[Page] = []
    for page in doc.pages:
        page, decided = apply_overrides(page, doc.source, corrections)
        if corrector is not None:
            page = correct_page(page, corrector, skip=decided)
        pages.append(page)
    return doc.model_copy(update={"pages": pages})
