"""Existing OCR files, read for ``ocrfix correct``: plain text, hOCR (Tesseract's own, or another
engine's), ALTO XML (what libraries and digitisation programmes keep) or PAGE XML (what OCR-D,
eScriptorium, kraken and Transkribus write).

Archives often keep the OCR of earlier runs. Plain text has only the words; hOCR and ALTO also have
every word's box and confidence, which lets the corrector weigh Tesseract's doubt and lets
``layout.rejoin_page`` put back together lines that the segmentation cut apart.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .correct import page_from_text
from .errors import InputFileError, OcrEngineError
from .files import as_utf8, utf8_text
from .model import BBox, Document, Line, Page, Step, Word
from .tesseract import parse_hocr_tree

__all__ = ["OcrFileKind", "ocr_file_kind", "read_ocr_file", "read_ocr_source", "root_start", "text_equiv_read", "OcrSource",
           "WordSource"]

OcrFileKind = Literal["txt", "hocr", "alto", "page"]


@dataclass(frozen=True)
class WordSource:
    """Where one word of the Document read stands in the file's XML tree: its own element (PAGE's
    Word, ALTO's String, hOCR's ocrx_word), or, for text held a line (or region) at a time, that
    element and the word's place among the whitespace-separated words of its text (``token``).
    Kept beside the Document, not in it: the model is what every output is written from, and
    elements are neither JSON nor picklable."""

    element: Any  # an lxml element
    token: int | None = None


@dataclass
class OcrSource:
    """An hOCR, ALTO or PAGE file as parsed: what ``export.inplace`` edits to give the corrected file
    back in its own format. ``words`` maps each word's (page, line, word) position in the Document
    read (before any line pieces were rejoined) to where it stands."""

    kind: OcrFileKind
    data: bytes  # the bytes parsed (UTF-8 where the file was UTF-16 or UTF-32)
    root: Any  # the root element
    html: bool = False  # hOCR read as HTML rather than XHTML
    words: dict[tuple[int, int, int], WordSource] = field(default_factory=dict)

# hOCR is (X)HTML that uses the ocr_page, ocr_line or ocrx_word class (quoted or not, one of a
# list); ALTO is XML whose root is <alto>. Text that merely mentions HTML is text.
_HOCR_MARK = re.compile(rb"""class=(?:['"][^'"<>]*?\b|)(ocr_page|ocr_line|ocrx_word)\b""")
# What may come before an XML document's root element: declaration, comments, instructions, DOCTYPE.
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"\s*<(?:[\w.-]+:)?([\w.-]+)")
_SPACE = re.compile(rb"\s*")
_BODY = re.compile(rb"<body[\s>]", re.IGNORECASE)
# Tesseract's TSV output starts with this header.
_TSV_HEADER = b"level\tpage_num\tblock_num"


class UnsupportedOcrFile(ValueError):
    """Markup ocrfix cannot read as OCR (TSV, other XML); its message says what it is."""


def root_start(data: bytes) -> int:
    """Where the first element of markup starts: after its prolog (declaration, comments,
    instructions, DOCTYPE) and the space around them."""
    at = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while (match := _PROLOG.match(data, at)) and match.end() > at:
        at = match.end()
    return _SPACE.match(data, at).end()  # type: ignore[union-attr]


def _root_name(data: bytes) -> str | None:
    """The local name of the first element of markup (after any prolog), or None for text."""
    root = _ROOT.match(data, root_start(data))
    return root.group(1).decode("ascii", "replace").lower() if root else None


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:  # (UnicodeDecodeError too)
        return False
    return True


def ocr_file_kind(data: bytes) -> OcrFileKind:
    """What kind of OCR file these bytes are, by their content (names lie: .xml, .html, .txt).
    Markup that is neither hOCR nor ALTO is refused rather than corrected as text (its tags would
    come out as words)."""
    root = _root_name(data)
    if root == "alto":
        return "alto"
    # Whole documents, and the fragments engines hand out (Tesseract's GetHOCRText, tesseract.js:
    # "<div class='ocr_page' ...>"): markup with hOCR's classes, whatever element it starts with.
    if root is not None and _HOCR_MARK.search(data[:200_000]):
        return "hocr"
    if root == "pcgts":
        return "page"
    if data.lstrip()[:1] in (b"{", b"[") and _is_json(data):
        # (ocrfix's own x.json beside x.txt, `ocrfix correct out/*`: its keys became words, its layout was lost)
        raise UnsupportedOcrFile("is JSON, which ocrfix correct does not read: give the text, hOCR, ALTO or PAGE XML of "
                                 "the same read (`ocrfix process` writes x.txt beside x.json, and --format alto,hocr,page)")
    if data.startswith(_TSV_HEADER):
        raise UnsupportedOcrFile("is Tesseract's TSV, which ocrfix cannot read: give it the hOCR or ALTO of the same "
                                 "read (tesseract IMAGE OUT hocr, or alto)")
    # (a note that starts with "<html> was typed here" is text: a web page has a body)
    web_page = root == "html" and _BODY.search(data[:200_000]) is not None
    if root is not None and (data[:64].lstrip()[:5].lower() == b"<?xml" or web_page):
        raise UnsupportedOcrFile(f"is XML or HTML (root <{root}>) but neither hOCR (no ocr_page, ocr_line or ocrx_word "
                                 "class), ALTO nor PAGE: ocrfix corrects plain text, hOCR, ALTO and PAGE XML")
    return "txt"


