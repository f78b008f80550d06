"""``ocrfix process``, ``ocrfix correct`` and ``ocrfix preprocess``."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, counted

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show full tracebacks for errors.")]
CorrectionsOpt = Annotated[
    Path,
    typer.Option(
        "--corrections",
        help="The human-approved overrides file (a missing file means no overrides).",
        show_default=True,
    ),
]


LangOpt = Annotated[str, typer.Option("--lang", help="Language(s) of the text, as Tesseract names them: eng, deu, eng+fra ... The shipped dictionaries are English: in other languages the automatic corrector leaves words as read unless --dictionaries gives dictionaries built for it. A page whose words are mostly not in the dictionaries is left as read too, whatever --lang says (the run says how many).")]
DictionariesOpt = Annotated[
    Optional[Path],
    typer.Option("--dictionaries", help="A folder of dictionaries built with `ocrfix dictionary build` (default: the shipped English ones, or $OCRFIX_DICTIONARIES).", show_default=False),
]


def _language_notice(console, options) -> None:
    """Say once that the corrector leaves text alone in a language its dictionaries do not know."""
    if options.enabled and not options.dictionaries_fit_language:
        console.print(
            f"The shipped dictionaries are English: with --lang {options.lang} the automatic corrector leaves the "
            "text as read (corrections.yaml still applies). To correct it, build dictionaries for the language "
            "with `ocrfix dictionary build` and pass them with --dictionaries.",
            highlight=False,
        )


def _foreign_notice(console, pages: int, files: int) -> None:
    """Say once how many pages the corrector left as read because their words are not the
    dictionaries' language (the user may have forgotten --lang)."""
    if pages:
        console.print(
            f"{counted(pages, 'page')} in {counted(files, 'file')} do not read as the "
            "dictionaries' language (too few of their words are in them): the automatic corrector left them as "
            "read and flagged the words Tesseract doubted (each such page says so in its JSON steps). Another "
            "language? Give --lang for it, and --dictionaries built for it with `ocrfix dictionary build`.",
            style="yellow", highlight=False,
        )


def _default_workers() -> int:
    return os.cpu_count() or 1


