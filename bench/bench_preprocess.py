"""Preprocessing benchmark: raw Tesseract vs ``ocrfix process --no-correct --raw`` on the dev set.

Both run in the same invocation over the same pages with two processes each, so that only
preprocessing (and ocrfix's own overhead) differs. Prints, per subset (EHRI without the ``_01``
pages; synthetic mild, moderate, severe, fax) and in total: CER/WER of raw Tesseract and of
ocrfix, the wall time of each and their ratio, and every page where ocrfix reads worse than raw.
Scoring follows shared/docs/EVALUATION.md (pipeline.evaluate).

    .venv/bin/python bench/bench_preprocess.py                  # everything (~2-3 min)
    .venv/bin/python bench/bench_preprocess.py --subset severe,fax --limit 3
    .venv/bin/python bench/bench_preprocess.py --repeat 3          # best of 3 alternating runs
    .venv/bin/python bench/bench_preprocess.py --raw-from /work/devraw   # reuse raw texts, no timing

Per-run files (texts, JSON, summary.json, table.txt) go to bench/results/preprocess-<time>/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.evaluate import Score, score_page, total  # noqa: E402

SUBSETS = ("ehri", "mild", "moderate", "severe", "fax")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


@dataclass
class DevPage:
    name: str
    subset: str
    image: Path
    truth: Path


def find_pages(dev: Path, subsets: set[str], limit: int | None) -> list[DevPage]:
    pages: list[DevPage] = []
    counts: dict[str, int] = {}
    for folder in ("ehri", "synthetic"):
        for gt in sorted((dev / folder).glob("*.gt.txt")):
            name = gt.name[: -len(".gt.txt")]
            if folder == "ehri":
                if name.endswith("_01"):
                    continue  # ground truth covers part of the page only (EVALUATION.md)
                subset = "ehri"
            else:
                subset = name.rsplit(".", 1)[-1]
            if subset not in subsets:
                continue
            if limit is not None and counts.get(subset, 0) >= limit:
                continue
            image = next((gt.with_name(name + s) for s in IMAGE_SUFFIXES if gt.with_name(name + s).exists()), None)
            if image is None:
                continue
            counts[subset] = counts.get(subset, 0) + 1
            pages.append(DevPage(name=name, subset=subset, image=image, truth=gt))
    return pages


def timed(run, *args) -> float:
    """Wall seconds of one run."""
    started = time.perf_counter()
    run(*args)
    return time.perf_counter() - started


def run_raw(pages: list[DevPage], out: Path, jobs: int) -> float:
    """Raw Tesseract (default settings, eng, one thread) on each original file; wall seconds."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: DevPage) -> None:
        result = subprocess.run(
            ["tesseract", str(page.image), "stdout", "-l", "eng"], capture_output=True, env=env, check=False
        )
        (out / f"{page.name}.txt").write_bytes(result.stdout)

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, pages))
    return time.perf_counter() - started


