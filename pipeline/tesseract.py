"""Tesseract's side of things: the check that Tesseract 5 and the language data are installed
(once per process, with a message naming the package to install), and the parsing of its hOCR into
Lines and Words with boxes, confidences and per-character alternatives. ``engine.TesseractEngine``
runs it."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import NamedTuple, Optional

from lxml import etree

from .errors import MissingDependencyError, OcrEngineError
from .model import BBox, CharChoices, Line, Word

__all__ = ["TesseractInfo", "check_tesseract", "parse_hocr", "parse_hocr_pages", "parse_hocr_tree", "HocrPage", "HocrSlot", "INSTALL_HINT"]

INSTALL_HINT = "install it with: sudo apt-get install tesseract-ocr tesseract-ocr-eng"
_META_CHARSET = re.compile(rb"<meta[^>]*charset", re.IGNORECASE)
_LINE_CLASSES = {"ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"}
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (-?\d+(?:\.\d+)?)")
_XCONF = re.compile(r"x_confs (-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class TesseractInfo:
    version: str
    languages: tuple[str, ...]


def _engine_env() -> dict[str, str]:
    # One OpenMP thread per process: with threads fighting over the cores of a parallel batch a
    # page takes about ten times longer.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@functools.lru_cache(maxsize=8)
def check_tesseract(cmd: str = "tesseract", lang: str = "eng") -> TesseractInfo:
    """Return Tesseract's version and languages, or raise MissingDependencyError saying what to install."""
    if shutil.which(cmd) is None:
        raise MissingDependencyError(f"Tesseract ('{cmd}') was not found; {INSTALL_HINT}")
    try:
        out = subprocess.run(
            [cmd, "--version"], capture_output=True, text=True, timeout=30, env=_engine_env()
        )
        langs = subprocess.run(
            [cmd, "--list-langs"], capture_output=True, text=True, timeout=30, env=_engine_env()
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise MissingDependencyError(f"Tesseract ('{cmd}') could not be run ({e}); {INSTALL_HINT}") from e
    first = (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", first)
    if not match or int(match.group(1)) < 5:
        raise MissingDependencyError(
            f"ocrfix needs Tesseract 5 or newer, found '{first or 'unknown'}'; {INSTALL_HINT}"
        )
    available = tuple(
        line.strip() for line in langs.stdout.splitlines()[1:] if line.strip()
    )
    for needed in lang.split("+"):
        if needed not in available:
            raise MissingDependencyError(
                f"Tesseract has no '{needed}' language data; install it with: "
                f"sudo apt-get install tesseract-ocr-{needed}"
            )
    return TesseractInfo(version=match.group(0), languages=available)


def _bbox(title: str | None) -> tuple[int, int, int, int] | None:
    match = _BBOX.search(title or "")
    return tuple(int(v) for v in match.groups()) if match else None  # type: ignore[return-value]


def _word_text(word_el: etree._Element) -> str:
    """The word's own text, leaving out the character-choice spans lstm_choice_mode adds; a word
    written a character to a span (hocr_char_boxes) is the characters of its spans."""
    parts = [word_el.text or ""]
    characters: list[str] = []
    for child in word_el:
        if not isinstance(child.tag, str):  # a comment, or an entity left unresolved
            parts.append(child.tail or "")
            continue
        if (child.get("id") or "").startswith("lstm_choices"):
            pass
        elif _has_class(child, "ocrx_cinfo"):
            characters.append(child.text or "")
        else:
            parts.append("".join(child.itertext()))  # <strong>/<em> wrappers
        parts.append(child.tail or "")
    return "".join(parts).strip() or "".join(characters).strip()


def _has_class(el: etree._Element, name: str) -> bool:
    """Whether an element's class attribute (a list of classes in HTML) names ``name``."""
    return name in (el.get("class") or "").split()


def _word_choices(word_el: etree._Element, text: str) -> list[CharChoices]:
    """Per-character alternatives of one word, aligned with its text; [] where they do not align."""
    positions: list[CharChoices] = []
    for pos in word_el:
        if not (pos.get("id") or "").startswith("lstm_choices"):
            continue
        choices: CharChoices = []
        for choice in pos:
            char = choice.text or ""
            match = _XCONF.search(choice.get("title") or "")
            conf = float(match.group(1)) if match else 0.0
            if char and conf > 0:
                choices.append((char, round(conf, 2)))
        # LSTM time steps that decoded to the space before the word carry no character.
        if choices and choices[0][0] == " ":
            continue
        positions.append(choices)
    if len(positions) != len(text):
        return []
    if all(len(c) <= 1 for c in positions):
        return []
    return positions


def _hocr_root(hocr: bytes) -> etree._Element | None:
    return _hocr_tree(hocr)[0]


def _hocr_tree(hocr: bytes) -> tuple[etree._Element | None, bool]:
    """The hOCR's root element (and whether it was read as HTML): XHTML as Tesseract writes it, or else HTML as other engines and
    people do (named entities such as &eacute;, unquoted attributes, unclosed tags, a charset in
    a <meta>), which an XML parser would misread without a word of warning."""
    if not hocr.strip():
        return None, False
    try:
        return etree.fromstring(hocr, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)), False
    except etree.XMLSyntaxError:
        pass
    # The bytes are UTF-8 (ocr_files.read_ocr_file made them so) unless a <meta> says otherwise;
    # libxml2's HTML parser would take them for Latin-1 ("CafÃ©").
    declared = _META_CHARSET.search(hocr[:4096]) is not None
    root = etree.fromstring(hocr, etree.HTMLParser(no_network=True, huge_tree=False, encoding=None if declared else "utf-8"))
    if root is None:
        raise OcrEngineError("the hOCR could not be parsed")
    return root, True


# Where a word read from hOCR stands: its ocrx_word element (token None), or, for a line without word
# elements, the line element and the word's place among the line's whitespace-separated words.
HocrSlot = tuple[etree._Element, Optional[int]]


def _hocr_lines(element: etree._Element, slots: list[list[HocrSlot]] | None = None) -> list[Line]:
    """The lines of an hOCR element; ``slots`` (where given) gets, line by line, where each word stands."""
    lines: list[Line] = []
    block_no = -1
    for el in element.iter("{*}div", "{*}p", "{*}span"):
        if _has_class(el, "ocr_carea"):
            block_no += 1
        elif _is_line(el):
            words: list[Word] = []
            where: list[HocrSlot] = []
            word_els = _line_words(el)
            if not word_els:
                # A line whose engine gave no word boxes (ocropus, kraken): its words are its text.
                words = [Word(text=t) for t in _own_text(el).split()]
                where = [(el, k) for k in range(len(words))]
            for w in word_els:
                text = _word_text(w)
                if not text:
                    continue
                where.append((w, None))
                title = w.get("title") or ""
                conf = _WCONF.search(title)
                words.append(
                    Word(
                        text=text,
                        bbox=_bbox(title),
                        confidence=float(conf.group(1)) if conf else None,
                        alternatives=_word_choices(w, text),
                    )
                )
            if words:
                lines.append(Line(words=words, bbox=_bbox(el.get("title")), block=max(block_no, 0)))
                if slots is not None:
                    slots.append(where)
    return lines


def _is_line(el: etree._Element) -> bool:
    return isinstance(el.tag, str) and bool(set((el.get("class") or "").split()) & _LINE_CLASSES)


def _line_words(line_el: etree._Element) -> list[etree._Element]:
    """The ocrx_word elements of a line, at any depth, but not those of a line inside it (HTML
    whose line was never closed holds the next line)."""
    found: list[etree._Element] = []
    for child in line_el:
        if not isinstance(child.tag, str) or _is_line(child):
            continue
        if _has_class(child, "ocrx_word"):
            found.append(child)
        else:
            found.extend(_line_words(child))
    return found


def _own_text(line_el: etree._Element) -> str:
    """A line's text, without that of a line inside it."""
    parts = [line_el.text or ""]
    for child in line_el:
        if isinstance(child.tag, str) and not _is_line(child):
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def parse_hocr(hocr: bytes) -> list[Line]:
    """Parse Tesseract's hOCR into Lines (reading order) of Words; blocks become ``Line.block``."""
    root = _hocr_root(hocr)
    return [] if root is None else _hocr_lines(root)


class HocrPage(NamedTuple):
    """An ``ocr_page`` of an hOCR file: its box, its lines, and the scan it names (its ``image``
    property, and the resolution of its ``scan_res``, horizontal then vertical)."""

    box: BBox | None
    lines: list[Line]
    image: str | None = None
    resolution: tuple[int, int] | None = None


# (properties start the title or follow a ";": "x_source ... image 3.png" holds no image property)
_IMAGE = re.compile(r'(?:^|;)\s*image\s+(?:"([^"]*)"|([^\s;"]+))')
_SCAN_RES = re.compile(r"(?:^|;)\s*scan_res\s+(\d+)\s+(\d+)")


def parse_hocr_pages(hocr: bytes) -> list[HocrPage]:
    """Each ``ocr_page`` of an hOCR file (Tesseract's, or another engine's). A file with no
    ``ocr_page`` element is one page."""
    return parse_hocr_tree(hocr)[1]


def parse_hocr_tree(hocr: bytes) -> tuple[etree._Element | None, list[HocrPage], list[list[list[HocrSlot]]], bool]:
    """``parse_hocr_pages``, with the parsed tree's root, where each word of each page stands in it
    (page by page, line by line: ``HocrSlot``) and whether the file was read as HTML (not XHTML)."""
    root, html = _hocr_tree(hocr)
    if root is None:
        return None, [], [], html
    pages = [el for el in root.iter("{*}div") if _has_class(el, "ocr_page")]
    if not pages:
        slots: list[list[HocrSlot]] = []
        return root, [HocrPage(None, _hocr_lines(root, slots))], [slots], html
    found = []
    all_slots = []
    for el in pages:
        title = el.get("title") or ""
        image, res = _IMAGE.search(title), _SCAN_RES.search(title)
        slots = []
        found.append(HocrPage(_bbox(title), _hocr_lines(el, slots), (image.group(1) or image.group(2)) if image else None,
                              (int(res.group(1)), int(res.group(2))) if res else None))
        all_slots.append(slots)
    return root, found, all_slots, html
