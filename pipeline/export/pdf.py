"""Searchable PDF: each page image with an invisible text layer of the corrected words.

The text layer is written the way Tesseract and OCRmyPDF write theirs: a glyphless font (Type0,
Identity-H, every character code the UTF-16 code unit of the character, a ToUnicode map back to
it), text render mode 3 (invisible), and each word stretched horizontally (Tz) to cover its box
and a space after it the gap to the next, on a level baseline per line, so that selecting,
searching and ``pdftotext`` find the corrected text where it stands on the page.

Images: a JPEG input is embedded as it is (its own bytes, no re-encoding); a black-and-white page
(a fax, a thresholded scan) as 1-bit Flate; any other page as a JPEG. Without the page images
(``image_source`` None) the pages are blank, with the same text layer (searchable, not visible).

The PDF is built with pikepdf (qpdf writes the objects, cross-reference and object streams, as for
OCRmyPDF), which also makes it PDF/A-2b (XMP identification, an sRGB OutputIntent) and validates
what it wrote.
"""

from __future__ import annotations

import base64
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import __version__
from ..errors import OutputError
from ..model import Document, Page, runs_down
from ._layout import DEFAULT_DPI, page_blocks, page_pixel_aspect, page_turn

if TYPE_CHECKING:  # pikepdf is imported where a PDF is written: the other outputs never load it
    import pikepdf

__all__ = ["to_pdf", "JPEG_QUALITY"]

JPEG_QUALITY = 80
# Tesseract's glyphless font (tessdata/pdf.ttf, Apache License 2.0, (c) Google): one empty glyph,
# half an em wide, under every character code.
_GLYPHLESS_TTF = base64.b64decode(
    "AAEAAAAKAIAAAwAgT1MvMlbeyJQAAAEoAAAAYGNtYXAACgA0AAABkAAAAB5nbHlmFSJBJAAAAbgAAAAYaGVhZAt48WUAAACsAAAA"
    "NmhoZWEMAgQCAAAA5AAAACRobXR4BAAAAAAAAYgAAAAIbG9jYQAMAAAAAAGwAAAABm1heHAABAAFAAABCAAAACBuYW1l8usW2gAA"
    "AdAAAABLcG9zdAABAAEAAAIcAAAAIAABAAAAAQAAsJRxEF8PPPUEBwgAAAAAAM+a/G4AAAAA1MOn8gAAAAAEAAgAAAAAEAACAAAA"
    "AAAAAAEAAAgA//8AAAQAAAAAAAQAAAEAAAAAAAAAAAAAAAAAAAACAAEAAAACAAQAAQAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAwAA"
    "AZAABQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAUAAQABAAAAAAAAAAAAAAAAAAAAAAAAAAAAR09PRwBAAAAAAAAB//8AAAABAAGA"
    "AAAAAAAAAAAAAAAAAAABAAAAAAAABAAAAAAAAAIAAQAAAAAAFAADAAAAAAAUAAYACgAAAAAAAAAAAAAAAAAMAAAAAQAAAAAEAAgA"
    "AAMAADEhESEEAPwACAAAAAADACoAAAADAAAABQAWAAAAAQAAAAAABQALABYAAwABBAkABQAWAAAAVgBlAHIAcwBpAG8AbgAgADEA"
    "LgAwVmVyc2lvbiAxLjAAAAEAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAA="
)
_CHAR_WIDTH = 0.5  # of the font size: the glyphless font's one advance width
_TO_UNICODE = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    b"1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n"
    b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
)
# The producer in the DocInfo and, for PDF/A, the XMP (which must say the same).
_PRODUCER = f"ocrfix {__version__}"


def _font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """Tesseract's glyphless font as a Type0 font: every character code (a UTF-16 code unit) shows
    glyph 1, the font's one empty glyph, and maps back to its character."""
    from pikepdf import Array, Dictionary, Name, String

    width = int(1000 * _CHAR_WIDTH)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name.GlyphLessFont, Flags=5, FontBBox=Array([0, 0, width, 1000]),
        ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000, StemV=80,
        FontFile2=pdf.make_stream(_GLYPHLESS_TTF, Length1=len(_GLYPHLESS_TTF)),
    ))
    cid_font = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
        FontDescriptor=descriptor, DW=width, CIDToGIDMap=pdf.make_stream(b"\x00\x01" * 65536),
    ))
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.GlyphLessFont, Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid_font]), ToUnicode=pdf.make_stream(_TO_UNICODE),
    ))


