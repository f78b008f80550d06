"""Benchmark of the corrector alone, on raw Tesseract text of the dev pages.

For each subset (EHRI without the partial ``_01`` pages; synthetic mild / moderate / severe / fax)
it prints CER of raw Tesseract, of ``ocrfix correct`` and of symspellpy applied word by word (the
baseline people reach for), the fixed / damaged / changed-but-still-wrong / missed word counts of
both, the corrector's speed in tokens per second on one core, and the dictionary load time. It
lists every page that correction made worse.

Raw text comes from ``--raw DIR`` (``DIR/ehri/<name>.txt``, ``DIR/synthetic/<name>.txt``); pages
missing there are read with ``tesseract FILE stdout -l eng`` (one thread, as EVALUATION.md asks)
and cached in bench/results/raw/.

    .venv/bin/python bench/bench_correct.py [--dev ../shared/dev] [--raw bench/results/raw]
    .venv/bin/python bench/bench_correct.py --holdout   # confusions learned on the other half only
    .venv/bin/python bench/bench_correct.py --hocr      # from hOCR, with confidences and alternatives
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.correct import correct_page, load_corrector, page_from_text  # noqa: E402
from pipeline.evaluate import CorrectorCounts, Score, corrector_counts, score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.layout import rejoin_page  # noqa: E402
from pipeline.lexicon import learn_confusions, load_lexicon  # noqa: E402
from pipeline.options import CorrectOptions, default_dictionary_dir  # noqa: E402

SUBSETS = ("ehri", "mild", "moderate", "severe", "fax")


def find_pages(dev: Path) -> list[tuple[str, str, Path, Path]]:
    """(subset, name, image, ground truth) for every dev page scored in totals."""
    pages = []
    for kind in ("ehri", "synthetic"):
        for gt in sorted((dev / kind).glob("*.gt.txt")):
            name = gt.name[: -len(".gt.txt")]
            if kind == "ehri" and name.endswith("_01"):
                continue  # ground truth covers only part of the page (dev/README.md)
            images = [p for p in gt.parent.glob(name + ".*") if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff")]
            if not images:
                continue
            subset = "ehri" if kind == "ehri" else name.rsplit(".", 1)[1]
            pages.append((subset, name, images[0], gt))
    return pages


def raw_text(kind: str, name: str, image: Path, raw_dirs: list[Path], cache: Path) -> str:
    for d in raw_dirs:
        p = d / kind / f"{name}.txt"
        if p.exists():
            return p.read_text(encoding="utf-8", errors="replace")
    out = cache / kind / f"{name}.txt"
    if out.exists():
        return out.read_text(encoding="utf-8", errors="replace")
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    result = subprocess.run(["tesseract", str(image), "stdout", "-l", "eng"], capture_output=True, env=env, check=True)
    text = result.stdout.decode("utf-8", errors="replace")
    out.write_text(text, encoding="utf-8")
    return text


def hocr_page(kind: str, name: str, image: Path, cache: Path):
    """Raw Tesseract's hOCR of the page (``tesseract FILE stdout -l eng hocr``: the same read as
    the plain text, with boxes and confidences), read the way ``ocrfix correct`` reads an hOCR
    file; cached in bench/results/raw-hocr/."""
    from pipeline.ocr_files import read_ocr_file

    out = cache / kind / f"{name}.hocr"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        result = subprocess.run(["tesseract", str(image), "stdout", "-l", "eng", "hocr"], capture_output=True, env=env, check=True)
        out.write_bytes(result.stdout)
    doc, _kind = read_ocr_file(out, out.read_bytes())
    return doc.pages[0]


def symspell_baseline():
    """symspellpy with its bundled English dictionary, word by word: each word it does not know
    becomes its closest suggestion (punctuation kept, casing transferred)."""
    from importlib import resources

    from symspellpy import SymSpell, Verbosity

    sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    sym.load_dictionary(str(resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"), 0, 1)
    affix = re.compile(r"^(\W*)(.*?)(\W*)$")

    def fix(text: str) -> str:
        out_lines = []
        for line in text.splitlines():
            words = []
            for tok in line.split():
                lead, core, trail = affix.match(tok).groups()
                if core and core.lower() not in sym.words:
                    hits = sym.lookup(core, Verbosity.CLOSEST, max_edit_distance=2, transfer_casing=True)
                    if hits:
                        core = hits[0].term
                words.append(lead + core + trail)
            out_lines.append(" ".join(words))
        return "\n".join(out_lines)

    return fix


def doc_of(name: str) -> str:
    """The source document of a dev page (pages of one document never straddle the folds)."""
    return re.sub(r"(_\d+|\.(mild|moderate|severe|fax))$", "", name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "dev")
    ap.add_argument("--raw", type=Path, action="append", default=[], help="folder(s) with raw Tesseract text (ehri/, synthetic/)")
    ap.add_argument("--dictionaries", type=Path, default=default_dictionary_dir())
    ap.add_argument("--holdout", action="store_true", help="learn confusions on half of the dev documents, score the other half (both ways)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--pages", default="", help="only pages whose name contains this")
    ap.add_argument("--hocr", action="store_true",
                    help="correct Tesseract's hOCR of the same read (boxes, confidences) as `ocrfix correct x.hocr` does: "
                         "line pieces rejoined, then corrected")
    args = ap.parse_args()

    cache = ROOT / "bench" / "results" / "raw"
    pages = [p for p in find_pages(args.dev) if args.pages in p[1]]
    if not pages:
        sys.exit(f"no dev pages found under {args.dev}")
    texts = {}
    hocr_pages = {}
    if args.hocr:
        from concurrent.futures import ThreadPoolExecutor

        # Two Tesseract processes at a time, one thread each (EVALUATION.md).
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = {
                name: pool.submit(hocr_page, "ehri" if subset == "ehri" else "synthetic", name, image, ROOT / "bench" / "results" / "raw-hocr")
                for subset, name, image, _gt in pages
            }
            hocr_pages = {name: job.result() for name, job in jobs.items()}
    for subset, name, image, gt in pages:
        kind = "ehri" if subset == "ehri" else "synthetic"
        raw = page_text(hocr_pages[name]) if args.hocr else raw_text(kind, name, image, args.raw + [cache], cache)
        texts[name] = (raw, gt.read_text(encoding="utf-8"))

    t0 = time.perf_counter()
    load_lexicon(args.dictionaries)
    first_load = time.perf_counter() - t0
    loads = []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        corrector = load_corrector(CorrectOptions(dictionary_dir=args.dictionaries))
        loads.append((time.perf_counter() - t0, time.process_time() - c0))
    load_s, load_cpu = min(loads)

    correctors = {}
    if args.holdout:
        docs = sorted({doc_of(n) for _s, n, _i, _g in pages})
        folds = [set(docs[0::2]), set(docs[1::2])]
        for k, fold in enumerate(folds):
            train = [(texts[n][0], texts[n][1]) for _s, n, _i, _g in pages if doc_of(n) not in fold]
            lex = dataclasses.replace(corrector.lexicon, confusions=learn_confusions(train))
            correctors[k] = corrector.with_lexicon(lex)
        pick = lambda name: correctors[0 if doc_of(name) in folds[0] else 1]  # noqa: E731
        print(f"holdout: confusions for {sorted(folds[0])} learned on the others, and the other way round\n")
    else:
        pick = lambda name: corrector  # noqa: E731

    baseline = None if args.no_baseline else symspell_baseline()
    raw_s: dict[str, list[Score]] = defaultdict(list)
    cor_s: dict[str, list[Score]] = defaultdict(list)
    join_s: dict[str, list[Score]] = defaultdict(list)
    base_s: dict[str, list[Score]] = defaultdict(list)
    cor_c: dict[str, CorrectorCounts] = defaultdict(CorrectorCounts)
    base_c: dict[str, CorrectorCounts] = defaultdict(CorrectorCounts)
    worse = []
    tokens = 0
    elapsed = 0.0
    cpu = 0.0
    for subset, name, _image, _gt in pages:
        raw, gt = texts[name]
        c = pick(name)
        start, start_cpu = time.perf_counter(), time.process_time()
        page = rejoin_page(hocr_pages[name]) if args.hocr else page_from_text(raw, name)
        fixed = page_text(correct_page(page, c))
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        tokens += len(raw.split())
        r, f = score_page(raw, gt), score_page(fixed, gt)
        raw_s[subset].append(r)
        cor_s[subset].append(f)
        # Words are counted from the text the corrector was given: with --hocr, the rejoined lines
        # (rejoining moves words, which a word alignment with the raw text would count as changes).
        joined = page_text(page)
        join_s[subset].append(score_page(joined, gt))
        cor_c[subset] += corrector_counts(joined, fixed, gt)
        if f.char_errors > r.char_errors:
            worse.append((name, r.char_errors, f.char_errors))
        if baseline is not None:
            b = baseline(raw)
            base_s[subset].append(score_page(b, gt))
            base_c[subset] += corrector_counts(raw, b, gt)

    def row(label, keys):
        rs = total([s for k in keys for s in raw_s[k]])
        cs = total([s for k in keys for s in cor_s[k]])
        cc = sum((cor_c[k] for k in keys), CorrectorCounts())
        js = total([s for k in keys for s in join_s[k]])
        joined = f"{100*js.cer:6.2f} " if args.hocr else ""
        line = (f"{label:10s} {len([1 for k in keys for _ in raw_s[k]]):3d} {rs.words:6d}  {100*rs.cer:6.2f} {joined}{100*cs.cer:6.2f} "
                f"{100*(cs.cer-rs.cer)/rs.cer if rs.cer else 0:+6.1f}%  {cc.fixed:5d} {cc.damaged:4d} {cc.changed_wrong:4d} {cc.missed:5d}"
                f" {100*cc.damaged/max(1,cc.right):5.2f}%")
        if baseline is not None:
            bs = total([s for k in keys for s in base_s[k]])
            bc = sum((base_c[k] for k in keys), CorrectorCounts())
            line += (f" | {100*bs.cer:6.2f} {100*(bs.cer-rs.cer)/rs.cer if rs.cer else 0:+6.1f}%  {bc.fixed:5d} {bc.damaged:4d} "
                     f"{bc.changed_wrong:4d} {bc.missed:5d}")
        print(line)

    joined_head = f"{'joined':>6s} " if args.hocr else ""
    head = (f"{'subset':10s} {'pp':>3s} {'words':>6s}  {'raw':>6s} {joined_head}{'ocrfix':>6s} {'change':>7s}  {'fixed':>5s} {'dmg':>4s} "
            f"{'chw':>4s} {'missed':>5s} {'dmg%':>6s}")
    if baseline is not None:
        head += f" | {'symspl':>6s} {'change':>7s}  {'fixed':>5s} {'dmg':>4s} {'chw':>4s} {'missed':>5s}"
    print("CER % (EVALUATION.md normalisation); word counts: fixed, damaged (right->wrong), changed but still wrong, missed;")
    print("dmg% = damaged / words that were right. Left: ocrfix correct. Right: symspellpy word by word.")
    if args.hocr:
        print("From Tesseract's hOCR: 'joined' is after rejoining line pieces, before the corrector; word counts from there.")
    print()
    print(head)
    for k in SUBSETS:
        if raw_s[k]:
            row(k, [k])
    row("synthetic", [k for k in SUBSETS[1:] if raw_s[k]])
    row("all", [k for k in SUBSETS if raw_s[k]])
    # CPU time of this one process: on a shared, busy machine wall time mostly measures the others.
    print(f"\nspeed: {tokens / cpu:,.0f} tokens per CPU second on one core ({tokens} tokens in {cpu:.2f} s CPU, "
          f"{elapsed:.2f} s wall: {tokens / elapsed:,.0f} tokens/s)")
    print(f"dictionary load: {load_s:.3f} s wall, {load_cpu:.3f} s CPU from the compiled cache, best of 3 "
          f"(first load this run {first_load:.2f} s)")
    if worse:
        print("\npages made WORSE by correction (raw -> corrected character errors):")
        for name, r, f in worse:
            print(f"  {name}: {r} -> {f}")
    else:
        print("\nno page got worse (corrected CER <= raw CER on every page)")


if __name__ == "__main__":
    main()
