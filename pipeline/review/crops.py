"""Line crops for review: the scan of the line a word is on, with the word highlighted, as PNG.

Pages are decoded with :func:`pipeline.ingest.load_pages` (so every input format ocrfix reads
works) and kept in a small LRU, because a group's occurrences are often on the same few pages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputFileError
from ..ingest import DEFAULT_MAX_PIXELS, load_pages
from ..model import BBox

__all__ = ["CropMaker", "crop_line", "page_jpeg"]

# Highlight: a translucent yellow fill with an orange outline (BGR).
_FILL = (0, 230, 255)
_EDGE = (0, 120, 255)
MAX_CROP_WIDTH = 1600
MIN_CROP = (400, 80)  # pixels (width, height)


def crop_line(image: np.ndarray, word: BBox | None, line: BBox | None, *, max_width: int = MAX_CROP_WIDTH) -> bytes:
    """PNG bytes of the line (or, without a line box, the word's surroundings) with ``word`` highlighted."""
    height, width = image.shape[:2]
    area = line or word
    if area is None:
        raise InputFileError("the word has no position on the page, so there is nothing to show")
    if word is not None:
        area = (min(area[0], word[0]), min(area[1], word[1]), max(area[2], word[2]), max(area[3], word[3]))
    x0, y0, x1, y1 = area
    # Some room around the line: descenders, and a word's neighbours when there is no line box.
    pad_y = max(6, (y1 - y0) // 2)
    pad_x = max(12, (y1 - y0)) if line is not None else max(60, 3 * (x1 - x0))
    x0, y0, x1, y1 = x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y
    # A speck-sized "word" still gets enough of the page around it to judge what it is.
    grow_x, grow_y = max(0, MIN_CROP[0] - (x1 - x0)), max(0, MIN_CROP[1] - (y1 - y0))
    x0, x1 = x0 - grow_x // 2, x1 + (grow_x - grow_x // 2)
    y0, y1 = y0 - grow_y // 2, y1 + (grow_y - grow_y // 2)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        raise InputFileError("the word's box lies outside the page image (was the input replaced?)")
    crop = image[y0:y1, x0:x1]
    crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.ndim == 2 else crop.copy()
    if word is not None:
        a = (word[0] - x0, word[1] - y0)
        b = (word[2] - x0 - 1, word[3] - y0 - 1)
        overlay = crop.copy()
        cv2.rectangle(overlay, a, b, _FILL, thickness=-1)
        crop = cv2.addWeighted(overlay, 0.35, crop, 0.65, 0)
        cv2.rectangle(crop, a, b, _EDGE, thickness=2)
    if crop.shape[1] > max_width:
        scale = max_width / crop.shape[1]
        crop = cv2.resize(crop, (max_width, max(1, round(crop.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", crop)
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit BGR image
        raise InputFileError("could not encode the crop as PNG")
    return png.tobytes()


# The page view's scan: wide enough to read typewriting beside the text (a 300 dpi A4 page is
# 2,480 px wide; at 1,400 its letters are still 20 px high), small enough to load at once.
PAGE_IMAGE_WIDTH = 1400


def page_jpeg(image: np.ndarray, max_width: int = PAGE_IMAGE_WIDTH) -> bytes:
    """JPEG bytes of a whole page, no wider than ``max_width`` (the page view scales boxes to it)."""
    if image.shape[1] > max_width:
        scale = max_width / image.shape[1]
        image = cv2.resize(image, (max_width, max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit image
        raise InputFileError("could not encode the page as JPEG")
    return jpeg.tobytes()


class CropMaker:
    """Crops from input files, with the last few decoded pages kept in memory (thread-safe)."""

    def __init__(self, max_pages: int = 6, max_pixels: int = DEFAULT_MAX_PIXELS):
        self.max_pages = max_pages
        self.max_pixels = max_pixels
        self._pages: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, path: Path, index: int) -> np.ndarray:
        try:
            st = path.stat()
        except OSError as e:
            raise InputFileError(f"the scan is no longer there ({e.strerror}); put it back, or run `ocrfix process` on where it is now",
                                 path=path) from e
        key = (str(path), index, st.st_size, st.st_mtime_ns)  # a replaced file is decoded afresh
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        for page in load_pages(path, self.max_pixels):
            # Keep the pages decoded on the way too: a multi-page file is read from its start.
            with self._lock:
                self._pages[key[:1] + (page.index,) + key[2:]] = page.image
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
            if page.index == index:
                return page.image
        raise InputFileError(f"has no page {index + 1}", path=path)

    def crop(self, path: Path, page: int, word: BBox | None, line: BBox | None) -> bytes:
        return crop_line(self.page(path, page), word, line)