def _hex(text: str) -> str:
    # One code per UTF-16 code unit; characters beyond the BMP (not typewritten) become U+FFFD.
    safe = "".join(c if ord(c) < 0x10000 else "\ufffd" for c in text)
    return safe.encode("utf-16-be").hex().upper()


def _show(text: str, x: float, y: float, width: float, size: float, down: bool = False) -> str:
    """Operators that show ``text`` at (x, y), stretched to ``width`` (all in points); ``down``:
    running down the page, the glyphs' tops to the right."""
    natural = len(text) * _CHAR_WIDTH * size
    stretch = 100.0 * width / natural if natural else 100.0
    return f"{stretch:.2f} Tz {'0 -1 1 0' if down else '1 0 0 1'} {x:.2f} {y:.2f} Tm <{_hex(text)}> Tj"


def _text_layer(page: Page, scale: float, height_pt: float) -> bytes:
    """Content-stream operators that place every word of the page at its box (PDF points)."""
    ops: list[str] = ["BT", "3 Tr"]  # render mode 3: neither filled nor stroked
    for block in page_blocks(page):
        for line in block.lines:
            tokens = [t for t in line.tokens if t.bbox is not None]
            if not tokens:
                continue
            # A line running down the page is laid out as the line it is, in its own frame (u
            # along it, v across it to the glyphs' feet), and shown turned: its text lay across
            # each word's box on end, over the page's other words.
            down = runs_down([(t.text, t.bbox) for t in tokens])
            boxes = [(b[1], -b[2], b[3], -b[0]) if down else b for b in (t.bbox for t in tokens)]

            def at(u: float, v: float) -> tuple[float, float]:  # a point of the line's frame, in PDF points
                return (-v * scale, height_pt - u * scale) if down else (u * scale, height_pt - v * scale)

            # The type's size is the median height of the line's words and its baseline the
            # median of their bottoms, not the line box's: on a skewed scan the box spans the
            # line's rise too (65 px for 30 px type), so neighbouring lines overlapped and
            # pdftotext joined the words at their ends ("OctoberI"), and pdfium ran the lines
            # together. A level baseline per line keeps each line one line for both (words
            # stepping down a skewed line, or a baseline turned with it, made pdfium interleave two
            # lines and pdftotext split words). The font's glyphs reach from the baseline up one
            # size, so a highlight covers the words.
            height = float(np.median([b[3] - b[1] for b in boxes]))
            size = max(1.0, height * scale)
            baseline = float(np.median([b[3] for b in boxes]))
            ops.append(f"/F1 {size:.2f} Tf")
            # Words are laid out left to right, each stretched over its box, and a space glyph after
            # each (the line's last too, as Tesseract writes them) stretched over the gap to the
            # next word: at least a third of the type's height even where Tesseract's boxes
            # overlap or a word is squeezed into a narrow box, so extraction sees the word breaks
            # (a space run with its word took the word's squeeze, and pdftotext joined the words).
            gap = height / 3
            cursor = float(boxes[0][0])
            for k, (token, (x0, _y0, x1, _y1)) in enumerate(zip(tokens, boxes)):
                start = max(float(x0), cursor)
                end = max(float(x1), start + 1.0)
                right = end + gap if k == len(tokens) - 1 else max(float(boxes[k + 1][0]), end + gap)
                ops.append(_show(token.text, *at(start, baseline), (end - start) * scale, size, down))
                ops.append(_show(" ", *at(end, baseline), (right - end) * scale, size, down))
                cursor = right
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _turn_point(x: float, y: float, degrees: int, width: int, height: int) -> tuple[float, float]:
    """A point of the scan (width x height pixels) where it is on the page turned upright
    (``preprocess.rotate_orthogonal``'s turns, over the whole scan)."""
    if degrees == 90:
        return height - y, x
    if degrees == 180:
        return width - x, height - y
    if degrees == 270:
        return y, width - x
    return x, y


