"""The main benchmark: raw Tesseract and `ocrfix process` over the dev pages, in the same run.

    .venv/bin/python bench/run_bench.py [--workers 2] [--subset ehri,mild,...] [--limit N]

Prints CER/WER per subset (EHRI without the partial _01 pages; synthetic by damage), wall time of
both with the same number of worker processes, their ratio, pages/s and peak memory per worker,
as ../shared/docs/EVALUATION.md prescribes; writes the table to bench/results/run_bench.md.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from devset import RESULTS, ROOT, change, dev_pages, pages_worse, pct, peak_child_rss_mb, run_raw_tesseract, score_by_subset


def run_ocrfix(pages, workers: int, extra: list[str]) -> tuple[dict[str, str], float]:
    with tempfile.TemporaryDirectory(prefix="ocrfix-bench-") as tmp:
        inputs = Path(tmp) / "in"
        out = Path(tmp) / "out"
        inputs.mkdir()
        for page in pages:
            (inputs / page.image.name).symlink_to(page.image)
        # An empty overrides file: the bench measures the automatic pipeline alone.
        empty = Path(tmp) / "none.yaml"
        started = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ocrfix"), "process", str(inputs), "-o", str(out),
             "--workers", str(workers), "--corrections", str(empty), *extra],
            check=True, stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - started
        texts = {p.name: (out / (p.image.stem + ".txt")).read_text(encoding="utf-8") for p in pages
                 if (out / (p.image.stem + ".txt")).exists()}
    return texts, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subset", default="", help="comma-separated: ehri,mild,moderate,severe,fax")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--ocrfix-args", default="", help="extra arguments for ocrfix process")
    args = parser.parse_args()
    if shutil.which("tesseract") is None:
        raise SystemExit("tesseract is not installed (make setup)")
    pages = dev_pages(set(filter(None, args.subset.split(","))) or None, args.limit)

    raw, raw_s = run_raw_tesseract(pages, args.workers)
    raw_rss = peak_child_rss_mb()
    fixed, fix_s = run_ocrfix(pages, args.workers, args.ocrfix_args.split())
    fix_rss = peak_child_rss_mb()
    raw_scores, fix_scores = score_by_subset(pages, raw), score_by_subset(pages, fixed)

    lines = [
        f"Dev pages: {len(pages)} ({sum(p.partial for p in pages)} partial-ground-truth pages left out of the scores); "
        f"{args.workers} worker processes, Tesseract one thread each.",
        "",
        "| subset | pages | CER raw Tesseract | CER ocrfix | change | WER raw | WER ocrfix |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    counts = {}
    for p in pages:
        if not p.partial:
            counts[p.subset] = counts.get(p.subset, 0) + 1
    counts["synthetic"] = sum(v for k, v in counts.items() if k != "ehri")
    counts["total"] = sum(1 for p in pages if not p.partial)
    for key, r in raw_scores.items():
        f = fix_scores[key]
        lines.append(
            f"| {key} | {counts.get(key, 0)} | {pct(r.cer)} | {pct(f.cer)} | {change(f.cer, r.cer)} | {pct(r.wer)} | {pct(f.wer)} |"
        )
    lines += [
        "",
        "| | wall time | pages/s | ratio to raw | peak RSS of a worker |",
        "|---|---:|---:|---:|---:|",
        f"| raw Tesseract | {raw_s:.1f} s | {len(pages) / raw_s:.2f} | 1.00 | {raw_rss:.0f} MB |",
        f"| ocrfix process | {fix_s:.1f} s | {len(pages) / fix_s:.2f} | {fix_s / raw_s:.2f} | {fix_rss:.0f} MB |",
    ]
    worse = pages_worse(pages, raw, fixed)
    lines.append("")
    lines.append(
        "Pages worse than raw Tesseract: "
        + (", ".join(f"{n} ({pct(a)} -> {pct(b)})" for n, a, b in worse) if worse else "none")
    )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_bench.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
