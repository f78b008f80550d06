"""ALTO v4 (4.4) XML, the format libraries and archives load OCR text with.

Pages hold one PrintSpace of TextBlocks (consecutive lines with the same block number) of
TextLines of Strings, each with its box in pixels of the input image. A String's CONTENT is the
corrected word and WC its confidence (0-1): 1 - the calibrated probability that the word is wrong
(calibration.py: the corrector's, or the read model's where no corrector ran), else Tesseract's for
a word as read. (Read back by ``ocrfix correct``, WC is taken for a confidence: correcting ocrfix's
own ALTO again judges the words anew, and their flags may move.) Where a word was changed, the OCR form is kept as an ``ALTERNATIVE``
(PURPOSE "OCR"), and a word a person decided (a corrections.yaml entry) has CS="true"; the
suggestions of a word flagged for review are ALTERNATIVEs too (PURPOSE "suggestion"), and so is
what the page's other read had where a line was read twice and the reads differ (PURPOSE "other
read"). The
Description lists each page's processing steps (preprocessing, OCR, correction) as
``Processing`` elements, which the Page refers to by PROCESSINGREFS.
"""

from __future__ import annotations

import json
from collections import Counter

from lxml import etree

from .. import __version__
from ..model import LANGUAGE_STEP, BBox, Document, Page
from ._layout import block_turn, page_blocks, xml_safe