def _turned_text_layer(page: Page, width: int, height: int, scale: float, degrees: int) -> bytes:
    """The text layer of a page turned ``degrees`` clockwise to be read, laid out on the page
    turned upright and turned back with it: the lines of a sideways or upside-down scan run as its
    type does, so that a viewer selects and extracts them in order (laid out on the scan's axes,
    each word stood on end)."""
    if degrees not in (90, 180, 270):
        return _text_layer(page, scale, height * scale)

    def box(b):
        if b is None:
            return None
        (ax, ay), (bx, by) = (_turn_point(b[0], b[1], degrees, width, height), _turn_point(b[2], b[3], degrees, width, height))
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    upright = page.model_copy(update={"lines": [
        line.model_copy(update={"bbox": box(line.bbox), "words": [w.model_copy(update={"bbox": box(w.bbox)}) for w in line.words]})
        for line in page.lines]})
    up_width, up_height = (height, width) if degrees in (90, 270) else (width, height)
    # The matrix that takes the upright page's points (PDF units, y up) to the scan's: found from
    # where three points go. A PDF point (u, v) of the upright page is its pixel (u/s, H' - v/s),
    # which turning the upright page on round to 360 degrees takes back to the scan's.
    def to_scan(u: float, v: float) -> tuple[float, float]:
        sx, sy = _turn_point(u / scale, up_height - v / scale, 360 - degrees, up_width, up_height)
        return sx * scale, (height - sy) * scale

    (e, f), (ux, uy), (vx, vy) = to_scan(0, 0), to_scan(1, 0), to_scan(0, 1)
    matrix = f"{ux - e:.4f} {uy - f:.4f} {vx - e:.4f} {vy - f:.4f} {e:.2f} {f:.2f}"
    return f"q {matrix} cm\n".encode() + _text_layer(upright, scale, up_height * scale) + b"\nQ"


def _page_images(image_source: Path, max_pixels: int) -> Iterator[tuple[int, int, bytes, dict]]:
    """(width, height, data, dictionary entries) of each page image of the input, ready to embed;
    pages over ``max_pixels`` are refused (InputFileError), as ingest refuses them."""
    from PIL import Image

    from ..ingest import load_pages, pillow_pixel_limit

    # A JPEG by what the file holds, not by its name: a PNG named .jpg embedded as it is under a
    # JPEG filter showed no scan at all.
    try:
        with pillow_pixel_limit(max_pixels), Image.open(image_source) as img:
            fmt, mode, size, frames = img.format, img.mode, img.size, getattr(img, "n_frames", 1)
            # A phone's JPEG with further images in it (MPF: a preview, a gain map) is its picture,
            # the first of them, as ingest reads it: the bytes up to its end go in as they are (it
            # was decoded and encoded again, one generation worse than the same photo without them).
            length = img.mpinfo[0xB002][0]["Size"] if fmt == "MPO" else None
    except (OSError, Image.DecompressionBombError, KeyError, IndexError, TypeError):
        fmt, mode, size, frames, length = None, "", (0, 0), 0, None  # (load_pages says what is wrong with it)
    if (fmt == "JPEG" and frames == 1 or fmt == "MPO" and length) and mode in ("L", "RGB"):
        data = image_source.read_bytes()[:length]
        if data.endswith(b"\xff\xd9") or fmt == "JPEG":  # (an MP index whose size cuts the picture short: decoded)
            yield size[0], size[1], data, _entries("L" if mode == "L" else "RGB", 8, "/DCTDecode")
            return
    for page_image in load_pages(image_source, max_pixels):
        yield _encode(page_image.image)


def _entries(mode: str, bits: int, codec: str) -> dict:
    """An image XObject's colour space, depth and filter."""
    from pikepdf import Name

    return {"ColorSpace": Name("/DeviceGray" if mode == "L" else "/DeviceRGB"), "BitsPerComponent": bits, "Filter": Name(codec)}


def _encode(image: np.ndarray) -> tuple[int, int, bytes, dict]:
    from PIL import Image

    height, width = image.shape[:2]
    if image.ndim == 2 and bool(((image == 0) | (image == 255)).all()):
        # Black and white: 1 bit a pixel, 1 = white in DeviceGray.
        packed = np.packbits(image > 127, axis=1).tobytes()
        return width, height, zlib.compress(packed, 6), _entries("L", 1, "/FlateDecode")
    if image.ndim == 2:
        pil = Image.fromarray(image, "L")
    else:
        pil = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]), "RGB")
    buffer = io.BytesIO()
    pil.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return width, height, buffer.getvalue(), _entries(pil.mode, 8, "/DCTDecode")


def to_pdf(doc: Document, image_source: Path | None = None, pdf_a: str = "2b") -> bytes:
    """A searchable PDF of the document: the pages of ``image_source`` (the input file) under an
    invisible layer of the corrected words (without an input, blank pages with that layer); as
    PDF/A of flavour ``pdf_a`` ("2b"), or plain ("off")."""
    import pikepdf

    out = io.BytesIO()
    with _build(doc, image_source) as pdf:
        if pdf_a == "off":
            # (an /ID from the content, not the clock: the same document gives the same bytes)
            pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
        else:
            _save_pdf_a(pdf, out, pdf_a, doc.source)
    return out.getvalue()


