"""Image preprocessing before OCR: measure the page, choose the steps, run them.

Each step is a plain function image -> image (geometric ones also return the 2x3 matrix mapping
their output's coordinates back to their input's). ``measure_page`` looks at a page once (noise,
contrast, stroke width, x-height, skew, orientation, dark edges) and ``plan_candidates`` turns the
measurements into an ordered list of candidate step lists: the first is what the rules choose,
the next is what ``process.ocr_page`` tries when Tesseract is not confident in the first read.
``preprocess`` runs one candidate and returns the clean image with the record of what was done
(``Step``) and the affine transform from the clean image's coordinates back to the input's, so
that word boxes always refer to the page as scanned.

The thresholds below were chosen on ``shared/dev`` (17 EHRI pages, 32 synthetic pages in four
kinds of damage), reading every page with Tesseract 5.3 with and without each step; the
measurements that chose each one are written next to it. "Raw" below means Tesseract on the
unprocessed page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .errors import OutputError, UsageError
from .model import Step
from .options import PREPROCESS_STEPS, PreprocessOptions, preprocess_steps

__all__ = [
    "Preprocessed",
    "PageMeasures",
    "STEP_NAMES",
    "to_grayscale",
    "estimate_skew",
    "estimate_orientation",
    "text_axis_ratio",
    "ascender_balance",
    "find_dark_border",
    "estimate_xheight",
    "estimate_stroke_width",
    "rotate",
    "rotate_orthogonal",
    "crop",
    "rescale",
    "denoise_median",
    "denoise_nlm",
    "flatten_background",
    "stretch_contrast",
    "binarise_otsu",
    "binarise_sauvola",
    "measure_page",
    "plan_candidates",
    "preprocess",
]


@dataclass
class Preprocessed:
    image: np.ndarray
    dpi: int | None
    steps: list[Step] = field(default_factory=list)
    # 2x3 affine matrix taking (x, y) in ``image`` to (x, y) in the input page image.
    to_input: np.ndarray = field(default_factory=lambda: np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    # What auto mode measured, and every candidate step list it would try, best first (the
    # chooser in process.ocr_page runs the next one when the first read is poor).
    measures: "PageMeasures | None" = None
    candidates: list[list[Step]] = field(default_factory=list)


_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

# ---------------------------------------------------------------------------------------------
# Measurements (image -> number)
# ---------------------------------------------------------------------------------------------


def to_grayscale(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _reduced(gray: np.ndarray, longest: int) -> tuple[np.ndarray, float]:
    h, w = gray.shape
    scale = min(1.0, longest / max(h, w))
    if scale >= 1.0:
        return gray, 1.0
    small = cv2.resize(gray, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    return small, scale


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink mask (255 = ink) by Otsu's threshold."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _layout_ink(small: np.ndarray) -> np.ndarray:
    """Ink mask of a reduced page for layout measurements (skew, orientation), robust to uneven
    light and grain: the background (ink closed away) is divided out before Otsu's threshold,
    otherwise a shadow or a lighting gradient becomes "ink" and dominates the profiles."""
    k = max(9, (min(small.shape) // 60) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    flat = cv2.divide(small, np.maximum(background, 1), scale=255)
    return _ink(cv2.GaussianBlur(flat, (3, 3), 0))


def _profile_sharpness(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST)
    return float(np.var(rotated.sum(axis=1, dtype=np.float64)))


def estimate_skew(gray: np.ndarray, max_angle: float = 10.0) -> float:
    """Skew of the text lines in degrees (positive: text rises to the right), by projection profiles.

    The angle whose horizontal ink profile is sharpest (largest variance of row sums) is the one
    that lines the text up; searched coarse then fine on a reduced image for speed. Dark page
    edges are cut off before this is called (``find_dark_border``): a dark band would dominate
    the profile.
    """
    small, _ = _reduced(gray, 1000)
    ink = _layout_ink(small)
    if cv2.countNonZero(ink) < 50:
        return 0.0

    def sharpness(angle: float) -> float:
        return _profile_sharpness(ink, angle)

    best = max(np.arange(-max_angle, max_angle + 1e-9, 1.0), key=sharpness)
    step = 0.2
    angles = np.arange(best - 1.0, best + 1.0 + 1e-9, step)
    values = [sharpness(a) for a in angles]
    i = int(np.argmax(values))
    best = float(angles[i])
    if 0 < i < len(values) - 1:
        # Vertex of the parabola through the peak and its neighbours: sub-step precision
        # without more rotations.
        left, mid, right = values[i - 1], values[i], values[i + 1]
        denom = left - 2 * mid + right
        if denom < 0:
            best += step * 0.5 * (left - right) / denom
    return float(round(-best, 2))


def _line_runs(profile: np.ndarray, min_height: int) -> list[tuple[int, int]]:
    """Runs of rows that hold ink (text lines) in a row profile."""
    if profile.max() <= 0:
        return []
    on = profile > 0.05 * profile.max()
    runs: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start >= min_height:
                runs.append((start, i))
            start = None
    if start is not None and len(on) - start >= min_height:
        runs.append((start, len(on)))
    return runs


def _ascender_balance(ink: np.ndarray, strips: int = 4) -> tuple[float, int, float | None]:
    """(above - below) / (above + below) of the ink outside each line's x-height band, the
    number of line pieces measured, and the median height of the band (the x-height).
    Latin text has far more ascenders and capitals (t h d l b f k, i-dots) than descenders
    (g p y q j), so upright text scores positive, upside-down negative. Measured in vertical
    strips so that a residual skew does not smear the line profiles."""
    above = below = 0.0
    lines = 0
    cores: list[int] = []
    w = ink.shape[1]
    for i in range(strips):
        part = ink[:, i * w // strips : (i + 1) * w // strips]
        profile = part.sum(axis=1, dtype=np.float64)
        for start, end in _line_runs(profile, 4):
            p = profile[start:end]
            core = np.nonzero(p >= 0.5 * p.max())[0]
            if core.size == 0 or end - start > 100:
                continue
            top, bottom = core[0], core[-1]
            above += float(p[:top].sum())
            below += float(p[bottom + 1 :].sum())
            lines += 1
            cores.append(int(bottom - top + 1))
    core = float(np.median(cores)) if cores else None
    if above + below <= 0:
        return 0.0, lines, core
    return (above - below) / (above + below), lines, core


def _best_angle(ink: np.ndarray, max_angle: float = 10.0) -> tuple[float, float]:
    """(sharpness, angle) of the sharpest row profile, sharpness as the squared coefficient of
    variation of the row sums (comparable between the two axes of a page)."""
    mean = float(ink.sum(dtype=np.float64)) / max(ink.shape[0], 1)
    if mean <= 0:
        return 0.0, 0.0

    def sharpness(angle: float) -> float:
        return _profile_sharpness(ink, angle)

    best = max(np.arange(-max_angle, max_angle + 1e-9, 2.0), key=sharpness)
    return sharpness(best) / mean**2, float(best)


# Orientation: text lines run along the axis whose ink profile is sharper. The 49 upright dev
# pages (EHRI and synthetic, after cutting dark edges) had a vertical/horizontal sharpness ratio
# of 0.10-0.26, and the same pages turned 90 degrees the inverse; a page is only turned by 90
# degrees when the vertical axis is at least this much sharper than the horizontal.
ORIENTATION_AXIS_RATIO = 1.5
# Upside-down test: the ascender balance of the 49 upright dev pages was +0.15 to +0.52, of the
# same pages turned 180 degrees its negative; all 196 (49 pages x 4 turns) were called right. A
# page is only turned when the balance is clearly negative, and with enough line pieces (lines
# x 4 strips) to trust it.
ORIENTATION_FLIP_BALANCE = -0.1
ORIENTATION_MIN_LINES = 8


def text_axis_ratio(gray: np.ndarray) -> float:
    """How much sharper the vertical ink profile is than the horizontal one (best over +-10
    degrees each): far below 1 for horizontal text lines, far above for vertical ones."""
    small, _ = _reduced(gray, 800)
    ink = _layout_ink(small)
    if cv2.countNonZero(ink) < 200:
        return 0.0
    # The middle of the page only, where a leftover edge, a punched hole or a ruled margin cannot
    # dominate a profile.
    sh, sw = ink.shape
    ink = np.ascontiguousarray(ink[sh // 10 : sh - sh // 10, sw // 10 : sw - sw // 10])
    horizontal, _ = _best_angle(ink)
    vertical, _ = _best_angle(np.ascontiguousarray(ink.T))
    return vertical / horizontal if horizontal > 0 else float("inf")


def ascender_balance(gray: np.ndarray, skew: float) -> tuple[float, int, float | None]:
    """``_ascender_balance`` of a page whose text lines are horizontal but skewed ``skew`` degrees
    (the x-height in pixels of ``gray``)."""
    big, scale = _reduced(gray, 1600)
    ink = _layout_ink(big)
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
    level = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST)
    balance, lines, core = _ascender_balance(level)
    return balance, lines, (None if core is None else core / scale)


def _orientation(gray: np.ndarray, stated_turn: int = 0) -> tuple[int, dict[str, float], np.ndarray, float]:
    """(clockwise turn, evidence, the page turned upright, its skew). ``stated_turn``: the turn the
    file states (a camera's EXIF orientation), taken where the page has too few lines to tell which
    way round it is and its lines run the way that turn says."""
    ratio = text_axis_ratio(gray)
    turn = 90 if ratio >= ORIENTATION_AXIS_RATIO else 0
    page = _turn(gray, turn)
    skew = estimate_skew(page)
    balance, lines, core = ascender_balance(page, skew)
    evidence = {"axis_ratio": round(ratio, 3), "ascender_balance": round(balance, 3), "lines": float(lines)}
    if core is not None and lines >= ORIENTATION_MIN_LINES:
        evidence["line_xheight"] = round(core, 2)
    if lines >= ORIENTATION_MIN_LINES and balance <= ORIENTATION_FLIP_BALANCE:
        # A half turn keeps the direction of the lines, so the skew stays as measured.
        turn = (turn + 180) % 360
        page = _turn(page, 180)
    elif lines < ORIENTATION_MIN_LINES and stated_turn % 180 == turn:
        # Too little text to tell which way round: as the file says, where its lines agree (a
        # photo of a three-line memo stored sideways was read upside down), else as it is. Where
        # the page can tell, it wins: a phone held flat over a document often records it wrongly.
        if stated_turn != turn:
            page = _turn(gray, stated_turn)  # (a half turn from the measured page: the skew stays)
        turn = stated_turn
        if stated_turn:
            evidence["stated_turn"] = float(stated_turn)
    elif turn == 90 and lines < ORIENTATION_MIN_LINES:
        # Too little text to tell which way round: leave the page as it is.
        turn, page, skew = 0, gray, estimate_skew(gray)
    return turn, evidence, page, skew


def estimate_orientation(gray: np.ndarray) -> tuple[int, dict[str, float]]:
    """How many degrees clockwise the page must be turned to be upright (0, 90, 180 or 270), and
    the evidence. Uses only the image (no OCR engine call). Call it on a page without dark edges."""
    turn, evidence, _, _ = _orientation(gray)
    return turn, evidence


# A pixel is "dark" when below this fraction of the page background. Text rows are never that
# dark on average (dev pages: the darkest text row averages 0.75 of the background; the synthetic
# scanner edges average 0.05-0.3).
DARK_EDGE_FRACTION = 0.55
# A row/column at the page edge is scanner edge only when nearly all of it is dark: a row of type,
# even a bold letterhead, is mostly paper between and inside the letters (a cut that took the
# letterhead rows of 1-bit business letters for edge lost their first lines).
DARK_EDGE_SHARE = 0.8
# The edge band must start within this fraction of the image's edge (a lighter strip outside a
# dark one is common: the scanner lid) and be one run of dark rows from there, gaps of at most
# EDGE_GAP rows allowed; dark rows further in are page content, never edge.
EDGE_START_FRACTION = 0.02
EDGE_GAP = 2
# A row beyond the band with at least this share of dark pixels (and not mostly dark) holds ink of
# the page's own: the cut stops before it.
MIN_INK_SHARE = 0.003
# At most this fraction of the page is cut from each side, whatever the profile says.
MAX_EDGE_FRACTION = 0.15


def _edge_run(share: np.ndarray) -> int:
    """How many rows (from index 0) the scanner-edge band takes, given each row's share of dark
    pixels: one run of mostly dark rows that starts near the edge, plus a margin for its fuzzy
    inner edge that stops short of the first row with ink of the page's own (a rule, a
    letterhead); 0 where there is no band."""
    dark = share >= DARK_EDGE_SHARE
    limit = int(len(dark) * MAX_EDGE_FRACTION)
    start_by = max(1, int(len(dark) * EDGE_START_FRACTION))
    first = np.nonzero(dark[:start_by])[0]
    if first.size == 0:
        return 0
    end, gap = int(first[0]), 0
    for i in range(int(first[0]), limit):
        if dark[i]:
            end, gap = i, 0
        else:
            gap += 1
            if gap > EDGE_GAP:
                break
    cut = end + 1
    for i in range(end + 1, min(len(dark), end + 1 + max(2, len(dark) // 100))):
        if dark[i] or share[i] < MIN_INK_SHARE:
            cut = i + 1
        else:
            break
    return cut


def find_dark_border(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) of the page without the dark scanner edges along its sides."""
    h, w = gray.shape
    small, _ = _reduced(gray, 800)
    background = float(np.percentile(small, 90))
    if background < 60:
        return 0, 0, w, h
    dark = small < DARK_EDGE_FRACTION * background
    sh, sw = small.shape
    # Twice: each side's shares are taken between the bands found on the sides across it (the ink
    # of a dark left edge is not ink of the top rows).
    top = bottom = left = right = 0
    for _ in range(2):
        rows = dark[:, left : sw - right].mean(axis=1)
        top, bottom = _edge_run(rows), _edge_run(rows[::-1])
        cols = dark[top : sh - bottom, :].mean(axis=0)
        left, right = _edge_run(cols), _edge_run(cols[::-1])
    box = (
        int(round(left * w / sw)),
        int(round(top * h / sh)),
        int(round(w - right * w / sw)),
        int(round(h - bottom * h / sh)),
    )
    if box[2] - box[0] < w // 2 or box[3] - box[1] < h // 2:
        return 0, 0, w, h
    return box


