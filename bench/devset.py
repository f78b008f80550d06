"""Shared by the benchmarks: the dev pages, raw Tesseract over them, and scoring by subset.

Only bench/ reads ../shared (the dev pages and their ground truth); the product and its tests never do.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import score_page  # noqa: E402

DEV = Path(os.environ.get("OCRFIX_DEV", ROOT.parent / "shared" / "dev"))
RESULTS = ROOT / "bench" / "results"
IMAGE_SUFFIXES = (".jpg", ".png", ".tif", ".tiff")


@dataclass(frozen=True)
class DevPage:
    image: Path
    gt: Path
    subset: str  # "ehri", "mild", "moderate", "severe", "fax"
    # Pages whose ground truth covers only part of the page (EHRI _01) are left out of totals.
    partial: bool

    @property
    def name(self) -> str:
        return self.image.stem


def dev_pages(subsets: set[str] | None = None, limit: int | None = None) -> list[DevPage]:
    if not DEV.is_dir():
        raise SystemExit(f"dev set not found at {DEV} (set OCRFIX_DEV)")
    pages = []
    for image in sorted(DEV.rglob("*")):
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        gt = image.with_name(image.stem + ".gt.txt")
        if not gt.exists():
            continue
        if image.parent.name == "ehri":
            subset, partial = "ehri", image.stem.endswith("_01")
        else:
            subset, partial = image.stem.rsplit(".", 1)[-1], False
        if subsets and subset not in subsets:
            continue
        pages.append(DevPage(image, gt, subset, partial))
    return pages[:limit] if limit else pages


def run_raw_tesseract(pages: list[DevPage], workers: int, hocr: bool = False) -> tuple[dict[str, str], float]:
    """Raw Tesseract as EVALUATION.md defines it: default settings, eng, original file, one thread a
    process. ``hocr``: the same read as hOCR (boxes and confidences) instead of plain text."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: DevPage) -> tuple[str, str]:
        out = subprocess.run(
            ["tesseract", str(page.image), "stdout", "-l", "eng", *(["hocr"] if hocr else [])],
            capture_output=True,
            env=env,
            check=True,
        )
        return page.name, out.stdout.decode("utf-8", "replace")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        texts = dict(pool.map(one, pages))
    return texts, time.perf_counter() - started


def peak_child_rss_mb() -> float:
    """Peak resident memory of the largest child process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


SUBSET_ORDER = ["ehri", "mild", "moderate", "severe", "fax"]


def pages_worse(pages: list[DevPage], base: dict[str, str], new: dict[str, str]) -> list[tuple[str, float, float]]:
    """Pages where ``new`` has more character errors than ``base``: (name, base CER, new CER)."""
    worse = []
    for page in pages:
        gt = page.gt.read_text(encoding="utf-8")
        a, b = score_page(base.get(page.name, ""), gt), score_page(new.get(page.name, ""), gt)
        if b.char_errors > a.char_errors:
            worse.append((page.name, a.cer, b.cer))
    return worse


def pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def publish(report: str, name: str) -> None:
    """Print a bench's report and keep it as bench/results/NAME (gitignored) for the README."""
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(report + "\n", encoding="utf-8")


def fit_logistic(x, y, weight, l2: float = 1.0, iterations: int = 50) -> tuple[float, tuple[float, ...]]:
    """Weighted logistic regression by Newton's method with a little L2: x holds a leading column of
    ones; returns (intercept, weights), rounded to 3 places as the shipped models are written."""
    import numpy as np

    beta = np.zeros(x.shape[1])
    for _ in range(iterations):
        prob = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        grad = x.T @ (weight * (prob - y)) + l2 * beta
        hess = (x * (weight * prob * (1 - prob))[:, None]).T @ x + l2 * np.eye(len(beta))
        beta -= np.linalg.solve(hess, grad)
    return round(float(beta[0]), 3), tuple(round(float(b), 3) for b in beta[1:])


# -- The probability that a word is wrong: the fit and the reliability table (bench_corrector, bench_review)

BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)


def fit_wrong_model(groups: list[list[tuple[tuple[float, ...], bool, float]]], l2: float = 1.0) -> tuple[float, tuple[float, ...]]:
    """Logistic regression (Newton's method, a little L2) of wrong on the features; each group
    (a family of collections) weighs the same in all, however many words it has."""
    import numpy as np

    groups = [g for g in groups if g]
    x = np.array([(1.0, *f) for g in groups for f, _y, _p in g])
    y = np.array([1.0 if wrong else 0.0 for g in groups for _f, wrong, _p in g])
    weight = np.concatenate([np.full(len(g), 10_000.0 / len(g)) for g in groups])
    return fit_logistic(x, y, weight, l2, iterations=30)


def reliability(probs: list[float], wrong: list[bool]) -> list[str]:
    cells = []
    for lo, hi in zip(BINS, BINS[1:]):
        sel = [w for p, w in zip(probs, wrong) if lo <= p < hi]
        cells.append(f"{sum(sel) / len(sel):.2f} ({len(sel)})" if sel else "—")
    return cells


def flag_figures(probs: list[float], wrong: list[bool], flag_at: float) -> tuple[float, float, int]:
    """Share of the wrong words that are flagged (recall), share of flagged words wrong (precision)."""
    flagged = [w for p, w in zip(probs, wrong) if p >= flag_at]
    n_wrong = sum(wrong)
    return (sum(flagged) / n_wrong if n_wrong else 1.0, sum(flagged) / len(flagged) if flagged else 1.0, len(flagged))
