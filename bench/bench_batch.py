"""Batch speed: ocrfix against raw Tesseract with the same number of processes, 1 vs 2 workers,
and a re-run after one new corrections.yaml entry (re-correction from cached OCR).

    .venv/bin/python bench/bench_batch.py [--subset ...] [--limit N]

Order within the run: raw Tesseract (2 processes), ocrfix --workers 2, ocrfix --workers 1, then the
re-run of the 2-worker output folder after `ocrfix corrections add`. Writes bench/results/bench_batch.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

from devset import ROOT, dev_pages, publish, run_raw_tesseract

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", default="")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    pages = dev_pages(set(filter(None, args.subset.split(","))) or None, args.limit)
    with tempfile.TemporaryDirectory(prefix="ocrfix-bench-batch-") as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for page in pages:
            (inputs / page.image.name).symlink_to(page.image)
        corrections = Path(tmp) / "corrections.yaml"
        common = ["--corrections", str(corrections)]

        _, raw2 = run_raw_tesseract(pages, 2)
        two = timed([OCRFIX, "process", str(inputs), "-o", f"{tmp}/w2", "--workers", "2", *common])
        one = timed([OCRFIX, "process", str(inputs), "-o", f"{tmp}/w1", "--workers", "1", *common])
        # One new approved entry for a word that occurs on nearly every page (the outputs are thrown away).
        subprocess.run([OCRFIX, "corrections", "add", "the", "THE", "--corrections", str(corrections),
                        "--note", "bench: an entry that fires on almost every page"], check=True, stdout=subprocess.DEVNULL)
        rerun_started = time.perf_counter()
        rerun = subprocess.run([OCRFIX, "process", str(inputs), "-o", f"{tmp}/w2", "--workers", "2", *common],
                               check=True, capture_output=True, text=True)
        rerun_s = time.perf_counter() - rerun_started
        summary = rerun.stderr.strip().splitlines()[-1] if rerun.stderr.strip() else ""
        fired = sum(1 for p in Path(f"{tmp}/w2").glob("*.json") if '"source": "override"' in p.read_text())

    lines = [
        f"Dev pages: {len(pages)}; Tesseract one thread a process.",
        "",
        "| run | wall time | pages/s | ratio |",
        "|---|---:|---:|---:|",
        f"| raw Tesseract, 2 processes | {raw2:.1f} s | {len(pages) / raw2:.2f} | 1.00 (baseline) |",
        f"| ocrfix process --workers 2 | {two:.1f} s | {len(pages) / two:.2f} | {two / raw2:.2f} × raw |",
        f"| ocrfix process --workers 1 | {one:.1f} s | {len(pages) / one:.2f} | 2 workers are {one / two:.2f} × faster |",
        f"| re-run after one new corrections.yaml entry | {rerun_s:.1f} s | | {100 * rerun_s / two:.1f} % of the first run |",
        "",
        f"Re-run: {re.sub(r'Outputs in .*', '', summary).strip()}",
        f"Pages whose JSON records the new override: {fired} of {len(pages)}",
    ]
    report = "\n".join(lines)
    publish(report, "bench_batch.md")


if __name__ == "__main__":
    main()