def _row_bands(image: np.ndarray, band: int, period: int) -> np.ndarray:
    """Bands of ``band`` rows every ``period`` rows, stacked (the whole image if it is short)."""
    if image.shape[0] <= 2 * period:
        return image
    return np.ascontiguousarray(np.concatenate([image[y : y + band] for y in range(0, image.shape[0], period)]))


def _masked_median(image: np.ndarray, mask: np.ndarray, default: float) -> float:
    hist = cv2.calcHist([image], [0], mask, [256], [0, 256]).ravel()
    n = hist.sum()
    if n <= 0:
        return default
    return float(np.searchsorted(np.cumsum(hist), n / 2))


def _glyph_components(stats: np.ndarray) -> np.ndarray:
    """Stats rows (x, y, w, h, area) of the connected components that look like characters."""
    s = stats[1:]
    hs, ws, area = s[:, cv2.CC_STAT_HEIGHT], s[:, cv2.CC_STAT_WIDTH], s[:, cv2.CC_STAT_AREA]
    keep = (hs >= 4) & (hs <= 150) & (ws >= 2) & (ws <= 150) & (area >= 8)
    return s[keep]


def estimate_xheight(glyphs: np.ndarray) -> float | None:
    """The most common character-component height: lowercase letters without ascenders."""
    if len(glyphs) < 30:
        return None
    hist = np.bincount(glyphs[:, cv2.CC_STAT_HEIGHT]).astype(np.float64)
    smooth = np.convolve(hist, [1, 2, 1], "same")
    return float(np.argmax(smooth))