def run_ocrfix(pages: list[DevPage], work: Path, out: Path, jobs: int, extra: list[str]) -> float:
    """``ocrfix process`` over the same files (linked into one folder); wall seconds incl. startup."""
    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for page in pages:
        link = inputs / page.image.name
        if not link.exists():
            link.symlink_to(page.image.resolve())
    cmd = [
        str(REPO / ".venv" / "bin" / "ocrfix"),
        "process",
        str(inputs),
        "-o",
        str(out),
        "--workers",
        str(jobs),
        "--no-correct",
        "--raw",
        "--corrections",
        str(work / "no-corrections.yaml"),
        *extra,
    ]
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    (work / "ocrfix.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        print(f"ocrfix process exited with {result.returncode}; see {work / 'ocrfix.log'}", file=sys.stderr)
    return elapsed


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # no output counts as empty output (every character missed)


def _pct(x: float) -> str:
    return f"{100 * x:6.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=REPO.parent / "shared" / "dev")
    parser.add_argument("--subset", default="all", help="all, synthetic, or a comma list of: " + ", ".join(SUBSETS))
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages per subset")
    parser.add_argument("--jobs", type=int, default=2, help="processes for raw Tesseract and ocrfix workers")
    parser.add_argument("--raw-from", type=Path, default=None, help="reuse raw texts from DIR/{ehri,synthetic}/<name>.txt")
    parser.add_argument("--repeat", type=int, default=1, help="alternate raw and ocrfix runs this many times; best counts")
    parser.add_argument("--preprocess", default=None, help="pass --preprocess to ocrfix (default: its own default)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    if args.subset == "all":
        wanted = set(SUBSETS)
    elif args.subset == "synthetic":
        wanted = set(SUBSETS) - {"ehri"}
    else:
        wanted = {s.strip() for s in args.subset.split(",") if s.strip()}
        unknown = wanted - set(SUBSETS)
        if unknown:
            parser.error(f"unknown subset {', '.join(sorted(unknown))}")
    pages = find_pages(args.dev, wanted, args.limit)
    if not pages:
        parser.error(f"no pages found under {args.dev}")
    work = args.out or REPO / "bench" / "results" / time.strftime("preprocess-%Y%m%d-%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    extra = ["--preprocess", args.preprocess] if args.preprocess else []

    # Raw and ocrfix alternate, --repeat times; the best run of each counts (the machine is
    # shared: the fastest run is the one least slowed by the neighbours). CPU time cannot be
    # compared: ocrfix's workers are forkserver children, whose time never reaches our rusage.
    raw_runs: list[float] = []
    ours_runs: list[float] = []
    raw_dir = work / "raw" if args.raw_from is None else None
    ocrfix_dir = work / "ocrfix"
    for i in range(max(1, args.repeat)):
        if raw_dir is not None:
            raw_runs.append(timed(run_raw, pages, raw_dir, args.jobs))
        # A fresh output folder each time: ocrfix resumes (skips) files already done in a folder.
        ours_runs.append(timed(run_ocrfix, pages, work, ocrfix_dir if i == 0 else work / f"ocrfix-{i + 1}", args.jobs, extra))
    raw_seconds = min(raw_runs) if raw_runs else None
    ocrfix_seconds = min(ours_runs)

    rows = []
    for page in pages:
        truth = _read(page.truth)
        if raw_dir is not None:
            raw_text = _read(raw_dir / f"{page.name}.txt")
        else:
            raw_text = _read(args.raw_from / ("ehri" if page.subset == "ehri" else "synthetic") / f"{page.name}.txt")
        ours_text = _read(ocrfix_dir / f"{page.name}.txt")
        steps: list[str] = []
        retried = False
        try:
            doc = json.loads((ocrfix_dir / f"{page.name}.json").read_text())
            for step in doc["pages"][0]["steps"]:
                if step["name"] == "choose":
                    retried = len(step["params"]["candidates"]) > 1
                    steps.append(f"choose:{step['params']['kept']}")
                elif step["name"] not in ("measure", "grayscale"):
                    steps.append(step["name"])
        except (OSError, ValueError, KeyError, IndexError):
            steps.append("?")
        rows.append((page, score_page(raw_text, truth), score_page(ours_text, truth), steps, retried))

    lines: list[str] = []
    out = lines.append
    out(f"{len(pages)} pages from {args.dev}; {args.jobs} processes each; results in {work}")
    out("")
    out(f"{'subset':10s} {'pages':>5s} {'CER raw':>8s} {'CER ocrfix':>10s} {'change':>7s} {'WER raw':>8s} {'WER ocrfix':>10s} {'re-read':>7s}")
    groups: list[tuple[str, list]] = [(s, [r for r in rows if r[0].subset == s]) for s in SUBSETS]
    synthetic = [r for r in rows if r[0].subset != "ehri"]
    groups += [("synthetic", synthetic), ("all", rows)]
    summary: dict[str, dict[str, float]] = {}
    for name, group in groups:
        if not group:
            continue
        raw_total: Score = total([r[1] for r in group])
        ours_total: Score = total([r[2] for r in group])
        change = (ours_total.cer - raw_total.cer) / raw_total.cer if raw_total.cer else 0.0
        retries = sum(1 for r in group if r[4])
        out(
            f"{name:10s} {len(group):5d} {_pct(raw_total.cer):>7s}% {_pct(ours_total.cer):>9s}% {100 * change:+6.0f}% "
            f"{_pct(raw_total.wer):>7s}% {_pct(ours_total.wer):>9s}% {retries:7d}"
        )
        summary[name] = {
            "pages": len(group),
            "cer_raw": raw_total.cer,
            "cer_ocrfix": ours_total.cer,
            "wer_raw": raw_total.wer,
            "wer_ocrfix": ours_total.wer,
            "re_read": retries,
        }
    out("")
    if raw_seconds is not None:
        ratio = ocrfix_seconds / raw_seconds
        out(
            f"wall time: raw Tesseract {raw_seconds:.1f} s, ocrfix process {ocrfix_seconds:.1f} s "
            f"(ratio {ratio:.2f}; {len(pages) / raw_seconds:.2f} vs {len(pages) / ocrfix_seconds:.2f} pages/s; "
            f"best of {len(ours_runs)}: raw {', '.join(f'{r:.1f}' for r in raw_runs)}; "
            f"ocrfix {', '.join(f'{r:.1f}' for r in ours_runs)})"
        )
        summary["time"] = {"raw_s": raw_seconds, "ocrfix_s": ocrfix_seconds, "ratio": ratio, "raw_runs": raw_runs, "ocrfix_runs": ours_runs}
    else:
        out(f"wall time: ocrfix process {ocrfix_seconds:.1f} s (raw texts reused: no ratio)")
        summary["time"] = {"ocrfix_s": ocrfix_seconds}
    out("")
    worse = [r for r in rows if r[2].char_errors > r[1].char_errors]
    out(f"pages where ocrfix is worse than raw: {len(worse)}")
    for page, raw_s, ours_s, steps, _ in worse:
        out(f"  WORSE {page.name:36s} CER {_pct(raw_s.cer)}% -> {_pct(ours_s.cer)}%  steps: {' '.join(steps) or '-'}")
    out("")
    out("per page (CER raw -> ocrfix, steps):")
    for page, raw_s, ours_s, steps, _ in rows:
        out(f"  {page.name:36s} {_pct(raw_s.cer)}% -> {_pct(ours_s.cer)}%  {' '.join(steps) or '-'}")
    text = "\n".join(lines) + "\n"
    (work / "table.txt").write_text(text)
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
