"""Correcting one cached read and writing its outputs, wherever that runs: in this process, or in
the correction workers of a re-correction from the cache (which send back only ``Corrected``).

The corrector and the exporters are imported where a file is corrected, not with this module
(the batch imports it for ``ocrfix status`` too).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing.context
import multiprocessing.queues
import os
import pickle
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .files import remove_own_temporaries

if TYPE_CHECKING:
    from .collection import CollectionModel
    from .corrections import Corrections
    from .model import Document
    from .options import Options
    from .outputs import OutputGuard, Written
    from .workspace import Outcome

__all__ = ["Corrected", "correct_and_write", "start_worker", "start_correction_worker", "correct_cached", "worker_context"]


@dataclass(frozen=True)
class Corrected:
    """A document corrected and its outputs written: what the coordinator records of it (small: a
    worker sends this, not the document)."""

    outcome: Outcome
    pages: int
    text_hash: str
    notes: tuple[str, ...]
    dependencies: bytes | None  # ``Dependencies.to_blob()``; None: none recorded
    seconds: float
    # False: it came out as the text it had (``unless_text``), and its outputs were left as they were
    written: bool = True
    # pages the corrector left as read: their words are not the dictionaries' language
    foreign_pages: int = 0
    # what was made of each output file, for the workspace's record (``outputs.OutputGuard``)
    outputs: tuple[Written, ...] = ()


def correct_and_write(raw: Document, rel: str, input_path: Path | None, options: Options, corrections: Corrections,
                      collection: CollectionModel | None, dependency_key: str, out_dir: Path,
                      unless_text: str | None = None, earlier: bytes | None = None,
                      guard: OutputGuard | None = None) -> Corrected:
    """Correct one document and write its outputs. ``unless_text``: the hash of the text it was
    corrected to before; the same text again is not written again. ``earlier``: the record of
    dependencies of its last correction (its decisions that still hold are not made again).
    ``guard``: what ocrfix last made of its outputs (a file edited by hand since gets its new version
    beside it), which gathers what is written (None: no record, every file overwritten). Raises
    OcrfixError."""
    from .dependencies import Dependencies
    from .outputs import OutputGuard, write_document
    from .process import correct_document_recorded
    from .workspace import Outcome

    started = time.perf_counter()
    seed = None if earlier is None else Dependencies.from_blob(earlier)
    doc, deps = correct_document_recorded(raw, options.correct, corrections, collection, dependency_key, seed)
    text_hash = corrected_text_hash(doc)
    written = unless_text is None or text_hash != unless_text
    # Everything the record needs is made before the outputs are written: between the writing and
    # the record a stop costs the file its completion (it is corrected again), so that stays short.
    from .review.queue import file_queue

    queue = file_queue(rel, str(input_path or ""), raw, doc, corrections)
    outcome = Outcome.of(doc, queue.to_blob(), dict(queue.forms))
    notes = tuple(f"page {p.index + 1}: {s.reason}" for p in doc.pages for s in p.steps if s.name == "input")
    blob = None if deps is None else deps.to_blob()
    guard = guard if guard is not None else OutputGuard(out_dir, {}, options.output.overwrite_edited)
    if written:
        write_document(doc, out_dir, Path(rel), options.output.formats, text_doc=raw if options.output.raw else None,
                       pdf_a=options.output.pdf_a, input_path=input_path, guard=guard)
    return Corrected(outcome=outcome, pages=len(doc.pages), text_hash=text_hash, notes=notes, dependencies=blob,
                     seconds=time.perf_counter() - started, written=written, foreign_pages=foreign_pages(doc),
                     outputs=tuple(guard.written))


def foreign_pages(doc: Document) -> int:
    """How many pages the corrector left as read because their words are not the dictionaries'
    language (``correct.language.foreign_language``)."""
    from .model import LANGUAGE_STEP

    return sum(any(step.name == LANGUAGE_STEP for step in page.steps) for page in doc.pages)


def corrected_text_hash(doc: Document) -> str:
    """What a corrected document says, word by word with its flags, suggestions and p_wrong (what
    its outputs are made of: p_wrong is in the JSON and in ALTO's WC)."""
    digest = hashlib.sha256()
    for page in doc.pages:
        for word in page.words:
            digest.update(f"{word.text}\x00{int(word.flagged)}\x00{'|'.join(word.suggestions)}\x00{word.p_wrong}\x01".encode())
    return digest.hexdigest()


def worker_context() -> multiprocessing.context.BaseContext:
    """The forkserver context workers start from, its server started now (if it is not running) with
    Ctrl-C ignored, where this is the main thread. A terminal's Ctrl-C reaches every process of its
    group, and the forkserver, and each worker it forks until its initializer (``start_worker``) has
    run, are in it: a server starting took it (a traceback, 'Fatal Python error'), and so did a
    worker forked with Python's Ctrl-C handler, which the server gives its children back. A server
    started with Ctrl-C ignored keeps it so (Python leaves an ignored SIGINT alone), and so do they."""
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    if threading.current_thread() is not threading.main_thread():
        return context  # (signals are the main thread's to set)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()  # (a moment: it does not wait for the server)
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    return context


def start_worker(niceness: int = 0) -> None:
    """Every worker's start (OCR and correction): workers leave Ctrl-C to the coordinating process,
    which stops them itself; each leads a process group of its own, so that stopping it stops the
    Tesseract it is running too; and each ends with the coordinating process. ``niceness``: how much
    lower it runs (review's regeneration, behind the page a person waits for)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness:
        with contextlib.suppress(OSError, AttributeError):  # (no os.nice on Windows)
            os.nice(niceness)
    with contextlib.suppress(OSError):
        os.setpgrp()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), name="ocrfix-end-with-coordinator", daemon=True).start()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    """Wait for the coordinating process to end, then end this worker and the Tesseract it runs.
    A `kill -9` of the coordinator, or the hangup of a dropped SSH session (which reaches its
    process group only), left the workers running, in groups of their own, each holding its memory
    (four processes and 280 MB a time; session 19's sweep)."""
    parent.join()  # (its sentinel: readable once the coordinator is gone)
    with contextlib.suppress(OSError):
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


# What a correction worker's initializer leaves for its tasks (empty in every other process).
_SHARED: dict = {}


# How long a correction worker waits for its copy of the shared state, which the coordinator
# queued before starting it: only a broken hand-over takes longer (the worker then fails to start
# and the coordinator corrects the files itself).
HANDOVER_TIMEOUT_S = 300


def start_correction_worker(handover: multiprocessing.queues.Queue) -> None:
    """A correction worker's start. It takes from ``handover`` the pickled (options, corrections,
    collection model as JSON or None, dependency key, output folder, the collection's own words or
    None) that every file it corrects shares, and parses it once (the collection model as one
    object, so that the corrector's decisions memo serves every file it corrects)."""
    from .collection import CollectionModel

    start_worker()
    signal.signal(signal.SIGTERM, _stopped)
    options, corrections, collection_json, base, out_dir, own_forms = pickle.loads(handover.get(timeout=HANDOVER_TIMEOUT_S))
    collection = None if collection_json is None else CollectionModel.from_json(collection_json)
    if collection is not None and own_forms is not None:
        from .correct import adopt_collection_own_forms
        from .process import corrector_for

        adopt_collection_own_forms(corrector_for(options.correct, corrections).with_collection(collection), own_forms)
    _SHARED.update(options=options, corrections=corrections, base=base, out_dir=out_dir, collection=collection)


def _stopped(signum: int, _frame) -> None:
    """A correction worker's SIGTERM (the coordinator's stop, ``_stop_worker``): it ends at once, as
    by default, but without the temporary file of an output it was writing, which stayed in the
    output folder until the next run."""
    remove_own_temporaries()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def correct_cached(rel: str, raw_json: bytes, input_path: Path | None, unless_text: str | None,
                   earlier: bytes | None, recorded: Mapping[str, tuple[int, str]] | None = None,
                   ) -> tuple[Corrected | None, str | None, tuple[Written, ...]]:
    """Correct one cached read in a correction worker and write its outputs (``correct_and_write``):
    (what the workspace records of it, or the error with the outputs written before it). The
    coordinator has already cleared the file's correction."""
    from .errors import OcrfixError
    from .model import Document
    from .outputs import OutputGuard

    guard = OutputGuard(_SHARED["out_dir"], recorded or {}, _SHARED["options"].output.overwrite_edited)
    try:
        corrected = correct_and_write(Document.model_validate_json(raw_json), rel, input_path, _SHARED["options"],
                                      _SHARED["corrections"], _SHARED["collection"], _SHARED["base"],
                                      _SHARED["out_dir"], unless_text, earlier, guard)
    except OcrfixError as e:
        return None, str(e), tuple(guard.written)
    return corrected, None, ()
