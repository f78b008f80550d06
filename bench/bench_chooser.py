"""The verifying chooser, measured: both reads of every dev page, merged line by line.

    .venv/bin/python bench/bench_chooser.py [--collections ...] [--limit N] [--refresh] [--workers 2]

For each page it reads the page as scanned and (where preprocessing changes it) the preprocessed
page, exactly as ``ocrfix process`` does, and keeps both reads in bench/results/chooser/ (reused on
the next run unless --refresh). Then, with no corrector:

- CER per collection of the original read (raw Tesseract through the engine), the processed read,
  the merged read that ships, and the oracle (the better read of each page);
- pages where the merge is worse than the original read (EVALUATION.md's definition), named;
- the chooser's model (``verify.DEFAULT_MODEL``, a logistic model of which read of a line is
  better) fit leave-one-collection-out: fit on the other collections' lines (labels from the
  ground truth), scored on this one's pages and lines, beside the shipped fit on all; and how often
  the held-out model picks the read with fewer errors where the two reads of a line differ;
- the same with only the original's lines at risk open to a second read, by confidence bar, and
  the share of the page that this leaves to read again;
- what the second read of a line buys by what put the line at risk (an unknown word, only
  low-confidence known words, only one- or two-letter tokens): where reading less would cost least.
Writes bench/results/bench_chooser.md.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from devcollections import COLLECTION_ORDER, CollectionPage, collection_pages
from devset import RESULTS, fit_logistic, pct, publish

from pipeline import reread, verify  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.evaluate import Score, normalise, score_page, total, worse_than_raw  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.layout import rejoin_page  # noqa: E402
from pipeline.model import Line, Page  # noqa: E402

CACHE = RESULTS / "chooser"


def read_both(page: CollectionPage) -> dict:
    """Both reads of one page, as ``process.ocr_page`` makes them (in the page's pixels)."""
    from pipeline.engine import TesseractEngine
    from pipeline.ingest import load_pages
    from pipeline.options import OcrOptions, Options
    from pipeline.preprocess import preprocess
    from pipeline.process import _best_processed_read, _changes_page, _read_as_scanned, map_lines

    engine = TesseractEngine()
    options = Options(workers=1, ocr=OcrOptions(lang=page.lang))
    image = next(load_pages(page.image))
    started = time.perf_counter()
    original = _read_as_scanned(engine, image, options)
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
    }


def shipped_read(record: dict, lexicon) -> list[Line]:
    """The read ``ocrfix process`` ships from a page's two cached reads (``read_both``): the lines
    of the read as scanned that are at risk (verify's own bars) open to the processed read."""
    original = [Line.model_validate(x) for x in record["original"]]
    if record["processed"] is None:
        return original
    processed = [Line.model_validate(x) for x in record["processed"]]
    vocabulary = verify.Vocabulary.build(lexicon, original, processed)
    if "orient" in record["steps"]:  # a turned page: the more plausible read whole (as ocr_page)
        better = verify.read_quality(processed, vocabulary.knows) > verify.read_quality(original, vocabulary.knows)
        return processed if better else original
    return verify.merge_reads(original, processed, vocabulary, at_risk=verify.lines_at_risk(original, lexicon),
                              deskewed="deskew" in record["steps"]).lines


def _text(lines: list[Line], width: int, height: int) -> str:
    return page_text(rejoin_page(Page(source="", width=width, height=height, lines=lines)))


def line_pairs(d: dict) -> list[dict]:
    """The lines of one page that the chooser decides between (two reads of the same text that
    differ), with their features and, from the ground truth, each read's character errors."""
    if d["processed"] is None:
        return []
    original, processed, knows = d["original"], d["processed"], d["vocabulary"].knows
    all_o = [w for ln in original for w in ln.words]
    all_p = [w for ln in processed for w in ln.words]
    scale_o, scale_p = verify._confidence_scale(all_o, all_p), verify._confidence_scale(all_p, all_o)
    gt = normalise(d["gt"])
    groups = verify.comparable_groups(original, processed)
    pairs = []
    for o_idx, _p_idx, o_words, p_words in groups:
        o_text = normalise(" ".join(w.text for w in o_words))
        p_text = normalise(" ".join(w.text for w in p_words))
        if o_text == p_text:
            continue
        errors = _group_errors(o_text, p_text, gt)
        if errors is None:
            continue
        features = verify.pair_features(o_words, p_words, knows, scale_o, scale_p, d["deskewed"])
        pairs.append({"collection": d["page"].collection, "features": features, "eo": errors[0], "ep": errors[1],
                      "original_lines": o_idx})
    return pairs