def read_ocr_file(path: Path, data: bytes) -> tuple[Document, OcrFileKind]:
    """The Document in an OCR file's bytes: text pages split at form feeds, or the hOCR's pages."""
    doc, kind, _source = read_ocr_source(path, data)
    return doc, kind


def read_ocr_source(path: Path, data: bytes) -> tuple[Document, OcrFileKind, OcrSource | None]:
    """``read_ocr_file``, and for hOCR, ALTO and PAGE XML the parsed file with where each word of the
    Document stands in it (``OcrSource``); None for plain text."""
    data = as_utf8(path, data)
    try:
        kind = ocr_file_kind(data)
    except UnsupportedOcrFile as e:
        raise InputFileError(str(e), path=path) from e
    if kind == "alto":
        source = OcrSource(kind, data, None)
        return _read_alto(path, data, source), kind, source
    if kind == "page":
        source = OcrSource(kind, data, None)
        return _read_page_xml(path, data, source), kind, source
    if kind == "txt":
        text = utf8_text(path, data)
        pages = [page_from_text(p, path.name).model_copy(update={"index": i}) for i, p in enumerate(text.split("\f"))]
        return Document(source=path.name, pages=pages), kind, None
    try:
        root, parsed, slots, html = parse_hocr_tree(data)
    except OcrEngineError as e:
        raise InputFileError("looks like hOCR but could not be parsed", path=path) from e
    source = OcrSource(kind, data, root, html)
    for p, page_slots in enumerate(slots):
        for li, line_slots in enumerate(page_slots):
            for wi, (element, token) in enumerate(line_slots):
                source.words[(p, li, wi)] = WordSource(element, token)
    pages = []
    for index, page in enumerate(parsed):
        width, height = (page.box[2], page.box[3]) if page.box else (0, 0)
        # The horizontal resolution, and a fax's taller pixels as ocrfix's own measurement says them
        # (the exporters write both back: hOCR's scan_res, the PDF page's height); 0 says nothing.
        dpi, steps = None, []
        if page.resolution and min(page.resolution) > 0:
            dpi = page.resolution[0]
            if page.resolution[0] != page.resolution[1]:
                aspect = round(page.resolution[0] / page.resolution[1], 4)
                steps = [Step(name="measure", params={"pixel_aspect": aspect},
                              reason=f"the hOCR's scan_res: {page.resolution[0]} x {page.resolution[1]} dpi")]
        pages.append(Page(source=path.name, index=index, width=width, height=height, dpi=dpi, lines=page.lines,
                          image=page.image or None, steps=steps))
    return Document(source=path.name, pages=pages), kind, source


