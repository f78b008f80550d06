"""Side by side on the dev pages, every figure from `ocrfix evaluate --json`:

- raw Tesseract (EVALUATION.md: default settings, eng, the original file, one thread a process);
- symspellpy word by word on that raw text (the baseline people reach for; bench_correct.py's);
- `ocrfix correct` on that raw text (the corrector alone);
- `ocrfix correct` on raw Tesseract's hOCR of the same read (boxes and confidences: line pieces
  rejoined, then the corrector), as for an archive that kept the hOCR of an earlier run;
- `ocrfix process` (preprocessing, Tesseract, corrector), the whole pipeline.

    .venv/bin/python bench/bench_outputs.py [--workers 2] [--subset ehri,mild,...] [--limit N]

Prints CER/WER per subset (EHRI without the partial _01 pages, which `--exclude '*_01'` leaves
out; synthetic by damage) and in total, the word counts of what each corrector fixed and damaged,
and the wall time of each with its ratio to raw Tesseract; writes the table to
bench/results/bench_outputs.md. An empty corrections.yaml is used: this measures the automatic
pipeline alone.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from devset import (DEV, ROOT, SUBSET_ORDER, DevPage, dev_pages, pages_worse, pct, peak_child_rss_mb, publish,
                    run_raw_tesseract)

from pipeline.evaluate import CorrectorCounts, Score, total  # noqa: E402  (devset put ROOT on sys.path)

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")


def _mirror(pages: list[DevPage], root: Path, files) -> None:
    """Symlink each page's files into ``root`` with the dev set's relative paths."""
    for page in pages:
        for path in files(page):
            target = root / path.relative_to(DEV)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path.resolve())


def _texts(folder: Path, pages: list[DevPage]) -> dict[str, str]:
    """Each page's text output under ``folder`` (mirrored dev layout), by page name."""
    texts = {}
    for page in pages:
        path = folder / page.image.relative_to(DEV).with_suffix(".txt")
        if path.exists():
            texts[page.name] = path.read_text(encoding="utf-8")
    return texts


def _evaluate(out: Path, gt: Path, *extra: str) -> dict:
    result = subprocess.run([OCRFIX, "evaluate", str(out), "--gt", str(gt), "--exclude", "*_01", "--json", *extra],
                            capture_output=True, check=True)
    return json.loads(result.stdout)


