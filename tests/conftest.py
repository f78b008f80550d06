"""Shared fixtures. ``fake_ocr`` replaces Tesseract with a fixed reader for tests of everything after OCR.

Tests that run the real Tesseract are marked ``tesseract``; `make test` installs it, so where it is
missing they fail (they never skip themselves into green).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
IMAGES = ROOT / "images"
OCRFIX = str(Path(sys.executable).parent / "ocrfix")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # Compiled dictionaries go to a per-session cache, never the user's.
    monkeypatch.setenv("OCRFIX_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ocrfix-cache"))


def text_page(text: str, width: int = 900, height: int = 160):
    """A one-line typed-looking page image (8-bit grey) that Tesseract reads reliably."""
    import cv2
    import numpy as np

    image = np.full((height, width), 255, np.uint8)
    cv2.putText(image, text, (20, 100), cv2.FONT_HERSHEY_DUPLEX, 1.4, 0, 2, cv2.LINE_AA)
    return image


def fake_lines(lines: list[list[tuple[str, float]]]):
    """Lines of Words with made-up boxes on a grid, as a fake OCR engine returns them."""
    from pipeline.model import Line, Word

    return [
        Line(
            words=[
                Word(text=t, confidence=c, bbox=(10 + 60 * wi, 10 + 30 * li, 60 + 60 * wi, 35 + 30 * li))
                for wi, (t, c) in enumerate(words)
            ],
            bbox=(10, 10 + 30 * li, 60 + 60 * len(words), 35 + 30 * li),
        )
        for li, words in enumerate(lines)
    ]


@pytest.fixture
def fake_ocr(monkeypatch):
    """Make ``pipeline.process`` read every page as the given lines of (text, confidence) words."""
    from pipeline import process
    from pipeline.tesseract import TesseractInfo

    def install(lines: list[list[tuple[str, float]]]):
        monkeypatch.setattr(process, "ocr_image", lambda image, options, dpi=None: fake_lines(lines))
        monkeypatch.setattr(
            process, "check_tesseract", lambda *a, **k: TesseractInfo(version="5.0.0-fake", languages=("eng",))
        )

    return install