def estimate_stroke_width(ink: np.ndarray) -> float | None:
    """Twice the median distance from the stroke centre lines to the background."""
    if cv2.countNonZero(ink) < 100 or cv2.countNonZero(ink) == ink.size:
        return None  # (no background at all: every distance would be "infinite")
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)))
    return float(2 * np.median(dist[ridge])) if ridge.any() else None


@dataclass(frozen=True)
class PageMeasures:
    """What the chooser knows about a page: its dark edges (``border``, in the page as scanned),
    then everything else measured on the edge-trimmed page turned upright."""

    width: int
    height: int
    dpi: int | None
    orientation: int
    orientation_evidence: dict[str, float]
    border: tuple[int, int, int, int]
    skew: float
    # Two grey levels only (a fax or a hard-thresholded scan).
    bilevel: bool
    background: float
    contrast: float
    # Std of (page - 3x3 median) over the background: grain/noise in grey levels.
    noise: float
    # Isolated 1-4 px ink dots per megapixel: the speckle of faxes and dirty copies.
    specks_per_mpx: float
    # Spread (5th-95th percentile) of the smoothed background: uneven lighting or stains.
    background_range: float
    xheight: float | None
    stroke_width: float | None
    # Median width/height of character components: ~0.5-1.0 for upright type; far above when the
    # page was scanned at half the vertical resolution and not stretched back.
    glyph_aspect: float | None
    # Share of the characters' ink a 3x3 median keeps: near 1 for strokes of 3 px and more.
    ink_kept_by_median: float = 1.0
    # How many times as tall as wide the file says its pixels are (ingest.PageImage.pixel_aspect).
    pixel_aspect: float = 1.0

    def as_params(self) -> dict[str, Any]:
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}
        if self.pixel_aspect == 1.0:
            del params["pixel_aspect"]  # (square pixels, as nearly every scan's: not worth a line)
        return params


