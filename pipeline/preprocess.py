"""Image preprocessing before OCR: each step is a plain function image -> image.

``preprocess`` runs the chosen steps and returns the clean image with the record of what was
done (``Step``) and the affine transform that maps the clean image's coordinates back to the
input's, so that word boxes always refer to the page as scanned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .errors import UsageError
from .model import Step
from .options import PreprocessOptions

__all__ = ["Preprocessed", "to_grayscale", "estimate_skew", "rotate", "preprocess", "STEP_NAMES"]


@dataclass
class Preprocessed:
    image: np.ndarray
    dpi: int | None
    steps: list[Step] = field(default_factory=list)
    # 2x3 affine matrix taking (x, y) in ``image`` to (x, y) in the input page image.
    to_input: np.ndarray = field(default_factory=lambda: np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))


def to_grayscale(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def estimate_skew(gray: np.ndarray, max_angle: float = 10.0) -> float:
    """Skew of the text lines in degrees (positive: text rises to the right), by projection profiles.

    The angle whose horizontal ink profile is sharpest (largest variance of row sums) is the one
    that lines the text up; searched coarse then fine on a reduced image for speed.
    """
    h, w = gray.shape
    scale = min(1.0, 1000.0 / max(h, w))
    small = cv2.resize(gray, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if cv2.countNonZero(ink) < 50:
        return 0.0
    center = (ink.shape[1] / 2, ink.shape[0] / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, angle, 1.0)
        rotated = cv2.warpAffine(ink, m, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 1.0), key=sharpness)
    best = max(np.arange(best - 1.0, best + 1.0 + 1e-9, 0.1), key=sharpness)
    best = max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.02), key=sharpness)
    return float(round(-best, 2))


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


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Matrix for applying ``inner`` then ``outer`` (both 2x3 affine)."""
    a = np.vstack([outer, [0, 0, 1]])
    b = np.vstack([inner, [0, 0, 1]])
    return (a @ b)[:2]


STEP_NAMES = ("grayscale", "deskew")
# Skews below this are left alone: rotating costs a resampling blur for no gain in reading.
MIN_DESKEW_DEGREES = 0.3


def preprocess(image: np.ndarray, dpi: int | None, options: PreprocessOptions) -> Preprocessed:
    """Run the preprocessing steps the options ask for (``auto``: grayscale, then deskew if skewed)."""
    if options.mode == "off":
        return Preprocessed(image=image, dpi=dpi)
    if options.mode == "auto":
        wanted = list(STEP_NAMES)
    else:
        wanted = [s.strip() for s in options.mode.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in STEP_NAMES]
        if unknown:
            raise UsageError(
                f"unknown preprocessing step {', '.join(unknown)}; choose from {', '.join(STEP_NAMES)}, or auto, or off"
            )
    result = Preprocessed(image=image, dpi=dpi)
    if "grayscale" in wanted and image.ndim == 3:
        result.image = to_grayscale(result.image)
        result.steps.append(Step(name="grayscale", reason="Tesseract reads intensity only"))
    if "deskew" in wanted:
        angle = estimate_skew(to_grayscale(result.image))
        if abs(angle) >= MIN_DESKEW_DEGREES or options.mode != "auto":
            result.image, back = rotate(result.image, angle)
            result.to_input = _compose(result.to_input, back)
            result.steps.append(
                Step(name="deskew", params={"angle": angle}, reason=f"text lines were skewed {angle:+.2f} degrees")
            )
    return result
