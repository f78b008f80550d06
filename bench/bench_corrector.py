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
import gc
import os
import re
import subprocess
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace

from devcollections import COLLECTION_ORDER, collection_pages
from devset import BINS, DEV, RESULTS, ROOT, fit_wrong_model, flag_figures, publish, reliability

from rapidfuzz.distance import Levenshtein

from pipeline.calibration import DEFAULT_WRONG_MODEL, WrongModel  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.collection import CollectionModel, collection_model  # noqa: E402
from pipeline.correct import correct_page, load_corrector, page_from_text, page_word_features  # noqa: E402
from pipeline.memory import long_lived  # noqa: E402
from pipeline.evaluate import CorrectorCounts, Score, _align_to, corrector_counts, normalise, score_page, total  # noqa: E402
from pipeline.model import Page  # noqa: E402
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


def correct_collection(pages: list[TextPage], texts: list[str], corrector) -> tuple[list[Page], int, float]:
    """Corrected pages of one collection, corrected as one run over all its files; tokens, CPU s.
    The pages are read as ``ocrfix correct`` reads its files: kept out of the cycle collector's sight."""
    with long_lived():
        read = [page_from_text(t, p.doc) for p, t in zip(pages, texts)]
    return correct_pages(read, corrector)


def command_speed(idents: list[str], tokens_of: int) -> str:
    """The whole ``ocrfix correct`` command over BLN600's files (start-up, the dictionaries, reading
    and writing included), by the CPU time of the process: what a user's run costs."""
    import resource
    import tempfile

    files = [str(BLN / "ocr" / f"{i}.txt") for i in idents]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(ROOT / ".venv" / "bin" / "ocrfix"), "correct", *files, "-o", out, "--corrections", os.devnull],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (f"The whole command, `ocrfix correct` over BLN600's {len(files)} files: {cpu:.1f} CPU s, "
            f"{tokens_of / cpu:,.0f} tokens per CPU second (start-up, dictionaries, reading and writing included).")


def correct_pages(pages: list[Page], corrector) -> tuple[list[Page], int, float]:
    out, n, seconds, _c = correct_pages_with(pages, corrector)
    return out, n, seconds


def correct_pages_with(pages: list[Page], corrector, learn_channel: bool = True):
    """Corrected pages, tokens, CPU seconds and the corrector with the pages' collection model;
    ``learn_channel`` as ``ocrfix correct`` (text), not as ``ocrfix process`` (Tesseract's reads)."""
    started = time.process_time()
    with_model = corrector.with_collection(collection_model(pages), learn_channel=learn_channel)
    out = []
    for page in pages:
        out.append(correct_page(page, with_model))
        # `ocrfix correct` writes each file and lets it go; the bench keeps every page to score it.
        # Kept out of the cycle collector's sight (as ocrfix keeps what it holds for a whole run),
        # its full collections over them are not counted as the corrector's time (6 % of it on
        # BLN600's 480 articles).
        gc.freeze()
    return out, sum(len(page.words) for page in pages), time.process_time() - started, with_model


# -- The probability that a word is wrong: labelled words, the fit, the reliability table ------

def labelled_words(page: Page, gt: str, corrector) -> list[tuple[tuple[float, ...], bool, float]]:
    """(features, wrong, p_wrong as shipped) of every word of a corrected page, the truth aligned."""
    rows = page_word_features(page, corrector)
    words = [page.lines[li].words[wi] for li, wi, _f in rows]
    truth = _align_to([normalise(w.text) for w in words], normalise(gt).split())
    return [(f, t is None or t != normalise(w.text), w.p_wrong if w.p_wrong is not None else float("nan"))
            for (_l, _w, f), w, t in zip(rows, words, truth)]


