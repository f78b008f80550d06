"""Per collection, beside raw Tesseract in the same run: CER, pages worse than raw (named), the
time ratio and the peak memory of a worker.

    .venv/bin/python bench/bench_collections.py [--workers 2] [--collections ehri,german,...]
        [--limit N] [--repeat 3] [--no-correct] [--keep DIR] [--ocrfix-args "..."]

Collections: ``ehri`` (1939 English), ``german`` and ``danish`` (``ehri_de_dk``, read with
``deu``/``dan``), ``synthetic-mild|moderate|severe|fax`` (see devcollections.py). Raw Tesseract is
EVALUATION.md's: default settings, the page's language, the original file, one thread a process.
``ocrfix process`` runs once per language with the same number of workers and an empty
corrections.yaml. With ``--repeat N`` raw and process alternate N times and the median time ratio
is reported (the texts scored are the last run's). A page is "worse" as EVALUATION.md defines it:
CER more than 10 % relative and 0.1 points absolute above raw Tesseract's.
Writes bench/results/bench_collections.md (and .json with every page's figures).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devcollections import COLLECTION_ORDER, CollectionPage, collection_pages
from devset import DEV, RESULTS, ROOT, pct, publish

from pipeline.evaluate import Score, score_page, total, worse_than_raw  # noqa: E402  (devset put ROOT on sys.path)

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")


def is_worse(raw: Score, new: Score) -> bool:
    """EVALUATION.md's "worse than raw": more than 10 % relative and 0.1 points absolute."""
    return worse_than_raw(new, raw)


def run_raw(pages: list[CollectionPage], workers: int) -> tuple[dict[str, str], float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: CollectionPage) -> tuple[str, str]:
        out = subprocess.run(["tesseract", str(page.image), "stdout", "-l", page.lang],
                             capture_output=True, env=env, check=True)
        return page.name, out.stdout.decode("utf-8", "replace")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        texts = dict(pool.map(one, pages))
    return texts, time.perf_counter() - started