def _number(value: str | None) -> float | None:
    """An ALTO attribute's number; None where it is missing, no number, or "NaN" or "inf"."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _alto_box(el) -> BBox | None:
    x, y, w, h = (_number(el.get(name)) for name in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
    if x is None or y is None or w is None or h is None:
        return None
    return (round(x), round(y), round(x + w), round(y + h))


def _parse_xml(path: Path, data: bytes, what: str):
    """The root element of an XML file; an InputFileError where it is not well-formed."""
    from lxml import etree

    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        where = "" if "line" in e.msg else f", line {e.lineno}"  # (libxml2's message often names it)
        raise InputFileError(f"looks like {what} but is not well-formed XML ({e.msg}{where})", path=path) from e


def _local(el) -> str:
    from lxml import etree

    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _read_alto(path: Path, data: bytes, source: OcrSource | None = None) -> Document:
    """ALTO 2-4: Page > TextBlock > TextLine > String (CONTENT, box, WC 0-1), HYP a line-end hyphen.
    Boxes stay in the file's measurement unit: only their proportions are used. ``source`` (where
    given) gets the tree and where each word stands in it."""
    root = _parse_xml(path, data, "ALTO")
    if source is not None:
        source.root = root
    local = _local

    # Boxes in tenths of a millimetre or 1200ths of an inch stay so, and the ALTO written back says
    # so (it said "pixel" of the same numbers); hOCR, JSON and PDF take them for pixels.
    def first_text(name: str) -> str:
        """The text of the first element so named ("" where there is none)."""
        return next(((el.text or "").strip() for el in root.iter() if local(el) == name), "")

    unit = first_text("MeasurementUnit") or "pixel"
    steps = [] if unit == "pixel" else [Step(name="input", params={"measurement_unit": unit},
                                             reason=f"the ALTO's boxes are in {unit}, kept as they are")]
    # The scan the ALTO was read from (Description/sourceImageInformation/fileName).
    image = first_text("fileName") or None
    pages: list[Page] = []
    for index, page_el in enumerate(el for el in root.iter() if local(el) == "Page"):
        lines: list[Line] = []
        for block, block_el in enumerate(el for el in page_el.iter() if local(el) == "TextBlock"):
            for line_el in (el for el in block_el.iter() if local(el) == "TextLine"):
                words: list[Word] = []
                for el in line_el:
                    if local(el) == "String" and el.get("CONTENT"):
                        wc = _number(el.get("WC"))
                        confidence = round(wc * 100, 2) if wc is not None else None
                        words.append(Word(text=el.get("CONTENT"), bbox=_alto_box(el), confidence=confidence))
                        if source is not None:
                            source.words[(index, len(lines), len(words) - 1)] = WordSource(el)
                    elif local(el) == "HYP" and words:
                        words[-1] = words[-1].model_copy(update={"text": words[-1].text + (el.get("CONTENT") or "-")})
                if words:
                    lines.append(Line(words=words, bbox=_alto_box(line_el), block=block))
        width, height = _number(page_el.get("WIDTH")), _number(page_el.get("HEIGHT"))
        size = (round(width), round(height)) if width is not None and height is not None else (0, 0)
        pages.append(Page(source=path.name, index=index, width=size[0], height=size[1], lines=lines, steps=list(steps),
                          image=image))
    if not pages:
        raise InputFileError("is ALTO XML without a Page element", path=path)
    return Document(source=path.name, pages=pages)


def _points_box(el, name: str = "Coords") -> BBox | None:
    """The rectangle around an element's ``Coords`` polygon ("x,y x,y ...", or older PAGE's Point
    elements), or its child ``name``'s; None where it has none."""
    coords = next((c for c in el if _local(c) == name), None)
    if coords is None:
        return None
    # (PAGE before 2013 lists the polygon's Point elements, x and y, instead of "points")
    pairs = [pair.partition(",")[::2] for pair in (coords.get("points") or "").split()] or [
        (p.get("x"), p.get("y")) for p in coords if _local(p) == "Point"]
    xs, ys = [], []
    for x, y in pairs:
        px, py = _number(x), _number(y)
        if px is None or py is None:
            return None
        xs.append(px)
        ys.append(py)
    if not xs:
        return None
    return (round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys)))


def text_equiv_read(el):
    """The PAGE element's ``TextEquiv`` whose text is read as its own (the one of the lowest index),
    or None: ``export.inplace`` edits this one."""
    equivs = [c for c in el if _local(c) == "TextEquiv"]
    if not equivs:
        return None
    return min(equivs, key=lambda e: int(_number(e.get("index")) or 0) if e.get("index") is not None else 0)


def _text_equiv(el) -> tuple[str, float | None] | None:
    """An element's own text (its ``TextEquiv`` of the lowest index) and confidence (0-100)."""
    best = text_equiv_read(el)
    if best is None:
        return None
    unicode = next((c for c in best if _local(c) == "Unicode"), None)
    conf = _number(best.get("conf"))
    return ((unicode.text or "") if unicode is not None else ""), (round(conf * 100, 2) if conf is not None else None)


def _reading_order(page_el) -> list[str]:
    """The region ids of the page's ReadingOrder, groups walked depth first, indexed members by index."""
    order = next((c for c in page_el if _local(c) == "ReadingOrder"), None)
    ids: list[str] = []

    def walk(group) -> None:
        members = [c for c in group if _local(c) in ("RegionRef", "RegionRefIndexed", "OrderedGroup", "OrderedGroupIndexed",
                                                     "UnorderedGroup", "UnorderedGroupIndexed")]
        if any(m.get("index") is not None for m in members):
            members.sort(key=lambda m: _number(m.get("index")) or 0)
        for m in members:
            if m.get("regionRef"):
                ids.append(m.get("regionRef"))
            walk(m)

    if order is not None:
        walk(order)
    return ids


