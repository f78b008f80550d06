"""Writes a document's outputs beside each other, every file atomically (temporary file + rename),
so an interrupted run leaves only whole files."""

from __future__ import annotations

from pathlib import Path

from .errors import OutputError
from .export import document_text
from .files import atomic_write
from .model import Document

__all__ = ["output_paths", "page_file", "serialise", "serialise_files", "write_document", "write_format"]


def output_paths(out_dir: Path, rel: Path) -> dict[str, Path]:
    stem = out_dir / rel.parent / rel.stem
    return {
        "txt": stem.with_name(stem.name + ".txt"),
        "json": stem.with_name(stem.name + ".json"),
        "alto": stem.with_name(stem.name + ".alto.xml"),
        "hocr": stem.with_name(stem.name + ".hocr"),
        "pdf": stem.with_name(stem.name + ".pdf"),
        # (PAGE holds one page: a multi-page input's further pages go beside it, page_files)
        "page": stem.with_name(stem.name + ".page.xml"),
    }


def page_file(path: Path, index: int) -> Path:
    """Where page ``index`` (0-based) of a document goes in PAGE XML, one file a page: the first at
    NAME.page.xml, which says the input is done, the others at NAME.page-0002.xml and on."""
    return path if index == 0 else path.with_name(f"{path.name[: -len('.page.xml')]}.page-{index + 1:04d}.xml")


def left_over_outputs(out_dir: Path, rel: Path, formats: tuple[str, ...]) -> list[Path]:
    """The outputs of one input in formats other than ``formats`` that an earlier run left: once
    its outputs are written again, they may no longer say what the new ones say."""
    paths = output_paths(out_dir, rel)
    left = [path for fmt, path in paths.items() if fmt not in formats and path.is_file()]
    if "page" not in formats:
        left += _further_page_files(paths["page"])
    return left


def _further_page_files(path: Path) -> list[Path]:
    """The PAGE files of a document's second and later pages beside its first at ``path``."""
    if not path.name.endswith(".page.xml"):  # (PAGE corrected into PAGE keeps its own name: one page)
        return []
    return sorted(p for p in path.parent.glob(f"{_glob_escape(path.name[: -len('.page.xml')])}.page-[0-9][0-9][0-9][0-9].xml")
                  if p.is_file())


def remove_stale_page_files(path: Path, written: list[Path]) -> None:
    """Remove the further PAGE files an earlier, longer read of the input left beside ``path`` (a
    scan of two pages replaced by one of one): they are this format's files and no longer its pages."""
    for stale in _further_page_files(path):
        if stale not in written:
            stale.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


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
        written += write_format(text_doc or doc if fmt != "json" else doc, fmt, paths[fmt], input_path, pdf_a)
    return written


def write_format(doc: Document, fmt: str, path: Path, input_path: Path | None = None, pdf_a: str = "2b") -> list[Path]:
    """Write one Document in one format whose file is ``path`` (for PAGE XML: a file a page, and the
    further-page files an earlier, longer read left removed); the files written."""
    written: list[Path] = []
    for file, content in serialise_files(doc, fmt, path, input_path, pdf_a):
        atomic_write(file, content)
        written.append(file)
    if fmt == "page":
        remove_stale_page_files(path, written)
    return written


def serialise_files(doc: Document, fmt: str, path: Path, input_path: Path | None = None,
                    pdf_a: str = "2b") -> list[tuple[Path, str | bytes]]:
    """The files of one Document in one format, where ``path`` is its file: one, or for PAGE XML
    one a page (``page_file``)."""
    if fmt == "page":
        from .export.page import to_page

        _positions_for_page(doc, path)
        return [(page_file(path, i), to_page(doc, i)) for i in range(len(doc.pages))]
    return [(path, serialise(doc, fmt, input_path, path, pdf_a))]


def serialise(doc: Document, fmt: str, input_path: Path | None = None, path: Path | None = None, pdf_a: str = "2b") -> str | bytes:
    """One Document in one output format (``path``, where it will go, only names it in errors;
    ``pdf_a``: the PDF/A flavour of a PDF, or "off")."""
    if fmt == "txt":
        return document_text(doc)
    if fmt == "json":
        return doc.model_dump_json(indent=1)
    if fmt == "page":
        from .export.page import to_page

        _positions_for_page(doc, path)
        if len(doc.pages) != 1:
            raise OutputError(f"PAGE XML holds one page and this document has {len(doc.pages)}: "
                              "write it into an output folder (-o), where each page gets its own file", path=path)
        return to_page(doc)
    from . import export

    writer = getattr(export, f"to_{fmt}", None)
    if writer is None:
        raise OutputError(f"the {fmt} output format is not available in this version")
    if fmt == "pdf":
        if input_path is None:
            raise OutputError("the pdf output needs the input file's page images; its path is not known", path=path)
        return writer(doc, input_path, pdf_a=pdf_a)
    return writer(doc)


def _positions_for_page(doc: Document, path: Path | None) -> None:
    from .export.page import page_boxed, page_has_positions

    for page in doc.pages:
        if page_has_positions(page):
            continue
        # (OCR with boxes whose page has no size: an hOCR page without its bbox, ALTO without WIDTH)
        said = (f"the page's size, and page {page.index + 1} of the input does not say it" if page_boxed(page)
                else "to know where the words are, and plain text does not say")
        raise OutputError(f"PAGE XML needs {said}: choose txt, json, hocr or alto", path=path)