def _by_subset(report: dict, subset_of: dict[str, str]) -> dict[str, tuple[Score, CorrectorCounts | None]]:
    groups: dict[str, list[dict]] = {}
    for page in report["pages"]:
        if page["excluded"]:
            continue
        subset = subset_of[page["name"]]
        for key in (subset, "synthetic" if subset != "ehri" else None, "total"):
            if key:
                groups.setdefault(key, []).append(page)
    out = {}
    for key in [k for k in SUBSET_ORDER + ["synthetic", "total"] if k in groups]:
        rows = groups[key]
        score = total([Score(p["char_errors"], p["chars"], p["word_errors"], p["words"]) for p in rows])
        known = [p["corrector"] for p in rows if p["corrector"]]
        counts = None
        if known:
            counts = CorrectorCounts(*(sum(c[f] for c in known) for f in ("fixed", "damaged", "changed_wrong", "missed", "right", "changed")))
        out[key] = (score, counts)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subset", default="", help="comma-separated: ehri,mild,moderate,severe,fax")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder (default: a temporary one)")
    args = parser.parse_args()
    if shutil.which("tesseract") is None:
        raise SystemExit("tesseract is not installed (make setup)")
    pages = dev_pages(set(filter(None, args.subset.split(","))) or None, args.limit)
    subset_of = {page.image.relative_to(DEV).with_suffix("").as_posix(): page.subset for page in pages}

    with tempfile.TemporaryDirectory(prefix="ocrfix-bench-outputs-") as tmp_name:
        tmp = args.keep or Path(tmp_name)
        if args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        gt, inputs = tmp / "gt", tmp / "in"
        _mirror(pages, gt, lambda p: [p.gt])
        _mirror(pages, inputs, lambda p: [p.image])
        empty = tmp / "none.yaml"

        timings: dict[str, float] = {}
        # 1. Raw Tesseract, written as OUT/<subfolder>/<name>.txt.
        texts, timings["raw"] = run_raw_tesseract(pages, args.workers)
        # The bench's own children so far are the Tesseract processes: their peak is raw's memory.
        peak_mb = {"raw": peak_child_rss_mb()}
        raw_dir = tmp / "raw"
        for page in pages:
            path = raw_dir / page.image.relative_to(DEV).with_suffix(".txt")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(texts[page.name], encoding="utf-8")

        # 2. symspellpy word by word on the raw text (bench_correct.py's baseline).
        from bench_correct import symspell_baseline

        started = time.perf_counter()
        fix = symspell_baseline()
        sym_dir = tmp / "symspell"
        for path in sorted(raw_dir.rglob("*.txt")):
            target = sym_dir / path.relative_to(raw_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(fix(path.read_text(encoding="utf-8")), encoding="utf-8")
        timings["symspell"] = time.perf_counter() - started

        # 3. `ocrfix correct` on the raw text, one run per folder (outputs keep the layout).
        started = time.perf_counter()
        corr_dir = tmp / "correct"
        for folder in sorted({p.parent for p in raw_dir.rglob("*.txt")}):
            subprocess.run([OCRFIX, "correct", *map(str, sorted(folder.glob("*.txt"))), "-o", str(corr_dir / folder.relative_to(raw_dir)),
                            "--corrections", str(empty)], check=True, stdout=subprocess.DEVNULL)
        timings["correct"] = time.perf_counter() - started

        # 3b. `ocrfix correct` on raw Tesseract's hOCR of the same read. Its word counts are taken
        # against the rejoined text (rejoining moves words, which a word alignment with the raw text
        # would count as changed), written by the same functions `ocrfix correct` uses.
        from pipeline.export.text import page_text
        from pipeline.layout import rejoin_page
        from pipeline.ocr_files import read_ocr_file

        hocr, timings["raw hocr"] = run_raw_tesseract(pages, args.workers, hocr=True)
        hocr_dir, joined_dir = tmp / "raw-hocr", tmp / "joined"
        for page in pages:
            rel = page.image.relative_to(DEV).with_suffix("")
            path = hocr_dir / rel.with_name(rel.name + ".hocr")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(hocr[page.name], encoding="utf-8")
            doc, _kind = read_ocr_file(path, path.read_bytes())
            joined = joined_dir / rel.with_name(rel.name + ".txt")
            joined.parent.mkdir(parents=True, exist_ok=True)
            joined.write_text(page_text(rejoin_page(doc.pages[0])), encoding="utf-8")
        started = time.perf_counter()
        corr_hocr_dir = tmp / "correct-hocr"
        for folder in sorted({p.parent for p in hocr_dir.rglob("*.hocr")}):
            subprocess.run([OCRFIX, "correct", *map(str, sorted(folder.glob("*.hocr"))), "--to", "txt",
                            "-o", str(corr_hocr_dir / folder.relative_to(hocr_dir)), "--corrections", str(empty)],
                           check=True, stdout=subprocess.DEVNULL)
        timings["correct hocr"] = time.perf_counter() - started

        # 4. `ocrfix process`, the whole pipeline, with the same number of worker processes.
        started = time.perf_counter()
        proc_dir = tmp / "process"
        run = subprocess.run([OCRFIX, "process", str(inputs), "-o", str(proc_dir), "--workers", str(args.workers),
                              "--corrections", str(empty)], check=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        timings["process"] = time.perf_counter() - started
        memory = re.search(r"peak memory of a worker (\d+) MB", run.stderr)
        peak_mb["process"] = float(memory.group(1)) if memory else float("nan")
        raw_texts = _texts(raw_dir, pages)
        worse = {key: pages_worse(pages, raw_texts, _texts(folder, pages))
                 for key, folder in (("correct", corr_dir), ("correct hocr", corr_hocr_dir), ("process", proc_dir))}

        reports = {
            "raw": _evaluate(raw_dir, gt),
            "symspell": _evaluate(sym_dir, gt, "--ocr-text", str(raw_dir)),
            "correct": _evaluate(corr_dir, gt, "--ocr-text", str(raw_dir)),
            "correct hocr": _evaluate(corr_hocr_dir, gt, "--ocr-text", str(joined_dir)),
            # Its corrector counts are against its own (preprocessed) OCR, cached in its workspace.
            "process": _evaluate(proc_dir, gt, "--raw"),
        }
    scores = {k: _by_subset(r, subset_of) for k, r in reports.items()}
    counted = sum(1 for p in pages if not p.partial)
    per_subset: dict[str, int] = {}
    for p in pages:
        if not p.partial:
            for key in (p.subset, "synthetic" if p.subset != "ehri" else None, "total"):
                if key:
                    per_subset[key] = per_subset.get(key, 0) + 1

    columns = [("raw", "raw Tesseract"), ("symspell", "symspellpy"), ("correct", "ocrfix correct"),
               ("correct hocr", "ocrfix correct (hOCR)"), ("process", "ocrfix process")]
    lines = [
        f"Dev pages: {len(pages)} ({len(pages) - counted} partial-ground-truth pages left out with --exclude '*_01'); "
        f"{args.workers} worker processes, Tesseract one thread each. All scores from `ocrfix evaluate --json`.",
        "symspellpy and `ocrfix correct` correct the raw Tesseract text; `ocrfix correct (hOCR)` corrects raw Tesseract's "
        "hOCR of the same read (line pieces rejoined by their boxes, then corrected); `ocrfix process` runs the whole pipeline.",
        "",
        "| subset | pages | " + " | ".join(f"CER {label}" for _, label in columns) + " | " + " | ".join(f"WER {label}" for _, label in columns) + " |",
        "|---|---:|" + "---:|" * (2 * len(columns)),
    ]
    for key in scores["raw"]:
        cer = [scores[k][key][0].cer if key in scores[k] else float("nan") for k, _ in columns]
        wer = [scores[k][key][0].wer if key in scores[k] else float("nan") for k, _ in columns]
        base = cer[0]
        cells = [pct(cer[0])] + [f"{pct(c)} ({100 * (c - base) / base:+.0f} %)" if base else pct(c) for c in cer[1:]]
        lines.append(f"| {key} | {per_subset.get(key, 0)} | " + " | ".join(cells) + " | " + " | ".join(pct(w) for w in wer) + " |")
    lines += ["", "Words (all scored pages): fixed / damaged (right -> wrong) / changed but still wrong / missed", "",
              "| corrector | fixed | damaged | changed, still wrong | missed | damaged / right |", "|---|---:|---:|---:|---:|---:|"]
    for key, label in columns[1:]:
        counts = scores[key].get("total", (None, None))[1]
        if counts is not None:
            lines.append(f"| {label} | {counts.fixed} | {counts.damaged} | {counts.changed_wrong} | {counts.missed} | "
                         f"{pct(counts.damaged / max(1, counts.right))} |")
    lines += ["", "`ocrfix process` is counted against its own raw OCR (preprocessed), `ocrfix correct (hOCR)` against the "
              "rejoined raw hOCR, the others against raw Tesseract's text.", "",
              "| | wall time | pages/s | ratio to raw Tesseract | peak memory of a worker |", "|---|---:|---:|---:|---:|"]
    n = len(pages)
    for key, label in columns:
        seconds = timings[key]
        note = " (correcting the raw text: add raw Tesseract's time)" if key in ("symspell", "correct", "correct hocr") else ""
        memory = f"{peak_mb[key]:.0f} MB" if key in peak_mb else ""
        lines.append(f"| {label}{note} | {seconds:.1f} s | {n / seconds:.2f} | {seconds / timings['raw']:.2f} | {memory} |")
    lines.append("")
    for key, label in columns:
        if key in worse:
            lines.append(f"Pages `{label}` makes worse than raw Tesseract: "
                         + (", ".join(f"{name} ({pct(a)} -> {pct(b)})" for name, a, b in worse[key]) if worse[key] else "none"))
    report = "\n".join(lines)
    publish(report, "bench_outputs.md")


if __name__ == "__main__":
    main()
