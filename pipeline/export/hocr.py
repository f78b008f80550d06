"""hOCR 1.2 (XHTML) with the corrected words: ocr_page > ocr_carea > ocr_par > ocr_line > ocrx_word.

Each word's title has its box and ``x_wconf`` (Tesseract's confidence, 0-100, for a word as read;
the corrector's score scaled to 0-100 for a word it changed); a changed word keeps its OCR form in
``data-ocr-original``.
"""

from __future__ import annotations

from lxml import etree

from .. import __version__
from ..model import BBox, Document
from ._layout import block_turn, page_blocks, page_pixel_aspect, xml_safe

__all__ = ["to_hocr"]

XHTML_NS = "http://www.w3.org/1999/xhtml"
_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{XHTML_NS}}}{tag}")
    for key, value in attrs.items():
        element.set(key, value)
    return element


# The two-letter codes (ISO 639-1, BCP 47's preferred form) of Tesseract's languages most common
# in European archives; other codes are written as Tesseract names them.
_TWO_LETTER = {"eng": "en", "deu": "de", "dan": "da", "fra": "fr", "ita": "it", "spa": "es", "nld": "nl", "nor": "no",
               "swe": "sv", "fin": "fi", "pol": "pl", "ces": "cs", "slk": "sk", "hun": "hu", "ron": "ro", "por": "pt",
               "rus": "ru", "ukr": "uk", "heb": "he", "yid": "yi", "lat": "la", "ell": "el", "hrv": "hr", "slv": "sl",
               "srp": "sr", "bul": "bg", "est": "et", "lav": "lv", "lit": "lt", "isl": "is", "tur": "tr"}


def _bbox(box: BBox | None) -> str:
    return "" if box is None else "bbox {} {} {} {}".format(*box)


def _title(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def to_hocr(doc: Document) -> bytes:
    """The document as hOCR (UTF-8 XHTML bytes), boxes in pixels of the input image."""
    root = etree.Element(f"{{{XHTML_NS}}}html", nsmap={None: XHTML_NS})
    # The document's language, as Tesseract read it (its language codes, "deu", "dan+eng": ISO
    # 639-2, which BCP 47 takes where no two-letter code is shorter); none where it is not known
    # (text given to ocrfix correct). It said "en" for German pages.
    languages = {page.engine.get("lang", "") for page in doc.pages}
    if len(languages) == 1 and (lang := languages.pop().split("+")[0]):
        code = _TWO_LETTER.get(lang, lang)
        root.set("{http://www.w3.org/XML/1998/namespace}lang", code)
        root.set("lang", code)
    head = _el(root, "head")
    _el(head, "title").text = xml_safe(doc.source)
    _el(head, "meta", **{"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"})
    _el(head, "meta", name="ocr-system", content=f"ocrfix {__version__}")
    _el(head, "meta", name="ocr-capabilities", content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf")
    _el(head, "meta", name="ocr-number-of-pages", content=str(len(doc.pages)))
    body = _el(root, "body")
    for p, page in enumerate(doc.pages, start=1):
        page_parts = [f'image "{page.image or doc.source}"']
        if page.width and page.height:
            page_parts.append(_bbox((0, 0, page.width, page.height)))
        page_parts.append(f"ppageno {page.index}")
        if page.dpi:
            # (a fax's pixels are taller than wide: its vertical resolution is lower)
            page_parts.append(f"scan_res {page.dpi} {round(page.dpi / page_pixel_aspect(page))}")
        page_el = _el(body, "div", **{"class": "ocr_page", "id": f"page_{p}", "title": xml_safe(_title(*page_parts))})
        for b, block in enumerate(page_blocks(page), start=1):
            turn = block_turn(page, block)
            area = _el(page_el, "div", **{"class": "ocr_carea", "id": f"block_{p}_{b}", "title": _bbox(block.bbox)})
            par = _el(area, "p", **{"class": "ocr_par", "id": f"par_{p}_{b}", "title": _bbox(block.bbox)})
            for ln, line in enumerate(block.lines, start=1):
                # textangle: degrees anticlockwise the line runs on the scan (a page read turned)
                line_title = _title(_bbox(line.bbox), f"textangle {turn}") if turn else _bbox(line.bbox)
                line_el = _el(par, "span", **{"class": "ocr_line", "id": f"line_{p}_{b}_{ln}", "title": line_title})
                line_el.text = "\n"
                previous = None
                for t, token in enumerate(line.tokens, start=1):
                    change = token.change if token.change is not None and token.change.original != token.change.new else None
                    if change is not None:
                        conf = f"x_wconf {round(100 * change.score)}"
                    elif token.confidence is not None:
                        conf = f"x_wconf {round(token.confidence)}"
                    else:
                        conf = ""
                    attrs = {"class": "ocrx_word", "id": f"word_{p}_{b}_{ln}_{t}", "title": _title(_bbox(token.bbox), conf)}
                    if change is not None:
                        attrs["data-ocr-original"] = xml_safe(change.original)
                    word = _el(line_el, "span", **attrs)
                    word.text = xml_safe(token.text)
                    if previous is not None:
                        previous.tail = " "
                    previous = word
                if previous is not None:
                    previous.tail = "\n"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=_DOCTYPE, pretty_print=True)
