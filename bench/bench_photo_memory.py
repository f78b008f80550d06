"""Peak memory per worker on photographed pages: colour phone photographs of whole pages.

    .venv/bin/python bench/bench_photo_memory.py [--megapixels 12,24] [--pages 4] [--workers 2]

The dev set holds no photographed page, so they are made here from the synthetic ``mild`` scans
(300 dpi A4, ../shared/dev/synthetic): the page tinted as paper, laid on a dark desk, seen in
perspective, unevenly lit, with sensor noise and a slight blur, saved as a colour JPEG of 12 and
24 megapixels (the page itself then ~330 and ~470 dpi). ``ocrfix process`` reads them (txt, json
and pdf outputs, the default preprocessing) and reports the peak memory of a worker: its own peak
plus the largest Tesseract it ran (pipeline/memory.py). Raw Tesseract's own peak on the same
photographs is given beside it, and the time of each. Writes bench/results/bench_photo_memory.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from devset import DEV, ROOT, publish

from pipeline.memory import ChildPeak  # noqa: E402  (devset put ROOT on sys.path)

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")


def photograph(scan: np.ndarray, megapixels: float, seed: int) -> np.ndarray:
    """A colour photograph (3:4, portrait) of the grey page ``scan`` on a desk."""
    rng = np.random.default_rng(seed)
    width = int(round((megapixels * 1e6 * 3 / 4) ** 0.5))
    height = width * 4 // 3
    page_h, page_w = scan.shape
    # The page fills about 90 % of the frame's height, its corners moved a little (perspective).
    fill = 0.9 * height / page_h
    w, h = page_w * fill, page_h * fill
    x0, y0 = (width - w) / 2, (height - h) / 2
    jitter = rng.uniform(-0.02, 0.02, size=(4, 2)) * [w, h]
    corners = np.float32([[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h]] + jitter)
    source = np.float32([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    paper = np.dstack([scan.astype(np.float32) * f for f in (0.86, 0.93, 0.97)])  # BGR: cream paper
    desk = np.empty((height, width, 3), np.float32)
    desk[:] = (40, 55, 75)
    photo = cv2.warpPerspective(paper, matrix, (width, height), dst=desk, borderMode=cv2.BORDER_TRANSPARENT,
                                flags=cv2.INTER_AREA)
    # Light from one side: 75 % to 100 % across the frame; sensor noise; a slightly soft lens.
    light = np.linspace(0.75, 1.0, width, dtype=np.float32)[None, :, None]
    photo = photo * light + rng.normal(0, 4, size=photo.shape).astype(np.float32)
    photo = cv2.GaussianBlur(photo, (0, 0), 0.8)
    return np.clip(photo, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megapixels", default="12,24")
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scans = sorted(p for p in (DEV / "synthetic").glob("*.mild.*") if p.suffix.lower() in (".jpg", ".png"))[: args.pages]
    if not scans:
        raise SystemExit(f"no synthetic mild scans under {DEV / 'synthetic'}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocrfix-photo-") as tmp:
        for mp in (float(m) for m in args.megapixels.split(",")):
            folder = Path(tmp) / f"{mp:g}mp"
            folder.mkdir()
            for n, scan in enumerate(scans):
                photo = photograph(cv2.imread(str(scan), cv2.IMREAD_GRAYSCALE), mp, seed=n)
                cv2.imwrite(str(folder / f"{scan.stem}.photo.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
            shape = photo.shape
            # Raw Tesseract on each photograph, one at a time: its time, and its own peak (watched in
            # /proc as ocrfix watches its own: ru_maxrss of children would count this process too).
            raw_s, raw_peak = 0.0, 0.0
            for image in sorted(folder.glob("*.jpg")):
                started = time.perf_counter()
                with ChildPeak() as child:
                    subprocess.run(["tesseract", str(image), "-", "-l", "eng"], capture_output=True, check=True,
                                   env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
                raw_s += time.perf_counter() - started
                raw_peak = max(raw_peak, child.mb)
            started = time.perf_counter()
            run = subprocess.run([OCRFIX, "process", str(folder), "-o", str(Path(tmp) / f"out{mp:g}"), "--workers",
                                  str(args.workers), "--format", "txt,json,pdf", "--corrections", str(Path(tmp) / "none.yaml")],
                                 capture_output=True, text=True)
            seconds = time.perf_counter() - started
            if run.returncode != 0:
                raise SystemExit(f"ocrfix process failed ({run.returncode}):\n{run.stderr[-2000:]}")
            peak = re.search(r"peak memory of a worker (\d+) MB", run.stderr)
            rows.append((mp, shape, len(scans), raw_s, raw_peak, seconds, float(peak.group(1)) if peak else float("nan")))
    lines = [f"Photographed pages (colour JPEG made from the synthetic mild scans), `ocrfix process --workers {args.workers}`, "
             "txt+json+pdf outputs.", "",
             "| photograph | pixels | pages | raw Tesseract s | raw Tesseract peak MB | ocrfix s | ocrfix peak MB a worker |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for mp, shape, n, raw_s, raw_peak, seconds, peak in rows:
        lines.append(f"| {mp:g} MP | {shape[1]}×{shape[0]} | {n} | {raw_s:.1f} | {raw_peak:.0f} | {seconds:.1f} | {peak:.0f} |")
    lines += ["", "Raw Tesseract runs one page at a time; ocrfix with its workers. "
              f"Command: `.venv/bin/python bench/bench_photo_memory.py --megapixels {args.megapixels} --pages {args.pages} --workers {args.workers}`"]
    publish("\n".join(lines), "bench_photo_memory.md")


if __name__ == "__main__":
    main()