def run_process(pages: list[CollectionPage], workers: int, out: Path, extra: list[str], ocrfix: str = OCRFIX) -> tuple[dict[str, str], float, float]:
    """``ocrfix process`` once per language over mirrored inputs: (texts, seconds, peak MB of a worker)."""
    shutil.rmtree(out, ignore_errors=True)
    texts: dict[str, str] = {}
    seconds, peak = 0.0, 0.0
    empty = out / "none.yaml"
    out.mkdir(parents=True)
    for lang in sorted({p.lang for p in pages}):
        group = [p for p in pages if p.lang == lang]
        inputs = out / f"in-{lang}"
        for page in group:
            target = inputs / page.image.relative_to(DEV)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(page.image.resolve())
        result_dir = out / f"out-{lang}"
        started = time.perf_counter()
        run = subprocess.run([ocrfix, "process", str(inputs), "-o", str(result_dir), "--workers", str(workers),
                              "--lang", lang, "--corrections", str(empty), *extra],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds += time.perf_counter() - started
        if run.returncode not in (0, 10):
            raise SystemExit(f"ocrfix process failed ({run.returncode}):\n{run.stderr[-2000:]}")
        memory = re.search(r"peak memory of a worker (\d+) MB", run.stderr)
        if memory:
            peak = max(peak, float(memory.group(1)))
        for page in group:
            path = result_dir / page.image.relative_to(DEV).with_suffix(".txt")
            texts[page.name] = path.read_text(encoding="utf-8") if path.exists() else ""
    return texts, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--collections", default="", help="comma-separated; ehri, german, danish, synthetic or synthetic-KIND")
    parser.add_argument("--limit", type=int, help="at most N pages of each collection")
    parser.add_argument("--repeat", type=int, default=1, help="alternate raw and process N times; median time ratio")
    parser.add_argument("--no-correct", action="store_true", help="ocrfix process --no-correct")
    parser.add_argument("--ocrfix-args", default="", help="more arguments for ocrfix process")
    parser.add_argument("--keep", type=Path, help="keep ocrfix's outputs here (default: a temporary folder)")
    parser.add_argument("--name", default="bench_collections", help="report name under bench/results")
    parser.add_argument("--ocrfix", default=OCRFIX, help="the ocrfix command to measure (default: this checkout's)")
    args = parser.parse_args()
    if shutil.which("tesseract") is None:
        raise SystemExit("tesseract is not installed (make setup, and tesseract-ocr-deu/-dan for those collections)")
    pages = collection_pages(set(filter(None, args.collections.split(","))) or None, args.limit)
    extra = (["--no-correct"] if args.no_correct else []) + shlex.split(args.ocrfix_args)

    ratios, raw_times, proc_times = [], [], []
    with tempfile.TemporaryDirectory(prefix="ocrfix-bench-collections-") as tmp_name:
        out = args.keep or Path(tmp_name)
        for _ in range(max(1, args.repeat)):
            raw, raw_s = run_raw(pages, args.workers)
            processed, proc_s, peak = run_process(pages, args.workers, out / "process", extra, args.ocrfix)
            ratios.append(proc_s / raw_s)
            raw_times.append(raw_s)
            proc_times.append(proc_s)

    rows: list[dict] = []
    for page in pages:
        gt = page.gt.read_text(encoding="utf-8")
        a, b = score_page(raw[page.name], gt), score_page(processed[page.name], gt)
        rows.append({"name": page.name, "collection": page.collection, "partial": page.partial,
                     "raw": [a.char_errors, a.chars, a.word_errors, a.words],
                     "ocrfix": [b.char_errors, b.chars, b.word_errors, b.words],
                     "worse": is_worse(a, b)})

    label = "ocrfix process" + (" --no-correct" if args.no_correct else "") + (f" {args.ocrfix_args}" if args.ocrfix_args else "")
    lines = [f"`{label}` against raw Tesseract, {args.workers} workers, one Tesseract thread each, same run.", "",
             "| collection | pages | CER raw | CER ocrfix | ratio | WER raw | WER ocrfix | pages worse than raw |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]

    def summary(key: str, subset: list[dict]) -> None:
        scored = [r for r in subset if not r["partial"]]
        if not scored:
            return
        a = total([Score(*r["raw"]) for r in scored])
        b = total([Score(*r["ocrfix"]) for r in scored])
        worse = [r for r in subset if r["worse"]]
        named = ", ".join(f"{r['name']} ({pct(Score(*r['raw']).cer)} -> {pct(Score(*r['ocrfix']).cer)})" for r in worse)
        lines.append(f"| {key} | {len(scored)} | {pct(a.cer)} | {pct(b.cer)} | {b.cer / a.cer if a.cer else float('nan'):.2f} | "
                     f"{pct(a.wer)} | {pct(b.wer)} | {len(worse)}{': ' + named if named else ''} |")

    present = [c for c in COLLECTION_ORDER if any(r["collection"] == c for r in rows)]
    for key in present:
        summary(key, [r for r in rows if r["collection"] == key])
    summary("real (ehri + german + danish)", [r for r in rows if not r["collection"].startswith("synthetic")])
    summary("synthetic", [r for r in rows if r["collection"].startswith("synthetic")])
    summary("all", rows)
    lines += ["", f"Time: raw Tesseract {statistics.median(raw_times):.1f} s, ocrfix {statistics.median(proc_times):.1f} s "
              f"(medians of {len(ratios)}); ratio {statistics.median(ratios):.2f} (runs: {', '.join(f'{r:.2f}' for r in ratios)}); "
              f"{len(pages) / statistics.median(proc_times):.2f} pages/s; peak memory of a worker {peak:.0f} MB."]
    publish("\n".join(lines), f"{args.name}.md")
    (RESULTS / f"{args.name}.json").write_text(json.dumps({"label": label, "ratios": ratios, "peak_mb": peak, "pages": rows}, indent=1))


if __name__ == "__main__":
    main()
