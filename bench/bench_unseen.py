"""Robustness check on rendered period pages: raw Tesseract against four ways of running ocrfix.

These pages are development data now (a corrector rule was written after one of their errors;
see bench/unseen/README.md), not pages nobody tuned on. The 12 texts in bench/unseen/ (period corpus
excerpts that no synthetic dev page uses) are
rendered as typed pages with clean, moderate or harsh scan damage by scripts/render_sample.py, with
the levels and seeds of bench/unseen/damage.tsv, then read and scored:

    .venv/bin/python bench/bench_unseen.py [--work DIR]      # default work folder: bench/results/unseen

Under the work folder:
  pages/NAME.jpg, NAME.gt.txt       the rendered pages and their text
  raw/NAME.txt, raw/NAME.hocr       raw Tesseract (OMP_THREAD_LIMIT=1 tesseract IMG stdout -l eng [hocr])
  out/                              ocrfix process PAGES -o out --workers 2
  out-norejoin/                     ocrfix process PAGES -o out-norejoin --workers 2 --no-rejoin-lines
  out-correct-txt/NAME.txt          ocrfix correct raw/*.txt -o out-correct-txt
  out-correct-hocr/NAME.txt         ocrfix correct raw/*.hocr --to txt -o out-correct-hocr
  out-raw/                          diagnostic: ocrfix process PAGES -o out-raw --workers 2 --raw (ocrfix's
                                    preprocessing + OCR, no corrector), to tell OCR changes from corrector changes
  (all ocrfix runs with --corrections WORK/none.yaml, a file that must not exist = no overrides)
  results.csv, results.md, commands.log, rejoin_diffs.txt
Everything is deleted and rebuilt on every run, so the figures are always fresh.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.evaluate import score_page  # noqa: E402

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")
TEXTS = ROOT / "bench" / "unseen"
# scripts/render_sample.py settings of each damage level.
LEVELS = {
    "clean": ["--dpi", "300", "--skew", "0.3", "--fade", "0.1", "--noise", "3"],
    "moderate": ["--dpi", "240", "--skew", "1.0", "--fade", "0.4", "--noise", "10"],
    "harsh": ["--dpi", "200", "--skew", "2.5", "--fade", "0.6", "--noise", "25"],
}
WAYS = [("raw", "raw"), ("process", "out"), ("norejoin", "out-norejoin"),
        ("correct_txt", "out-correct-txt"), ("correct_hocr", "out-correct-hocr"),
        ("process_raw", "out-raw")]  # diagnostic: ocrfix's own OCR (preprocessed) before correction
OCRFIX_WAYS = ["process", "norejoin", "correct_txt", "correct_hocr"]

LOG: list[str] = []


def run(cmd: list[str], env_extra: dict | None = None, cwd: Path | None = None, stdout_to: Path | None = None) -> str:
    env = dict(os.environ, **(env_extra or {}))
    shown = " ".join(f"{k}={v}" for k, v in (env_extra or {}).items())
    shown = (shown + " " if shown else "") + " ".join(shlex.quote(c) for c in cmd)
    if stdout_to:
        shown += f" > {shlex.quote(str(stdout_to))}"
    t0 = time.time()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    LOG.append(f"[{time.time() - t0:6.1f}s rc={p.returncode}] {shown}")
    if p.returncode != 0:
        LOG.append("  stderr: " + p.stderr.strip().replace("\n", "\n  stderr: "))
        raise SystemExit(f"FAILED (rc={p.returncode}): {shown}\n{p.stderr}")
    if stdout_to:
        stdout_to.write_text(p.stdout, encoding="utf-8")
    return p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "unseen")
    ap.add_argument("--jobs", type=int, default=2, help="parallel renders and Tesseract runs (each single-threaded)")
    args = ap.parse_args()
    work = args.work.resolve()
    pages = work / "pages"
    none_yaml = work / "none.yaml"
    if none_yaml.exists():
        raise SystemExit(f"{none_yaml} exists; it must not (it stands for 'no overrides')")
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)

    damage, seeds = {}, {}
    for line in (TEXTS / "damage.tsv").read_text().splitlines():
        if line.strip():
            name, level, seed = line.split()
            damage[name], seeds[name] = level, seed
    names = sorted(damage)

    # Step 1: render each text with its damage.
    def render(name: str) -> None:
        shutil.copy(TEXTS / f"{name}.gt.txt", pages / f"{name}.gt.txt")
        run([sys.executable, str(ROOT / "scripts" / "render_sample.py"), str(pages / f"{name}.gt.txt"),
             str(pages / f"{name}.jpg"), *LEVELS[damage[name]], "--seed", seeds[name]])

    with ThreadPoolExecutor(args.jobs) as ex:
        list(ex.map(render, names))

    for _, d in WAYS:
        shutil.rmtree(work / d, ignore_errors=True)
        (work / d).mkdir(parents=True)

    # Step 2: raw Tesseract, plain text and hOCR.
    def tess(name: str) -> None:
        img = str(pages / f"{name}.jpg")
        run(["tesseract", img, "stdout", "-l", "eng"], {"OMP_THREAD_LIMIT": "1"}, stdout_to=work / "raw" / f"{name}.txt")
        run(["tesseract", img, "stdout", "-l", "eng", "hocr"], {"OMP_THREAD_LIMIT": "1"}, stdout_to=work / "raw" / f"{name}.hocr")

    with ThreadPoolExecutor(args.jobs) as ex:
        list(ex.map(tess, names))

    # Step 3: ocrfix four ways.
    corr = ["--corrections", str(none_yaml)]
    run([OCRFIX, "process", str(pages), "-o", str(work / "out"), "--workers", "2", *corr], cwd=work)
    run([OCRFIX, "process", str(pages), "-o", str(work / "out-norejoin"), "--workers", "2", "--no-rejoin-lines", *corr], cwd=work)
    run([OCRFIX, "process", str(pages), "-o", str(work / "out-raw"), "--workers", "2", "--raw", *corr], cwd=work)
    run([OCRFIX, "correct", *[str(work / "raw" / f"{n}.txt") for n in names], "-o", str(work / "out-correct-txt"), *corr], cwd=work)
    run([OCRFIX, "correct", *[str(work / "raw" / f"{n}.hocr") for n in names], "--to", "txt", "-o", str(work / "out-correct-hocr"), *corr], cwd=work)

    # Step 4: score.
    rows, missing = [], []
    for n in names:
        gt = (pages / f"{n}.gt.txt").read_text(encoding="utf-8")
        row = {"name": n, "damage": damage.get(n, "?")}
        for way, d in WAYS:
            f = work / d / f"{n}.txt"
            if not f.exists():
                missing.append(str(f))
                row[way] = None
                continue
            s = score_page(f.read_text(encoding="utf-8"), gt)
            row[way] = (s.char_errors, s.chars)
        rows.append(row)

    def cer(e_c):
        return "   n/a" if e_c is None else f"{100 * e_c[0] / e_c[1]:5.2f}%"

    def fmt(e_c):
        return "n/a" if e_c is None else f"{cer(e_c).strip()} ({e_c[0]}/{e_c[1]})"

    out_md = ["| page | damage | raw | process | process --no-rejoin | correct txt | correct hOCR | (diag: process --raw) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out_md.append(f"| {r['name']} | {r['damage']} | " + " | ".join(fmt(r[w]) for w, _ in WAYS) + " |")
    groups = {}
    for r in rows:
        groups.setdefault(r["damage"], []).append(r)
    order = [g for g in ("clean", "moderate", "harsh") if g in groups] + sorted(g for g in groups if g not in ("clean", "moderate", "harsh"))
    for g in order + ["ALL"]:
        rs = rows if g == "ALL" else groups[g]
        cells = []
        for w, _ in WAYS:
            vals = [r[w] for r in rs if r[w] is not None]
            e, c = sum(v[0] for v in vals), sum(v[1] for v in vals)
            cells.append(fmt((e, c)) if c else "n/a")
        out_md.append(f"| **total {g}** ({len(rs)} pages) | | " + " | ".join(cells) + " |")

    worse = []
    for r in rows:
        if r["raw"] is None:
            continue
        for w in OCRFIX_WAYS:
            if r[w] is not None and r[w][0] > r["raw"][0]:
                worse.append(f"{r['name']} ({r['damage']}) {w}: {r[w][0]} errors vs raw {r['raw'][0]} (+{r[w][0] - r['raw'][0]})")
    corr_worse = []  # the corrector itself adding errors, each way against its own uncorrected input
    for r in rows:
        for w, base in (("process", "process_raw"), ("correct_txt", "raw"), ("correct_hocr", "raw")):
            if r[w] is not None and r[base] is not None and r[w][0] > r[base][0]:
                corr_worse.append(f"{r['name']} ({r['damage']}) {w}: {r[w][0]} errors vs its uncorrected input ({base}) {r[base][0]} (+{r[w][0] - r[base][0]})")

    diffs = []
    for n in names:
        a, b = work / "out" / f"{n}.txt", work / "out-norejoin" / f"{n}.txt"
        if a.exists() and b.exists() and a.read_text() != b.read_text():
            d = difflib.unified_diff(b.read_text().splitlines(), a.read_text().splitlines(),
                                     f"out-norejoin/{n}.txt", f"out/{n}.txt", n=0, lineterm="")
            diffs.append("\n".join(d))

    with open(work / "results.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["name", "damage"] + [x for w, _ in WAYS for x in (f"{w}_errors", f"{w}_chars", f"{w}_cer")])
        for r in rows:
            wr.writerow([r["name"], r["damage"]] + [x for w, _ in WAYS for x in
                        ((r[w][0], r[w][1], f"{r[w][0] / r[w][1]:.4f}") if r[w] else ("", "", ""))])
    report = "\n".join(out_md) + "\n\nWorse than raw Tesseract (more character errors):\n" + \
        ("\n".join("- " + w for w in worse) if worse else "- none") + \
        "\n\nCorrector worse than its own uncorrected input (process vs process --raw; correct vs raw Tesseract):\n" + \
        ("\n".join("- " + w for w in corr_worse) if corr_worse else "- none") + \
        f"\n\nPages where process with rejoin differs from --no-rejoin-lines: {len(diffs)}\n" + \
        ("\n\n".join(diffs) if diffs else "") + \
        ("\n\nMISSING outputs:\n" + "\n".join(missing) if missing else "") + "\n"
    (work / "results.md").write_text(report)
    (work / "rejoin_diffs.txt").write_text("\n\n".join(diffs) + "\n")
    (work / "commands.log").write_text("\n".join(LOG) + "\n")
    print(report)
    print(f"(CSV: {work / 'results.csv'}; commands: {work / 'commands.log'})")


if __name__ == "__main__":
    main()
