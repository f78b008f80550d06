"""Second reads of the lines at risk only: bands of the preprocessed page, read in one engine call.

The original read of a page (as scanned) is the reference. Its lines of known, confident words
need no second opinion; the others (``verify.line_at_risk``) are read again from the preprocessed
image. Reading the whole preprocessed page for a few doubtful lines would double the OCR time, so
the bands of the preprocessed image that hold those lines are cut out, stacked one under the other
with rows of the paper's own colour between them (a "montage"), and read in a single call; the
lines read in each band go back to their place on the page.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import cv2
import numpy as np

from .model import Line, Word, union_box

__all__ = ["Band", "risk_bands", "unread_bands", "join_bands", "montage", "paper_level", "lines_in_bands", "bands_with_text", "lines_from_montage", "BAND_MARGIN", "WHOLE_PAGE_SHARE"]

# A band reaches this many word heights above and below its line (but never past half way to the
# next line of the original read): enough for ascenders, descenders and a line's residual skew.
BAND_MARGIN = 0.6
# Where the bands would cover more than this share of the page's height, the whole preprocessed
# page is read instead: Tesseract reads a page better than a montage of most of it (on the dev
# collections, bands up to 0.8 of the page made 10 pages worse than raw instead of 5, and saved
# a tenth of the time).
WHOLE_PAGE_SHARE = 0.5
# Rows count as holding a line the original read missed where the ink outside its lines spans at
# least this share of the page's width (a typed line's letters cover far more; specks, a rule's
# end or a stamp's edge less).
UNREAD_INK_SHARE = 0.02


@dataclass(frozen=True)
class Band:
    """Rows ``top``..``bottom`` of the preprocessed image."""

    top: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _to_clean(points: np.ndarray, to_input: np.ndarray) -> np.ndarray:
    """Points (n x 2) of the page as scanned in the preprocessed image's pixels."""
    back = cv2.invertAffineTransform(np.asarray(to_input, dtype=np.float64))
    return np.hstack([points, np.ones((len(points), 1))]) @ back.T


def _y_scale(to_input: np.ndarray) -> float:
    """How many pixels of the preprocessed image one pixel of the scan is, down the page (heights
    scale like the y axis of the transform; a rotation by a few degrees changes them little)."""
    return float(np.hypot(*cv2.invertAffineTransform(np.asarray(to_input, dtype=np.float64))[1, :2]))


def _line_rows(line: Line, to_input: np.ndarray) -> tuple[float, float, float] | None:
    """(centre y, word height, leftmost x) of a line in the preprocessed image."""
    boxes = [w.bbox for w in line.words if w.bbox is not None]
    if not boxes:
        return None
    centres = np.array([[(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] for b in boxes], dtype=np.float64)
    mapped = _to_clean(centres, to_input)
    height = statistics.median(b[3] - b[1] for b in boxes) * _y_scale(to_input)
    return float(np.median(mapped[:, 1])), float(height), float(mapped[:, 0].min())


def risk_bands(original: list[Line], at_risk: set[int], to_input: np.ndarray, height: int) -> list[Band]:
    """The bands of the preprocessed image (``height`` rows) that hold the at-risk lines of the
    original read, each reaching BAND_MARGIN word heights beyond its line but stopping half way
    to the neighbouring lines; overlapping bands are joined."""
    rows = [_line_rows(line, to_input) for line in original]
    centres = sorted(r[0] for r in rows if r is not None)
    bands: list[tuple[float, float]] = []
    for i in sorted(at_risk):
        row = rows[i]
        if row is None:
            continue
        centre, word_h, _ = row
        top, bottom = centre - (0.5 + BAND_MARGIN) * word_h, centre + (0.5 + BAND_MARGIN) * word_h
        above = [c for c in centres if c < centre - 0.5 * word_h]
        below = [c for c in centres if c > centre + 0.5 * word_h]
        if above:
            top = max(top, (above[-1] + centre) / 2)
        if below:
            bottom = min(bottom, (below[0] + centre) / 2)
        bands.append((max(0.0, top), min(float(height), bottom)))
    return join_bands(bands)


def unread_bands(image: np.ndarray, original: list[Line], to_input: np.ndarray) -> list[Band]:
    """Bands of the preprocessed image that hold ink in no line of the original read: typed lines
    that Tesseract did not find on the page as scanned (a faint line, a line lost in noise). A run
    of ink rows at least half a line high, whose ink (outside the original's lines) spans at least
    UNREAD_INK_SHARE of the page's width, is such a band, with BAND_MARGIN line heights around it.
    A line is as high as the original read's median word (30 px where it has no word boxes)."""
    heights = [w.bbox[3] - w.bbox[1] for line in original for w in line.words if w.bbox is not None]
    line_height = (float(np.median(heights)) if heights else 30.0) * _y_scale(to_input)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    back = cv2.invertAffineTransform(np.asarray(to_input, dtype=np.float64))
    height, width = ink.shape
    for line in original:
        box = line.bbox
        if box is None:
            continue
        corners = np.array([[box[0], box[1], 1.0], [box[2], box[3], 1.0], [box[0], box[3], 1.0], [box[2], box[1], 1.0]])
        mapped = corners @ back.T
        x0, y0 = np.floor(mapped.min(axis=0)).astype(int)
        x1, y1 = np.ceil(mapped.max(axis=0)).astype(int)
        ink[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)] = 0
    rows = ink.sum(axis=1) >= UNREAD_INK_SHARE * width
    bands: list[tuple[float, float]] = []
    start = None
    for y, on in enumerate(np.append(rows, False)):
        if on and start is None:
            start = y
        elif not on and start is not None:
            if y - start >= 0.5 * line_height:
                bands.append((max(0.0, start - BAND_MARGIN * line_height), min(float(height), y + BAND_MARGIN * line_height)))
            start = None
    return join_bands(bands)