def _progress(total: int):
    """A rich progress bar on a terminal; plain log lines otherwise (CI logs, pipes)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    # (no markup: Rich read "[draft]" in a file's or folder's name as a style and dropped it, and a
    # "[/...]" in one was a MarkupError traceback; the progress bar's own columns keep theirs)
    console = Console(stderr=True, soft_wrap=True, markup=False)
    if console.is_terminal:
        progress = Progress(
            TextColumn("[bold]OCR[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        return console, progress
    return console, None


@app.command()
def process(
    inputs: Annotated[list[str], typer.Argument(help="Image or PDF files, folders (searched recursively), globs, or @list.txt files.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: OUT/NAME.txt and OUT/NAME.json for each input NAME.jpg, NAME.pdf ... (a folder given keeps its sub-folders).")],
    raw: Annotated[bool, typer.Option("--raw", help="Write the uncorrected OCR text to the .txt files (the JSON still has the corrections).")] = False,
    corrections: CorrectionsOpt = Path("corrections.yaml"),
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes (default: the number of cores).", min=1)] = None,
    preprocess_mode: Annotated[str, typer.Option("--preprocess", help="auto, off, or a comma-separated list of steps.")] = "auto",
    debug_images: Annotated[Optional[Path], typer.Option("--debug-images", help="Write each preprocessing stage's image of every page to this folder.")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated outputs: txt, json, alto, hocr, pdf, page (PAGE XML, a file a page).")] = "txt,json",
    pdf_a: Annotated[str, typer.Option("--pdf-a", help="The searchable PDF as PDF/A-2b (what archives ingest; validated as written), or 'off' for plain PDF.")] = "2b",
    no_correct: Annotated[bool, typer.Option("--no-correct", help="Skip the automatic corrector (overrides still apply).")] = False,
    lang: LangOpt = "eng",
    dictionaries: DictionariesOpt = None,
    char_alternatives: Annotated[bool, typer.Option("--char-alternatives", help="Keep Tesseract's per-character alternatives in the JSON (and offer them to the corrector and review); about 10 % slower OCR.")] = False,
    rejoin_lines: Annotated[bool, typer.Option("--rejoin-lines/--no-rejoin-lines", help="Join pieces of one typed line that Tesseract read as separate lines (noise, warped paper); pieces more than 2.5 word spaces apart, such as a second column, are never joined.")] = True,
    ocr_timeout: Annotated[float, typer.Option("--ocr-timeout", help="Seconds Tesseract may spend on one page.", min=1)] = 300.0,
    force: Annotated[bool, typer.Option("--force", help="Redo everything, even pages whose inputs and options are unchanged.")] = False,
    overwrite_edited: Annotated[bool, typer.Option("--overwrite-edited", help="Replace outputs edited by hand since ocrfix wrote them. Without it such a file is kept, and the new version is written beside it as NAME.ocrfix-new.EXT (e.g. letter.ocrfix-new.txt) and named in the summary; with it, those waiting new versions replace their edited files too.")] = False,
    executor: Annotated[str, typer.Option("--executor", help="local (a process pool) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask; without it a local cluster is started).")] = None,
    max_pixels: Annotated[int, typer.Option("--max-pixels", help="Refuse images larger than this many pixels (decompression bombs).", min=1)] = 200_000_000,
    verbose: VerboseOpt = False,
) -> None:
    """OCR scans and write corrected text (and JSON with every change) for each input.

    Re-running on the same output folder resumes: unchanged pages are skipped, and when only
    corrections.yaml or the dictionaries changed, pages are corrected again from the cached OCR
    without running Tesseract. Each input's outputs are written as soon as it is done.
    """
    from ..batch import run_batch
    from ..errors import BatchFailedError, UsageError
    from ..ingest import expand_inputs
    from pydantic import ValidationError

    from ..options import CorrectOptions, OcrOptions, Options, OutputOptions, PreprocessOptions, validation_message
    from ..corrections import load_corrections
    from ..tesseract import check_tesseract

    _output_folder(out)
    _debug_folder(debug_images)
    if scheduler and executor == "local":
        raise UsageError(f"--scheduler {scheduler} is a Dask scheduler's address: add --executor dask to run on it")
    try:
        options = Options(
            ocr=OcrOptions(lang=lang, timeout_s=ocr_timeout, char_alternatives=char_alternatives, rejoin_lines=rejoin_lines),
            preprocess=PreprocessOptions(mode=preprocess_mode, debug_dir=debug_images),
            correct=CorrectOptions(enabled=not no_correct, corrections_file=corrections, lang=lang,
                                   **({"dictionary_dir": dictionaries} if dictionaries else {})),
            output=OutputOptions(formats=tuple(f.strip() for f in formats.split(",") if f.strip()), raw=raw, pdf_a=pdf_a,
                                 overwrite_edited=overwrite_edited),
            workers=workers or _default_workers(),
            executor=executor,
            scheduler=scheduler,
            max_pixels=max_pixels,
        )
    except ValidationError as e:
        raise UsageError(validation_message(e)) from e
    inputs_found = expand_inputs(inputs, out)
    if not inputs_found:
        raise UsageError("no image or PDF files found in the inputs given")
    check_tesseract(options.ocr.tesseract_cmd, options.ocr.lang)  # fail before any work
    loaded = load_corrections(corrections)

    console, progress = _progress(len(inputs_found))
    _language_notice(console, options.correct)
    started = time.perf_counter()
    done = 0

    def on_plan(plan: dict[str, int]) -> None:
        if plan["skip"] or plan["recorrect"]:
            console.print(
                f"Resuming in {out}: {plan['skip']} unchanged, {plan['recorrect']} to correct again from cached OCR, "
                f"{plan['ocr']} to OCR.",
                highlight=False,
            )

    # The bar counts pages (a 300-page PDF advances page by page); pages of a file are counted as
    # they are read, the rest of a file (skipped, corrected again, failed) when it is done.
    from ..ingest import count_pages

    pages_of = {rel.as_posix(): count_pages(path) for path, rel in inputs_found}
    advanced: dict[str, int] = {}
    pages_done = 0

    def advance(rel: str, pages: int) -> None:
        nonlocal pages_done
        pages_done += pages
        advanced[rel] = advanced.get(rel, 0) + pages
        rate = pages_done / max(time.perf_counter() - started, 1e-6)
        progress.update(task, advance=pages, rate=f"{rate:.2f} pages/s")

    def on_page(rel: str, index: int) -> None:
        if progress is None:
            if pages_of.get(rel, 1) > 1:  # in a log, a multi-page input's pages one by one
                console.print(f"    {rel}: page {index + 1} of {pages_of[rel]} read", highlight=False, markup=False)
        elif advanced.get(rel, 0) < pages_of.get(rel, 1):
            advance(rel, 1)

    def on_done(result) -> None:
        nonlocal done
        done += 1
        for note in result.notes:
            console.print(f"warning: {result.rel} {note}", style="yellow", highlight=False, markup=False)
        if progress is not None:
            advance(result.rel, max(0, pages_of.get(result.rel, 1) - advanced.get(result.rel, 0)))
        elif result.action != "skip":
            status = {"ocr": "ok", "recorrect": "corrected again from cache",
                      "confirm": "unchanged by the new corrections.yaml (checked)"}.get(result.action, f"FAILED: {result.error}")
            console.print(f"[{done}/{len(inputs_found)}] {result.rel} {status}", highlight=False, markup=False)

    if progress is not None:
        with progress:
            task = progress.add_task("ocr", total=sum(pages_of.values()), rate="")
            batch = run_batch(inputs_found, out, options, loaded, force=force, on_done=on_done, on_plan=on_plan, on_page=on_page)
    else:
        batch = run_batch(inputs_found, out, options, loaded, force=force, on_done=on_done, on_plan=on_plan, on_page=on_page)

    elapsed = time.perf_counter() - started
    ok = [r for r in batch.results if r.ok]
    console.print(
        f"{len(ok)} of {counted(len(inputs_found), 'file')} ({counted(batch.pages, 'page')}) done in {elapsed:.1f} s "
        f"({batch.count('ocr')} read by OCR, {batch.count('recorrect')} corrected again from cache, "
        + (f"{batch.count('confirm')} checked and left as they were by the new corrections.yaml, " if batch.count("confirm") else "")
        + f"{batch.count('skip')} unchanged); {counted(sum(r.changes for r in ok if r.action != 'confirm'), 'correction')}, "
        f"{counted(batch.standing_flags, 'word')} flagged for review in the folder ({sum(r.flagged for r in ok if r.action not in ('skip', 'confirm'))} "
        "in the files done now)"
        + (f"; peak memory of a worker {batch.peak_worker_rss_mb:.0f} MB" if batch.peak_worker_rss_mb else "")
        + f". Outputs in {out}/",
        highlight=False,
    )
    _foreign_notice(console, sum(r.foreign_pages for r in ok), sum(1 for r in ok if r.foreign_pages))
    _edited_notice(console, out, {path: beside for r in batch.results for path, beside in r.edited},
                   "pass --overwrite-edited to replace edited files")
    if batch.stale_temporaries:
        console.print(f"Removed {counted(batch.stale_temporaries, 'temporary file')} an interrupted earlier run left in {out}.",
                      highlight=False)
    _left_over_notice(console, out, [r.rel for r in ok if r.action == "ocr"], options.output.formats)
    if batch.failed:
        _failure_table(console, [(r.rel, r.error or "") for r in batch.failed])
    if batch.interrupted:
        remaining = len(inputs_found) - len(batch.results)
        console.print("Interrupted: run the same command again to finish "
                      + (f"the remaining {counted(remaining, 'file')}." if remaining else "correcting the files against the whole folder."))
        raise typer.Exit(130)
    if batch.failed:
        raise BatchFailedError(f"{len(batch.failed)} of {len(inputs_found)} inputs failed (listed above)")


def _edited_notice(console, out: Path, edited: dict[str, str], cure: str) -> None:
    """Name, once each, the outputs edited by hand that were kept, and where their new versions went
    (``edited``: path -> new version's path, relative to ``out``); ``cure``: how to replace them."""
    for path, beside in sorted(edited.items()):
        console.print(f"warning: {out / path} was edited by hand since ocrfix wrote it; the new version is {out / beside}; "
                      f"{cure}", style="yellow", highlight=False, markup=False)


def _left_over_notice(console, out: Path, rewritten: list[str], formats: tuple[str, ...]) -> None:
    """Say where files read again kept outputs of other formats from an earlier run (a scan
    replaced, then read with --format txt: its old PDF still showed the old page). Files only
    corrected again are not named: that is every file of a run that changes --format."""
    from ..outputs import left_over_outputs

    left = [path for rel in rewritten for path in left_over_outputs(out, Path(rel), formats)]
    if left:
        shown = ", ".join(str(p.relative_to(out)) for p in left[:3]) + (" …" if len(left) > 3 else "")
        console.print(f"{counted(len(left), 'output')} of formats this run did not write ({shown}) left from an earlier "
                      "run may no longer match the files written now: delete them, or add their formats to --format.",
                      highlight=False)


def _failure_table(console, rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    table = Table(title="Failed inputs", show_lines=False)
    table.add_column("file", overflow="fold")
    table.add_column("reason", overflow="fold")
    for rel, reason in rows:
        table.add_row(rel, reason)
    console.print(table)


@app.command()
def status(
    out: Annotated[Path, typer.Argument(help="An output folder of `ocrfix process`.", show_default=False)],
    every: Annotated[bool, typer.Option("--all", help="List every pending and failed file, and every done file whose outputs are missing (by default the first 20 of each).")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show how far the work in an output folder has got (done, pending and failed inputs), and what
    the next run will redo and why (a new ocrfix, Tesseract, language data, corrections.yaml ...)."""
    from rich.console import Console
    from rich.table import Table

    from ..batch import done_without_outputs
    from ..errors import UsageError
    from ..workspace import open_workspace

    console = Console(markup=False)  # (names as they are: see _progress)
    unread = None
    with open_workspace(out, create=False) as ws:
        summary = ws.summary(None if every else 20)
        saved_parts = ws.saved_key_parts()
        try:
            saved_options = ws.run_options()
        except UsageError as e:
            saved_options, unread = None, e.message
        unsettled = ws.collection_unsettled()
        running = ws.run_in_progress()
        lost = done_without_outputs(ws, out, saved_options) if saved_options is not None else []
    table = Table(title=f"ocrfix workspace {out}")
    table.add_column("state")
    table.add_column("files", justify="right")
    table.add_column("pages", justify="right")
    for state in ("done", "pending", "failed"):
        table.add_row(state, str(summary.files(state)), str(summary.pages(state)) if state != "pending" else "")
    console.print(table)
    console.print(f"{counted(summary.flagged, 'word')} flagged for review; {summary.ocr_seconds:.0f} s of OCR cached.", highlight=False)
    done_pages = summary.pages("done")
    if done_pages:
        proofread, in_progress = summary.proofreading.get("proofread", 0), summary.proofreading.get("in progress", 0)
        console.print(f"Proofreading (`ocrfix review`, page view): {proofread} of {done_pages} pages proofread, "
                      f"{in_progress} in progress, {done_pages - proofread - in_progress} not started.", highlight=False)
    if summary.failed:
        # (a batch of thousands that all failed printed a row for each: 15,000 lines, 3.7 s)
        _failure_table(console, summary.failed)
        if (more := summary.files("failed") - len(summary.failed)) > 0:
            console.print(f"… and {more} more failed (--all lists every one)", highlight=False)
    pending = summary.files("pending")
    if pending:
        listed = summary.pending_listed
        console.print("Pending: " + ", ".join(listed) + _more(pending, len(listed)), highlight=False)
    if lost:
        listed = lost if every else lost[:20]
        console.print(f"{counted(len(lost), 'done file')} {'has' if len(lost) == 1 else 'have'} outputs missing (deleted by hand?): "
                      + ", ".join(listed) + _more(len(lost), len(listed))
                      + "; the next `ocrfix process` of this folder writes them again.", highlight=False)
    if saved_parts and saved_options is not None:
        _next_run(console, saved_parts, saved_options, summary)
    elif saved_parts and unread is not None:
        console.print(f"Cannot tell what the next run will redo: {unread}.", highlight=False)
    if running:
        console.print("A run is using this folder now: the figures are as far as it has got.", highlight=False)
    elif unsettled:
        console.print("The last run stopped before its end: the next corrects the done files it is given again "
                      "against the whole folder (from the cache, no OCR), as one uninterrupted run would have them.",
                      highlight=False)


def _more(total: int, listed: int) -> str:
    """" … and N more (--all lists every one)" after a list of ``listed`` of ``total`` names; "" where
    it has them all."""
    return f" … and {total - listed} more (--all lists every one)" if total > listed else ""


def _next_run(console, saved_parts: dict[str, str], options, summary) -> None:
    """Say what the next `ocrfix process` of this folder will redo, and why."""
    from ..batch import correction_key, pending_work
    from ..corrections import load_corrections
    from ..engine import engine_for
    from ..errors import OcrfixError

    try:
        corrections = load_corrections(options.correct.corrections_file)
        read_again, correct_again = pending_work(saved_parts, options, corrections, engine_for(options.ocr))
    except OcrfixError as e:
        console.print(f"Cannot tell what the next run will redo: {e}", highlight=False)
        return
    cached_pages = summary.cached_pages
    # (files a stopped or failing run left unread are read by the next whatever changed: "no OCR"
    # was said of a folder with thousands of them)
    unread = summary.unread_files
    unread_files = f"the {counted(unread, 'file')} not read yet (pending or failed)"
    no_ocr = f"only {unread_files} {'is' if unread == 1 else 'are'} read" if unread else "no OCR"
    if read_again:
        console.print(f"{'; '.join(read_again)}: {counted(cached_pages, 'page')} to read again"
                      + (f", and {unread_files}" if unread else "") + ".", highlight=False)
    elif correct_again:
        only_entries = all(change.startswith("corrections.yaml") for change in correct_again)
        console.print(f"{'; '.join(correct_again)}: {counted(cached_pages, 'page')} to correct again from the cache"
                      + (" (those the new entries cannot change are only checked)" if only_entries else "")
                      + f"; OCR unchanged: {no_ocr}.", highlight=False)
    elif (behind := summary.done_not_with(correction_key(options, corrections)))[0]:
        # (a run with new settings stopped before its end: the files it had not reached yet)
        console.print(f"The last run's settings reached only part of the folder: {counted(behind[0], 'file')} "
                      f"({counted(behind[1], 'page')}) to correct again from the cache with them; OCR unchanged: {no_ocr}.",
                      highlight=False)
    else:
        console.print("Nothing that shapes the results changed since the last run: it would redo only new or changed inputs"
                      + (f" and read {unread_files}" if unread else "") + ".", highlight=False)


@app.command()
def correct(
    files: Annotated[list[Path], typer.Argument(help="Existing OCR files: plain text (UTF-8, or UTF-16 with a byte-order mark; other encodings are refused: convert them to UTF-8 first), hOCR (such as Tesseract's 'tesseract scan.png out hocr'), ALTO XML or PAGE XML (OCR-D, eScriptorium, kraken, Transkribus).", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write each result into folder OUT (under the input's name) instead of printing it.")] = None,
    to: Annotated[str, typer.Option("--to", help="Output format: same (as the input), txt, json, hocr, alto or page (PAGE XML, a file a page). hOCR, ALTO and PAGE XML into their own format are the input file edited in place: only the corrected words' text changes (and the run is recorded in ALTO's and PAGE's metadata). From plain text these have no word boxes, and PAGE XML, which needs them, is refused.")] = "same",
    rejoin_lines: Annotated[bool, typer.Option("--rejoin-lines/--no-rejoin-lines", help="hOCR, ALTO and PAGE input: join pieces of one typed line that the OCR read as separate lines.")] = True,
    corrections: CorrectionsOpt = Path("corrections.yaml"),
    lang: LangOpt = "eng",
    dictionaries: DictionariesOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Correct existing OCR files (no scans needed).

    From hOCR, ALTO or PAGE XML the corrector also has each word's confidence, and lines that the OCR cut
    into pieces are joined again by their boxes; plain text has neither. The files of one run are
    one collection: a spelling or name they use again and again is taken as theirs, not corrected,
    and the slips their OCR engine makes again and again ("li" for "h") are learned from them.
    """
    from pydantic import ValidationError

    from ..collection import CollectionModel
    from ..correction_worker import foreign_pages
    from ..corrections import load_corrections
    from ..errors import InputFileError, UsageError
    from ..export.text import text_in_layout
    from ..files import atomic_write, unreadable, utf8_text
    from ..export.inplace import edit_in_place
    from ..layout import rejoin_page_traced
    from ..ocr_files import read_ocr_source
    from ..options import CorrectOptions, validation_message
    from ..outputs import output_paths, page_file, serialise, write_format
    from ..memory import long_lived
    from ..process import correct_document

    formats = ("same", "txt", "json", "hocr", "alto", "page")
    if out is not None:
        _output_folder(out)
    to = to.strip().lower()
    if to not in formats:
        raise UsageError(f"--to {to}: choose from {', '.join(formats)}")
    # Another engine's OCR: its slips are learned from the files too.
    try:
        options = CorrectOptions(corrections_file=corrections, lang=lang, learn_channel=True,
                                 **({"dictionary_dir": dictionaries} if dictionaries else {}))
    except ValidationError as e:
        raise UsageError(validation_message(e)) from e
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True)
    _language_notice(console, options)
    loaded = load_corrections(corrections)
    # All files first: together they are the collection whose own vocabulary the corrector learns.
    read = []
    collection = CollectionModel()
    foreign = []
    # One file given twice (a glob and its name) is one document, as `ocrfix process` takes it: read
    # twice, it counted double in the collection and was refused as two results for one file.
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    files = list(unique.values())
    # (No bar where the corrected text itself goes to the terminal: the two would mix.)
    with _files_progress(console, len(files) if out is not None or not sys.stdout.isatty() else 0) as advance:
        # They live until the run ends: made with the cycle collector paused and then kept out of
        # its sight (it went over all of them again and again while they were read and corrected).
        with long_lived():
            for file in files:
                if file.is_dir():
                    raise UsageError(f"is a folder: give the OCR files in it ({file / '*.hocr'}, {file / '*.txt'}, ...)",
                                     path=file)
                try:
                    data = file.read_bytes()
                except OSError as e:
                    raise unreadable(file, e) from e
                doc, kind, source = read_ocr_source(file, data)
                del source  # (read again when its result is written: the trees of a whole run need not stay)
                # Text corrected into text keeps the file's own layout (text_in_layout).
                original = utf8_text(file, data) if kind == "txt" else None
                if kind == "txt" and to == "page":
                    raise UsageError("--to page: PAGE XML needs to know where the words are, and plain text does not "
                                     "say; choose txt, json, hocr or alto", path=file)
                # hOCR, ALTO and PAGE corrected into their own format are the input edited in place
                # (export/inplace.py): its tree, the document as read, and where each word read stands.
                in_place = None
                if kind != "txt" and to in ("same", kind):
                    in_place = (doc, [[[[(li, wi)] for wi in range(len(line.words))]
                                       for li, line in enumerate(page.lines)] for page in doc.pages])
                if kind != "txt" and rejoin_lines:
                    traced = [rejoin_page_traced(p) for p in doc.pages]
                    if in_place is not None:
                        in_place = (in_place[0], [origins for _page, origins in traced])
                    doc = doc.model_copy(update={"pages": [page for page, _origins in traced]})
                collection.add_document(doc.pages)
                read.append((file, doc, kind, original, in_place))
                advance("reading")
        def target(file: Path, fmt: str, kind: str) -> Path:
            # The same format keeps the input's name; another takes process's name for it (x.alto.xml).
            return out / file.name if fmt == kind else output_paths(out, Path(file.name))[fmt]

        if out is not None:
            # Before anything is written: no result over an input, nor two results in one file.
            inputs = {file.resolve(): file for file, *_rest in read}
            written: dict[Path, Path] = {}
            for file, _doc, kind, *_rest in read:
                path = target(file, kind if to == "same" else to, kind)
                if path.resolve() in inputs:
                    raise UsageError(f"{file}: its result would be written over the input {inputs[path.resolve()]}; "
                                     "give another output folder (-o)")
                if path.resolve() in written:
                    raise UsageError(f"{written[path.resolve()]} and {file} would both be written to {path}; "
                                     "correct them into different output folders")
                written[path.resolve()] = file
        # Into an output folder of `ocrfix process`: its outputs edited by hand are kept there too,
        # and what this writes is recorded as ocrfix's.
        guard = _output_guard(out, [page_file(target(file, fmt, kind), i)
                                    for file, doc, kind, _text, _in_place in read
                                    for fmt in [kind if to == "same" else to]
                                    for i in range(len(doc.pages) if fmt == "page" else 1)]) if out is not None else None
        try:
            for n, (file, doc, kind, original, in_place) in enumerate(read, 1):
                fixed = correct_document(doc, options, loaded, collection)
                foreign.append(foreign_pages(fixed))
                fmt = kind if to == "same" else to
                # (plain text as it was but for the words changed: its line ends, tabs, spaces, blank lines)
                laid_out = text_in_layout(original, fixed) if fmt == "txt" and original is not None else None
                if in_place is not None:
                    as_read, origins = in_place
                    try:
                        data = file.read_bytes()
                    except OSError as e:
                        raise unreadable(file, e) from e
                    again, _kind, source = read_ocr_source(file, data)
                    if again != as_read or source is None:
                        raise InputFileError("changed while it was being corrected; run ocrfix correct on it again", path=file)
                    edited = edit_in_place(source, as_read, doc, origins, fixed)
                    if edited.not_placed:
                        console.print(f"warning: {file}: {counted(edited.not_placed, 'correction')} could not be put in "
                                      "the file (words of a line held as marked-up text): left as read there",
                                      style="yellow", highlight=False, markup=False)
                    # Nothing changed: the input as it is, byte for byte (a checksum still says so).
                    laid_out = edited.data if edited.data is not None else data
                if out is None:
                    result = laid_out if laid_out is not None else serialise(fixed, fmt)
                    if isinstance(result, bytes) and in_place is not None:
                        sys.stdout.flush()
                        sys.stdout.buffer.write(result)  # (in the file's own encoding)
                        sys.stdout.buffer.flush()
                        advance("correcting")
                        continue
                    text = result if isinstance(result, str) else result.decode("utf-8")
                    if laid_out is not None and n < len(read) and text and not text.endswith(("\n", "\r", "\f")):
                        # (a text's last line without a line end ran into the next file's first line)
                        text += "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
                    sys.stdout.write(text)
                elif laid_out is not None:
                    if guard is None:
                        atomic_write(target(file, fmt, kind), laid_out)
                    else:
                        guard.write(target(file, fmt, kind), laid_out)
                else:
                    write_format(fixed, fmt, target(file, fmt, kind), guard=guard)
                advance("correcting")
        finally:
            if guard is not None and guard.written:  # (what was written before a failure too)
                _record_outputs(out, guard)
    if guard is not None:
        _edited_notice(console, out, {w.path: w.beside for w in guard.written if w.beside is not None},
                       "delete it (or move it) and run again to replace it")
    _foreign_notice(console, sum(foreign), sum(1 for n in foreign if n))


def _output_guard(out: Path, paths: list[Path]):
    """An OutputGuard of ``paths`` in ``out`` where ``out`` is an output folder of `ocrfix process`
    (one with a workspace, which records what ocrfix wrote there); None elsewhere."""
    from ..outputs import OutputGuard, _further_page_files
    from ..workspace import WORKSPACE_DIR, open_workspace

    if not (out / WORKSPACE_DIR / "workspace.sqlite").exists():
        return None
    # (and the further page files a longer read left beside a PAGE file: writing it removes them,
    # but for one edited by hand, which only its record tells)
    paths = [*paths, *(further for p in paths for further in _further_page_files(p))]
    with open_workspace(out, create=False) as ws:
        return OutputGuard(out, ws.output_records(paths=[p.relative_to(out).as_posix() for p in paths]))


def _record_outputs(out: Path, guard) -> None:
    """Record in ``out``'s workspace what ``guard`` wrote (as no input's: an input's record is kept)."""
    from ..workspace import open_workspace

    with open_workspace(out, create=False) as ws:
        ws.record_outputs(None, guard.written)
        ws.commit()


def _output_folder(out: Path) -> None:
    """UsageError where ``-o`` names something other than a folder (or a folder to be made)."""
    from ..errors import UsageError

    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: is a file; give the folder the outputs go into")


def _debug_folder(folder: Path | None) -> None:
    """UsageError where ``--debug-images`` names something other than a folder (or one to be made):
    every input failed alone, after its decoding and measuring, "cannot write debug images"."""
    from ..errors import UsageError

    if folder is not None and folder.exists() and not folder.is_dir():
        raise UsageError(f"--debug-images {folder}: is a file; give the folder the stage images go into")


@contextlib.contextmanager
def _files_progress(console, total: int):
    """``advance(stage)`` moves a progress bar of ``total`` files for that stage ("reading", then
    "correcting") on a terminal (stderr), gone when done; elsewhere, and for one file, it does
    nothing. It leaves stdout alone (rich would otherwise catch what is written there and show it
    on its own console, stderr: ``ocrfix correct *.txt > all.txt`` would lose the text)."""
    if not console.is_terminal or total < 2:
        yield lambda stage: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as progress:
        tasks: dict[str, int] = {}

        def advance(stage: str) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.advance(tasks[stage])

        yield advance


# What `ocrfix preprocess -o` writes, by the name's suffix (OpenCV's encoders).
_IMAGE_WRITES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".webp")
# The most pixels a side those formats hold (beyond it OpenCV's encoder fails with its own log lines).
_MOST_PIXELS_A_SIDE = {".webp": 16383, ".jpg": 65500, ".jpeg": 65500}


@app.command("preprocess")
def preprocess_cmd(
    image: Annotated[Path, typer.Argument(help="One scan (the first page of a multi-page file).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the preprocessed image (PNG).")],
    preprocess_mode: Annotated[str, typer.Option("--preprocess", help="auto, off, or a comma-separated list of steps.")] = "auto",
    debug_images: Annotated[Optional[Path], typer.Option("--debug-images", help="Also write each preprocessing stage's image to this folder.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Show what preprocessing does to one scan: writes the image Tesseract would read."""
    import cv2

    from ..errors import InputFileError, OutputError, UsageError
    from ..ingest import load_pages
    from pydantic import ValidationError

    from ..options import PreprocessOptions, validation_message
    from ..preprocess import preprocess

    _debug_folder(debug_images)
    try:
        options = PreprocessOptions(mode=preprocess_mode, debug_dir=debug_images)
    except ValidationError as e:
        raise UsageError(validation_message(e)) from e
    # In the format its name says (PNG bytes named clean.jpg were written before, session 18).
    suffix = out.suffix.lower() or ".png"
    if suffix not in _IMAGE_WRITES:
        raise UsageError(f"-o names a {suffix} file; write one of {', '.join(sorted(_IMAGE_WRITES))}", path=out)
    if out.resolve() == image.resolve():
        # (the master scan was replaced by the cleaned image, with no word said)
        raise UsageError("-o names the scan itself: the cleaned image would be written over the scan; give another name",
                         path=out)
    first = next(iter(load_pages(image)), None)
    if first is None:
        raise InputFileError("has no pages", path=image)
    result = preprocess(
        first.image, first.dpi, options, name=image.stem,
        pixel_aspect=first.pixel_aspect, stated_turn=first.stated_turn,
    )
    height, width = result.image.shape[:2]
    most = _MOST_PIXELS_A_SIDE.get(suffix)
    if most is not None and max(width, height) > most:
        raise OutputError(f"the image is {width} x {height} px and {suffix} holds at most {most} px a side; write .png or .tif",
                          path=out)
    ok, data = cv2.imencode(suffix, result.image)
    if not ok:
        raise OutputError(f"could not encode the image as {suffix}", path=out)
    from ..files import atomic_write

    atomic_write(out, data.tobytes())
    for step in result.steps:
        typer.echo(f"{step.name}: {step.reason} {step.params if step.params else ''}".rstrip())
    typer.echo(f"wrote {out}")