__all__ = ["to_alto", "ALTO_NS", "ALTO_SCHEMA_LOCATION"]

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ALTO_SCHEMA_LOCATION = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _el(parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    name = f"{{{ALTO_NS}}}{tag}"
    if parent is None:
        element = etree.Element(name, nsmap={None: ALTO_NS, "xlink": XLINK_NS, "xsi": XSI_NS})
    else:
        element = etree.SubElement(parent, name)
    for key, value in attrs.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _box(element: etree._Element, box: BBox | None) -> None:
    if box is None:
        return
    x0, y0, x1, y1 = box
    element.set("HPOS", str(x0))
    element.set("VPOS", str(y0))
    element.set("WIDTH", str(max(0, x1 - x0)))
    element.set("HEIGHT", str(max(0, y1 - y0)))


def _wc(value: float) -> str:
    return f"{min(1.0, max(0.0, value)):.2f}"


def _software(parent: etree._Element, name: str, version: str) -> None:
    software = _el(parent, "processingSoftware")
    _el(software, "softwareName", name)
    if version:
        _el(software, "softwareVersion", version)


def _processing(description: etree._Element, page: Page, number: int) -> list[str]:
    """Processing elements for one page's steps; returns their IDs in order."""
    ids: list[str] = []

    def step(category: str, what: str, settings: str, software: tuple[str, str]) -> None:
        pid = f"proc_{number}_{len(ids) + 1}"
        element = _el(description, "Processing", ID=pid)
        _el(element, "processingCategory", category)
        _el(element, "processingStepDescription", what)
        if settings:
            _el(element, "processingStepSettings", settings)
        _software(element, *software)
        ids.append(pid)

    ocrfix = ("ocrfix", __version__)
    for s in page.steps:
        what = f"{s.name}: {s.reason}" if s.reason else s.name
        # (the corrector's test of the page's language comes after the reading; the rest before it)
        category = "postOperation" if s.name == LANGUAGE_STEP else "preOperation"
        step(category, what, json.dumps(s.params, sort_keys=True) if s.params else "", ocrfix)
    if page.engine:
        engine = page.engine.get("name", "OCR engine")
        settings = ", ".join(f"{k}={v}" for k, v in sorted(page.engine.items()) if k not in ("name", "version"))
        step("contentGeneration", f"text recognition with {engine}", settings, (engine, page.engine.get("version", "")))
    changed = [c for c in page.changes if c.original != c.new]
    kept = len(page.changes) - len(changed)  # rejected corrections.yaml entries: kept as typed
    if page.changes:
        by_source = Counter(c.source for c in changed)
        summary = ", ".join(f"{n} {source}" for source, n in sorted(by_source.items()))
        what = f"OCR correction: {len(changed)} words changed" + (f" ({summary})" if summary else "")
        if kept:
            what += f"; {kept} kept as typed by decision"
        step("contentModification", what, "", ocrfix)
    return ids


def to_alto(doc: Document) -> bytes:
    """The document as ALTO 4.4 XML (UTF-8 bytes), coordinates in pixels of the input image."""
    root = _el(None, "alto", SCHEMAVERSION="4.4")
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{ALTO_NS} {ALTO_SCHEMA_LOCATION}")
    description = _el(root, "Description")
    # (pixels of the input image; or the unit of the ALTO it was read from: ocr_files._read_alto)
    units = [s.params.get("measurement_unit") for p in doc.pages for s in p.steps if s.name == "input"]
    _el(description, "MeasurementUnit", next((str(u) for u in units if u in ("mm10", "inch1200")), "pixel"))
    source = _el(description, "sourceImageInformation")
    # (the scan, where the document came from an OCR file that named it)
    _el(source, "fileName", xml_safe(next((page.image for page in doc.pages if page.image), doc.source)))
    layout_pages = []
    for number, page in enumerate(doc.pages, start=1):
        layout_pages.append((number, page, _processing(description, page, number)))

    layout = _el(root, "Layout")
    for number, page, refs in layout_pages:
        attrs = {"ID": f"page_{number}", "PHYSICAL_IMG_NR": str(page.index + 1)}
        if page.width and page.height:
            attrs.update(WIDTH=str(page.width), HEIGHT=str(page.height))
        if refs:
            attrs["PROCESSINGREFS"] = " ".join(refs)
        confidence = page.mean_confidence
        if confidence is not None:
            attrs["PC"] = _wc(confidence / 100)
        page_el = _el(layout, "Page", **attrs)
        space = _el(page_el, "PrintSpace")
        if page.width and page.height:
            _box(space, (0, 0, page.width, page.height))
        for b, block in enumerate(page_blocks(page), start=1):
            block_el = _el(space, "TextBlock", ID=f"block_{number}_{b}")
            _box(block_el, block.bbox)
            if turn := block_turn(page, block):
                block_el.set("ROTATION", str(turn))  # degrees anticlockwise, as the text runs on the scan
            for ln, line in enumerate(block.lines, start=1):
                line_el = _el(block_el, "TextLine", ID=f"line_{number}_{b}_{ln}")
                _box(line_el, line.bbox)
                for t, token in enumerate(line.tokens, start=1):
                    if t > 1:
                        _el(line_el, "SP")
                    string = _el(line_el, "String", ID=f"string_{number}_{b}_{ln}_{t}")
                    _box(string, token.bbox)
                    string.set("CONTENT", xml_safe(token.text))
                    change = token.change
                    p_wrong = token.word.p_wrong if token.word is not None else None
                    if change is not None and change.source == "override" and change.original != change.new:
                        string.set("WC", _wc(change.score))  # a person's decision
                    elif p_wrong is not None:
                        string.set("WC", _wc(1.0 - p_wrong))  # the calibrated probability (corrector's or read model's)
                    elif change is not None and change.original != change.new:
                        string.set("WC", _wc(change.score))
                    elif token.confidence is not None:
                        string.set("WC", _wc(token.confidence / 100))
                    if change is not None and change.original != change.new:
                        if change.source == "override":
                            string.set("CS", "true")  # a person decided it (corrections.yaml)
                        _el(string, "ALTERNATIVE", xml_safe(change.original), PURPOSE="OCR")
                    if token.first and token.word is not None and token.word.flagged:
                        for suggestion in dict.fromkeys(token.word.suggestions):
                            if suggestion != token.text:
                                _el(string, "ALTERNATIVE", xml_safe(suggestion), PURPOSE="suggestion")
                    other = token.word.other_read if token.first and token.word is not None else None
                    if other and other != token.text:
                        _el(string, "ALTERNATIVE", xml_safe(other), PURPOSE="other read")  # the page's second read there
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