def _group_errors(o_text: str, p_text: str, gt: str) -> tuple[int, int] | None:
    """Character errors of two reads of the same lines, each against the stretch of the (normalised)
    ground truth that best matches the longer of them; None where no stretch matches."""
    found = fuzz.partial_ratio_alignment(max(o_text, p_text, key=len), gt)
    if found.score < 60:
        return None
    window = gt[max(0, found.dest_start - 3): found.dest_end + 3]
    errors = []
    for text in (o_text, p_text):
        best = fuzz.partial_ratio_alignment(text, window)
        errors.append(Levenshtein.distance(text, window[best.dest_start:best.dest_end]))
    return errors[0], errors[1]


# Why a line of the read as scanned is at risk, by the words that put it there (verify.word_at_risk).
RISK_KINDS = ("an unknown word of 3+ letters", "only low-confidence known words", "only tokens of 1-2 letters")


def risk_kind(line: Line, knows) -> str | None:
    """Which of RISK_KINDS puts ``line`` at risk (None: it is not at risk)."""
    risky = [w for w in line.words if verify.word_at_risk(w, knows)]
    if not risky:
        return None
    longer = [w for w in risky if len(verify._core(w.text)) >= 3]
    if any(not knows(w.text) for w in longer):
        return RISK_KINDS[0]
    return RISK_KINDS[1] if longer else RISK_KINDS[2]


