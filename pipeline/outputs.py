"""Writes a document's outputs beside each other, every file atomically (temporary file + rename),
so an interrupted run leaves only whole files."""

from __future__ import annotations

from pathlib import Path

from .errors import OutputError
from .export import document_text
from .files import atomic_write
from .model import Document

__all__ = ["output_paths", "write_document"]


def output_paths(out_dir: Path, rel: Path) -> dict[str, Path]:
    stem = out_dir / rel.parent / rel.stem
    return {
        "txt": stem.with_name(stem.name + ".txt"),
        "json": stem.with_name(stem.name + ".json"),
        "alto": stem.with_name(stem.name + ".alto.xml"),
        "hocr": stem.with_name(stem.name + ".hocr"),
        "pdf": stem.with_name(stem.name + ".pdf"),
    }


def left_over_outputs(out_dir: Path, rel: Path, formats: tuple[str, ...]) -> list[Path]:
    """The outputs of one input in formats other than ``formats`` that an earlier run left: once
    its outputs are written again, they may no longer say what the new ones say."""
    return [path for fmt, path in output_paths(out_dir, rel).items() if fmt not in formats and path.is_file()]


def write_document(
    doc: Document,
    out_dir: Path,
    rel: Path,
    formats: tuple[str, ...],
    text_doc: Document | None = None,
    input_path: Path | None = None,
    pdf_a: str = "2b",
) -> list[Path]:
    """Write the chosen formats for one input; ``text_doc`` (e.g. the raw OCR) overrides the text of
    every format but the JSON (so .txt, ALTO, hOCR and PDF always hold the same words).

    ``input_path`` is the input file, whose page images the PDF output needs.
    """
    paths = output_paths(out_dir, rel)
    written: list[Path] = []
    for fmt in formats:
        content = serialise(text_doc or doc if fmt != "json" else doc, fmt, input_path, paths[fmt], pdf_a)
        atomic_write(paths[fmt], content)
        written.append(paths[fmt])
    return written


def serialise(doc: Document, fmt: str, input_path: Path | None = None, path: Path | None = None, pdf_a: str = "2b") -> str | bytes:
    """One Document in one output format (``path``, where it will go, only names it in errors;
    ``pdf_a``: the PDF/A flavour of a PDF, or "off")."""
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
        return writer(doc, input_path, pdf_a=pdf_a)
    return writer(doc)
