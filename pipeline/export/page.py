"""PAGE XML (2019-07-15), the format of OCR-D, eScriptorium, kraken and Transkribus's exports.

A PAGE file holds one page image: ``Page`` (the scan's name and size) > ``TextRegion`` (consecutive
lines with one block number, in a ``ReadingOrder``) > ``TextLine`` > ``Word``, each with its
``Coords`` (a rectangle in pixels of the scan) and its text in ``TextEquiv``; lines and regions
repeat their words' text, as PAGE asks. A word's ``conf`` is 1 - the calibrated probability that
it is wrong, as ALTO's WC (alto.py). Where a word was changed, a second ``TextEquiv`` (index 2,
``comments="OCR"``) keeps the OCR form; a flagged word's suggestions and what the page's other
read had follow it (``comments="suggestion"``, ``"other read"``). PAGE wants coordinates for
every region, line and word: a word without a box (a person's insertion) is kept in its line's
text only, and a line without any box takes the page's. Text without positions (plain text given
to ``ocrfix correct``) cannot be written as PAGE.
"""

from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from .. import __version__
from ..model import BBox, Document, Page
from ._layout import block_turn, page_blocks, page_pixel_aspect, xml_safe

__all__ = ["PAGE_NS", "PAGE_SCHEMA_LOCATION", "to_page", "page_boxed", "page_has_positions"]

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
PAGE_SCHEMA_LOCATION = f"{PAGE_NS}/pagecontent.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# PAGE names languages in English (its LanguageSimpleType); Tesseract's codes of the languages most
# common in European archives. Others are left unsaid rather than written wrong.
_LANGUAGE = {"eng": "English", "deu": "German", "dan": "Danish", "fra": "French", "ita": "Italian", "spa": "Spanish",
             "nld": "Dutch", "nor": "Norwegian", "swe": "Swedish", "fin": "Finnish", "pol": "Polish", "ces": "Czech",
             "slk": "Slovak", "hun": "Hungarian", "ron": "Romanian", "por": "Portuguese", "rus": "Russian",
             "ukr": "Ukrainian", "heb": "Hebrew", "yid": "Yiddish", "lat": "Latin", "ell": "Greek", "hrv": "Croatian",
             "slv": "Slovene", "srp": "Serbian", "bul": "Bulgarian", "est": "Estonian", "lav": "Latvian",
             "lit": "Lithuanian", "isl": "Icelandic", "tur": "Turkish"}


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PAGE_NS}}}{tag}")
    for key, value in attrs.items():
        element.set(key, value)
    return element


def _span(lo: int, hi: int, size: int) -> tuple[int, int]:
    """A box's side within the scan (0..size-1 where its size is known; PAGE's points are never
    negative), at least one pixel long: a polygon spans an area."""
    top = size - 1 if size > 1 else None
    lo, hi = max(0, lo), max(0, hi)
    if top is not None:
        lo, hi = min(lo, top), min(hi, top)
    if hi <= lo:
        lo, hi = (lo - 1, lo) if top is not None and lo >= top else (lo, lo + 1)
    return lo, hi


def _coords(parent: etree._Element, box: BBox, width: int = 0, height: int = 0) -> None:
    # (a word the OCR or a merge of two reads put partly off the scan is cut at its edge)
    x0, x1 = _span(box[0], box[2], width)
    y0, y1 = _span(box[1], box[3], height)
    _el(parent, "Coords", points=f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}")


def _text(parent: etree._Element, text: str, conf: float | None = None, index: int | None = None,
          comments: str | None = None) -> None:
    attrs = {}
    if index is not None:
        attrs["index"] = str(index)
    if conf is not None:
        attrs["conf"] = f"{min(1.0, max(0.0, conf)):.2f}"
    if comments:
        attrs["comments"] = comments
    equiv = _el(parent, "TextEquiv", **attrs)
    _el(equiv, "Unicode").text = xml_safe(text)


def page_boxed(page: Page) -> bool:
    """Whether some line or word of the page has a box."""
    return any(line.bbox is not None or any(w.bbox is not None for w in line.words) for line in page.lines)