def join_bands(bands: list[tuple[float, float]] | list[Band]) -> list[Band]:
    """The bands, overlapping ones joined, top to bottom."""
    spans = sorted((b.top, b.bottom) if isinstance(b, Band) else b for b in bands)
    joined: list[list[float]] = []
    for top, bottom in spans:
        if bottom <= top:
            continue
        if joined and top <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], bottom)
        else:
            joined.append([top, bottom])
    return [Band(int(np.floor(t)), int(np.ceil(b))) for t, b in joined]


def paper_level(image: np.ndarray, bands: list[Band]) -> int | tuple[int, ...]:
    """The colour of the paper in the bands: their median (type covers a small share of a band),
    over every fourth row and column (the same estimate at a sixteenth of the cost)."""
    rows = np.concatenate([image[b.top : b.bottom : 4, ::4] for b in bands]) if bands else image[::4, ::4]
    if rows.ndim == 2:
        return int(np.median(rows))
    return tuple(int(v) for v in np.median(rows.reshape(-1, rows.shape[2]), axis=0))


def montage(image: np.ndarray, bands: list[Band], gap: int) -> tuple[np.ndarray, list[int]]:
    """The bands of ``image`` stacked with ``gap`` rows of the paper's own colour above, between and
    below them, and the row of the montage each band starts at. Not white: on grey paper, white
    rows make Tesseract's global threshold fall between paper and white, so the paper reads as
    ink and the whole montage as nothing (a Danish dev page with paper at grey 214 read no word)."""
    paper = paper_level(image, bands)
    parts: list[np.ndarray] = []
    starts: list[int] = []
    row = gap
    spacer = np.full((gap, *image.shape[1:]), paper, dtype=image.dtype)
    parts.append(spacer)
    for band in bands:
        starts.append(row)
        parts.append(image[band.top : band.bottom])
        parts.append(spacer)
        row += band.height + gap
    return np.ascontiguousarray(np.concatenate(parts)), starts


def _shift_box(box, dy: int):
    return None if box is None else (box[0], box[1] + dy, box[2], box[3] + dy)


def lines_from_montage(lines: list[Line], bands: list[Band], starts: list[int]) -> list[Line]:
    """The montage's lines back in the preprocessed image's rows: each line goes to the band its
    centre lies in (a line in the gap between bands is noise and is dropped)."""
    out: list[Line] = []
    for line in lines:
        boxes = [w.bbox for w in line.words if w.bbox is not None]
        if not boxes:
            continue
        centre = statistics.median((b[1] + b[3]) / 2 for b in boxes)
        for band, start in zip(bands, starts):
            if start <= centre < start + band.height:
                dy = band.top - start
                words = [Word(**{**w.model_dump(), "bbox": _shift_box(w.bbox, dy)}) for w in line.words]
                out.append(line.model_copy(update={"words": words, "bbox": _shift_box(line.bbox, dy)}))
                break
    return out


def lines_in_bands(lines: list[Line], bands: list[Band], to_input: np.ndarray, width: int) -> set[int]:
    """Indices of the lines (boxes on the page as scanned) whose centre lies, in the preprocessed
    image of ``width`` columns, within one of the bands."""
    inside: set[int] = set()
    for i, line in enumerate(lines):
        box = line.bbox if line.bbox is not None else union_box([w.bbox for w in line.words])
        if box is None:
            continue
        x, y = _to_clean(np.array([[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]], dtype=np.float64), to_input)[0]
        if 0 <= x < width and any(b.top <= y < b.bottom for b in bands):
            inside.add(i)
    return inside


def bands_with_text(lines: list[Line], bands: list[Band]) -> list[Band]:
    """The bands that at least one of the lines (in the preprocessed image's rows) lies in."""
    centres = [statistics.median((b[1] + b[3]) / 2 for b in boxes) for ln in lines if (boxes := [w.bbox for w in ln.words if w.bbox])]
    return [band for band in bands if any(band.top <= c < band.bottom for c in centres)]