def measure_page(gray: np.ndarray, dpi: int | None, pixel_aspect: float = 1.0, stated_turn: int = 0) -> PageMeasures:
    """Measure a grayscale page: orientation first (``stated_turn``: the file's, ``_orientation``),
    then everything else on the upright page."""
    # Edges, orientation and skew are measured on a copy of at most 1600 px (resized once).
    small, scale = _reduced(gray, 1600)
    sx0, sy0, sx1, sy1 = find_dark_border(small)
    h, w = gray.shape
    border = (0, 0, w, h)
    if (sx0, sy0, sx1, sy1) != (0, 0, small.shape[1], small.shape[0]):
        border = (
            min(w, int(round(sx0 / scale))),
            min(h, int(round(sy0 / scale))),
            w if sx1 >= small.shape[1] else min(w, int(round(sx1 / scale))),
            h if sy1 >= small.shape[0] else min(h, int(round(sy1 / scale))),
        )
    orientation, evidence, _, skew = _orientation(small[sy0:sy1, sx0:sx1], stated_turn)
    line_xheight = evidence.pop("line_xheight", None)
    x0, y0, x1, y1 = border
    page = _turn(gray[y0:y1, x0:x1], orientation)

    # Pixel statistics on a third of the page (bands of 160 rows every 480) to save time: a
    # page's grain, strokes and type are the same all over it.
    sample = _row_bands(page, 160, 480)
    ink = _ink(sample)
    hist = cv2.calcHist([sample], [0], None, [256], [0, 256]).ravel()
    # Bilevel: nearly every pixel in the darkest or lightest 16 levels (JPEG'd binary scans too).
    bilevel = (hist[:16].sum() + hist[240:].sum()) / max(hist.sum(), 1) >= 0.97
    background_mask = cv2.erode(255 - ink, np.ones((5, 5), np.uint8))
    background = _masked_median(sample, background_mask, 255.0)
    ink_level = _masked_median(sample, ink, background)
    residual = cv2.subtract(sample.astype(np.int16), cv2.medianBlur(sample, 3).astype(np.int16))
    noise = float(cv2.meanStdDev(residual, mask=background_mask)[1][0, 0]) if cv2.countNonZero(background_mask) else 0.0
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    specks = int(np.sum(stats[1:, cv2.CC_STAT_AREA] <= 4))
    # Background spread on a 600-px copy made from the 1600-px one (cheap), turned like the page.
    small_page, _ = _reduced(_turn(small[sy0:sy1, sx0:sx1], orientation), 600)
    closed = cv2.morphologyEx(small_page, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    smooth = cv2.GaussianBlur(closed, (0, 0), 8)
    low, high = np.percentile(smooth, [5, 95])
    # How much of the characters' ink (components over 4 px) a 3x3 median keeps.
    labels_big = np.zeros(len(stats), bool)
    labels_big[1:] = stats[1:, cv2.CC_STAT_AREA] > 4
    glyph_ink = labels_big[labels]
    kept = float(np.count_nonzero((cv2.medianBlur(ink, 3) > 0) & glyph_ink)) / max(int(np.count_nonzero(glyph_ink)), 1)
    glyph_stats = stats
    if noise >= HEAVY_NOISE / 2:
        # Grain breaks the page into thousands of dot "components"; smooth it away before
        # measuring characters.
        smooth_ink = _layout_ink(cv2.GaussianBlur(sample, (5, 5), 0))
        _, _, glyph_stats, _ = cv2.connectedComponentsWithStats(smooth_ink, connectivity=8)
    glyphs = _glyph_components(glyph_stats)
    aspect = (
        float(np.median(glyphs[:, cv2.CC_STAT_WIDTH] / glyphs[:, cv2.CC_STAT_HEIGHT])) if len(glyphs) >= 30 else None
    )
    return PageMeasures(
        pixel_aspect=pixel_aspect,
        width=int(gray.shape[1]),
        height=int(gray.shape[0]),
        dpi=dpi,
        orientation=orientation,
        orientation_evidence=evidence,
        border=border,
        skew=skew,
        bilevel=bool(bilevel),
        background=round(background, 1),
        contrast=round(background - ink_level, 1),
        noise=round(noise, 2),
        specks_per_mpx=round(specks / (sample.size / 1e6), 1),
        background_range=round(float(high - low), 1),
        # The x-height from the line profiles (the band where a line's ink is densest) is the
        # robust one: character components fall apart in grain (a noisy dev page measured 4 px by
        # components, 15.8 by profiles, 15-16 clean) and merge in dense type. On clean dev pages
        # the two agree within 1 px on 15 of 17 checked.
        xheight=round(line_xheight / scale, 1) if line_xheight is not None else estimate_xheight(glyphs),
        # Half the sample is plenty for a median stroke width.
        stroke_width=None if (sw := estimate_stroke_width(ink[: max(1, ink.shape[0] // 2)])) is None else round(sw, 2),
        glyph_aspect=None if aspect is None else round(aspect, 3),
        ink_kept_by_median=round(kept, 3),
    )


# ---------------------------------------------------------------------------------------------
# Steps (image -> image; geometric ones also return the matrix back to their input)
# ---------------------------------------------------------------------------------------------


def _turn(image: np.ndarray, degrees: int) -> np.ndarray:
    if degrees == 90:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if degrees == 180:
        return cv2.rotate(image, cv2.ROTATE_180)
    if degrees == 270:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def rotate_orthogonal(image: np.ndarray, degrees: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn the page clockwise by 0/90/180/270 degrees (exact, no resampling)."""
    h, w = image.shape[:2]
    turned = _turn(image, degrees)
    # Box coordinates are pixel edges: a point (x, y) of the turned image came from ...
    if degrees == 90:  # clockwise: out (x, y) <- in (y, h - x)
        back = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, float(h)]])
    elif degrees == 180:
        back = np.array([[-1.0, 0.0, float(w)], [0.0, -1.0, float(h)]])
    elif degrees == 270:  # anticlockwise: out (x, y) <- in (w - y, x)
        back = np.array([[0.0, -1.0, float(w)], [1.0, 0.0, 0.0]])
    else:
        back = _IDENTITY.copy()
    return turned, back


def rotate(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``-angle`` degrees about the centre (undoing a skew of ``angle``), padding with white.

    Returns the rotated image and the 2x3 matrix mapping its coordinates back to the input's.
    """
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    border = 255 if image.ndim == 2 else (255, 255, 255)
    rotated = cv2.warpAffine(
        image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )
    return rotated, cv2.invertAffineTransform(m)


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cut the page to ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1].copy(), np.array([[1.0, 0.0, float(x0)], [0.0, 1.0, float(y0)]])


def rescale(image: np.ndarray, fx: float, fy: float) -> tuple[np.ndarray, np.ndarray]:
    """Scale by (fx, fy) with cubic interpolation (used to enlarge low-resolution pages)."""
    h, w = image.shape[:2]
    nw, nh = max(1, int(round(w * fx))), max(1, int(round(h * fy)))
    interpolation = cv2.INTER_CUBIC if fx >= 1 and fy >= 1 else cv2.INTER_AREA
    scaled = cv2.resize(image, (nw, nh), interpolation=interpolation)
    return scaled, np.array([[w / nw, 0.0, 0.0], [0.0, h / nh, 0.0]])


def denoise_median(image: np.ndarray, ksize: int = 3) -> np.ndarray:
    """Median filter: removes isolated specks (salt and pepper) and keeps stroke edges."""
    return cv2.medianBlur(image, ksize)


def denoise_nlm(image: np.ndarray, strength: float) -> np.ndarray:
    """Non-local means: averages similar patches, for heavy grain where a median smears strokes."""
    return cv2.fastNlMeansDenoising(image, None, h=float(strength), templateWindowSize=7, searchWindowSize=15)


def flatten_background(image: np.ndarray, window: int) -> np.ndarray:
    """Divide by the page background (ink closed away, then smoothed): uneven light becomes white."""
    window = max(3, window | 1)
    background = cv2.morphologyEx(image, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    background = cv2.medianBlur(background, 5)
    return cv2.divide(image, np.maximum(background, 1), scale=255)


def stretch_contrast(image: np.ndarray, low_pct: float = 1.0, high_pct: float = 99.5) -> np.ndarray:
    """Stretch the grey levels so the darkest ink is black and the background white."""
    if image.dtype != np.uint8:
        low, high = np.percentile(image, [low_pct, high_pct])
        if high - low < 1:
            return image
        out = (image.astype(np.float32) - float(low)) * (255.0 / float(high - low))
        return np.clip(out, 0, 255).astype(np.uint8)
    # 8-bit pages through their histogram and a look-up table: the same values as the arithmetic
    # on the whole image, without its float copies (four of 36 MB on a 3800 x 2300 page).
    # (np.bincount would first widen the page to 64-bit integers: 8 bytes a pixel)
    cumulative = np.cumsum(cv2.calcHist([np.ascontiguousarray(image).reshape(-1, 1)], [0], None, [256], [0, 256])
                           .ravel().astype(np.int64))
    low, high = (_percentile_from_counts(cumulative, pct) for pct in (low_pct, high_pct))
    if high - low < 1:
        return image
    levels = (np.arange(256, dtype=np.float32) - np.float32(low)) * np.float32(255.0 / float(high - low))
    return cv2.LUT(image, np.clip(levels, 0, 255).astype(np.uint8))


def _percentile_from_counts(cumulative: np.ndarray, pct: float) -> float:
    """numpy's (linear) percentile of the values whose cumulative counts by level are given."""
    n = int(cumulative[-1])
    position = pct / 100.0 * (n - 1)
    below = int(np.floor(position))
    fraction = position - below
    lower = int(np.searchsorted(cumulative, below, side="right"))
    upper = int(np.searchsorted(cumulative, min(below + 1, n - 1), side="right"))
    # numpy's _lerp: from the upper end where the point is nearer it (the same float rounding)
    return upper - (upper - lower) * (1 - fraction) if fraction >= 0.5 else lower + fraction * (upper - lower)


def binarise_otsu(image: np.ndarray) -> np.ndarray:
    _, out = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out


def binarise_sauvola(image: np.ndarray, window: int, k: float = 0.2) -> np.ndarray:
    """Sauvola's local threshold: T = mean * (1 + k (std / 128 - 1)) over a window."""
    window = max(3, window | 1)
    f = image.astype(np.float32)
    mean = cv2.boxFilter(f, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    sq = cv2.boxFilter(f * f, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    std = np.sqrt(np.maximum(sq - mean * mean, 0))
    threshold = mean * (1 + k * (std / 128.0 - 1))
    return np.where(f > threshold, 255, 0).astype(np.uint8)


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Matrix for applying ``inner`` then ``outer`` (both 2x3 affine)."""
    a = np.vstack([outer, [0, 0, 1]])
    b = np.vstack([inner, [0, 0, 1]])
    return (a @ b)[:2]


# ---------------------------------------------------------------------------------------------
# The chooser's rules
# ---------------------------------------------------------------------------------------------

# (named in the options, which check a --preprocess list against them before any work)
STEP_NAMES = PREPROCESS_STEPS

# Skews below this are left alone: rotating costs a resampling blur, and Tesseract's own line
# finder copes with small skews. Dev pages (CER of raw vs deskewed, Tesseract 5.3):
#  - |skew| >= 1.0: 14 pages, 13 better (severe 33.3 -> 0.8, 26.5 -> 1.5, 10.8 -> 1.1 %; fax
#    2.8 -> 2.1, 3.0 -> 2.0 %), one EHRI page 8.0 -> 9.2 %;
#  - 0.3 <= |skew| < 1.0: mild pages 0.29 -> 0.37 % and faxes 1.9 -> 2.4 % got worse.
MIN_DESKEW_DEGREES = 1.0
# Speckle removal: bilevel pages with at least this many isolated dots per Mpx, and strokes thick
# enough to survive a 3x3 median (it must keep this share of the characters' ink; 1-px strokes
# would vanish). Dev faxes (143-1150 specks/Mpx, median keeps 0.90-0.95 of their ink): CER
# 1.65 -> 1.23 % and mean confidence up on all 8; the severe pages' fine grain (5.7 grey levels
# std, < 15 specks/Mpx) was made worse by a median (1.01 -> 1.18 %), so grey pages do not get it.
MIN_SPECKS_PER_MPX = 100
MIN_INK_KEPT_BY_MEDIAN = 0.8
# Heavy grain on a grey page: non-local means. Dev pages measure 4-7 grey levels and Tesseract
# reads them well as they are; pages with added Gaussian noise of sigma 25-45 measure >= 15 and
# go from unreadable to a few % CER with NLM + flattening (see tests/test_preprocess.py).
HEAVY_NOISE = 12.0
# Flatten the background (and stretch contrast) when the lighting is uneven or the ink faint.
# Dev pages: background spread <= 12 grey levels, contrast >= 147; a faded carbon or a scan with
# a shadow measures far outside that.
UNEVEN_BACKGROUND = 40.0
LOW_CONTRAST = 90.0
# Rescale pages so that lowercase letters are about TARGET_XHEIGHT pixels high, which is where
# Tesseract 5 read the dev pages best (x-height measured as the most common glyph height):
#  - enlarge below MIN_XHEIGHT (under ~150 dpi for typewriter type). Not above it: the dev faxes
#    and 200-dpi copies (x-height 12-16 px) read worse enlarged (fax 1.65 -> 4.07 % at 2x,
#    3.61 % at 1.5x);
#  - reduce above MAX_XHEIGHT (300-dpi scans of large type): the 14 EHRI pages (x-height 23.6-24.6)
#    scaled to 16 read better on 11, worse on 2 (+0.1 to +0.4 points), equal on 1: EHRI 2.13 ->
#    1.72 %, and Tesseract takes a third less time on them. x-height 14 was as good on average but
#    wrecked one page (8.0 -> 20.6 %), 18 gained little. Small reductions are a coin toss: two
#    mild pages at x-height 20.8 and 21.9 came out better or worse (+-0.1 point) as their scale
#    moved by 0.01, so only pages that need at least a 0.7x reduction (MAX_REDUCTION) are reduced.
MIN_XHEIGHT = 10.0
MAX_XHEIGHT = 22.5
# Reductions milder than this are not worth their resampling (see above).
MAX_REDUCTION = 0.7
# A reduction keeps strokes at least this wide (pixels, as ``estimate_stroke_width`` measures them:
# twice the median distance from the stroke's centre line to the paper). Below two pixels a
# stroke's width is one pixel in places and a break in others. On the dev pages this keeps the
# 300-dpi pages of thin type (strokes 1.9-2.7 px) at their size; the chooser's verification
# (verify.py) catches the reductions that still hurt.
MIN_STROKE_AFTER_REDUCTION = 2.0
TARGET_XHEIGHT = 16.0
MAX_UPSCALE = 3.0
# Typewriter glyph components are about as wide as they are tall (dev pages: median width/height
# 0.6-1.0). Far wider means the page was sampled at lower vertical than horizontal resolution
# (a 200x100 dpi fax image not stretched back): stretch it vertically.
ANISOTROPIC_ASPECT = 1.5
# Pixels the file says are this much taller than wide (or wider than tall), or more, are made
# square. A fax's fine mode, 204 x 196 dpi (1.04), is not: Tesseract reads it as well as square
# (bench_fax_resolution: x0.475 of raw, no page worse); standard mode, 204 x 98 (2.08), is.
STATED_ASPECT_OFF = 0.1


def _turned_quarter(steps: list[Step]) -> bool:
    """Whether the steps turn the page a quarter (90 or 270 degrees), its rows becoming columns."""
    return any(s.name == "orient" and int(s.params.get("degrees", 0)) % 180 == 90 for s in steps)


def _geometry(m: PageMeasures, forced: set[str] | None) -> list[Step]:
    steps: list[Step] = []
    want = (lambda name: True) if forced is None else (lambda name: name in forced)
    if want("border") and m.border != (0, 0, m.width, m.height):
        steps.append(Step(name="border", params={"box": list(m.border)}, reason="dark scanner edges cut off"))
    if want("orient") and m.orientation:
        steps.append(
            Step(
                name="orient",
                params={"degrees": m.orientation, **m.orientation_evidence},
                reason=f"text lines run {'vertically' if m.orientation in (90, 270) else 'upside down'}: "
                f"turned {m.orientation} degrees clockwise"
                + (" as the file's orientation tag says (too few lines to tell)" if "stated_turn" in m.orientation_evidence else ""),
            )
        )
    if forced is not None and m.orientation and "orient" not in forced:
        # Skew was measured on the upright page; without turning it, it does not apply.
        forced = forced - {"deskew"}
    if want("deskew") and (abs(m.skew) >= MIN_DESKEW_DEGREES or (forced is not None and abs(m.skew) >= 0.05)):
        steps.append(
            Step(name="deskew", params={"angle": m.skew}, reason=f"text lines were skewed {m.skew:+.2f} degrees")
        )
    fx = fy = 1.0
    why: list[str] = []
    # The pixels of the page once turned: a quarter turn makes tall pixels wide (a letter faxed
    # sideways had the turned page's height stretched, its type squashed twice over).
    turned = _turned_quarter(steps)
    aspect = 1.0 / m.pixel_aspect if turned else m.pixel_aspect
    if abs(aspect - 1.0) >= STATED_ASPECT_OFF:
        # What the file says of its pixels beats what the glyphs show: at a fax's 7-px x-height
        # they merge into blobs whose shape says nothing (a 204 x 98 dpi page measured 0.57).
        if aspect > 1.0:
            fy = min(MAX_UPSCALE, aspect)
        else:
            fx = min(MAX_UPSCALE, 1.0 / aspect)
        why.append(f"the file says its pixels are {m.pixel_aspect:.2f} times as tall as wide (as a fax's)"
                   + (", and the page was turned a quarter" if aspect != m.pixel_aspect else ""))
    elif m.glyph_aspect is not None and m.glyph_aspect >= ANISOTROPIC_ASPECT:
        fy = float(min(MAX_UPSCALE, round(m.glyph_aspect / 0.8)))
        why.append(f"characters are {m.glyph_aspect:.2f} times as wide as tall (lower vertical resolution)")
    xh = m.xheight * fy if m.xheight is not None else None
    # The resolution across the page as read, once turned and stretched as its file says (as
    # ``_apply`` tells Tesseract): a fax stored turned a quarter is 98 dpi across, 204 stretched.
    across = None if m.dpi is None else (m.dpi / m.pixel_aspect if turned else m.dpi) * fx
    if xh is not None and xh < MIN_XHEIGHT:
        factor = min(MAX_UPSCALE, TARGET_XHEIGHT / max(xh, 1.0))
        fx, fy = fx * factor, fy * factor
        why.append(f"x-height {xh:.0f} px is too small to read well")
    elif xh is not None and xh > MAX_XHEIGHT:
        factor = TARGET_XHEIGHT / xh
        if m.stroke_width is not None:
            # Never thinner than MIN_STROKE_AFTER_REDUCTION: a reduction that thins faded or broken
            # strokes to a pixel erodes them ("charcoal" -> "ci coal").
            factor = max(factor, MIN_STROKE_AFTER_REDUCTION / m.stroke_width)
        if factor <= MAX_REDUCTION:
            fx, fy = fx * factor, fy * factor
            stroke = "" if m.stroke_width is None else f", strokes {m.stroke_width:.1f} -> {m.stroke_width * factor:.1f} px"
            why.append(f"x-height {xh:.0f} px: Tesseract reads this type best at about {TARGET_XHEIGHT:.0f} px{stroke}")
    elif xh is None and across is not None and across < 150:
        factor = min(MAX_UPSCALE, 300 / across)
        fx, fy = fx * factor, fy * factor
        why.append(f"the file says {m.dpi} dpi" + ("" if round(across) == m.dpi else f", {across:.0f} across the page as read"))
    if want("rescale") and (fx != 1.0 or fy != 1.0 or forced is not None and "rescale" in forced):
        if fx == 1.0 and fy == 1.0 and forced is not None:
            why.append("forced, but the page needs no rescaling")
        steps.append(
            Step(name="rescale", params={"fx": round(fx, 3), "fy": round(fy, 3)}, reason="; ".join(why))
        )
    return steps


def _cleaning(m: PageMeasures, strong: bool, scale: float) -> list[Step]:
    """The photometric steps the measurements call for (``strong``: the fallback candidate's),
    with windows sized for the type as it is at that point (``scale`` times as measured)."""
    steps: list[Step] = []
    xh = (m.xheight or 16.0) * scale
    window = int(max(15, 3 * xh)) | 1
    if m.bilevel:
        if m.specks_per_mpx >= MIN_SPECKS_PER_MPX and m.ink_kept_by_median >= MIN_INK_KEPT_BY_MEDIAN:
            steps.append(
                Step(
                    name="median",
                    params={"ksize": 3},
                    reason=f"bilevel page with {m.specks_per_mpx:.0f} isolated specks per Mpx",
                )
            )
        elif strong:
            steps.append(Step(name="median", params={"ksize": 3}, reason="fallback: remove specks"))
        return steps
    heavy = m.noise >= HEAVY_NOISE
    if heavy:
        steps.append(
            Step(
                name="nlmeans",
                params={"strength": round(float(min(40.0, 1.2 * m.noise + 5)), 1)},
                reason=f"heavy grain ({m.noise:.1f} grey levels)",
            )
        )
    elif strong:
        steps.append(Step(name="median", params={"ksize": 3}, reason="fallback: remove grain"))
    uneven = m.background_range >= UNEVEN_BACKGROUND
    faint = m.contrast < LOW_CONTRAST
    if uneven or faint or heavy or strong:
        reasons = []
        if uneven:
            reasons.append(f"background varies by {m.background_range:.0f} grey levels")
        if faint:
            reasons.append(f"ink contrast only {m.contrast:.0f} grey levels")
        if heavy:
            reasons.append("after denoising")
        if strong and not reasons:
            reasons.append("fallback")
        steps.append(Step(name="flatten", params={"window": window}, reason="; ".join(reasons)))
    if strong:
        steps.append(
            Step(
                name="sauvola",
                params={"window": int(max(25, 4 * xh)) | 1, "k": 0.2},
                reason="fallback: local threshold for faint or uneven ink",
            )
        )
    return steps


def _rescue_cleaning(m: PageMeasures, scale: float) -> list[Step]:
    """The last resort for a page both candidates read badly: a 3x3 median, then flattening.
    Grain as fine as the strokes hides faint type from Tesseract's own binarisation (the rendered
    sample images/fco_cover_1988.jpg: raw, deskewed and deskewed+flattened all read nothing; a
    median before flattening reads it at 0.2 % CER); the measurements cannot tell such grain from
    type (its noise measures 3.5 grey levels), so it is tried only once the reads have failed."""
    window = int(max(15, 3 * (m.xheight or 16.0) * scale)) | 1
    return [
        Step(name="median", params={"ksize": 3}, reason="rescue: both reads were poor; grain as fine as the strokes"),
        Step(name="flatten", params={"window": window}, reason="rescue: even out the background after the median"),
    ]


def _with_cleaning(m: PageMeasures, geometry: list[Step], strong: bool, rescue: bool = False) -> list[Step]:
    """Geometry plus cleaning. Cleaning runs on the smaller of the two images either side of a
    rescale (cheaper, and a filter sized for the page's type sees the same type either way)."""

    def cleaning(scale: float) -> list[Step]:
        return _rescue_cleaning(m, scale) if rescue else _cleaning(m, strong, scale)

    if geometry and geometry[-1].name == "rescale":
        factor = float(geometry[-1].params["fy"])
        if factor > 1.0:
            return geometry[:-1] + cleaning(1.0) + [geometry[-1]]
        return geometry + cleaning(factor)
    return geometry + cleaning(1.0)


def plan_candidates(m: PageMeasures) -> list[list[Step]]:
    """Candidate step lists, best first, for the chooser (OCR costs a second each, so the third is
    read only when the first two both read poorly).

    The first is what the measurements call for. The second changes the photometric steps only
    (geometry is measured well and is not second-guessed): where the first cleans the page, the
    second leaves it as scanned (cleaning that hurt is undone); where the first does not clean,
    the second cleans hard (denoise, flatten, local threshold) for a page that reads badly.
    """
    geometry = _geometry(m, None)
    first = _with_cleaning(m, geometry, strong=False)
    if len(first) > len(geometry):
        second = list(geometry)
    else:
        second = _with_cleaning(m, geometry, strong=True)
    candidates = [first, second]
    rescue = _with_cleaning(m, geometry, strong=False, rescue=True)
    if [s.name for s in rescue] not in ([s.name for s in first], [s.name for s in second]):
        candidates.append(rescue)
    return candidates


# ---------------------------------------------------------------------------------------------
# Running the steps
# ---------------------------------------------------------------------------------------------


def _apply(result: Preprocessed, step: Step) -> None:
    p = step.params
    image = result.image
    back = None
    if step.name == "grayscale":
        image = to_grayscale(image)
    elif step.name == "orient":
        image, back = rotate_orthogonal(image, int(p["degrees"]))
        if result.dpi and result.measures is not None and _turned_quarter([step]):
            # (the page's dpi is its horizontal resolution: turned a quarter, the scan's vertical one)
            result.dpi = int(round(result.dpi / result.measures.pixel_aspect))
    elif step.name == "border":
        image, back = crop(image, tuple(p["box"]))  # type: ignore[arg-type]
    elif step.name == "deskew":
        image, back = rotate(image, float(p["angle"]))
    elif step.name == "rescale":
        image, back = rescale(image, float(p["fx"]), float(p["fy"]))
        if result.dpi:
            # (the page's dpi is its horizontal resolution, which a fax's stretch leaves as it is)
            result.dpi = int(round(result.dpi * float(p["fx"])))
    elif step.name == "median":
        image = denoise_median(image, int(p.get("ksize", 3)))
    elif step.name == "nlmeans":
        image = denoise_nlm(image, float(p["strength"]))
    elif step.name == "flatten":
        image = stretch_contrast(flatten_background(image, int(p["window"])))
    elif step.name == "binarise":
        image = binarise_otsu(image)
    elif step.name == "sauvola":
        image = binarise_sauvola(image, int(p["window"]), float(p.get("k", 0.2)))
    else:  # pragma: no cover - names are checked before
        raise UsageError(f"unknown preprocessing step {step.name}")
    result.image = image
    if back is not None:
        result.to_input = _compose(result.to_input, back)
    result.steps.append(step)


def _parse_steps(mode: str) -> list[str]:
    try:
        return preprocess_steps(mode)
    except ValueError as e:
        raise UsageError(str(e)) from e


def _forced_steps(m: PageMeasures, wanted: list[str]) -> list[Step]:
    """The steps named on the command line, in pipeline order, with measured settings."""
    forced = set(wanted)
    steps = _geometry(m, forced)
    xh = (m.xheight or 16.0) * (float(steps[-1].params["fy"]) if steps and steps[-1].name == "rescale" else 1.0)
    window = int(max(15, 3 * xh)) | 1
    extra = {
        "median": Step(name="median", params={"ksize": 3}, reason="asked for"),
        "nlmeans": Step(
            name="nlmeans", params={"strength": round(float(min(40.0, max(10.0, 1.2 * m.noise + 5))), 1)}, reason="asked for"
        ),
        "flatten": Step(name="flatten", params={"window": window}, reason="asked for"),
        "binarise": Step(name="binarise", params={"method": "otsu"}, reason="asked for"),
        "sauvola": Step(name="sauvola", params={"window": int(max(25, 4 * xh)) | 1, "k": 0.2}, reason="asked for"),
    }
    return steps + [extra[name] for name in STEP_NAMES if name in extra and name in forced]


def _write_debug(directory: Path, name: str, index: int, step: str, image: np.ndarray) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        ok, data = cv2.imencode(".png", image)
        if not ok:
            raise OutputError("could not encode a debug image as PNG", path=directory)
        (directory / f"{name}-{index:02d}-{step}.png").write_bytes(data.tobytes())
    except OSError as e:
        raise OutputError(f"cannot write debug images ({e.strerror})", path=directory) from e


def preprocess(
    image: np.ndarray,
    dpi: int | None,
    options: PreprocessOptions,
    steps: list[Step] | None = None,
    measures: PageMeasures | None = None,
    name: str = "page",
    pixel_aspect: float = 1.0,
    stated_turn: int = 0,
) -> Preprocessed:
    """Run one candidate: ``steps`` when given (e.g. ``result.candidates[1]`` of an earlier call),
    else what ``options.mode`` asks for (``auto``: the first of ``plan_candidates``).

    ``measures`` (from an earlier result) saves measuring the page again. With
    ``options.debug_dir`` set, each stage's image is written there as ``name-NN-step.png``.
    """
    if options.mode == "off" and steps is None:
        return Preprocessed(image=image, dpi=dpi)
    forced = None if options.mode in ("auto", "off") else _parse_steps(options.mode)
    gray = to_grayscale(image)
    result = Preprocessed(image=gray, dpi=dpi)
    if image.ndim == 3:
        result.steps.append(Step(name="grayscale", reason="Tesseract reads intensity only"))
    if measures is None:
        measures = measure_page(gray, dpi, pixel_aspect, stated_turn)
    result.measures = measures
    if steps is None:
        if forced is None:
            result.candidates = plan_candidates(measures)
            steps = result.candidates[0]
        else:
            steps = _forced_steps(measures, forced)
            result.candidates = [steps]
    debug = options.debug_dir
    if debug is not None:
        _write_debug(debug, name, 0, "input", gray)
    for i, step in enumerate(steps, start=1):
        _apply(result, step)
        if debug is not None:
            _write_debug(debug, name, i, step.name, result.image)
    return result
