"""The review queue, measured: on the dev pages processed end to end, how much of what is still
wrong the queue shows and how much of the queue is wrong; how many decisions it asks for (error
series against single forms) and whether its series hold one word; and, on a folder of N pages made
with a fake engine, how long the review takes to start and from a key to the next group; and the
read model's reliability (where no corrector runs), fit again with --fit.

    .venv/bin/python bench/bench_review.py [--collections ehri,german,...] [--limit N]
        [--refresh] [--workers 2] [--pages 1000] [--decisions 20] [--start-pages 10000] [--fit]

The dev pages are read by ``ocrfix process`` (per language, as bench_collections does; kept in
bench/results/review-out/ and reused unless --refresh). A word is wrong where the ground-truth word
aligned to it (one to one, normalised as EVALUATION.md says) differs or is missing; it is queued
where the review session's queue holds it (the words flagged: by the corrector's p_wrong, or the
read model's where no corrector ran). Writes bench/results/bench_review.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from devcollections import COLLECTION_ORDER, CollectionPage, collection_pages
from devset import BINS, DEV, RESULTS, ROOT, fit_wrong_model, flag_figures, publish, reliability

from pipeline.calibration import DEFAULT_READ_MODEL, DOUBT_UNKNOWN, READ_FEATURES, WrongModel, page_read_features  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.process import word_list_knows  # noqa: E402
from pipeline.evaluate import _aligned_truth, normalise  # noqa: E402
from pipeline.model import Document  # noqa: E402
from pipeline.outputs import output_paths  # noqa: E402

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")
CACHE = RESULTS / "review-out"


def process(pages: list[CollectionPage], workers: int, refresh: bool) -> dict[str, Path]:
    """``ocrfix process`` over the pages, one output folder per language: {lang: folder}."""
    folders: dict[str, Path] = {}
    for lang in sorted({p.lang for p in pages}):
        group = [p for p in pages if p.lang == lang]
        out, inputs = CACHE / f"out-{lang}", CACHE / f"in-{lang}"
        if refresh:
            shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(inputs, ignore_errors=True)
        for page in group:
            target = inputs / page.image.relative_to(DEV)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(page.image.resolve())
        empty = CACHE / "none.yaml"
        empty.write_text("version: 1\ncorrections: []\n")
        run = subprocess.run([OCRFIX, "process", str(inputs), "-o", str(out), "--workers", str(workers), "--lang", lang,
                              "--corrections", str(empty)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode not in (0, 10):
            raise SystemExit(f"ocrfix process failed ({run.returncode}):\n{run.stderr[-2000:]}")
        folders[lang] = out
    return folders


def page_words(doc: Document) -> list[tuple[int, int, str]]:
    """(page, line, text) of every output word, in reading order."""
    return [(page.index, li, w.text) for page in doc.pages for li, line in enumerate(page.lines) for w in line.words]


def quality(pages: list[CollectionPage], folders: dict[str, Path]) -> tuple[list[str], list[str]]:
    from pipeline.review.actions import ReviewSession

    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # wrong, queued, queued and wrong, words
    series_rows: list[str] = []
    decisions: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # groups, forms, series, pure series
    # words the two reads dispute below / from DOUBT_UNKNOWN (and how many wrong), and the rest
    disputed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for lang, out in folders.items():
        session = ReviewSession(out, CACHE / "none.yaml", reviewer="bench")
        groups = session.groups()
        # (pages whose ground truth covers only part of the page, EHRI _01, are left out, as from CER totals)
        by_rel = {p.image.relative_to(DEV).as_posix(): p for p in pages if p.lang == lang and not p.partial}
        queued = defaultdict(list)  # (rel, page, line) -> texts as the output has them
        for g in groups:
            for o in g.occurrences:
                # (a token the corrector split, "to,me" -> "to me", is shown whole)
                queued[(o.rel, o.page, o.line)].extend(o.current.split())
        # the ground-truth word aligned to each queued occurrence, for the series check
        truth_of: dict[tuple[str, int, int, str], list[str | None]] = defaultdict(list)
        for rel, page in by_rel.items():
            doc = Document.model_validate_json(output_paths(out, Path(rel))["json"].read_bytes())
            words = page_words(doc)
            hyp = [normalise(t) or t for _, _, t in words]
            truth = _aligned_truth(hyp, normalise(page.gt.read_text(encoding="utf-8")).split())
            counts = per[page.collection]
            left = {k: list(v) for k, v in queued.items() if k[0] == rel}
            disputes = disputed[page.collection]
            output_words = [w for pg in doc.pages for ln in pg.lines for w in ln.words]
            for ((p, li, text), h, t), word in zip(zip(words, hyp, truth), output_words):
                wrong = t != h
                if word.other_read is not None:  # the two reads of its line differ at it
                    below = word.confidence is not None and word.confidence < DOUBT_UNKNOWN
                    disputes[0 if below else 2] += 1
                    disputes[1 if below else 3] += wrong
                else:
                    disputes[4] += 1
                    disputes[5] += wrong
                is_queued = text in left.get((rel, p, li), [])
                if is_queued:
                    left[(rel, p, li)].remove(text)
                    truth_of[(rel, p, li, text)].append(t)
                counts[0] += wrong
                counts[1] += is_queued
                counts[2] += wrong and is_queued
                counts[3] += 1
        for g in groups:
            if g.occurrences[0].rel not in by_rel:
                continue
            collection = by_rel[g.occurrences[0].rel].collection
            d = decisions[collection]
            d[0] += 1
            d[1] += len(g.members)
            if len(g.members) > 1:
                truths = {(t or "").lower().strip(".,;:'\"()") for o in g.occurrences
                          for t in truth_of.get((o.rel, o.page, o.line, o.current), [None])}
                pure = len(truths) == 1 and "" not in truths
                d[2] += 1
                d[3] += pure
                series_rows.append(f"| {collection} | {' / '.join(g.members)} | {', '.join(sorted(truths)) or '?'} | "
                                   f"{'one word' if pure else 'mixed'} |")
    rows_disputed = ["", f"Words the two reads of their line read differently (`other_read`), below and from {DOUBT_UNKNOWN:.0f} "
                     "confidence, against the rest: how many, and the share wrong.", "",
                     "| collection | disputed, below | wrong | disputed, above | wrong | the rest | wrong |", "|---|---:|---:|---:|---:|---:|---:|"]
    for key in [c for c in COLLECTION_ORDER if c in disputed]:
        d = disputed[key]
        rows_disputed.append(f"| {key} | {d[0]} | {100 * d[1] / max(d[0], 1):.0f} % | {d[2]} | {100 * d[3] / max(d[2], 1):.0f} % | "
                             f"{d[4]} | {100 * d[5] / max(d[4], 1):.0f} % |")
    rows = ["| collection | output words | wrong | queued | recall (wrong words queued) | precision (queued words wrong) | "
            "groups (decisions) | forms | series | series of one word |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in [c for c in COLLECTION_ORDER if c in per]:
        wrong, queued_n, hit, words = per[key]
        g, f, s, pure = decisions.get(key, [0, 0, 0, 0])
        rows.append(f"| {key} | {words} | {wrong} | {queued_n} | {100 * hit / max(wrong, 1):.0f} % | "
                    f"{100 * hit / max(queued_n, 1):.0f} % | {g} | {f} | {s} | {pure} |")
    return rows + rows_disputed, series_rows


# -- The read model: the probability that a word is wrong where no corrector runs ---------------

Labelled = tuple[tuple[float, ...], bool, float]  # (READ_FEATURES, wrong, p_wrong as shipped)


def english_reads(workers: int) -> Path:
    """The English pages' reads judged without the corrector (``--no-correct``): a copy of the
    English output folder, corrected again from its cache (no OCR)."""
    out = CACHE / "out-eng-read"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(CACHE / "out-eng", out, symlinks=True)
    run = subprocess.run([OCRFIX, "process", str(CACHE / "in-eng"), "-o", str(out), "--no-correct", "--workers", str(workers),
                          "--lang", "eng", "--corrections", str(CACHE / "none.yaml")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode not in (0, 10):
        raise SystemExit(f"ocrfix process --no-correct failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return out


def read_model_words(pages: list[CollectionPage], folders: dict[str, Path]) -> dict[str, list[Labelled]]:
    """Every word read with a confidence, per collection: its READ_FEATURES (Tesseract's word list
    for the page's language), whether it is wrong (the aligned ground truth) and its p_wrong."""
    rows: dict[str, list[Labelled]] = defaultdict(list)
    for lang, out in folders.items():
        knows = word_list_knows(lang)
        assert knows is not None, f"Tesseract's {lang} data has no word list"
        for p in pages:
            if p.lang != lang or p.partial:
                continue
            doc = Document.model_validate_json(output_paths(out, p.image.relative_to(DEV))["json"].read_bytes())
            words = [(page.index, li, wi, w) for page in doc.pages for li, line in enumerate(page.lines) for wi, w in enumerate(line.words)]
            hyp = [normalise(w.text) or w.text for *_k, w in words]
            truth = _aligned_truth(hyp, normalise(p.gt.read_text(encoding="utf-8")).split())
            wrong = {(pi, li, wi): t != h for (pi, li, wi, _w), h, t in zip(words, hyp, truth)}
            for page in doc.pages:
                for li, wi, features in page_read_features(page, knows):
                    p_wrong = page.lines[li].words[wi].p_wrong
                    rows[p.collection].append((features, wrong[(page.index, li, wi)], float("nan") if p_wrong is None else p_wrong))
    return rows


def _family(collection: str) -> str:
    return collection if collection in ("german", "danish") else "english"


def read_model_rows(rows: dict[str, list[Labelled]], fit: bool) -> list[str]:
    """The read model's reliability table per collection (as shipped; with ``fit``, also fit
    again on all families and on all but one, the held-out figures beside, and the bar)."""
    order = [c for c in COLLECTION_ORDER if c in rows]
    head = ("| collection | model | words | wrong | " + " | ".join(f"{lo:.1f}–{min(hi, 1):.1f}" for lo, hi in zip(BINS, BINS[1:]))
            + " | recall | precision |")
    out = ["", "The read model (`calibration.DEFAULT_READ_MODEL`: where no corrector runs, each word's probability of being",
           "wrong from its read and Tesseract's word list): for each band of p_wrong, the share of its words wrong (and how",
           f"many); recall and precision of the flags at its bar, {DEFAULT_READ_MODEL.flag_at}. German and Danish as",
           "`ocrfix process` judged them; the English pages read again from the cache with `--no-correct`.", "",
           head, "|---|---|---:|---:|" + "---:|" * (len(BINS) + 1)]
    models: list[tuple[str, dict[str, WrongModel]]] = [("shipped", {c: DEFAULT_READ_MODEL for c in order})]
    families = sorted({_family(c) for c in order})
    bar = DEFAULT_READ_MODEL.flag_at
    if fit:
        def fitted(keep) -> tuple[float, tuple[float, ...]]:
            return fit_wrong_model([[r for c in order if _family(c) == f for r in rows[c]] for f in families if keep(f)])

        held_out = {f: fitted(lambda g, f=f: g != f) for f in families}
        held = {f: ([WrongModel(*held_out[f], bar).probability(x) for c in order if _family(c) == f for x, _y, _p in rows[c]],
                    [y for c in order if _family(c) == f for _x, y, _p in rows[c]]) for f in families}

        def lowest_bar(of: list[str]) -> float:
            """The lowest bar at which the held-out flags of each of these families are at least
            half wrong (the issue's bar holds per collection: pooled, the Danish flags held out were
            48 % wrong)."""
            return next((b / 100 for b in range(5, 96) if all(flag_figures(*held[f], b / 100)[1] >= 0.5 for f in of)), 0.95)

        bar = lowest_bar(families)
        every = fitted(lambda g: True)
        # Held out: the model fit without the family, at the bar the other families choose.
        models += [("held out", {c: WrongModel(*held_out[_family(c)], lowest_bar([f for f in families if f != _family(c)]))
                                 for c in order}),
                   ("fit on all", {c: WrongModel(*every, bar) for c in order})]
    for label, by_collection in models:
        for c in order:
            model = by_collection[c]
            probs = [p for _x, _y, p in rows[c]] if label == "shipped" else [model.probability(x) for x, _y, _p in rows[c]]
            wrong = [y for _x, y, _p in rows[c]]
            recall, precision, _n = flag_figures(probs, wrong, model.flag_at)
            out.append(f"| {c} | {label} | {len(wrong)} | {sum(wrong)} | " + " | ".join(reliability(probs, wrong))
                       + f" | {recall:.2f} | {precision:.2f} |")
    if fit:
        out += ["", f"Bar chosen leaving each family out ({', '.join(families)}): {bar:.2f} (held out, each family's rows "
                f"take the bar the others choose: {', '.join(f'{f} {lowest_bar([g for g in families if g != f]):.2f}' for f in families)}). "
                "Fit on all, in the order of",
                "`calibration.READ_FEATURES` (intercept first):", "",
                f"    intercept={every[0]}, weights={every[1]}",
                "    " + ", ".join(READ_FEATURES)]
        for f in families:
            out.append(f"    without {f}: intercept={held_out[f][0]}, weights={held_out[f][1]}")
    return out


def speed(n_pages: int, decisions: int) -> list[str]:
    """Start time and key-to-next latency (``decisions`` of them; 0: the start only) on a folder of
    ``n_pages`` read by a fake engine (BLN600's OCR text, 350 words a page) and corrected by the
    real corrector with the shipped dictionaries, 2 workers, each file's queue stored with it, as
    ``ocrfix process`` leaves a folder. For the start alone (no decision regenerates anything) the
    correction is faked: every 20th word flagged with a suggestion (correcting 10,000 pages for real
    would take the bench 10 minutes)."""
    from fastapi.testclient import TestClient

    from pipeline.model import Line, Page, Word
    from pipeline.options import CorrectOptions, Options, PreprocessOptions
    from pipeline.outputs import write_document
    from pipeline.corrections import Corrections
    from pipeline.review.queue import file_queue
    from pipeline.review.actions import ReviewSession
    from pipeline.review.server import create_app
    from pipeline.workspace import InputState, Outcome, open_workspace
    from bench_recorrect import bln_pages

    token = "bench-token-0123456789abcdef"
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocrfix-review-bench-") as tmp:
        root = Path(tmp)
        corrections = root / "corrections.yaml"
        # (the shipped dictionaries: a decision's regeneration runs the real corrector, as it would)
        options = Options(preprocess=PreprocessOptions(mode="off"), workers=2, correct=CorrectOptions(corrections_file=corrections))
        from pipeline.batch import correction_key as key_of

        correction_key = key_of(options, Corrections())
        scan = root / "scan.png"
        cv2.imwrite(str(scan), np.full((1200, 700), 255, np.uint8))
        started = time.perf_counter()
        with open_workspace(root / "out", exclusive=True) as ws:
            for i, words in enumerate(bln_pages(n_pages)):
                rel = f"page{i:06d}.png"
                os.link(scan, root / rel)  # (the workspace records each input's file)
                lines = [Line(words=[Word(text=t, confidence=90.0, bbox=(20 + 60 * k, 20 + 30 * r, 70 + 60 * k, 45 + 30 * r))
                                     for k, t in enumerate(words[r * 10:(r + 1) * 10])], bbox=(20, 20 + 30 * r, 620, 45 + 30 * r))
                         for r in range(len(words) // 10)]
                raw = Document(source=rel, pages=[Page(source=rel, width=700, height=1200, lines=lines)])
                flagged = [ln.model_copy(update={"words": [w.model_copy(update={"flagged": True, "p_wrong": 0.5, "suggestions": [w.text.lower()]})
                                                           if (li * 10 + k) % 20 == 7 else w for k, w in enumerate(ln.words)]})
                           for li, ln in enumerate(lines)]
                corrected = raw.model_copy(update={"pages": [raw.pages[0].model_copy(update={"lines": flagged})]})
                ws.mark_pending(rel, root / rel)
                st = (root / rel).stat()
                ws.store_ocr(rel, InputState("0", st.st_size, st.st_mtime_ns), options.ocr_key(), "bench", raw, 0.0)
                write_document(corrected, root / "out", Path(rel), options.output.formats)
                queue = file_queue(rel, str(root / rel), raw, corrected, Corrections())
                ws.mark_done(rel, correction_key, Outcome.of(corrected, queue.to_blob(), dict(queue.forms)), 0.0)
            ws.save_options(options)
            ws.commit()
        if decisions:
            from pipeline.batch import recorrect_outputs

            failed = [r for r in recorrect_outputs(root / "out") if not r.ok]
            assert not failed, failed[:3]
        built = time.perf_counter() - started
        started = time.perf_counter()
        # (as `ocrfix review` makes it: decisions regenerated by a worker process)
        session = ReviewSession(root / "out", corrections, reviewer="bench", regenerate_in="process")
        app = create_app(root / "out", corrections, token, session=session)
        latencies = [0.0] if not decisions else []
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            client.get(f"/?token={token}", follow_redirects=False)
            client.headers["X-Ocrfix-Token"] = token
            assert client.get("/").status_code == 200  # the first group, shown
            start_s = time.perf_counter() - started
            for _ in range(decisions):
                group = client.get("/api/queue?limit=1").json()["groups"][0]
                started = time.perf_counter()
                # a key: keep the first group as read (a rejected entry for all its occurrences), then the next group's page
                decided = client.post("/api/decide", json={"group": group["id"], "action": "keep"})
                assert decided.status_code == 200, decided.text
                client.get("/")
                latencies.append(time.perf_counter() - started)
            session.close()
            failed = [f for step in session.undo_stack for f in step.failed]
            assert not failed, f"regenerations failed: {failed[:3]}"  # (a bench of failing decisions measures nothing)
    latencies.sort()
    p90 = latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
    rows += [f"Folder of {n_pages} pages made in {built:.0f} s (fake engine, workspace API).", "",
             "| measure | seconds |", "|---|---:|",
             f"| review start (queue read, first group shown) | {start_s:.2f} |",
             f"| key to next group, p50 of {len(latencies)} | {statistics.median(latencies):.2f} |",
             f"| key to next group, p90 | {p90:.2f} |"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default="")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--refresh", action="store_true", help="process the dev pages again")
    parser.add_argument("--pages", type=int, default=1000, help="pages of the folder the speed is measured on (0: none)")
    parser.add_argument("--decisions", type=int, default=20)
    parser.add_argument("--start-pages", type=int, default=10000, help="pages of the folder the start time alone is measured on (0: none)")
    parser.add_argument("--fit", action="store_true", help="fit the read model again (all families, and leaving each out) and print it")
    args = parser.parse_args()
    pages = collection_pages(set(filter(None, args.collections.split(","))) or None, args.limit)
    folders = process(pages, args.workers, args.refresh)
    rows, series_rows = quality(pages, folders)
    lines = ["The review queue on the dev pages processed end to end (`ocrfix process`, an empty corrections.yaml).", "", *rows,
             "", "Every series the queue formed, with the ground-truth words of its occurrences:", "",
             "| collection | members | ground truth | |", "|---|---|---|---|", *(series_rows or ["| — | — | — | |"])]
    read_folders = {lang: english_reads(args.workers) if lang == "eng" else out for lang, out in folders.items()}
    lines += read_model_rows(read_model_words(pages, read_folders), args.fit)
    if args.pages:
        lines += ["", *speed(args.pages, args.decisions)]
    if args.start_pages:
        start = speed(args.start_pages, 0)
        lines += ["", start[0], "", *[row for row in start[1:] if "review start" in row or row.startswith("|---") or row.startswith("| measure")]]
    lines += ["", f"Command: `.venv/bin/python bench/bench_review.py --pages {args.pages} --start-pages {args.start_pages}"
              f"{' --fit' if args.fit else ''}`"]
    publish("\n".join(lines), "bench_review.md")


if __name__ == "__main__":
    main()
