"""The corrector on every dev collection, in text mode, as issue 13 measures it.

    .venv/bin/python bench/bench_corrector.py [--collections ehri,german,...] [--limit N]

For each collection (``ehri`` without the partial ``_01`` pages, ``german``, ``danish`` read with
``deu`` / ``dan``, ``synthetic-*`` by damage, and ``bln600``: other people's OCR of 19th-century
newspapers) it corrects the raw Tesseract text of every page (``tesseract FILE stdout -l LANG``, one
thread, cached in bench/results/raw-text/) the way one ``ocrfix correct`` run over all the
collection's files does: the collection model is built from all of them first. It prints

- CER of the raw text and of the corrected text, and their ratio;
- words fixed, damaged (right -> wrong) and the damage as a share of the words that were right;
- documents made worse (any more character errors), named;
- the ground truth of the same pages fed in as input (a collection model built from the ground
  truth): the share of its words the corrector changes;
- the corrector's speed (tokens per CPU second) and the load time of dictionaries and collection model.

Writes bench/results/bench_corrector.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devcollections import COLLECTION_ORDER, collection_pages
from devset import DEV, RESULTS, publish

from pipeline.collection import CollectionModel, collection_model  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.correct import correct_page, load_corrector, page_from_text  # noqa: E402
from pipeline.evaluate import CorrectorCounts, Score, corrector_counts, score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.options import CorrectOptions  # noqa: E402

RAW = RESULTS / "raw-text"
BLN = DEV / "text_bln600_train"


@dataclass(frozen=True)
class TextPage:
    collection: str
    name: str
    doc: str
    lang: str
    raw: str
    gt: str


def doc_of(name: str) -> str:
    """The document a dev page belongs to: its name without the page number or damage kind."""
    return re.sub(r"(_\d+|\.(mild|moderate|severe|fax))$", "", name)


def _tesseract_text(image, lang: str, out) -> str:
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        result = subprocess.run(["tesseract", str(image), "stdout", "-l", lang], capture_output=True, env=env, check=True)
        out.write_bytes(result.stdout)
    return out.read_text(encoding="utf-8", errors="replace")


def load_pages(wanted: set[str] | None, limit: int | None) -> list[TextPage]:
    pages: list[TextPage] = []
    scanned = [p for p in collection_pages(wanted, limit) if not p.partial]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two Tesseract processes, one thread each
        raws = list(pool.map(lambda p: _tesseract_text(p.image, p.lang, RAW / p.collection / f"{p.name}.txt"), scanned))
    for p, raw in zip(scanned, raws):
        pages.append(TextPage(p.collection, p.name, doc_of(p.name), p.lang, raw, p.gt.read_text(encoding="utf-8")))
    if (not wanted or "bln600" in wanted) and BLN.is_dir():
        for k, gt in enumerate(sorted((BLN / "gt").glob("*.gt.txt"))):
            if limit and k >= limit:
                break
            ident = gt.name[: -len(".gt.txt")]
            raw = (BLN / "ocr" / f"{ident}.txt").read_text(encoding="utf-8", errors="replace")
            pages.append(TextPage("bln600", ident, ident, "eng", raw, gt.read_text(encoding="utf-8")))
    return pages


@dataclass
class Tally:
    raw: list[Score]
    fixed: list[Score]
    counts: CorrectorCounts
    worse: list[tuple[str, float, float]]
    gt_words: int = 0
    gt_changed: int = 0
    gt_changes: list[str] | None = None


def correct_collection(pages: list[TextPage], texts: list[str], corrector) -> tuple[list[str], int, float]:
    """Corrected texts of one collection, corrected as one run over all its files; tokens, CPU s."""
    started = time.process_time()
    model = collection_model(page_from_text(t, p.doc) for p, t in zip(pages, texts))
    with_model = corrector.with_collection(model)
    out = [page_text(correct_page(page_from_text(t, p.name), with_model)) for p, t in zip(pages, texts)]
    return out, sum(len(t.split()) for t in texts), time.process_time() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", default="", help="comma-separated: " + ", ".join(COLLECTION_ORDER + ["bln600"]))
    ap.add_argument("--limit", type=int, default=None, help="at most N pages of each collection")
    ap.add_argument("--show", type=int, default=12, help="list at most this many changes made to ground truth")
    args = ap.parse_args()
    wanted = {c for c in args.collections.split(",") if c} or None
    pages = load_pages(wanted, args.limit)

    started = time.perf_counter()
    base = load_corrector(CorrectOptions())
    load_s = time.perf_counter() - started
    by_collection: dict[str, list[TextPage]] = defaultdict(list)
    for p in pages:
        by_collection[p.collection].append(p)

    tallies: dict[str, Tally] = {}
    tokens = 0
    cpu = 0.0
    model_load = 0.0
    for name in COLLECTION_ORDER + ["bln600"]:
        group = by_collection.get(name)
        if not group:
            continue
        options = CorrectOptions(lang=group[0].lang)
        if options.automatic:
            fixed, n, seconds = correct_collection(group, [p.raw for p in group], base)
            tokens, cpu = tokens + n, cpu + seconds
            gt_fixed, _n, _s = correct_collection(group, [p.gt for p in group], base)
        else:  # the corrector leaves a language its dictionaries do not know as read
            fixed, gt_fixed = [p.raw for p in group], [p.gt for p in group]
        t = Tally([], [], CorrectorCounts(), [], gt_changes=[])
        for p, f, g in zip(group, fixed, gt_fixed):
            r, c = score_page(p.raw, p.gt), score_page(f, p.gt)
            t.raw.append(r)
            t.fixed.append(c)
            t.counts += corrector_counts(p.raw, f, p.gt)
            if c.char_errors > r.char_errors:
                t.worse.append((p.name, r.cer, c.cer))
            gc = corrector_counts(p.gt, g, p.gt)
            t.gt_words += gc.right
            t.gt_changed += gc.changed
            if gc.changed:
                a, b = p.gt.split(), g.split()
                from rapidfuzz.distance import Levenshtein

                for tag, a0, a1, b0, b1 in Levenshtein.opcodes(a, b):
                    if tag != "equal":
                        t.gt_changes.append(f"{p.name}: {' '.join(a[a0:a1])} -> {' '.join(b[b0:b1])}")
        tallies[name] = t

    # The collection model's load time: the largest collection's model written and read back.
    biggest = max(by_collection.values(), key=len)
    model = collection_model(page_from_text(p.raw, p.doc) for p in biggest)
    started = time.perf_counter()
    CollectionModel.from_json(model.to_json())
    model_load = time.perf_counter() - started

    lines = [
        "# The corrector on every dev collection (text mode)",
        "",
        "`.venv/bin/python bench/bench_corrector.py`. Raw = `tesseract FILE stdout -l LANG` (one thread); the corrector",
        "runs over each collection as one `ocrfix correct` run over all its files (collection model built first).",
        "German and Danish: `--lang deu`/`dan` with the shipped English dictionaries, so the corrector leaves them as read.",
        "dmg % = right words made wrong / right words. GT changed = words changed when the ground truth is the input.",
        "",
        "| collection | pages | words | raw CER | corrected | ratio | fixed | damaged | dmg % | docs worse | GT changed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in tallies.items():
        r, c = total(t.raw), total(t.fixed)
        docs_worse = len({doc_of(n) for n, _a, _b in t.worse}) if name != "bln600" else len(t.worse)
        docs = len({doc_of(p.name) for p in by_collection[name]})
        lines.append(
            f"| {name} | {len(t.raw)} | {r.words} | {100 * r.cer:.2f} % | {100 * c.cer:.2f} % | ×{c.cer / r.cer if r.cer else 1:.3f} | "
            f"{t.counts.fixed} | {t.counts.damaged} | {100 * t.counts.damaged / max(1, t.counts.right):.3f} % | "
            f"{docs_worse} of {docs} | {t.gt_changed} of {t.gt_words} ({100 * t.gt_changed / max(1, t.gt_words):.3f} %) |"
        )
    lines.append("")
    lines.append(f"Speed: {tokens / cpu:,.0f} tokens per CPU second (collection model built in the time), "
                 f"dictionaries load in {load_s:.2f} s, the largest collection model ({len(model.forms):,} forms) in {model_load:.3f} s.")
    for name, t in tallies.items():
        if t.worse:
            lines.append("")
            lines.append(f"{name}: pages worse (raw -> corrected CER): " + ", ".join(f"{n} {100 * a:.2f} -> {100 * b:.2f}" for n, a, b in t.worse[:20]))
        if t.gt_changes:
            lines.append("")
            lines.append(f"{name}: changes to the ground truth ({len(t.gt_changes)}): " + "; ".join(t.gt_changes[: args.show]))
    publish("\n".join(lines), "bench_corrector.md")


if __name__ == "__main__":
    main()