def fit_model(pairs: list[dict], threshold: float, l2: float = 1.0) -> verify.ChoiceModel:
    """Weighted logistic regression (Newton's method, a little L2): label 1 where the processed read
    has fewer errors, weight = the errors at stake; pairs both read equally well carry no weight."""
    rows = [p for p in pairs if p["eo"] != p["ep"]]
    x = np.array([(1.0, *p["features"]) for p in rows])
    y = np.array([1.0 if p["ep"] < p["eo"] else 0.0 for p in rows])
    w = np.array([abs(p["eo"] - p["ep"]) for p in rows], dtype=float)
    intercept, weights = fit_logistic(x, y, w, l2, iterations=50)
    return verify.ChoiceModel(intercept=intercept, weights=weights, threshold=threshold)


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
        vocabulary = verify.Vocabulary.build(lexicons[page.lang], original, *([processed] if processed else []))
        data.append({"page": page, "original": original, "processed": processed, "gt": gt, "w": w, "h": h,
                     "deskewed": "deskew" in record["steps"],
                     "vocabulary": vocabulary, "seconds": record["seconds"],
                     "score_original": score_page(_text(original, w, h), gt),
                     "score_processed": score_page(_text(processed, w, h), gt) if processed else None})
    present = [c for c in COLLECTION_ORDER if any(d["page"].collection == c for d in data)]
    for d in data:
        d["pairs"] = line_pairs(d)
    pairs = [p for d in data for p in d["pairs"]]
    shipped = verify.DEFAULT_MODEL

    for d in data:
        # What ocr_page knows when it picks the lines at risk: the first read alone.
        d["knows_first"] = verify.Vocabulary.build(lexicons[d["page"].lang], d["original"]).knows

    def lines_at_risk(d: dict, risk_bar: tuple[float, float]) -> set[int]:
        return {i for i, ln in enumerate(d["original"]) if verify.line_at_risk(ln, d["knows_first"], *risk_bar)}

    def merged(model: verify.ChoiceModel, subset: list[dict], risk_bar: tuple[float, float] | None = None) -> dict[str, Score]:
        out = {}
        for d in subset:
            if d["processed"] is None:
                out[d["page"].name] = d["score_original"]
                continue
            at_risk = None if risk_bar is None else lines_at_risk(d, risk_bar)
            result = verify.merge_reads(d["original"], d["processed"], d["vocabulary"], model=model, at_risk=at_risk,
                                        deskewed=d["deskewed"])
            out[d["page"].name] = score_page(_text(result.lines, d["w"], d["h"]), d["gt"])
        return out

    def worse(a: Score, b: Score) -> bool:
        return worse_than_raw(b, a)

    def named(subset: list[dict], scores: dict[str, Score]) -> str:
        bad = [d for d in subset if worse(d["score_original"], scores[d["page"].name])]
        return f"{len(bad)}" + (": " + ", ".join(f"{d['page'].name} ({pct(d['score_original'].cer)} -> "
                                                   f"{pct(scores[d['page'].name].cer)})" for d in bad) if bad else "")

    lines = ["Reads through the engine, no corrector. `original`: the page read as scanned (raw Tesseract); "
             "`processed`: the preprocessed read alone; `merged`: what ships (the shipped model, every line of the "
             "original open to a second read); `oracle`: the better of the two reads per page.", "",
             f"Shipped model: intercept {shipped.intercept}, weights {shipped.weights}, threshold {shipped.threshold}.", "",
             "| collection | pages | two reads | CER original | CER processed | CER merged | CER oracle | merged worse than original | processed worse |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    shipped_scores = merged(shipped, data)
    for key in present + ["all"]:
        subset = [d for d in data if key == "all" or d["page"].collection == key]
        scored = [d for d in subset if not d["page"].partial]
        s_orig = total([d["score_original"] for d in scored])
        s_proc = total([d["score_processed"] or d["score_original"] for d in scored])
        s_merged = total([shipped_scores[d["page"].name] for d in scored])
        s_oracle = total([min(d["score_original"], d["score_processed"] or d["score_original"], key=lambda s: s.char_errors)
                          for d in scored])
        n_proc = sum(1 for d in subset if d["score_processed"] and worse(d["score_original"], d["score_processed"]))
        two = sum(1 for d in subset if d["processed"] is not None)
        lines.append(f"| {key} | {len(scored)} | {two} | {pct(s_orig.cer)} | {pct(s_proc.cer)} | {pct(s_merged.cer)} | "
                     f"{pct(s_oracle.cer)} | {named(subset, shipped_scores)} | {n_proc} |")

    lines += ["", "Leave one collection out: the model fit on the other collections' lines, scored on this one "
              "(pages and lines), beside the shipped model (fit on all).", "",
              "| collection | lines decided | model fit elsewhere (intercept; weights) | CER merged, held out | pages worse, held out | "
              "CER merged, shipped | lines: held-out model picks the better read | characters gained / lost on lines, held out | "
              "CER, pages worse held out, lines at risk only (as ocrfix process) |",
              "|---|---:|---|---:|---|---:|---:|---|---|"]
    bars = (verify.RISK_CONFIDENCE, verify.RISK_UNKNOWN_CONFIDENCE)
    for key in present:
        subset = [d for d in data if d["page"].collection == key]
        scored = [d for d in subset if not d["page"].partial]
        rest = [p for p in pairs if p["collection"] != key]
        mine = [p for p in pairs if p["collection"] == key]
        if not rest:
            continue
        model = fit_model(rest, shipped.threshold)
        held = merged(model, subset)
        held_at_risk = merged(model, subset, bars)
        taken = [p for p in mine if model.probability(p["features"]) > model.threshold]
        differing = [p for p in mine if p["eo"] != p["ep"]]
        right = sum(1 for p in differing if (model.probability(p["features"]) > 0.5) == (p["ep"] < p["eo"]))
        gained = sum(max(0, p["eo"] - p["ep"]) for p in taken)
        lost = sum(max(0, p["ep"] - p["eo"]) for p in taken)
        lines.append(f"| {key} | {len(mine)} | {model.intercept}; {model.weights} | "
                     f"{pct(total([held[d['page'].name] for d in scored]).cer)} | {named(subset, held)} | "
                     f"{pct(total([shipped_scores[d['page'].name] for d in scored]).cer)} | "
                     f"{right} of {len(differing)}" + (f" ({100 * right / len(differing):.0f} %)" if differing else "") +
                     f" | {gained} / {lost} | {pct(total([held_at_risk[d['page'].name] for d in scored]).cer)}, "
                     f"{named(subset, held_at_risk)} |")
    refit = fit_model(pairs, shipped.threshold)
    lines += ["", f"Fit on all collections ({len(pairs)} lines): intercept {refit.intercept}, weights {refit.weights} "
              "(the shipped model is this fit; `verify.DEFAULT_MODEL`)."]

    lines += ["", "Only the original's lines at risk open to a second read (a word unknown, or below the confidence bar), "
              "the shipped model: CER, pages worse than the original read, and the share of the original lines' "
              "height at risk (what reading those lines again costs).", "",
              "| confidence bars (any word, unknown word) | " + " | ".join(present) + " | pages worse | height at risk | "
              "second reads' cost |", "|---|" + "---:|" * (len(present) + 3)]
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    t_first = sum(d["seconds"][0] for d in data)
    for bar, unknown_bar in ((101.0, 101.0), (85.0, 101.0), (80.0, 90.0), (70.0, 85.0), (70.0, 80.0), (60.0, 80.0), (50.0, 75.0)):
        scores = merged(shipped, data, (bar, unknown_bar))
        risky_h = all_h = cost = 0.0
        for d in data:
            at_risk = lines_at_risk(d, (bar, unknown_bar)) if d["processed"] is not None else set()
            for i, ln in enumerate(d["original"]):
                height = (ln.bbox[3] - ln.bbox[1]) if ln.bbox else 0
                all_h += height
                risky_h += height if i in at_risk else 0
            if at_risk:
                # What ocrfix process would read again (reread.py): the bands of these lines, or the
                # whole page where they cover more than WHOLE_PAGE_SHARE of it or it was deskewed;
                # a band costs its share of the processed page's read.
                share = sum(b.height for b in reread.risk_bands(d["original"], at_risk, identity, d["h"])) / d["h"]
                whole = share > reread.WHOLE_PAGE_SHARE or d["deskewed"]
                cost += (1.0 if whole else share) * d["seconds"][1]
        cells = [pct(total([scores[d["page"].name] for d in data if d["page"].collection == key and not d["page"].partial]).cer)
                 for key in present]
        label = "every line" if bar > 100 else f"{bar:.0f}, unknown {unknown_bar:.0f}"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {named(data, scores)} | {100 * risky_h / max(all_h, 1):.0f} % | "
                     f"{cost / max(t_first, 1e-9):.2f} |")
    lines += ["", "(Second reads' cost: the engine time the second reads would take, as a share of the first reads', "
              "from each page's processed read time and the share of it that would be read.)"]
    lines += ["", "What the second read of a line buys, by what put the line at risk (the shipped bars and model): the "
              "share of the height of the lines at risk, and the character errors the lines' second read saves (its "
              "groups of lines where the model takes the processed read, against the ground truth).", "",
              "| what put the line at risk | share of the height at risk | errors saved | share of the errors saved |",
              "|---|---:|---:|---:|"]
    height = dict.fromkeys(RISK_KINDS, 0.0)
    saved = dict.fromkeys(RISK_KINDS, 0)
    for d in data:
        if d["processed"] is None:
            continue
        kinds = [risk_kind(ln, d["knows_first"]) for ln in d["original"]]
        for ln, kind in zip(d["original"], kinds):
            if kind is not None and ln.bbox:
                height[kind] += ln.bbox[3] - ln.bbox[1]
        for pair in d["pairs"]:
            group = {kinds[i] for i in pair["original_lines"]} - {None}
            if group and shipped.probability(pair["features"]) >= shipped.threshold:
                # (a group of lines is as much at risk as its most doubtful line)
                saved[min(group, key=RISK_KINDS.index)] += pair["eo"] - pair["ep"]
    for kind in RISK_KINDS:
        lines.append(f"| {kind} | {100 * height[kind] / max(sum(height.values()), 1):.0f} % | {saved[kind]} | "
                     f"{100 * saved[kind] / max(sum(saved.values()), 1):.0f} % |")
    t_p = sum(d["seconds"][1] for d in data if d["processed"] is not None)
    lines.append("")
    lines.append(f"Engine time, one process: original reads {t_first:.0f} s, processed reads (where made) {t_p:.0f} s.")
    publish("\n".join(lines), "bench_chooser.md")


if __name__ == "__main__":
    main()