def with_settings(settings, assignments: list[str]):
    """``settings`` with NAME=VALUE assignments, each value read as its field's type."""
    kinds = {f.name: type(getattr(settings, f.name)) for f in fields(settings)}
    changes = {}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        if name not in kinds:
            raise SystemExit(f"--setting {assignment}: no such setting; choose from {', '.join(sorted(kinds))}")
        kind = kinds[name]
        changes[name] = value.lower() in ("1", "true", "yes", "on") if kind is bool else kind(value)
    return replace(settings, **changes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", default="", help="comma-separated: " + ", ".join(COLLECTION_ORDER + ["bln600"]))
    ap.add_argument("--limit", type=int, default=None, help="at most N pages of each collection")
    ap.add_argument("--show", type=int, default=12, help="list at most this many changes made to ground truth")
    ap.add_argument("--decisions", action="store_true",
                    help="approve the right corrections of the flagged words of half the documents (from the ground truth), score the other half")
    ap.add_argument("--fit", action="store_true", help="fit the p_wrong model (all collections, and leaving each out) and print it")
    ap.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                    help="a corrector setting (correct.Settings) instead of its default, e.g. case_slips=false: "
                    "what a rule or threshold is worth, collection by collection")
    args = ap.parse_args()
    wanted = {c for c in args.collections.split(",") if c} or None
    pages = load_pages(wanted, args.limit)

    started = time.perf_counter()
    base = load_corrector(CorrectOptions())
    load_s = time.perf_counter() - started
    if args.setting:
        base.settings = with_settings(base.settings, args.setting)
    by_collection: dict[str, list[TextPage]] = defaultdict(list)
    for p in pages:
        by_collection[p.collection].append(p)

    tallies: dict[str, Tally] = {}
    corrected: dict[str, list[Page]] = {}
    tokens = 0
    cpu = 0.0
    model_load = 0.0
    for name in COLLECTION_ORDER + ["bln600"]:
        group = by_collection.get(name)
        if not group:
            continue
        options = CorrectOptions(lang=group[0].lang)
        if options.automatic:
            fixed_pages, n, seconds = correct_collection(group, [p.raw for p in group], base)
            tokens, cpu = tokens + n, cpu + seconds
            fixed = [page_text(page) for page in fixed_pages]
            gt_fixed = [page_text(page) for page in correct_collection(group, [p.gt for p in group], base)[0]]
            corrected[name] = fixed_pages
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
    stored = model.to_json()
    started = time.perf_counter()
    CollectionModel.from_json(stored)
    model_load = time.perf_counter() - started

    lines = [
        "# The corrector on every dev collection (text mode)",
        "",
        f"`.venv/bin/python bench/bench_corrector.py{''.join(' --setting ' + a for a in args.setting)}`. Raw = `tesseract FILE stdout -l LANG` (one thread); the corrector",
        "runs over each collection as one `ocrfix correct` run over all its files (collection model built first).",
        "German and Danish: `--lang deu`/`dan` with the shipped English dictionaries, so the corrector leaves them as read.",
        "dmg % = right words made wrong / right words. GT changed = words changed when the ground truth is the input.",
        "",
        "| collection | pages | words | raw CER | corrected | ratio | fixed | damaged | dmg % | docs worse | GT changed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    synthetic = [t for name, t in tallies.items() if name.startswith("synthetic-")]
    if len(synthetic) > 1:
        tallies_shown = dict(tallies)
        pooled = Tally([s for t in synthetic for s in t.raw], [s for t in synthetic for s in t.fixed],
                       sum((t.counts for t in synthetic), CorrectorCounts()), [w for t in synthetic for w in t.worse],
                       sum(t.gt_words for t in synthetic), sum(t.gt_changed for t in synthetic), [])
        tallies_shown["synthetic (all)"] = pooled
    else:
        tallies_shown = tallies
    for name, t in tallies_shown.items():
        r, c = total(t.raw), total(t.fixed)
        docs_worse = len({doc_of(n) for n, _a, _b in t.worse}) if name != "bln600" else len(t.worse)
        members = by_collection.get(name) or [p for n, g in by_collection.items() if n.startswith("synthetic-") for p in g]
        docs = len({doc_of(p.name) for p in members})
        lines.append(
            f"| {name} | {len(t.raw)} | {r.words} | {100 * r.cer:.2f} % | {100 * c.cer:.2f} % | ×{c.cer / r.cer if r.cer else 1:.3f} | "
            f"{t.counts.fixed} | {t.counts.damaged} | {100 * t.counts.damaged / max(1, t.counts.right):.3f} % | "
            f"{docs_worse} of {docs} | {t.gt_changed} of {t.gt_words} ({100 * t.gt_changed / max(1, t.gt_words):.3f} %) |"
        )
    lines.append("")
    lines.append(f"Speed: {tokens / cpu:,.0f} tokens per CPU second (collection model built in the time), "
                 f"dictionaries load in {load_s:.2f} s, the largest collection model ({len(model.forms):,} forms) in {model_load:.3f} s.")
    if "bln600" in by_collection:
        lines.append("")
        lines.append(command_speed([p.doc for p in by_collection["bln600"]], tokens_of=sum(len(p.raw.split()) for p in by_collection["bln600"])))
    for name, t in tallies.items():
        if t.worse:
            lines.append("")
            lines.append(f"{name}: pages worse (raw -> corrected CER): " + ", ".join(f"{n} {100 * a:.2f} -> {100 * b:.2f}" for n, a, b in t.worse[:20]))
        if t.gt_changes:
            lines.append("")
            lines.append(f"{name}: changes to the ground truth ({len(t.gt_changes)}): " + "; ".join(t.gt_changes[: args.show]))
    lines += calibration_section(by_collection, base, args.fit)
    if args.decisions:
        lines += decisions_section(by_collection, base)
    publish("\n".join(lines), "bench_corrector.md")


def decisions_section(by_collection: dict[str, list[TextPage]], base) -> list[str]:
    """Learning from decisions: a reviewer (the ground truth) decides the flagged words of every
    other document; those entries (approved: the true word; rejected: the word was right) go into
    corrections.yaml; the other documents are corrected again with them, as overrides alone and as
    overrides the corrector also learns from (its confusions and known words)."""
    from pipeline.corrections import Corrections, apply_overrides, new_entry
    from pipeline.tokens import is_word, split_token

    families: dict[str, list[TextPage]] = defaultdict(list)
    for name, group in by_collection.items():
        if CorrectOptions(lang=group[0].lang).automatic:
            families[_family(name)] += group
    out = ["", "## Learning from decisions", "",
           "Entries from the flagged words of the even-numbered documents (ground truth as the reviewer); CER of the odd ones.",
           "", "| family | approved | rejected | raw CER | corrected | + overrides | + overrides, learned | documents: overrides against none / learned against overrides alone |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for fam, group in families.items():
        docs = sorted({p.doc for p in group})
        decide = set(docs[0::2])
        pages = [page_from_text(p.raw, p.doc) for p in group]
        fixed, _n, _s, with_model = correct_pages_with(pages, base)
        verdicts: dict[str, Counter] = defaultdict(Counter)
        for page, p in zip(fixed, group):
            if p.doc not in decide:
                continue
            words = page.words
            truth = _align_to([normalise(w.text) for w in words], normalise(p.gt).split())
            for w, t in zip(words, truth):
                core = split_token(w.text)[1]
                if not w.flagged or t is None or not is_word(core):
                    continue
                right = split_token(t)[1]
                verdicts[core][None if right == core else right] += 1
        entries = []
        for core, votes in verdicts.items():
            # A reviewer decides a group "for all" only where every occurrence wants the same, and
            # approves a misread of the word, not another word (an alignment slip of the truth).
            if len(votes) > 1:
                continue
            right = next(iter(votes))
            if right is not None and (not is_word(right) or Levenshtein.distance(core.lower(), right.lower()) > max(2, len(right) // 3)):
                continue
            # Nor does a reviewer replace a word the dictionaries trust everywhere for one misread of
            # another ("for" read where the page says "form"): that is decided where it stands.
            if right is not None and base.lexicon.counts.get(core.lower(), 0) >= base.settings.trusted_count:
                continue
            entries.append(new_entry(core, right, status="approved" if right else "rejected", approved_by="bench", approved_at="2026-01-01T00:00:00Z"))
        corrections = Corrections(entries=tuple(entries))
        learned = load_corrector(CorrectOptions(), corrections.known_words() | corrections.rejected_words(),
                                 corrections.protected_words(), corrections.decisions())
        plain = load_corrector(CorrectOptions(), corrections.known_words(), corrections.protected_words())
        learned.settings = plain.settings = base.settings  # (--setting applies to all three)
        scored = [p for p in group if p.doc not in decide]
        raw = total([score_page(p.raw, p.gt) for p in scored])
        results = {}
        for label, corrector, use in (("none", base, False), ("overrides", plain, True), ("learned", learned, True)):
            model_corrector = corrector.with_collection(with_model.collection, learn_channel=True)
            texts = []
            for p in scored:
                page = page_from_text(p.raw, p.doc)
                decided: frozenset = frozenset()
                if use:
                    page, decided = apply_overrides(page, p.doc, corrections)
                texts.append(page_text(correct_page(page, model_corrector, skip=decided)))
            results[label] = texts
        cer = {k: total([score_page(t, p.gt) for t, p in zip(v, scored)]).cer for k, v in results.items()}
        def worse_than(new: str, old: str) -> int:
            return sum(score_page(a, p.gt).char_errors > score_page(b, p.gt).char_errors
                       for a, b, p in zip(results[new], results[old], scored))

        worse = (f"{worse_than('overrides', 'none')} worse, {worse_than('none', 'overrides')} better / "
                 f"{worse_than('learned', 'overrides')} worse, {worse_than('overrides', 'learned')} better, of {len(scored)}")
        approved = sum(e.status == "approved" for e in entries)
        out.append(f"| {fam} | {approved} | {len(entries) - approved} | {100 * raw.cer:.2f} % | {100 * cer['none']:.2f} % | "
                   f"{100 * cer['overrides']:.2f} % | {100 * cer['learned']:.2f} % | {worse} |")
    return out


def _family(collection: str) -> str:
    return "synthetic" if collection.startswith("synthetic") else collection


def calibration_section(by_collection: dict[str, list[TextPage]], base, fit: bool) -> list[str]:
    """Reliability of p_wrong per collection, in text mode and from Tesseract's own read (with
    confidences, as `ocrfix process` corrects it), with the shipped model and leave one out."""
    from bench_chooser import CACHE, shipped_read  # the cached reads of every dev page, with confidences

    from pipeline.layout import rejoin_page

    rows: dict[tuple[str, str], list] = {}  # (collection, mode) -> labelled words
    for name, group in by_collection.items():
        if not CorrectOptions(lang=group[0].lang).automatic:
            continue
        pages, _n, _s, with_model = correct_pages_with([page_from_text(p.raw, p.doc) for p in group], base)
        rows[(name, "text")] = [r for page, p in zip(pages, group) for r in labelled_words(page, p.gt, with_model)]
        cached = [CACHE / name / f"{p.name}.json" for p in group]
        if name != "bln600" and all(c.exists() for c in cached):
            import json

            from pipeline.engine import TesseractEngine

            lexicon = TesseractEngine().words(group[0].lang)
            reads = [rejoin_page(Page(source=p.doc, lines=shipped_read(json.loads(c.read_text()), lexicon)))
                     for p, c in zip(group, cached)]
            pages, _n, _s, with_model = correct_pages_with(reads, base, learn_channel=False)
            rows[(name, "read")] = [r for page, p in zip(pages, group) for r in labelled_words(page, p.gt, with_model)]
    out = ["", "## The probability that a word is wrong (p_wrong)", "",
           "Of the words given p in each bin, the share that is wrong (and how many). 'text': plain raw text; 'read': Tesseract's",
           "read of the scan with its confidences, both reads merged as `ocrfix process` merges them (`bench/results/chooser/`), corrected.",
           f"Flagged = p >= {DEFAULT_WRONG_MODEL.flag_at}: recall = wrong words flagged / wrong words; precision = flagged words wrong / flagged.",
           "", "| collection | mode | model | " + " | ".join(f"{lo:.1f}–{min(hi, 1):.1f}" for lo, hi in zip(BINS, BINS[1:])) + " | recall | precision |",
           "|---|---|---|" + "---:|" * (len(BINS) + 1)]
    families = sorted({_family(c) for c, _m in rows})
    held_out: dict[str, WrongModel] = {}
    if fit:
        def grouped(keep) -> list[list]:
            return [[r for (c, _m), rs in rows.items() if _family(c) == f for r in rs] for f in families if keep(f)]

        for fam in families:
            b0, w = fit_wrong_model(grouped(lambda f: f != fam))
            held_out[fam] = WrongModel(b0, w, DEFAULT_WRONG_MODEL.flag_at)
        b0, w = fit_wrong_model(grouped(lambda f: True))
        all_fit = WrongModel(b0, w, DEFAULT_WRONG_MODEL.flag_at)
    for (name, mode), rs in rows.items():
        wrong = [y for _f, y, _p in rs]
        models = [("shipped", [p for _f, _y, p in rs])]
        if fit:
            models.append(("held out", [held_out[_family(name)].probability(f) for f, _y, _p in rs]))
        for label, probs in models:
            recall, precision, _n = flag_figures(probs, wrong, DEFAULT_WRONG_MODEL.flag_at)
            out.append(f"| {name} | {mode} | {label} | " + " | ".join(reliability(probs, wrong)) + f" | {recall:.2f} | {precision:.2f} |")
    if fit:
        out += ["", f"Fit on all: intercept={all_fit.intercept}, weights={all_fit.weights}"]
        for fam, m in held_out.items():
            out.append(f"Fit without {fam}: intercept={m.intercept}, weights={m.weights}")
        out += ["", "Flag threshold sweep (held-out models, 'read' rows pooled; text rows pooled):"]
        for mode in ("read", "text"):
            sel = [(held_out[_family(c)].probability(f), y) for (c, m), rs in rows.items() if m == mode for f, y, _p in rs]
            for t in (0.15, 0.2, 0.21, 0.22, 0.23, 0.24, 0.25, 0.3, 0.4, 0.5):
                r, p, n = flag_figures([a for a, _b in sel], [b for _a, b in sel], t)
                out.append(f"- {mode}, flag at {t}: recall {r:.2f}, precision {p:.2f}, {n} flagged of {len(sel)} words")
    return out


if __name__ == "__main__":
    main()
