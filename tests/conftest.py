"""Shared fixtures. ``fake_ocr`` replaces Tesseract with a fixed reader for tests of everything after OCR.

Tests that run the real Tesseract are marked ``tesseract``; `make test` installs it, so where it is
missing they fail (they never skip themselves into green).
"""

from __future__ import annotations

import contextlib
import os
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


@contextlib.contextmanager
def pseudo_terminal(command: str, args: list[str], timeout: float = 60, dimensions: tuple[int, int] = (30, 120)):
    """``command args`` run in a pseudo-terminal (pexpect), as a person at a terminal runs it;
    closed when the block ends, so ``child.exitstatus`` is set after it."""
    import pexpect

    child = pexpect.spawn(command, args, encoding="utf-8", timeout=timeout, dimensions=dimensions,
                          env={**os.environ, "TERM": "xterm"})
    try:
        yield child
    finally:
        child.close()


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


class FakeEngine:
    """An OCR engine (``pipeline.engine.OcrEngine``) that reads every image as the next of the given
    reads (the last one again once they run out), and records the images it was given. A read is
    lines of (text, confidence) words, a list of Lines, or a function of the image giving Lines."""

    name = "fake"

    def __init__(self, reads, words=()):
        self.reads = [r if callable(r) else fake_lines(r) if r and isinstance(r[0], list) else list(r) for r in reads]
        self.seen = []
        self.vocabulary = frozenset(words)

    def version(self) -> str:
        return "5.0.0-fake"

    def data_id(self, lang: str) -> str:
        return f"{lang}:fake"

    def words(self, lang: str) -> frozenset[str]:
        return self.vocabulary

    def read(self, image, options, dpi=None, path=None):
        from pipeline.model import Page

        self.seen.append(image)
        lines = self.reads[min(len(self.seen) - 1, len(self.reads) - 1)] if self.reads else []
        if callable(lines):
            lines = lines(image)
        return Page(source="", width=image.shape[1], height=image.shape[0], dpi=dpi, lines=lines,
                    engine={"name": self.name, "version": self.version()})


class DyingEngine(FakeEngine):
    """A FakeEngine whose process dies (SIGKILL, as the out-of-memory killer kills) reading an
    image ``width`` pixels wide: a worker lost in the middle of a batch."""

    def __init__(self, reads, width: int):
        super().__init__(reads)
        self.width = width

    def read(self, image, options, dpi=None, path=None):
        if image.shape[1] == self.width:
            import os
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        return super().read(image, options, dpi, path)


@pytest.fixture
def fake_ocr(monkeypatch):
    """Make ``pipeline.process`` read every page as the given lines of (text, confidence) words,
    through a fake engine that the pipeline gets where it would get Tesseract."""
    from pipeline import process

    def install(lines: list[list[tuple[str, float]]]):
        engine = FakeEngine([lines])
        monkeypatch.setattr(process, "engine_for", lambda options: engine)
        return engine

    return install