def _read_page_xml(path: Path, data: bytes, source: OcrSource | None = None) -> Document:
    """PAGE XML (any of its schema versions, 2009-2019): Page > TextRegion (in the ReadingOrder, where
    there is one; nested ones too) > TextLine > Word, each word's text and ``conf`` (0-1) from its
    ``TextEquiv`` of the lowest index. A line without Word elements (eScriptorium's and Transkribus's
    are line by line) gives its text's words without boxes, with the line's confidence. ``source``
    (where given) gets the tree and where each word stands in it."""
    root = _parse_xml(path, data, "PAGE XML")
    if source is not None:
        source.root = root
    page_el = next((c for c in root if _local(c) == "Page"), None)
    if page_el is None:
        raise InputFileError("is PAGE XML without a Page element", path=path)
    # (Transkribus's tables hold their lines in TableCell elements of its own, not in TextRegions)
    regions = [el for el in page_el.iter() if _local(el) in ("TextRegion", "TableCell")]
    ranked = {rid: k for k, rid in enumerate(_reading_order(page_el))}

    def rank(el) -> int:
        # A region the reading order leaves out takes the place of the nearest one around it that it
        # names (a TableRegion's cells, a region inside a region), in the file's order; others follow it.
        while el is not None and el is not page_el:
            if el.get("id") in ranked:
                return ranked[el.get("id")]
            el = el.getparent()
        return len(ranked)

    regions.sort(key=rank)
    lines: list[Line] = []
    for block, region in enumerate(regions):
        for line_el in (c for c in region if _local(c) == "TextLine"):
            words: list[Word] = []
            where: list[WordSource] = []
            for word_el in (c for c in line_el if _local(c) == "Word"):
                found = _text_equiv(word_el)
                if found is None:  # (the word's text only in its glyphs)
                    glyphs = [_text_equiv(g) for g in word_el if _local(g) == "Glyph"]
                    found = ("".join(g[0] for g in glyphs if g), None) if any(glyphs) else None
                if found and found[0].strip():
                    words.append(Word(text=found[0].strip(), bbox=_points_box(word_el), confidence=found[1]))
                    where.append(WordSource(word_el))
            if not words and (line_text := _text_equiv(line_el)) is not None:
                words = [Word(text=t, confidence=line_text[1]) for t in line_text[0].split()]
                where = [WordSource(line_el, k) for k in range(len(words))]
            if words:
                # (a line with only its Baseline, or empty Coords, as some kraken and Transkribus files have)
                bbox = _points_box(line_el) or _points_box(line_el, "Baseline")
                if source is not None:
                    source.words.update({(0, len(lines), k): w for k, w in enumerate(where)})
                lines.append(Line(words=words, bbox=bbox, block=block))
        if not any(_local(c) in ("TextLine", "TextRegion") for c in region) and (text := _text_equiv(region)):
            # A region with its text but no lines (a transcription made region by region): its lines
            # of text, without boxes, rather than nothing.
            token = 0
            for row in text[0].splitlines():
                if not row.strip():
                    continue
                if source is not None:
                    source.words.update({(0, len(lines), k): WordSource(region, token + k) for k in range(len(row.split()))})
                token += len(row.split())
                lines.append(Line(words=[Word(text=t, confidence=text[1]) for t in row.split()], block=block))
    width, height = _number(page_el.get("imageWidth")), _number(page_el.get("imageHeight"))
    dpi, steps = None, []
    if page_el.get("imageResolutionUnit", "PPI") == "PPI":
        dpi, ydpi = _number(page_el.get("imageXResolution")), _number(page_el.get("imageYResolution"))
        if dpi and dpi > 0 and ydpi and ydpi > 0 and round(dpi) != round(ydpi):
            # (a fax's taller pixels, as the hOCR reader takes scan_res)
            steps.append(Step(name="measure", params={"pixel_aspect": round(dpi / ydpi, 4)},
                              reason=f"the PAGE's image resolution: {dpi:g} x {ydpi:g} dpi"))
    page = Page(source=path.name, index=0, width=round(width or 0), height=round(height or 0), lines=lines,
                dpi=round(dpi) if dpi and dpi > 0 else None, image=page_el.get("imageFilename") or None,
                steps=steps + _page_turn(page_el, regions))
    return Document(source=path.name, pages=[page])


def _page_turn(page_el, regions) -> list[Step]:
    """An "orient" step where the page's text lies turned a quarter or half on the scan: its
    regions' (or else its Page's) ``orientation``, degrees clockwise that make the text upright,
    is 90, 180 or -90 for all of them, as ocrfix writes it for a page read turned. The outputs
    written from it then say so again; a skew of a few degrees is not a turn."""
    angles = {_number(el.get("orientation")) for el in regions}
    if angles <= {None}:
        angles = {_number(page_el.get("orientation"))}
    if len(angles) != 1 or None in angles:
        return []
    angle = angles.pop()
    degrees = round(angle / 90) * 90 % 360
    if not degrees or abs(angle - round(angle / 90) * 90) > 1:
        return []
    return [Step(name="orient", params={"degrees": degrees}, reason=f"the PAGE's orientation: {angle:g} degrees")]
