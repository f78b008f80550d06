"""Writes a document's outputs beside each other, every file atomically (temporary file + rename),
so an interrupted run leaves only whole files."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputError
from .export import document_text
from .model import Document

__all__ = ["atomic_write", "output_paths", "write_document"]


@functools.cache
def _default_mode() -> int:
    # The umask can only be read by setting it; done once per process.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return _default_mode()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write here ({e.strerror})", path=path.parent) from e
    try:
        # mkstemp makes the file private (0600); give it the mode the file had, or the usual one.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        reason = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
        raise OutputError(f"cannot write the output ({reason}); nothing was left half-written", path=path) from e


def output_paths(out_dir: Path, rel: Path) -> dict[str, Path]:
    stem = out_dir / rel.parent / rel.stem
    return {
        "txt": stem.with_name(stem.name + ".txt"),
        "json": stem.with_name(stem.name + ".json"),
        "alto": stem.with_name(stem.name + ".alto.xml"),
        "hocr": stem.with_name(stem.name + ".hocr"),
        "pdf": stem.with_name(stem.name + ".pdf"),
    }


def write_document(
    doc: Document,
    out_dir: Path,
    rel: Path,
    formats: tuple[str, ...],
    text_doc: Document | None = None,
    input_path: Path | None = None,
) -> list[Path]:
    """Write the chosen formats for one input; ``text_doc`` (e.g. the raw OCR) overrides the text of
    every format but the JSON (so .txt, ALTO, hOCR and PDF always hold the same words).

    ``input_path`` is the input file, whose page images the PDF output needs.
    """
    paths = output_paths(out_dir, rel)
    written: list[Path] = []
    for fmt in formats:
        content = serialise(text_doc or doc if fmt != "json" else doc, fmt, input_path, paths[fmt])
        atomic_write(paths[fmt], content)
        written.append(paths[fmt])
    return written


def serialise(doc: Document, fmt: str, input_path: Path | None = None, path: Path | None = None) -> str | bytes:
    """One Document in one output format (``path``, where it will go, only names it in errors)."""
    if fmt == "txt":
        return document_text(doc)
    if fmt == "json":
        return doc.model_dump_json(indent=1)
    from . import export

    writer = getattr(export, f"to_{fmt}", None)
    if writer is None:
        raise OutputError(f"the {fmt} output format is not available in this version")
    if fmt == "pdf":
        if input_path is None:
            raise OutputError("the pdf output needs the input file's page images; its path is not known", path=path)
        return writer(doc, input_path)
    return writer(doc)