def page_has_positions(page: Page) -> bool:
    """Whether the page knows where its words are (its size and a box of some line or word)."""
    return bool(page.width and page.height) and page_boxed(page) or not page.lines


def _timestamp() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def to_page(doc: Document, index: int = 0) -> bytes:
    """Page ``index`` of the document as PAGE XML 2019-07-15 (UTF-8 bytes), boxes in pixels of the scan."""
    page = doc.pages[index]
    root = etree.Element(f"{{{PAGE_NS}}}PcGts", nsmap={None: PAGE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{PAGE_NS} {PAGE_SCHEMA_LOCATION}")
    metadata = _el(root, "Metadata")
    _el(metadata, "Creator").text = f"ocrfix {__version__}"
    now = _timestamp()  # (PAGE asks for both, in UTC)
    _el(metadata, "Created").text = now
    _el(metadata, "LastChange").text = now
    for step in page.steps:
        _el(metadata, "MetadataItem", type="processingStep", name=step.name,
            value=xml_safe(step.reason or step.name))
    if page.engine:
        engine = " ".join(v for v in (page.engine.get("name", ""), page.engine.get("version", "")) if v)
        _el(metadata, "MetadataItem", type="processingStep", name="ocr", value=xml_safe(engine or "OCR engine"))
    width, height = page.width, page.height
    attrs = {"imageFilename": xml_safe(page.image or doc.source), "imageWidth": str(width), "imageHeight": str(height)}
    if page.dpi:
        # (a fax's pixels taller than wide: fewer rows to the inch, as hOCR's scan_res says)
        attrs.update(imageXResolution=str(page.dpi), imageYResolution=str(round(page.dpi / page_pixel_aspect(page))),
                     imageResolutionUnit="PPI")
    language = _LANGUAGE.get(page.engine.get("lang", "").split("+")[0])
    if language:
        attrs["primaryLanguage"] = language
    page_el = _el(root, "Page", **attrs)
    blocks = page_blocks(page)
    if blocks:
        order = _el(_el(page_el, "ReadingOrder"), "OrderedGroup", id=f"p{index + 1}_ro")
        for b in range(1, len(blocks) + 1):
            _el(order, "RegionRefIndexed", index=str(b - 1), regionRef=f"p{index + 1}_r{b}")
    whole = (0, 0, max(1, width), max(1, height))
    for b, block in enumerate(blocks, start=1):
        region = _el(page_el, "TextRegion", id=f"p{index + 1}_r{b}")
        if turn := block_turn(page, block):
            # (degrees clockwise that correct it, -179.999..180: the text runs `turn` anticlockwise)
            region.set("orientation", str(turn if turn <= 180 else turn - 360))
        _coords(region, block.bbox or whole, width, height)
        line_texts = []
        for ln, line in enumerate(block.lines, start=1):
            line_el = _el(region, "TextLine", id=f"p{index + 1}_r{b}_l{ln}")
            _coords(line_el, line.bbox or whole, width, height)
            for t, token in enumerate(line.tokens, start=1):
                if token.bbox is None:
                    continue
                word_el = _el(line_el, "Word", id=f"p{index + 1}_r{b}_l{ln}_w{t}")
                _coords(word_el, token.bbox, width, height)
                word, change = token.word, token.change
                changed = change is not None and change.original != change.new
                if changed and change.source == "override":
                    conf = change.score  # a person's decision
                elif word is not None and word.p_wrong is not None:
                    conf = 1.0 - word.p_wrong
                elif changed:
                    conf = change.score
                else:
                    conf = token.confidence / 100 if token.confidence is not None else None
                others: list[tuple[str, str]] = []
                if changed:
                    others.append((change.original, "OCR"))
                if token.first and word is not None:
                    if word.flagged:
                        others += [(s, "suggestion") for s in dict.fromkeys(word.suggestions) if s != token.text]
                    if word.other_read and word.other_read != token.text:
                        others.append((word.other_read, "other read"))
                _text(word_el, token.text, conf, 1 if others else None)
                for k, (text, what) in enumerate(others, start=2):
                    _text(word_el, text, None, k, what)
            text = " ".join(token.text for token in line.tokens)
            line_texts.append(text)
            _text(line_el, text)
        _text(region, "\n".join(line_texts))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
