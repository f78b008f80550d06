"""The verifying chooser, measured: both reads of every dev page, merged line by line.

    .venv/bin/python bench/bench_chooser.py [--collections ...] [--limit N] [--refresh] [--workers 2]

For each page it reads the page as scanned and (where preprocessing changes it) the preprocessed
page, exactly as ``ocrfix process`` does, and keeps both reads in bench/results/chooser/ (reused on
the next run unless --refresh). Then, with no corrector:

- CER per collection of the original read (raw Tesseract through the engine), the processed read,
  the merged read that ships, and the oracle (the better read of each page);
- pages where the merge is worse than the original read (EVALUATION.md's definition), named;
- how often the quality estimate picks the read with the lower true CER where the two differ by
  more than 10 % (per page, comparing the estimate of the whole reads);
- the chooser's two fitted weights (``verify.UNKNOWN_WEIGHT``, ``verify.MIN_RELATIVE_GAIN``) fit
  leave-one-collection-out on a grid: fit on the other collections (fewest pages worse, then fewest
  character errors), scored on this one, beside the shipped values' in-sample figures.
Writes bench/results/bench_chooser.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from devcollections import COLLECTION_ORDER, CollectionPage, collection_pages
from devset import RESULTS, pct, publish

from pipeline import verify  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.evaluate import Score, score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.layout import rejoin_page  # noqa: E402
from pipeline.model import Line, Page  # noqa: E402

CACHE = RESULTS / "chooser"
UNKNOWN_WEIGHTS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
RELATIVE_GAINS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4)


def read_both(page: CollectionPage) -> dict:
    """Both reads of one page, as ``process.ocr_page`` makes them (in the page's pixels)."""
    from pipeline.engine import TesseractEngine
    from pipeline.ingest import load_pages
    from pipeline.options import OcrOptions, Options
    from pipeline.preprocess import preprocess
    from pipeline.process import _best_processed_read, _changes_page, _read, map_lines

    engine = TesseractEngine()
    options = Options(workers=1, ocr=OcrOptions(lang=page.lang))
    image = next(load_pages(page.image))
    started = time.perf_counter()
    original = _read(engine, image.image, options, image.dpi)
    t_original = time.perf_counter() - started
    started = time.perf_counter()
    clean = preprocess(image.image, image.dpi, options.preprocess, name=page.name)
    changed_first = _changes_page(clean)
    lines, clean, choice = _best_processed_read(engine, image, clean, options, page.name, None if changed_first else original)
    t_processed = time.perf_counter() - started
    h, w = image.image.shape[:2]
    processed = map_lines(lines, clean.to_input, w, h) if _changes_page(clean) else None
    return {
        "name": page.name,
        "collection": page.collection,
        "width": w,
        "height": h,
        "steps": [s.name for s in clean.steps],
        "original": [line.model_dump(mode="json") for line in original],
        "processed": None if processed is None else [line.model_dump(mode="json") for line in processed],
        "seconds": [t_original, t_processed],
        "lexicon": sorted(engine.words(page.lang))[:0],  # the lexicon is loaded again when scoring
    }


def _text(lines: list[Line], width: int, height: int) -> str:
    return page_text(rejoin_page(Page(source="", width=width, height=height, lines=lines)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default="")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--refresh", action="store_true", help="read the pages again")
    args = parser.parse_args()
    pages = collection_pages(set(filter(None, args.collections.split(","))) or None, args.limit)
    todo = [p for p in pages if args.refresh or not (CACHE / p.collection / f"{p.name}.json").exists()]
    if todo:
        print(f"reading {len(todo)} pages twice ...", flush=True)
        with ProcessPoolExecutor(args.workers) as pool:
            for page, record in zip(todo, pool.map(read_both, todo)):
                path = CACHE / page.collection / f"{page.name}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record), encoding="utf-8")

    from pipeline.engine import TesseractEngine

    engine = TesseractEngine()
    lexicons = {lang: engine.words(lang) for lang in sorted({p.lang for p in pages})}
    data = []
    for page in pages:
        record = json.loads((CACHE / page.collection / f"{page.name}.json").read_text(encoding="utf-8"))
        original = [Line.model_validate(x) for x in record["original"]]
        processed = None if record["processed"] is None else [Line.model_validate(x) for x in record["processed"]]
        gt = page.gt.read_text(encoding="utf-8")
        w, h = record["width"], record["height"]
        vocabulary = verify.Vocabulary.build(lexicons[page.lang], original, *( [processed] if processed else []))
        data.append({"page": page, "original": original, "processed": processed, "gt": gt, "w": w, "h": h,
                     "vocabulary": vocabulary, "seconds": record["seconds"],
                     "score_original": score_page(_text(original, w, h), gt),
                     "score_processed": score_page(_text(processed, w, h), gt) if processed else None})

    def merged_scores(weight: float, gain: float) -> dict[str, Score]:
        out = {}
        for d in data:
            if d["processed"] is None:
                out[d["page"].name] = d["score_original"]
                continue
            merged = verify.merge_reads(d["original"], d["processed"], d["vocabulary"], unknown_weight=weight,
                                        min_relative_gain=gain)
            out[d["page"].name] = score_page(_text(merged.lines, d["w"], d["h"]), d["gt"])
        return out

    def worse(a: Score, b: Score) -> bool:
        return b.cer > 1.1 * a.cer and b.cer - a.cer > 0.001

    grid = {(wt, g): merged_scores(wt, g) for wt, g in itertools.product(UNKNOWN_WEIGHTS, RELATIVE_GAINS)}
    present = [c for c in COLLECTION_ORDER if any(d["page"].collection == c for d in data)]

    def cost(scores: dict[str, Score], subset: list[dict]) -> tuple[int, int]:
        return (sum(worse(d["score_original"], scores[d["page"].name]) for d in subset),
                sum(scores[d["page"].name].char_errors for d in subset))

    shipped = (verify.UNKNOWN_WEIGHT, verify.MIN_RELATIVE_GAIN)
    if shipped not in grid:
        grid[shipped] = merged_scores(*shipped)
    lines = ["Reads through the engine, no corrector; `original` is the page read as scanned (raw Tesseract), "
             "`processed` the preprocessed read alone, `merged` what ships, `oracle` the better of the two per page.", "",
             f"Shipped weights: unknown word weight {shipped[0]}, minimum relative gain {shipped[1]}.", "",
             "| collection | pages | two reads | CER original | CER processed | CER merged | CER oracle | merged worse than original | processed worse than original |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    loo_lines = ["", "Leave one collection out: weights fit on the other collections (fewest pages worse, then fewest "
                 "character errors), scored on this one.", "",
                 "| collection | weights fit elsewhere | CER original | CER merged (held out) | pages worse (held out) | CER merged (shipped) | pages worse (shipped) |",
                 "|---|---|---:|---:|---|---:|---:|"]
    agree = disagree = 0
    for key in present + ["all"]:
        subset = [d for d in data if key == "all" or d["page"].collection == key]
        scored = [d for d in subset if not d["page"].partial]
        s_orig = total([d["score_original"] for d in scored])
        s_proc = total([d["score_processed"] or d["score_original"] for d in scored])
        s_merged = total([grid[shipped][d["page"].name] for d in scored])
        s_oracle = total([min(d["score_original"], d["score_processed"] or d["score_original"], key=lambda s: s.char_errors)
                          for d in scored])
        bad = [d for d in subset if worse(d["score_original"], grid[shipped][d["page"].name])]
        bad_proc = [d for d in subset if d["score_processed"] and worse(d["score_original"], d["score_processed"])]
        named = ", ".join(f"{d['page'].name} ({pct(d['score_original'].cer)} -> {pct(grid[shipped][d['page'].name].cer)})" for d in bad)
        two = sum(1 for d in subset if d["processed"] is not None)
        lines.append(f"| {key} | {len(scored)} | {two} | {pct(s_orig.cer)} | {pct(s_proc.cer)} | {pct(s_merged.cer)} | "
                     f"{pct(s_oracle.cer)} | {len(bad)}{': ' + named if named else ''} | {len(bad_proc)} |")
        if key == "all":
            continue
        rest = [d for d in data if d["page"].collection != key]
        best = min(grid, key=lambda params: (cost(grid[params], rest), abs(params[0] - shipped[0]) + abs(params[1] - shipped[1])))
        held = grid[best]
        s_held = total([held[d["page"].name] for d in scored])
        bad_held = [d for d in subset if worse(d["score_original"], held[d["page"].name])]
        named_held = ", ".join(d["page"].name for d in bad_held)
        loo_lines.append(f"| {key} | {best[0]}, {best[1]} | {pct(s_orig.cer)} | {pct(s_held.cer)} | "
                         f"{len(bad_held)}{': ' + named_held if named_held else ''} | {pct(s_merged.cer)} | {len(bad)} |")
        # Does the estimate of the whole reads pick the truly better one where they differ by > 10 %?
        for d in subset:
            if d["processed"] is None:
                continue
            a, b = d["score_original"], d["score_processed"]
            if min(a.cer, b.cer) == 0 and max(a.cer, b.cer) == 0:
                continue
            if abs(a.cer - b.cer) <= 0.1 * max(a.cer, b.cer):
                continue
            knows = d["vocabulary"].knows
            q_o = verify.read_quality(d["original"], knows, shipped[0])
            q_p = verify.read_quality(d["processed"], knows, shipped[0])
            pick_processed = q_p > q_o * (1 + shipped[1])
            if pick_processed == (b.cer < a.cer):
                agree += 1
            else:
                disagree += 1
    lines += loo_lines
    lines += ["", f"Estimate of the whole reads against the truth, pages whose two reads differ by more than 10 % CER: "
              f"right on {agree} of {agree + disagree}" + (f" ({100 * agree / (agree + disagree):.0f} %)" if agree + disagree else "") + "."]
    t_o = sum(d["seconds"][0] for d in data)
    t_p = sum(d["seconds"][1] for d in data if d["processed"] is not None)
    lines.append(f"Engine time, one process: original reads {t_o:.0f} s, processed reads (where made) {t_p:.0f} s.")
    publish("\n".join(lines), "bench_chooser.md")


if __name__ == "__main__":
    main()
