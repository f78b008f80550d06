"""Accuracy as EVALUATION.md defines it: normalise, then character and word Levenshtein distances
summed over pages and divided by the ground truth's length."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from .files import read_utf8_text
from .wording import counted

__all__ = [
    "normalise",
    "Score",
    "score_page",
    "total",
    "worse_than_raw",
    "CorrectorCounts",
    "corrector_counts",
    "PageEvaluation",
    "OverrideEvaluation",
    "Evaluation",
    "evaluate_outputs",
    "override_outcomes",
    "evaluation_markdown",
]

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2013": "-", "\u2014": "-", "~": " "})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Typographic quotes to ASCII, en/em dashes to '-', '~' to a space, whitespace runs to one space."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True)
class Score:
    char_errors: int
    chars: int
    word_errors: int
    words: int

    @property
    def cer(self) -> float:
        return self.char_errors / self.chars if self.chars else 0.0

    @property
    def wer(self) -> float:
        return self.word_errors / self.words if self.words else 0.0

    def __add__(self, other: "Score") -> "Score":
        return Score(
            self.char_errors + other.char_errors,
            self.chars + other.chars,
            self.word_errors + other.word_errors,
            self.words + other.words,
        )


def score_page(output: str, ground_truth: str) -> Score:
    hyp, ref = normalise(output), normalise(ground_truth)
    hyp_words, ref_words = hyp.split(), ref.split()
    return Score(
        char_errors=Levenshtein.distance(hyp, ref),
        chars=len(ref),
        word_errors=Levenshtein.distance(hyp_words, ref_words),
        words=len(ref_words),
    )


def total(scores: list[Score]) -> Score:
    result = Score(0, 0, 0, 0)
    for s in scores:
        result = result + s
    return result


def worse_than_raw(output: Score, raw: Score) -> bool:
    """EVALUATION.md's "worse than raw": a CER more than 10 % (relative) and 0.1 points (absolute)
    above the raw OCR's on the same page."""
    return output.cer > 1.1 * raw.cer and output.cer - raw.cer > 0.001


@dataclass(frozen=True)
class CorrectorCounts:
    """What a corrector did to the words of a page, judged against the ground truth."""

    fixed: int = 0  # wrong in the OCR, right after correction
    damaged: int = 0  # right in the OCR, wrong after correction
    changed_wrong: int = 0  # wrong in the OCR, changed, still wrong
    missed: int = 0  # wrong in the OCR, left as it was
    right: int = 0  # right in the OCR (damaged ones included)
    changed: int = 0  # every OCR word the corrector changed

    def __add__(self, other: "CorrectorCounts") -> "CorrectorCounts":
        return CorrectorCounts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.fixed, self.damaged, self.changed_wrong, self.missed, self.right, self.changed)


def _align_to(ref: list[str], hyp: list[str]) -> list[str | None]:
    """For each word of ``ref``, the word of ``hyp`` aligned to it (None where there is none).

    Words that moved into a many-to-many replacement are paired position by position when the
    stretch has the same length, and with the joined stretch otherwise (a split or joined word).
    """
    out: list[str | None] = [None] * len(ref)
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(ref, hyp):
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            for k in range(a1 - a0):
                out[a0 + k] = hyp[b0 + k]
        elif tag == "replace":
            joined = " ".join(hyp[b0:b1])
            for k in range(a0, a1):
                out[k] = joined
    return out


def corrector_counts(ocr: str, corrected: str, ground_truth: str) -> CorrectorCounts:
    """Count fixed, damaged, changed-but-still-wrong and missed words (EVALUATION.md).

    The OCR words are aligned to the ground truth, and the corrected words to the OCR words; each
    OCR word then has its truth and its corrected form. Texts are normalised first. Words that a
    split or join turned into several are compared as the joined stretch.
    """
    o = normalise(ocr).split()
    c = normalise(corrected).split()
    g = normalise(ground_truth).split()
    truth = _align_to(o, g)
    after = _align_to(o, c)
    fixed = damaged = changed_wrong = missed = right = changed = 0
    for i, word in enumerate(o):
        t, a = truth[i], after[i]
        new = a if a is not None else ""
        was_right = t is not None and t == word
        is_changed = new != word
        is_right = t is not None and new == t
        changed += is_changed
        if was_right:
            right += 1
            if is_changed and not is_right:
                damaged += 1
        elif is_changed:
            if is_right:
                fixed += 1
            else:
                changed_wrong += 1
        else:
            missed += 1
    return CorrectorCounts(fixed, damaged, changed_wrong, missed, right, changed)


