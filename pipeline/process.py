"""Runs the stages in order for one input file. No stage calls another; this module does.

``ocr_document`` (expensive: decode, preprocess, Tesseract) and ``correct_document`` (cheap:
overrides, then the corrector) are separate so that correction can be re-run from cached OCR.
Both are module-level functions of picklable data, so they run the same in a local process pool
or on a Dask worker.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .calibration import assess_read, flag_doubtful
from .collection import CollectionModel, collection_model
from .correct import CorrectionReads, Corrector, correct_page, load_corrector, reading
from .dependencies import Dependencies, dependency_base, record, seed_decisions
from .engine import OcrEngine, engine_for
from .ingest import DEFAULT_MAX_PIXELS, PageImage, load_pages
from .layout import rejoin_page
from .model import BBox, Document, Line, Page, Step, runs_down
from .options import CorrectOptions, OcrOptions, Options
from .corrections import Corrections, apply_overrides, load_corrections
from .preprocess import Preprocessed, preprocess
from .reread import (
    WHOLE_PAGE_SHARE, Band, bands_with_text, join_bands, lines_from_montage, lines_in_bands, montage, risk_bands, unread_bands,
)
from .verify import MergeResult, Vocabulary, lines_at_risk, merge_reads, read_quality, top_to_bottom

__all__ = ["ocr_page", "ocr_document", "correct_document", "correct_document_recorded", "corrector_for", "map_lines"]

# A change here (or in preprocessing) that changes the OCR result bumps versions.READ_VERSION.


def _map_box(box: BBox | None, matrix: np.ndarray, width: int, height: int) -> BBox | None:
    if box is None:
        return None
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    mapped = corners @ matrix.T
    xs, ys = mapped[:, 0], mapped[:, 1]
    return (
        int(max(0, min(width, np.floor(xs.min())))),
        int(max(0, min(height, np.floor(ys.min())))),
        int(max(0, min(width, np.ceil(xs.max())))),
        int(max(0, min(height, np.ceil(ys.max())))),
    )


def map_lines(lines: list[Line], matrix: np.ndarray, width: int, height: int) -> list[Line]:
    """Move every box from the preprocessed image's coordinates to the input image's."""
    if np.allclose(matrix, [[1, 0, 0], [0, 1, 0]]):
        return lines
    return [
        line.model_copy(
            update={
                "bbox": _map_box(line.bbox, matrix, width, height),
                "words": [
                    w.model_copy(update={"bbox": _map_box(w.bbox, matrix, width, height)}) for w in line.words
                ],
            }
        )
        for line in lines
    ]


# The chooser re-reads a page with the next preprocessing candidate only when Tesseract is not
# confident in the first read, because every re-read costs a full OCR pass (~1 s a page) and the
# wall-time budget is 1.3x raw Tesseract. First reads of the 46 dev pages had mean word confidence
# 84.9-95.5, and below 85 (one fax) the re-read did not win; on dev pages given heavy grain and
# uneven light the first reads were 79.7-92.6 and re-reads above 79 did not win either. Pages that
# read badly (unreadable grain, the wrong cleaning) fall far below 80.
RETRY_BELOW_CONFIDENCE = 80.0
# The re-read is kept only if it is clearly more confident and did not lose text: a read of
# three clean words out of a page of noise must not beat a read of the whole page.
MIN_CONFIDENCE_GAIN = 0.5
# A third, last-resort candidate is read only when the better of the first two reads is this poor
# (or empty): no dev page comes near it (84.9 and up), and a page this poor is worth another second.
RESCUE_BELOW_CONFIDENCE = 60.0
MIN_TEXT_KEPT = 0.8


def _read_summary(lines: list[Line]) -> tuple[float | None, int]:
    """(mean word confidence, characters read) of one OCR result."""
    confs = [w.confidence for line in lines for w in line.words if w.confidence is not None]
    chars = sum(len(w.text) for line in lines for w in line.words)
    return (sum(confs) / len(confs) if confs else None), chars


def _better_read(new: list[Line], old: list[Line]) -> bool:
    new_conf, new_chars = _read_summary(new)
    old_conf, old_chars = _read_summary(old)
    if new_conf is None:
        return False
    if old_conf is None:
        return True
    return new_conf >= old_conf + MIN_CONFIDENCE_GAIN and new_chars >= MIN_TEXT_KEPT * old_chars


def _candidate_record(clean: Preprocessed, lines: list[Line]) -> dict[str, object]:
    conf, chars = _read_summary(lines)
    return {
        "steps": [s.name for s in clean.steps],
        "mean_confidence": None if conf is None else round(conf, 2),
        "characters": chars,
    }


def _read(engine: OcrEngine, image: np.ndarray, options: Options, dpi: int | None) -> list[Line]:
    return engine.read(image, options.ocr, dpi).lines


def _read_as_scanned(engine: OcrEngine, page_image: PageImage, options: Options) -> list[Line]:
    """The read of the page as scanned: of the input file itself where the page is the whole file
    (raw Tesseract's read, which every other read must beat)."""
    return engine.read(page_image.image, options.ocr, page_image.dpi, path=page_image.file).lines


def ocr_page(page_image: PageImage, source: str, options: Options, engine: OcrEngine | None = None) -> Page:
    """Read one page image, verifying any preprocessing against the page itself; boxes refer to
    the input image.

    The page is always read as scanned (the reference: raw Tesseract's read). In auto mode the
    lines of that read that may be wrong (``verify.line_at_risk``: an unknown or unsure word) are
    read again from the preprocessed page, in bands (``reread``) or, where most of the page is at
    risk, whole (with the next candidate while Tesseract is not confident); each group of lines
    keeps the second read only where it is clearly more plausible (``verify.merge_reads``). A page
    whose first candidate changes nothing gets the next candidate only when its read is poor.
    """
    engine = engine if engine is not None else engine_for(options.ocr)
    height, width = page_image.image.shape[:2]
    name = f"{Path(source).stem}-p{page_image.index + 1}"
    clean = preprocess(page_image.image, page_image.dpi, options.preprocess, name=name, pixel_aspect=page_image.pixel_aspect,
                       stated_turn=page_image.stated_turn)
    steps: list[Step] = []
    if page_image.note:
        steps.append(Step(name="input", reason=page_image.note))
    if clean.measures is not None:
        steps.append(
            Step(name="measure", params=clean.measures.as_params(), reason="what the page looked like to the chooser")
        )
    if options.preprocess.mode != "auto":
        # Steps asked for (or none) are not second-guessed: one read.
        lines = map_lines(_read(engine, clean.image, options, clean.dpi), clean.to_input, width, height)
        steps.extend(clean.steps)
    else:
        original = _read_as_scanned(engine, page_image, options)
        lexicon = engine.words(options.ocr.lang)
        at_risk = lines_at_risk(original, lexicon)
        second = _second_read(engine, page_image, clean, options, name, original, at_risk)
        processed, clean, choice = second.lines, second.clean, second.choice
        steps.extend(clean.steps)
        steps.append(choice)
        lines = original
        reshaped = _reshaped(clean)
        if processed is not None and reshaped:
            # A page that had to be turned, or stretched back to square pixels: the read of it as
            # scanned is of sideways, upside-down or squashed type, no reference line by line. The
            # processed read ships where it is the more plausible.
            vocabulary = Vocabulary.build(lexicon, original, processed)
            q_o, q_p = read_quality(original, vocabulary.knows), read_quality(processed, vocabulary.knows)
            # Type turned a quarter clockwise Tesseract reads by itself, as lines running down the
            # page: the same words as the turned read, about as plausible, but boxes on end that no
            # output lays out as lines (its PDF was shown sideways, the text layer across the words)
            # and no evidence against the turn. The turned read ships unless it lost text.
            vertical = reshaped == "turned" and runs_down([(w.text, w.bbox) for line in original for w in line.words])
            ship = q_p > q_o or (vertical and q_p >= MIN_TEXT_KEPT * q_o)
            if ship:
                lines = top_to_bottom(processed) if reshaped == "stretched" else processed
            why = (f"the {reshaped} read is the more plausible" if q_p > q_o else
                   "the read as scanned ran down the page (Tesseract turned its lines itself): the turned read of its words ships"
                   if ship else "the read as scanned is the more plausible")
            steps.append(Step(name="verify", params={"quality_original": round(q_o, 1), "quality_processed": round(q_p, 1),
                                                     "shipped": "processed" if ship else "as scanned"},
                              reason=f"the page was {reshaped}: {why}"))
        elif processed is not None:
            merged = merge_reads(original, processed, Vocabulary.build(lexicon, original, processed), at_risk=second.open_lines,
                                 covered=second.covered,
                                 deskewed=any(s.name == "deskew" for s in clean.steps))
            lines = merged.lines
            steps.append(Step(name="verify", params=merged.as_params(), reason=_verify_reason(merged)))
    page = Page(
        source=source,
        index=page_image.index,
        width=width,
        height=height,
        dpi=page_image.dpi,
        lines=lines,
        steps=steps,
        engine={"name": engine.name, "version": engine.version(), "lang": options.ocr.lang, "psm": str(options.ocr.psm)},
    )
    return rejoin_page(page) if options.ocr.rejoin_lines else page


# Rows of paper around and between the bands of a montage: about two lines of type at the size
# preprocessing aims for, so that Tesseract never takes two bands for one block of text.
MONTAGE_GAP = 48


@dataclass
class SecondRead:
    """The second read of a page and what the merge may do with it."""

    # Its lines, boxes on the page as scanned; None where no second read was worth making.
    lines: list[Line] | None
    # The preprocessing that made it, and the record of the choice.
    clean: Preprocessed
    choice: Step
    # Lines of the original read the merge may replace with the second read's.
    open_lines: set[int] = field(default_factory=set)
    # Lines of the original read whose rows the second read read and found text in: the only ones
    # the merge may drop as no text.
    covered: set[int] = field(default_factory=set)


def _read_bands(engine: OcrEngine, clean: Preprocessed, bands: list[Band], options: Options) -> list[Line]:
    """The bands of the preprocessed page read in one montage; lines in the preprocessed image's rows."""
    sheet, starts = montage(clean.image, bands, MONTAGE_GAP)
    return lines_from_montage(_read(engine, sheet, options, clean.dpi), bands, starts)


def _second_read(
    engine: OcrEngine,
    page_image: PageImage,
    clean: Preprocessed,
    options: Options,
    name: str,
    original: list[Line],
    at_risk: set[int],
) -> SecondRead:
    """The second read of the page: the lines of the original read at risk, again from the
    preprocessed page (in bands, or the whole page), and any ink the original read put in no line."""
    height, width = page_image.image.shape[:2]

    def second(lines: list[Line], clean: Preprocessed, choice: Step, bands: list[Band], open_lines: set[int]) -> SecondRead:
        # The lines whose rows the second read covered, in bands where it found text.
        covered = lines_in_bands(original, bands_with_text(lines, bands), clean.to_input, clean.image.shape[1])
        return SecondRead(map_lines(lines, clean.to_input, width, height), clean, choice, open_lines, covered)

    if not _changes_page(clean):
        # The first candidate is the page as scanned, and its read is the original one: only a
        # poor read earns the next candidate.
        lines, clean, choice = _best_processed_read(engine, page_image, clean, options, name, original)
        if _changes_page(clean):
            return second(lines, clean, choice, [Band(0, clean.image.shape[0])], at_risk)
        # Ink the read as scanned put in no line (a paragraph its layout analysis took for a picture:
        # 18 typed lines of a dev page) is read again on its own in a montage; nothing else is, so
        # the merge may add lines but neither replace nor drop one.
        bands = unread_bands(clean.image, original, clean.to_input) if original else []
        if not bands:
            return SecondRead(None, clean, choice)
        choice.params["unread_bands"] = [[b.top, b.bottom] for b in bands]
        choice.reason += f"; ink in no line of the read was read again in {len(bands)} bands"
        return second(_read_bands(engine, clean, bands, options), clean, choice, [], set())
    turned = [s.name for s in clean.steps if s.name in ("orient", "deskew")] + (["stretch"] if _stretched(clean) else [])
    bands: list[Band] = []
    share = 1.0
    if original and not turned:
        bands = join_bands(risk_bands(original, at_risk, clean.to_input, clean.image.shape[0])
                           + unread_bands(clean.image, original, clean.to_input))
        share = sum(b.height for b in bands) / max(1, clean.image.shape[0])
        if not bands:
            return SecondRead(None, clean, Step(name="choose", params={"lines_at_risk": 0, "reads": 1},
                                                reason="every line of the page read as scanned is known and confident, "
                                                "and it missed no line: no second read"))
    if share > WHOLE_PAGE_SHARE:
        # A page that had to be turned or deskewed is read whole: Tesseract's segmentation of the
        # skewed page cuts and misorders lines whatever their words say.
        lines, clean, choice = _best_processed_read(engine, page_image, clean, options, name)
        choice.params.update({"lines_at_risk": len(at_risk), "share_at_risk": round(min(share, 1.0), 3)})
        if turned:
            choice.reason += f"; the page was {' and '.join(turned)}ed, so it was read whole"
        return second(lines, clean, choice, [Band(0, clean.image.shape[0])], at_risk)
    choice = Step(
        name="choose",
        params={"lines_at_risk": len(at_risk), "share_at_risk": round(share, 3), "bands": [[b.top, b.bottom] for b in bands]},
        reason=f"{len(at_risk)} lines of the page read as scanned had an unknown or unsure word (or held ink it "
        f"did not read): read again from the preprocessed page in {len(bands)} bands",
    )
    return second(_read_bands(engine, clean, bands, options), clean, choice, bands, at_risk)


def _stretched(clean: Preprocessed) -> bool:
    """Whether preprocessing stretched the page more one way than the other, the type on the scan
    being squashed: its file said its pixels are not square (a 204 x 98 dpi fax), or its glyphs
    were far wider than tall."""
    return any(s.name == "rescale" and float(s.params["fx"]) != float(s.params["fy"]) for s in clean.steps)


def _reshaped(clean: Preprocessed) -> str:
    """How the page's type on the scan differs from upright type of square pixels ("turned",
    "stretched"), or "" where it does not."""
    if any(s.name == "orient" for s in clean.steps):
        return "turned"
    return "stretched" if _stretched(clean) else ""


def _changes_page(clean: Preprocessed) -> bool:
    """Whether any step changed the page beyond the grey conversion Tesseract does itself."""
    return any(s.name != "grayscale" for s in clean.steps)


def _verify_reason(merged: MergeResult) -> str:
    if merged.from_processed == 0:
        return "the processed read was nowhere clearly better than the page read as scanned: kept the original read"
    if merged.from_original == 0:
        return "the processed read was clearly better in every group of lines"
    return (
        f"line by line: {merged.from_processed} groups of lines from the processed read, "
        f"{merged.from_original} from the page as scanned"
    )


def _best_processed_read(
    engine: OcrEngine,
    page_image: PageImage,
    clean: Preprocessed,
    options: Options,
    name: str,
    first_read: list[Line] | None = None,
) -> tuple[list[Line], Preprocessed, Step]:
    """Read the first candidate (``first_read`` when it was read already); while Tesseract is not
    confident, try the next candidates and keep the more confident read. Returns its lines (in the
    clean image's pixels), its preprocessing and the record of the choice."""
    candidates, measures = clean.candidates, clean.measures
    lines = first_read if first_read is not None else _read(engine, clean.image, options, clean.dpi)
    first_conf, _ = _read_summary(lines)
    tried = [_candidate_record(clean, lines)]
    kept = 0
    # Candidate 1 is read while the best read so far is below RETRY_BELOW_CONFIDENCE, candidate 2
    # (the last resort) while it is still below RESCUE_BELOW_CONFIDENCE.
    for index, below in enumerate((RETRY_BELOW_CONFIDENCE, RESCUE_BELOW_CONFIDENCE), start=1):
        best_conf, _ = _read_summary(lines)
        if options.preprocess.mode != "auto" or index >= len(candidates) or (best_conf is not None and best_conf >= below):
            break
        other = preprocess(
            page_image.image,
            page_image.dpi,
            options.preprocess,
            steps=candidates[index],
            measures=measures,
            name=f"{name}-c{index + 1}",
        )
        other_lines = _read(engine, other.image, options, other.dpi)
        tried.append(_candidate_record(other, other_lines))
        if _better_read(other_lines, lines):
            clean, lines, kept = other, other_lines, index
    if len(tried) == 1 and first_conf is not None and first_conf >= RETRY_BELOW_CONFIDENCE:
        why = f"first read confident enough (mean {first_conf:.1f} >= {RETRY_BELOW_CONFIDENCE:.0f})"
    elif len(tried) == 1:
        why = "only one candidate"
    elif kept == 2:
        why = "both candidates read poorly; the last-resort cleaning read better"
    elif kept:
        why = "the second candidate read with clearly higher confidence"
    elif len(tried) > 2:
        why = "no candidate read better than the first"
    else:
        why = "the second candidate did not read better; kept the first"
    return lines, clean, Step(name="choose", params={"candidates": tried, "kept": kept}, reason=why)


def ocr_document(
    path: Path, source: str, options: Options, max_pixels: int = DEFAULT_MAX_PIXELS, engine: OcrEngine | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Document:
    """OCR every page of one input file (the uncorrected result, as cached); ``on_page`` is told
    each page's index as it is read (progress on a 300-page PDF)."""
    engine = engine if engine is not None else engine_for(options.ocr)
    pages = []
    for page_image in load_pages(path, max_pixels):
        pages.append(ocr_page(page_image, source, options, engine))
        if on_page is not None:
            on_page(page_image.index)
    return Document(source=source, pages=pages)


@functools.lru_cache(maxsize=4)
def corrector_for(options: CorrectOptions, corrections: Corrections) -> Corrector:
    """The corrector for these options and overrides, built once per process."""
    return load_corrector(options, corrections.known_words() | corrections.rejected_words(), corrections.protected_words(),
                          corrections.decisions())


def correct_document(
    doc: Document, options: CorrectOptions, corrections: Corrections | None = None, collection: CollectionModel | None = None
) -> Document:
    """Apply the overrides, then (when enabled) the automatic corrector, to every page.

    ``collection``: the model of the collection the document belongs to (its own vocabulary is
    left as written); None: the document alone is the collection. Nothing is recorded of what the
    correction asked (``correct_document_recorded`` does that, for a workspace).
    """
    if corrections is None:
        corrections = load_corrections(options.corrections_file)
    corrector, assess = _document_corrector(doc, options, corrections, collection)
    return doc.model_copy(update={"pages": _corrected_pages(doc, corrector, corrections, assess)})


def word_list_knows(lang: str) -> Callable[[str], bool] | None:
    """Whether Tesseract's own word list for the language has a word (as ``verify.Vocabulary``
    looks words up); None where its language data carries none."""
    words = engine_for(OcrOptions(lang=lang)).words(lang)
    return Vocabulary.build(words).knows if words else None


def read_assessor(lang: str) -> Callable[[Page, frozenset[tuple[int, int]]], Page]:
    """How a page is judged where no corrector runs (a language the dictionaries do not know, or
    --no-correct): each word's probability of being wrong from its read and Tesseract's own word
    list for the language (``calibration.assess_read``). Without a word list there is no
    probability, and a low confidence flags a word (``calibration.flag_doubtful``)."""
    knows = word_list_knows(lang)
    if knows is None:
        return flag_doubtful
    return lambda page, skip: assess_read(page, knows, skip)


def correct_document_recorded(
    doc: Document, options: CorrectOptions, corrections: Corrections | None = None,
    collection: CollectionModel | None = None, base: str = "", seed: Dependencies | None = None,
) -> tuple[Document, Dependencies]:
    """``correct_document``, and what the correction depended on beyond the read (``base``: the
    rest of the correction key), so that a new corrections.yaml need not redo it where it cannot
    change it (``dependencies.py``). ``seed``: the record of an earlier correction of the same
    read, whose decisions still valid are not made again."""
    if corrections is None:
        corrections = load_corrections(options.corrections_file)
    corrector, assess = _document_corrector(doc, options, corrections, collection)
    base = dependency_base(base, collection if corrector is not None else None, corrector)
    if seed is not None and corrector is not None:
        seed_decisions(seed, corrector, base)
    with reading(corrector) if corrector is not None else contextlib.nullcontext(CorrectionReads()) as reads:
        pages = _corrected_pages(doc, corrector, corrections, assess)
    return doc.model_copy(update={"pages": pages}), record(reads, corrector, base, doc, corrections)


def _document_corrector(
    doc: Document, options: CorrectOptions, corrections: Corrections, collection: CollectionModel | None,
) -> tuple[Corrector | None, Callable[[Page, frozenset[tuple[int, int]]], Page]]:
    """The corrector for a document with its collection (None: no automatic corrector), and how a
    page is judged where there is none."""
    corrector = corrector_for(options, corrections) if options.automatic else None
    if corrector is not None:
        corrector = corrector.with_collection(collection if collection is not None else collection_model(doc.pages),
                                              learn_channel=options.learn_channel)
    assess: Callable[[Page, frozenset[tuple[int, int]]], Page] = flag_doubtful
    if corrector is None and any(w.confidence is not None for page in doc.pages for w in page.words):
        assess = read_assessor(options.lang)  # (plain text has no confidences: nothing to judge)
    return corrector, assess


def _corrected_pages(doc: Document, corrector: Corrector | None, corrections: Corrections,
                     assess: Callable[[Page, frozenset[tuple[int, int]]], Page]) -> list[Page]:
    pages: list[Page] = []
    for page in doc.pages:
        page, decided = apply_overrides(page, doc.source, corrections)
        # (no corrector: the read model judges the words, or Tesseract's doubt flags them)
        pages.append(correct_page(page, corrector, skip=decided) if corrector is not None else assess(page, decided))
    return pages