def _save_pdf_a(pdf: pikepdf.Pdf, out: io.BytesIO, flavour: str, source: str) -> None:
    """Written as PDF/A by pikepdf (XMP identification and metadata, an sRGB OutputIntent with its
    ICC profile) and validated by it as written: a PDF that does not pass is an error, never a
    file that claims PDF/A falsely."""
    import pikepdf.pdfa

    pikepdf.pdfa.prepare(pdf, flavour)
    # pikepdf's preparation records itself as the producer and the time it wrote the metadata:
    # ocrfix is the producer (in the XMP and DocInfo alike, as PDF/A requires), and without the time
    # the same document gives the same bytes, /ID included, as the other outputs do (fixity checks).
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdf:Producer"] = _PRODUCER
        if "xmp:MetadataDate" in meta:
            del meta["xmp:MetadataDate"]
    pdf.docinfo.Producer = _PRODUCER
    try:
        report = pikepdf.pdfa.save(pdf, out, flavour, repair=False, deterministic_id=True)
    except pikepdf.pdfa.PdfaError as error:
        report = error.report
    if not report.passed:
        problems = "; ".join(str(f) for f in report.findings[:3])
        raise OutputError(f"the PDF of {source} does not pass as PDF/A-{flavour} ({problems}); write plain PDF with --pdf-a off")


# The sizes a PDF page may have (ISO 32000's implementation limits, which PDF/A checks).
MIN_PAGE_PT, MAX_PAGE_PT = 3.0, 14_400.0


def _build(doc: Document, image_source: Path | None) -> pikepdf.Pdf:
    """The PDF in memory: a page per page of the document, its image (if any) under its text."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    images: Iterator[tuple[int, int, bytes, dict]] | None = None
    if image_source is not None:
        if not image_source.is_file():
            raise OutputError("the PDF output needs the input's page images, but the input file is not there", path=image_source)
        # The pages were read under the run's pixel limit (--max-pixels): a scan the run admitted
        # above the default is admitted here too (a raised limit ended the run in a traceback from
        # Pillow's own bomb check, or failed the file as over a limit the person had raised).
        from .. import ingest

        admitted = max((page.width or 0) * (page.height or 0) for page in doc.pages) if doc.pages else 0
        images = _page_images(image_source, max(ingest.DEFAULT_MAX_PIXELS, admitted))
    pdf = pikepdf.new()
    font = _font(pdf)
    for page in doc.pages:
        image = next(images, None) if images is not None else None
        width = page.width or (image[0] if image else 0)
        height = page.height or (image[1] if image else 0)
        dpi = page.dpi or DEFAULT_DPI
        if not width or not height:  # text input with no image: a US Letter page
            width, height, dpi = 2550, 3300, DEFAULT_DPI
        scale = 72.0 / dpi
        # (a fax's pixels are twice as tall as wide: its page is that much taller than its pixels)
        aspect = page_pixel_aspect(page)
        # PDF (and PDF/A's validation) takes pages of 3 to 14,400 points a side: a strip of one
        # typed line, 12 px tall at 300 dpi, would fail its whole file. Such a page is drawn larger.
        least, most = min(width, height * aspect) * scale, max(width, height * aspect) * scale
        if least < MIN_PAGE_PT:
            scale *= min(MIN_PAGE_PT / least, MAX_PAGE_PT / most)
        elif most > MAX_PAGE_PT:
            scale *= MAX_PAGE_PT / most
        width_pt, height_pt = width * scale, height * scale * aspect
        resources = Dictionary(Font=Dictionary(F1=font))
        content = b""
        if image is not None:
            img_w, img_h, data, entries = image
            # The image's bytes go in as they are, already encoded (its Filter says how).
            xobject = pikepdf.Stream(pdf, data)
            xobject.stream_dict.update(Dictionary(Type=Name.XObject, Subtype=Name.Image, Width=img_w, Height=img_h, **entries))
            resources.XObject = Dictionary(Im0=xobject)
            content = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q\n".encode()
        turn = page_turn(page)
        layer = _turned_text_layer(page, width, height, scale, turn)
        content += layer if aspect == 1.0 else f"q 1 0 0 {aspect:.4f} 0 0 cm\n".encode() + layer + b"\nQ"
        page_dict = Dictionary(
            Type=Name.Page, MediaBox=Array([0, 0, round(width_pt, 2), round(height_pt, 2)]),
            Resources=resources, Contents=pdf.make_stream(content),
        )
        if turn:
            # Shown turned as it was read (the scan's pixels kept as they are), as OCRmyPDF does.
            page_dict.Rotate = turn
        pdf.pages.append(pikepdf.Page(page_dict))
    pdf.docinfo.Title = doc.source
    pdf.docinfo.Producer = _PRODUCER
    return pdf