# -- Scoring an output folder against a folder of ground truth (``ocrfix evaluate``) -----------


@dataclass
class PageEvaluation:
    """One scored unit: an output file (or one page of it, where the ground truth has the same pages)."""

    name: str  # the output's path below OUT without ".txt" (and "#N" for page N of a split file)
    score: Score
    raw: Score | None = None  # the cached raw OCR of the same page
    counts: CorrectorCounts | None = None  # what correction did, where the raw OCR is known
    excluded: bool = False  # partial ground truth: shown, left out of the totals
    missing: bool = False  # no output: scored as empty


@dataclass
class OverrideEvaluation:
    """How often one corrections.yaml entry fired on the scored pages, and how often it was right."""

    entry_id: str
    fired: int = 0
    right: int = 0
    description: str = ""


@dataclass
class Evaluation:
    out_dir: str
    gt_dir: str
    pages: list[PageEvaluation]
    overrides: list[OverrideEvaluation]
    exclude: list[str]
    has_raw: bool
    no_ground_truth: list[str]  # outputs without a ground-truth file (not scored)

    @property
    def scored(self) -> list[PageEvaluation]:
        return [p for p in self.pages if not p.excluded]

    @property
    def total(self) -> Score:
        return total([p.score for p in self.scored])

    @property
    def raw_total(self) -> Score | None:
        """The raw OCR's total over the scored pages that have one; None where none has (a total
        of nothing showed as a perfect "0.00 %")."""
        known = [p.raw for p in self.scored if p.raw is not None]
        return total(known) if self.has_raw and known else None

    def versus_raw(self) -> str | None:
        """"CER x vs y raw OCR (+z %)." over the scored pages that have raw OCR (saying how many
        where not all do), or None without raw OCR."""
        paired = [p for p in self.scored if p.raw is not None]
        if not self.has_raw or not paired:
            return None
        out, before = total([p.score for p in paired]), total([p.raw for p in paired])  # type: ignore[misc]
        some = "" if len(paired) == len(self.scored) else f"; the {len(paired)} of {len(self.scored)} pages that have raw OCR"
        if not before.cer:
            # (no change relative to 0 %: the headline was left out, and with it "correction made it worse")
            change = "worse" if out.cer else "the same"
        else:
            change = f"{100 * (out.cer - before.cer) / before.cer:+.0f} %"
        return f"CER {_pct(out.cer)} vs {_pct(before.cer)} raw OCR ({change}{some})."

    def worse_than_raw(self) -> list[str] | None:
        """The scored pages worse than their raw OCR (the figure users judge "does no harm" by), or
        None without raw OCR."""
        if not self.has_raw:
            return None
        return [p.name for p in self.scored if p.raw is not None and worse_than_raw(p.score, p.raw)]

    def worse_line(self, mark: str = "") -> str | None:
        """"Pages worse than raw OCR: N (names, each between ``mark``s)." where pages have raw OCR."""
        worse = self.worse_than_raw()
        if worse is None or not any(p.raw is not None for p in self.scored):
            return None
        names = f" ({', '.join(mark + n + mark for n in worse)})" if worse else ""
        return f"Pages worse than raw OCR: {len(worse)}{names}."

    def misnamed(self) -> list[tuple[str, str]]:
        """(page, output) where a page without output has an output without ground truth whose name
        differs from its own only in case (A.txt for a.gt.txt): scored as empty, with nothing to link them."""
        by_case = {name.casefold(): name for name in self.no_ground_truth}
        return [(p.name, by_case[p.name.casefold()]) for p in self.pages if p.missing and p.name.casefold() in by_case]

    @property
    def counts(self) -> CorrectorCounts | None:
        known = [p.counts for p in self.scored if p.counts is not None]
        return sum(known, CorrectorCounts()) if known else None

    def folders(self) -> list[tuple[str, "Evaluation"]]:
        """The scored pages by top-level folder (e.g. ehri/, synthetic/), when there is more than one."""
        by: dict[str, list[PageEvaluation]] = {}
        for p in self.pages:
            if "/" in p.name:
                by.setdefault(p.name.split("/", 1)[0], []).append(p)
        if len(by) < 2:
            return []
        return [(name, Evaluation(self.out_dir, self.gt_dir, pages, [], self.exclude, self.has_raw, []))
                for name, pages in sorted(by.items())]

    def to_dict(self) -> dict:
        def score(s: Score | None) -> dict | None:
            if s is None:
                return None
            # (no rate where there is nothing to be a rate of: 0.0 read as a perfect page)
            return {"cer": s.cer if s.chars else None, "wer": s.wer if s.words else None,
                    "char_errors": s.char_errors, "chars": s.chars,
                    "word_errors": s.word_errors, "words": s.words}

        def counts(c: CorrectorCounts | None) -> dict | None:
            if c is None:
                return None
            return {"fixed": c.fixed, "damaged": c.damaged, "changed_wrong": c.changed_wrong, "missed": c.missed,
                    "right": c.right, "changed": c.changed}

        return {
            "out": self.out_dir,
            "gt": self.gt_dir,
            "exclude": self.exclude,
            "total": score(self.total),
            "raw_total": score(self.raw_total),
            "corrector": counts(self.counts),
            "worse_than_raw": self.worse_than_raw(),
            "folders": {
                name: {"pages": len(f.scored), "total": score(f.total), "raw_total": score(f.raw_total),
                       "corrector": counts(f.counts)}
                for name, f in self.folders()
            },
            "pages": [
                {"name": p.name, "excluded": p.excluded, "missing": p.missing, **score(p.score),
                 "raw": score(p.raw), "corrector": counts(p.counts)}
                for p in self.pages
            ],
            "overrides": [
                {"id": o.entry_id, "fired": o.fired, "right": o.right, "description": o.description}
                for o in self.overrides
            ],
            "no_ground_truth": self.no_ground_truth,
        }


