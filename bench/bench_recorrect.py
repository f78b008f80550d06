"""Re-correction from cache at archive scale: a workspace of N cached pages, one new
corrections.yaml entry, and the re-run that corrects every page again without OCR.

    .venv/bin/python bench/bench_recorrect.py [--pages 1000] [--workers 2]

The pages are other people's OCR (the BLN600 training articles' OCR text, ../shared/dev), cut into
pages of about 350 words and read by a fake engine (passed in through the engine interface, as the
tests do): what is timed is everything after OCR, i.e. loading the cached reads from the
workspace, the corrector, writing txt+json outputs and recording the pages. The re-run is timed
``--repeats`` times from copies of the same cached folder (the machine is shared: the median is
reported, with each run). Then ``ocrfix corrections diff`` is timed over the same cached folder and
new entry (``corrections_diff`` in this process): against the last run's outputs, and against the
file without the entry (what ``--against GIT_REV`` compares). Writes bench/results/bench_recorrect.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from devset import DEV, publish

from pipeline.batch import run_batch  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.corrections import Corrections, load_corrections  # noqa: E402
from pipeline.corrections.schema import Entry  # noqa: E402
from pipeline.corrections.store import add_entry  # noqa: E402
from pipeline.effects import corrections_diff  # noqa: E402
from pipeline.model import Line, Page, Word  # noqa: E402
from pipeline.options import Options  # noqa: E402

WORDS_PER_PAGE = 350
WORDS_PER_LINE = 10


def bln_pages(n: int) -> list[list[str]]:
    """``n`` pages of words from the BLN600 articles' OCR text (cycled where there are fewer)."""
    words: list[str] = []
    for path in sorted((DEV / "text_bln600_train" / "ocr").glob("*.txt")):
        words.extend(path.read_text(encoding="utf-8", errors="replace").split())
    if not words:
        raise SystemExit(f"no BLN600 OCR text under {DEV / 'text_bln600_train' / 'ocr'}")
    pages = []
    for i in range(n):
        start = (i * WORDS_PER_PAGE) % max(1, len(words) - WORDS_PER_PAGE)
        pages.append(words[start : start + WORDS_PER_PAGE])
    return pages


class PageTextEngine:
    """Reads the page whose number is written in the image's first row (see ``page_image``)."""

    name = "fake"

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages

    def version(self) -> str:
        return "bench"

    def data_id(self, lang: str) -> str:
        return f"{lang}:bench"

    def words(self, lang: str) -> frozenset[str]:
        return frozenset()

    def read(self, image, options, dpi=None, path=None) -> Page:
        index = int(image[0, 0]) * 65536 + int(image[0, 1]) * 256 + int(image[0, 2])
        words = self.pages[index]
        lines = []
        for n in range(0, len(words), WORDS_PER_LINE):
            row = n // WORDS_PER_LINE
            lines.append(Line(block=0, words=[
                Word(text=t, confidence=90.0 if i % 7 else 55.0, bbox=(20 + 60 * i, 20 + 30 * row, 70 + 60 * i, 45 + 30 * row))
                for i, t in enumerate(words[n : n + WORDS_PER_LINE])
            ]))
        return Page(source="", width=image.shape[1], height=image.shape[0], dpi=dpi, lines=lines,
                    engine={"name": self.name, "version": self.version()})


def page_image(index: int) -> np.ndarray:
    image = np.full((64, 64), 255, dtype=np.uint8)
    image[0, 0:3] = (index // 65536, (index // 256) % 256, index % 256)
    return image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="re-runs timed, each from the same cached folder")
    args = parser.parse_args()
    pages = bln_pages(args.pages)
    with tempfile.TemporaryDirectory(prefix="ocrfix-recorrect-") as tmp:
        root = Path(tmp)
        scans = root / "scans"
        scans.mkdir()
        inputs = []
        for i in range(len(pages)):
            path = scans / f"page{i:06d}.png"
            cv2.imwrite(str(path), page_image(i))
            inputs.append((path, Path(path.name)))
        corrections_file = root / "corrections.yaml"
        options = Options.model_validate({
            "workers": args.workers,
            "preprocess": {"mode": "off"},
            "correct": {"corrections_file": str(corrections_file)},
            "output": {"formats": ["txt", "json"]},
        })
        engine = PageTextEngine(pages)
        started = time.perf_counter()
        first = run_batch(inputs, root / "out", options, load_corrections(corrections_file), engine=engine)
        first_s = time.perf_counter() - started
        shutil.copytree(root / "out", root / "cached")
        timings = []
        for _ in range(args.repeats):
            # The same cached folder each time, and the same new entry.
            shutil.rmtree(root / "out")
            shutil.copytree(root / "cached", root / "out")
            corrections_file.unlink(missing_ok=True)
            add_entry(corrections_file, Entry(ocr="tbe", replacement="the", approved_by="bench", approved_at="2026-12-01"))
            started = time.perf_counter()
            again = run_batch(inputs, root / "out", options, load_corrections(corrections_file), engine=engine)
            timings.append(time.perf_counter() - started)
        # corrections diff over the cached folder as the first run left it, with the new entry.
        shutil.rmtree(root / "out")
        shutil.copytree(root / "cached", root / "out")
        diffs = []
        for label, other in (("against the last run", None), ("against the file without the entry", Corrections())):
            started = time.perf_counter()
            found = corrections_diff(root / "out", load_corrections(corrections_file), other, workers=args.workers)
            diffs.append((label, time.perf_counter() - started, found))
    actions: dict[str, int] = {}
    for f in again.results:
        actions[f.action] = actions.get(f.action, 0) + 1
    again_s = statistics.median(timings)
    lines = [
        f"Re-correction from cache after one new corrections.yaml entry (tbe -> the), {len(pages)} cached pages "
        f"({WORDS_PER_PAGE} words each, BLN600 OCR text), {args.workers} workers, txt+json outputs.",
        "",
        "| run | seconds | pages/s |",
        "|---|---:|---:|",
        f"| first run (fake engine: no OCR time) | {first_s:.1f} | {len(pages) / first_s:.0f} |",
        f"| re-run after the new entry (median of {len(timings)}) | {again_s:.1f} | {len(pages) / again_s:.0f} |",
        "",
        f"Re-runs: {', '.join(f'{t:.1f} s' for t in timings)}. Re-run actions: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(actions.items()))} (the entry teaches b read as h, which "
        f"moves the scores of every word whose candidates hold that confusion); first run: {len(first.results)} files.",
        "",
        f"`ocrfix corrections diff` with the new entry, over the cached folder ({args.workers} workers):",
        "",
        "| compared | seconds | pages/s | files corrected to compare | words that change |",
        "|---|---:|---:|---:|---:|",
        *(f"| {label} | {seconds:.1f} | {len(pages) / seconds:.0f} | {found.corrected} | {found.words} |"
          for label, seconds, found in diffs),
        "",
        f"Command: `.venv/bin/python bench/bench_recorrect.py --pages {args.pages} --workers {args.workers}`",
    ]
    publish("\n".join(lines), "bench_recorrect.md")


if __name__ == "__main__":
    main()
