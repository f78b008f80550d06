"""Runs many input files: OCR and correction in a pool of worker processes, outputs written as each
file finishes, failures recorded with their reason instead of stopping the batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OcrfixError
from .options import Options
from .outputs import write_document
from .overrides import Corrections

__all__ = ["FileResult", "BatchResult", "process_file", "run_batch"]


@dataclass
class FileResult:
    rel: Path
    ok: bool
    pages: int = 0
    error: str | None = None
    seconds: float = 0.0
    flagged: int = 0
    changes: int = 0


@dataclass
class BatchResult:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.results)


def process_file(path: Path, rel: Path, out_dir: Path, options: Options, corrections: Corrections) -> FileResult:
    """OCR, correct and write one input file. Errors of ocrfix's own become a failed result."""
    from .process import correct_document, ocr_document  # heavy imports, in the worker

    started = time.perf_counter()
    try:
        raw = ocr_document(path, str(rel), options)
        doc = correct_document(raw, options.correct, corrections)
        write_document(doc, out_dir, rel, options.output.formats, text_doc=raw if options.output.raw else None)
    except OcrfixError as e:
        return FileResult(rel=rel, ok=False, error=str(e), seconds=time.perf_counter() - started)
    pages = doc.pages
    return FileResult(
        rel=rel,
        ok=True,
        pages=len(pages),
        seconds=time.perf_counter() - started,
        flagged=sum(w.flagged for p in pages for w in p.words),
        changes=sum(len(p.changes) for p in pages),
    )


def run_batch(
    inputs: list[tuple[Path, Path]],
    out_dir: Path,
    options: Options,
    corrections: Corrections,
    on_done: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Process every input with ``options.workers`` processes; call ``on_done`` as each file finishes."""
    result = BatchResult()

    def record(file_result: FileResult) -> None:
        result.results.append(file_result)
        if on_done is not None:
            on_done(file_result)

    if options.workers == 1 or len(inputs) == 1:
        for path, rel in inputs:
            record(process_file(path, rel, out_dir, options, corrections))
        return result

    with ProcessPoolExecutor(max_workers=options.workers) as pool:
        pending: dict[Future[FileResult], Path] = {
            pool.submit(process_file, path, rel, out_dir, options, corrections): rel for path, rel in inputs
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    rel = pending.pop(future)
                    try:
                        record(future.result())
                    except Exception as e:  # a worker crash must not lose the rest of the batch
                        record(FileResult(rel=rel, ok=False, error=f"{rel}: worker failed ({type(e).__name__}: {e})"))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return result