def _pages(text: str) -> list[str]:
    """A text's pages, split at form feeds; one that ends the last page (Tesseract ends every page
    with one) starts no page of its own: it made a two-page text three that matched nothing."""
    pages = text.split("\f")
    return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages


def _split_pages(output: str, truth: str) -> list[tuple[str, str]]:
    """Page by page where both texts have the same pages (form feeds), else the whole file as one."""
    out_pages, gt_pages = _pages(output), _pages(truth)
    if len(out_pages) > 1 and len(out_pages) == len(gt_pages):
        return list(zip(out_pages, gt_pages))
    return [(output, truth)]


def _aligned_truth(hyp: list[str], ref: list[str]) -> list[str | None]:
    """For each word of ``hyp``, the ground-truth word aligned to it one to one (None elsewhere)."""
    out: list[str | None] = [None] * len(hyp)
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(hyp, ref):
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            for k in range(a1 - a0):
                out[a0 + k] = ref[b0 + k]
    return out


def override_outcomes(doc, ground_truth: str) -> list[tuple[str, bool]]:
    """(entry id, right?) for every corrections.yaml entry that fired in ``doc`` (a corrected Document).

    The corrected words are aligned to the ground truth (both normalised); an entry was right when
    every word it produced equals the ground-truth word aligned to it.
    """
    tokens: list[str] = []
    where: dict[tuple[int, int, int], list[int]] = {}
    for p, page in enumerate(doc.pages):
        for li, line in enumerate(page.lines):
            for wi, word in enumerate(line.words):
                parts = normalise(word.text).split()
                where[(p, li, wi)] = list(range(len(tokens), len(tokens) + len(parts)))
                tokens.extend(parts)
    truth = _aligned_truth(tokens, normalise(ground_truth).split())
    outcomes = []
    for p, page in enumerate(doc.pages):
        for change in page.changes:
            if change.source != "override" or not change.entry_id:
                continue
            span = len(change.new.split()) or 1
            positions = [i for k in range(span) for i in where.get((p, change.line, change.word + k), [])]
            right = bool(positions) and all(truth[i] is not None and truth[i] == tokens[i] for i in positions)
            outcomes.append((change.entry_id, right))
    return outcomes


