"""Writes a document's outputs beside each other, every file atomically (temporary file + rename),
so an interrupted run leaves only whole files."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import OutputError
from .export import document_text
from .files import NEW_VERSION, atomic_write, file_hash
from .model import Document

__all__ = ["OutputGuard", "Written", "new_version_path", "output_paths", "page_file", "serialise", "serialise_files",
           "write_document", "write_format"]

# The endings of output names (output_paths, page_file), longest first: the new version of an
# edited output keeps its file's ending (letter.alto.xml -> letter.ocrfix-new.alto.xml).
_ENDINGS = re.compile(r"(\.alto\.xml|\.page\.xml|\.page-\d{4}\.xml|\.[^.]*)$")


def new_version_path(path: Path) -> Path:
    """Where the new version of the output ``path`` goes when ``path`` was edited by hand: beside it,
    its name marked (``files.NEW_VERSION``) before its ending, so that it opens as the file does."""
    match = _ENDINGS.search(path.name)
    stem, ending = (path.name[: match.start()], match.group(1)) if match and match.start() else (path.name, "")
    return path.with_name(f"{stem}{NEW_VERSION[:-1]}{ending}")


# What PAGE XML says of when it was written (its Metadata's Created and LastChange): the same
# output made at another time differs there alone.
_WRITTEN_AT = re.compile(rb"(<(?:[\w.-]+:)?(?:Created|LastChange)>)[^<]*(</)")


class Written(NamedTuple):
    """One output made: its path (relative to the output folder, as the workspace keeps it), the
    size and SHA-256 of what was made, and where it went beside the file (None: into it)."""

    path: str
    size: int
    digest: str
    beside: str | None = None


@dataclass
class OutputGuard:
    """Writes outputs without overwriting one edited by hand: ``recorded`` holds what ocrfix last
    made of each (path relative to ``out_dir`` -> size, SHA-256). A file that differs from its
    record gets the new version beside it (``new_version_path``) unless ``overwrite_edited``; a file
    with no record is ocrfix's (as before records were kept), and a file not there is written again.
    ``written`` gathers what it made, for the workspace to record."""

    out_dir: Path
    recorded: Mapping[str, tuple[int, str]]
    overwrite_edited: bool = False
    written: list[Written] = field(default_factory=list)

    def _key(self, path: Path) -> str:
        try:
            return path.relative_to(self.out_dir).as_posix()
        except ValueError:  # (an output named by an absolute path lands outside the folder)
            return path.as_posix()

    def edited(self, path: Path, new: bytes | None = None) -> bool:
        """Whether the file at ``path`` is not what ocrfix last made of it, nor the ``new`` content
        about to be written but for the time of writing it says (a run stopped between writing it
        and recording it: PAGE XML made again a second later is the same output)."""
        record = self.recorded.get(self._key(path))
        if record is None:
            return False
        try:
            # (the size first: most edits change it, and a PDF is not read to tell)
            size = path.stat().st_size
            if size == record[0] and file_hash(path) == record[1]:
                return False
            if new is None or size != len(new):
                return True
            data = path.read_bytes()
            return data != new and (not path.name.endswith(".xml")
                                    or _WRITTEN_AT.sub(rb"\1\2", data) != _WRITTEN_AT.sub(rb"\1\2", new))
        except FileNotFoundError:
            return False
        except OSError as e:
            raise OutputError(f"cannot tell whether it was edited by hand ({e.strerror}); nothing was written", path=path) from e

    def write(self, path: Path, content: str | bytes) -> Path:
        """Write one output (or its new version beside it); the file written."""
        payload = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.sha256(payload).hexdigest()
        beside = new_version_path(path)
        if not self.overwrite_edited and self.edited(path, payload):
            atomic_write(beside, payload)
            self.written.append(Written(self._key(path), len(payload), digest, self._key(beside)))
            return beside
        atomic_write(path, payload)
        # (a new version an earlier run left beside it is older than this one: it would only mislead;
        # anything else of that name, such as a folder, is not ocrfix's to remove)
        with contextlib.suppress(OSError):
            beside.unlink(missing_ok=True)
        self.written.append(Written(self._key(path), len(payload), digest))
        return path


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


def remove_stale_page_files(path: Path, written: list[Path], guard: OutputGuard | None = None) -> None:
    """Remove the further PAGE files an earlier, longer read of the input left beside ``path`` (a
    scan of two pages replaced by one of one): they are this format's files and no longer its pages
    (but for one edited by hand, ``guard``: a person's work is not deleted unasked)."""
    for stale in _further_page_files(path):
        if stale not in written and (guard is None or guard.overwrite_edited or not guard.edited(stale)):
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
    guard: OutputGuard | None = None,
) -> list[Path]:
    """Write the chosen formats for one input; ``text_doc`` (e.g. the raw OCR) overrides the text of
    every format but the JSON (so .txt, ALTO, hOCR and PDF always hold the same words).

    ``input_path`` is the input file, whose page images the PDF output needs; ``guard``: what keeps
    files edited by hand (None: every file is overwritten).
    """
    paths = output_paths(out_dir, rel)
    written: list[Path] = []
    for fmt in formats:
        written += write_format(text_doc or doc if fmt != "json" else doc, fmt, paths[fmt], input_path, pdf_a, guard)
    return written


def write_format(doc: Document, fmt: str, path: Path, input_path: Path | None = None, pdf_a: str = "2b",
                 guard: OutputGuard | None = None) -> list[Path]:
    """Write one Document in one format whose file is ``path`` (for PAGE XML: a file a page, and the
    further-page files an earlier, longer read left removed); the files written (through ``guard``,
    where given: a file edited by hand gets its new version beside it)."""
    written: list[Path] = []
    for file, content in serialise_files(doc, fmt, path, input_path, pdf_a):
        if guard is None:
            atomic_write(file, content)
            written.append(file)
        else:
            written.append(guard.write(file, content))
    if fmt == "page":
        remove_stale_page_files(path, written, guard)
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