def _ground_truths(gt_dir: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(gt_dir.rglob("*.gt.txt")):
        rel = path.relative_to(gt_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        found[rel[: -len(".gt.txt")]] = path
    return found


def _workspace_raw(out_dir: Path) -> tuple[dict[str, str], Path | None]:
    """The cached raw OCR text of each output (by output name) and the corrections file last used."""
    from .export import document_text
    from .workspace import open_workspace

    texts: dict[str, str] = {}
    with open_workspace(out_dir, create=False) as ws:
        for record in ws.records():
            if not record.has_ocr:
                continue
            raw = ws.raw_ocr(record.rel)
            if raw is not None:
                texts[Path(record.rel).with_suffix("").as_posix()] = document_text(raw)
        saved = ws.saved_options()
    return texts, (saved.correct.corrections_file if saved is not None else None)


def _text_names(folder: Path) -> list[str]:
    """The names X of a folder's text files X.txt, by relative path: outputs, or OCR text (ground
    truth kept beside them, `--gt` the same folder, is none, nor is the workspace)."""
    from .files import is_new_version
    from .workspace import WORKSPACE_DIR

    # (nor is the new version of an output edited by hand, put beside it)
    return sorted(p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.txt")
                  if WORKSPACE_DIR not in p.parts and not p.name.endswith(".gt.txt") and not is_new_version(p.name))


def _forms(names: Iterable[str]) -> dict[str, str]:
    """Each name by its composed form (NFC), for ``_in_either_form``."""
    return {unicodedata.normalize("NFC", n): n for n in names}


def _in_either_form(name: str, folder: Path, forms: dict[str, str]) -> str:
    """The name of ``folder``'s text file for ``name``: itself, or one that differs from it only in
    Unicode form (``forms``: ``_forms`` of the folder's names). Scans unzipped from a Mac archive
    have their accents combining, transcriptions typed elsewhere composed: the names look alike."""
    if (folder / f"{name}.txt").is_file():
        return name
    return forms.get(unicodedata.normalize("NFC", name), name)


def page_excluded(name: str, patterns: Iterable[str]) -> bool:
    """Whether one of the --exclude globs takes the page NAME (X, or X#N of a multi-page output:
    its document, X), or the name of its output or ground-truth file (X.txt, X.gt.txt)."""
    base = re.sub(r"#\d+$", "", name)  # (only the page number: archives name files "Box#12_f3")
    names = (base, Path(base).name)
    # (the file a person sees to be partial is X.gt.txt: given so, the pattern took nothing). A
    # pattern that names a file is matched without its ending, a page's name only as it is: matched
    # against X.txt too, '*[!0-9]' (the pages named with no number) took every page, all ending in 't'.
    pages = [_page_pattern(pat) for pat in patterns]
    return any(fnmatchcase(n, pat) for n in names for pat in pages)


def _page_pattern(pattern: str) -> str:
    """An --exclude glob as one of page names: "X.gt.txt" and "X.txt" (a file's name) take the page X."""
    for ending in (".gt.txt", ".txt"):
        if pattern.endswith(ending):
            return pattern[: -len(ending)]
    return pattern


def evaluate_outputs(
    out_dir: Path,
    gt_dir: Path,
    exclude: list[str] | tuple[str, ...] = (),
    raw: bool = False,
    ocr_dir: Path | None = None,
) -> Evaluation:
    """Score the .txt outputs of ``out_dir`` against ``gt_dir`` (``X.txt`` against ``X.gt.txt``).

    ``exclude``: glob patterns of page names (e.g. ``*_01``) scored but left out of the totals.
    ``raw``: also score the raw OCR cached in the output folder's workspace. The corrector's word
    counts need the text before correction: the workspace's raw OCR, or ``ocr_dir/X.txt``.
    Per corrections.yaml entry it counts, from the JSON outputs, how often it fired and was right.
    """
    from .errors import UsageError
    from .model import Document
    from .workspace import WORKSPACE_DIR

    if out_dir.is_file():
        raise UsageError("is a file, not a folder of outputs (OUT/X.txt); give the folder it is in", path=out_dir)
    if not out_dir.is_dir():
        raise UsageError("no such output folder", path=out_dir)
    if gt_dir.is_file():
        raise UsageError("is a file, not a folder of ground truth (--gt GT, GT/X.gt.txt); give the folder it is in",
                         path=gt_dir)
    if not gt_dir.is_dir():
        raise UsageError("no such ground-truth folder", path=gt_dir)
    truths = _ground_truths(gt_dir)
    if not truths:
        # (transcriptions saved as X.txt were there, under a name not said)
        texts = sum(1 for p in gt_dir.rglob("*") if p.name.lower().endswith(".txt") and p.is_file())
        named = f": it has {counted(texts, '.txt file')}; name each X.gt.txt" if texts else ""
        if gt_dir.resolve() == out_dir.resolve():
            named = ": --gt is the output folder itself; give the folder of ground truth"
        elif _ground_truths(out_dir):
            named = f": {out_dir} has them; are the output folder and --gt the wrong way round?"
        raise UsageError(f"has no ground-truth files (X.gt.txt for each output X.txt){named}", path=gt_dir)

    before: dict[str, str] = {}
    corrections_file = None
    has_workspace = (out_dir / WORKSPACE_DIR / "workspace.sqlite").exists()
    if raw and not has_workspace and ocr_dir is None:
        raise UsageError("--raw needs the output folder of `ocrfix process` (its workspace caches the raw OCR), "
                         "or the text before correction as --ocr-text DIR (DIR/X.txt)", path=out_dir)
    if ocr_dir is not None:
        if ocr_dir.is_file():
            raise UsageError("is a file, not a folder of OCR text (--ocr-text DIR, DIR/X.txt); give the folder it is in",
                             path=ocr_dir)
        if not ocr_dir.is_dir():
            raise UsageError("no such folder of OCR text", path=ocr_dir)
        ocr_forms = _forms(_text_names(ocr_dir))
        for name in truths:
            path = ocr_dir / f"{_in_either_form(name, ocr_dir, ocr_forms)}.txt"
            if path.is_file():
                before[name] = read_utf8_text(path)
        if not before:
            # (else every page went without raw scores or counts, and nothing said why)
            raise UsageError(
                f"none of the {len(truths)} ground-truth files has OCR text here (DIR/X.txt for GT/X.gt.txt, "
                "with the same relative paths): are the two folders laid out alike?",
                path=ocr_dir,
            )
    elif has_workspace:
        before, corrections_file = _workspace_raw(out_dir)

    outputs = _text_names(out_dir)
    by_form = _forms(outputs)
    scored: set[str] = set()
    pages: list[PageEvaluation] = []
    fired: dict[str, list[bool]] = {}
    for name, gt_path in truths.items():
        out_name = _in_either_form(name, out_dir, by_form)
        out_path = out_dir / f"{out_name}.txt"
        missing = not out_path.is_file()
        scored.add(out_name)
        output = "" if missing else read_utf8_text(out_path)
        truth = read_utf8_text(gt_path)
        excluded = page_excluded(name, exclude)
        ocr = before.get(name, before.get(out_name))
        pairs = _split_pages(output, truth)
        ocr_pages = _pages(ocr) if ocr is not None and len(pairs) > 1 else [ocr]
        if len(ocr_pages) != len(pairs):
            ocr_pages = [None] * len(pairs)
        for k, ((out_text, gt_text), ocr_text) in enumerate(zip(pairs, ocr_pages), start=1):
            label = name if len(pairs) == 1 else f"{name}#{k}"
            pages.append(
                PageEvaluation(
                    name=label,
                    score=score_page(out_text, gt_text),
                    # Raw OCR that is not there (no cache, no --ocr-text file) has no score: scored as
                    # empty, it made the headline "2.20 % vs 92.88 % raw".
                    raw=score_page(ocr_text, gt_text) if raw and ocr_text is not None else None,
                    counts=corrector_counts(ocr_text, out_text, gt_text) if ocr_text is not None and not missing else None,
                    excluded=excluded,
                    missing=missing,
                )
            )
        json_path = out_dir / f"{out_name}.json"
        if not excluded and json_path.is_file():
            try:
                doc = Document.model_validate_json(json_path.read_bytes())
            except (OSError, ValueError):
                doc = None  # not an ocrfix JSON output: no override counts
            if doc is not None:
                for entry_id, right in override_outcomes(doc, truth):
                    fired.setdefault(entry_id, []).append(right)

    if all(p.missing for p in pages):
        if not outputs:
            # (`process --format alto`: the folders were laid out alike, and the message asked if they were)
            raise UsageError("has no .txt outputs to score (OUT/X.txt for GT/X.gt.txt); `ocrfix process` writes "
                             "them where txt is among its --format", path=out_dir)
        raise UsageError(
            f"none of the {len(truths)} ground-truth files has an output here (OUT/X.txt for GT/X.gt.txt, "
            "with the same relative paths): are the two folders laid out alike?",
            path=out_dir,
        )
    overrides = _override_table(fired, corrections_file)
    no_truth = [name for name in outputs if name not in scored]
    return Evaluation(str(out_dir), str(gt_dir), pages, overrides, list(exclude), raw, no_truth)


def _override_table(fired: dict[str, list[bool]], corrections_file: Path | None) -> list[OverrideEvaluation]:
    from .errors import CorrectionsFileError

    table: dict[str, OverrideEvaluation] = {}
    if corrections_file is not None and corrections_file.is_file():
        from .corrections import load_corrections

        try:
            for entry in load_corrections(corrections_file).entries:
                table[entry.entry_id] = OverrideEvaluation(entry.entry_id, description=entry.describe())
        except CorrectionsFileError:
            pass  # a broken file only costs the list of entries that never fired
    for entry_id, outcomes in fired.items():
        row = table.setdefault(entry_id, OverrideEvaluation(entry_id))
        row.fired, row.right = len(outcomes), sum(outcomes)
    return sorted(table.values(), key=lambda o: (-o.fired, o.entry_id))


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def _md_cell(text: str) -> str:
    """Text for a Markdown table cell: a bar escaped (OCR reads "I" as "|": an entry "'|t' -> 'It'"
    split its row into one column too many) and no line break to end the row."""
    return " ".join(text.splitlines()).replace("|", "\\|")


def evaluation_markdown(ev: Evaluation) -> str:
    """The evaluation as a Markdown report (per page, total, corrector counts, overrides)."""
    raw = ev.has_raw
    head = "| page | chars | CER | WER |" + (" raw CER | raw WER |" if raw else "") + " fixed | damaged | changed, still wrong | missed |"
    lines = [f"# ocrfix evaluation of `{ev.out_dir}` against `{ev.gt_dir}`", "", head,
             "|" + "---|" * (head.count("|") - 1)]

    def row(label: str, s: Score, r: Score | None, c: CorrectorCounts | None) -> str:
        cells = [_md_cell(label), str(s.chars), _pct(s.cer), _pct(s.wer)]
        if raw:
            cells += [_pct(r.cer), _pct(r.wer)] if r is not None else ["", ""]
        cells += [str(c.fixed), str(c.damaged), str(c.changed_wrong), str(c.missed)] if c is not None else ["", "", "", ""]
        return "| " + " | ".join(cells) + " |"

    for p in ev.pages:
        label = p.name + (" (excluded)" if p.excluded else "") + (" (no output)" if p.missing else "")
        lines.append(row(label, p.score, p.raw, p.counts))
    for name, folder in ev.folders():
        lines.append(row(f"*{name}/* ({counted(len(folder.scored), 'page')})", folder.total, folder.raw_total, folder.counts))
    lines.append(row(f"**total** ({counted(len(ev.scored), 'page')})", ev.total, ev.raw_total, ev.counts))
    if headline := ev.versus_raw():
        lines += ["", headline]
    if worse := ev.worse_line("`"):
        lines += ["", worse]
    if ev.exclude:
        lines += ["", "Left out of the totals (partial ground truth): " + ", ".join(f"`{p}`" for p in ev.exclude) + "."]
    if ev.overrides:
        lines += ["", "| corrections.yaml entry | fired | right |", "|---|---:|---:|"]
        lines += [f"| {_md_cell(o.description or o.entry_id)} | {o.fired} | {o.right} |" for o in ev.overrides]
    if empty := [p.name for p in ev.scored if p.score.chars == 0]:
        # (its page shows 0 % CER, yet every character of its output counts as an error in the total)
        lines += ["", "Empty ground truth (every character of the output counts as an error in the total; transcribe "
                  "the page, or leave it out with --exclude if it has no text): " + ", ".join(f"`{n}`" for n in empty) + "."]
    for page, output in ev.misnamed():
        lines += ["", f"`{page}` has no output, but `{output}.txt` differs from its name only in case: rename one of them."]
    if ev.no_ground_truth:
        lines += ["", f"Outputs with no ground truth, not scored: {len(ev.no_ground_truth)}."]
    return "\n".join(lines) + "\n"
