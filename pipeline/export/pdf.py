"""Searchable PDF: each page image with an invisible text layer of the corrected words.

The text layer is written the way Tesseract and OCRmyPDF write theirs: a glyphless font (Type0,
Identity-H, every character code the UTF-16 code unit of the character, a ToUnicode map back to
it), text render mode 3 (invisible), and each word stretched horizontally (Tz) to cover its box,
with a space after every word but a line's last, so that selecting, searching and ``pdftotext``
find the corrected text where it stands on the page.

Images: a JPEG input is embedded as it is (its own bytes, no re-encoding); a black-and-white page
(a fax, a thresholded scan) as 1-bit Flate; any other page as a JPEG. Without the page images
(``image_source`` None) the pages are blank, with the same text layer (searchable, not visible).

The PDF is assembled here (a few objects and a cross-reference table); pikepdf then makes it
PDF/A-2b (XMP identification, an sRGB OutputIntent) and validates what it wrote.
"""

from __future__ import annotations

import base64
import io
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import OutputError
from ..model import Document, Page
from ._layout import DEFAULT_DPI, page_blocks

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
_JPEG_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".jfif"}


class _Writer:
    """Numbered PDF objects and the file around them."""

    def __init__(self) -> None:
        self.objects: list[bytes | None] = []

    def reserve(self) -> int:
        self.objects.append(None)
        return len(self.objects)

    def put(self, number: int, body: bytes) -> int:
        self.objects[number - 1] = body
        return number

    def add(self, body: bytes) -> int:
        return self.put(self.reserve(), body)

    def stream(self, data: bytes, entries: str = "", compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 6)
            entries = f"/Filter /FlateDecode {entries}"
        return self.add(f"<< /Length {len(data)} {entries}>>\nstream\n".encode() + data + b"\nendstream")

    def finish(self, root: int, info: int) -> bytes:
        out = io.BytesIO()
        out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            assert body is not None, f"object {number} was reserved but never written"
            offsets.append(out.tell())
            out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            out.write(f"{offset:010d} 00000 n \n".encode())
        out.write(f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R /Info {info} 0 R >>\n".encode())
        out.write(f"startxref\n{xref}\n%%EOF\n".encode())
        return out.getvalue()


def _pdf_string(text: str) -> str:
    """A PDF text string (UTF-16BE with BOM, hex) for the Info dictionary."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _font(w: _Writer) -> int:
    font_file = w.stream(_GLYPHLESS_TTF, f"/Length1 {len(_GLYPHLESS_TTF)} ")
    descriptor = w.add(
        f"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 {int(1000 * _CHAR_WIDTH)} 1000] "
        f"/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 /FontFile2 {font_file} 0 R >>".encode()
    )
    # Every character code (a UTF-16 code unit) shows glyph 1, the font's one glyph.
    cid_to_gid = w.stream(b"\x00\x01" * 65536)
    cid_font = w.add(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
        f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW {int(1000 * _CHAR_WIDTH)} /CIDToGIDMap {cid_to_gid} 0 R >>".encode()
    )
    to_unicode = w.stream(_TO_UNICODE)
    return w.add(
        f"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
        f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode()
    )


def _hex(text: str) -> str:
    # One code per UTF-16 code unit; characters beyond the BMP (not typewritten) become U+FFFD.
    safe = "".join(c if ord(c) < 0x10000 else "\ufffd" for c in text)
    return safe.encode("utf-16-be").hex().upper()


def _show(text: str, x: float, y: float, width: float, size: float) -> str:
    """Operators that show ``text`` at (x, y), stretched to ``width`` (all in points)."""
    natural = len(text) * _CHAR_WIDTH * size
    stretch = 100.0 * width / natural if natural else 100.0
    return f"{stretch:.2f} Tz 1 0 0 1 {x:.2f} {y:.2f} Tm <{_hex(text)}> Tj"


def _text_layer(page: Page, scale: float, height_pt: float) -> bytes:
    """Content-stream operators that place every word of the page at its box (PDF points)."""
    ops: list[str] = ["BT", "3 Tr"]  # render mode 3: neither filled nor stroked
    for block in page_blocks(page):
        for line in block.lines:
            tokens = [t for t in line.tokens if t.bbox is not None]
            if not tokens or line.bbox is None:
                continue
            lx0, ly0, lx1, ly1 = line.bbox
            size = max(1.0, (ly1 - ly0) * scale)
            # The baseline a little above the line box's bottom, where descenders end.
            baseline = height_pt - ly1 * scale + 0.2 * size
            ops.append(f"/F1 {size:.2f} Tf")
            # Words are laid out left to right, each stretched over its box, with a space glyph
            # filling the gap to the next one; the gap is kept at least a third of the line
            # height even where Tesseract's boxes overlap, so extraction sees the word breaks.
            gap = (ly1 - ly0) / 3
            cursor = float(tokens[0].bbox[0])
            for k, token in enumerate(tokens):
                x0, _y0, x1, _y1 = token.bbox
                start = max(float(x0), cursor)
                end = max(float(x1), start + 1.0)
                ops.append(_show(token.text, start * scale, baseline, (end - start) * scale, size))
                if k < len(tokens) - 1:
                    right = max(float(tokens[k + 1].bbox[0]), end + gap)
                    ops.append(_show(" ", end * scale, baseline, (right - end) * scale, size))
                    cursor = right
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _page_images(image_source: Path) -> Iterator[tuple[int, int, bytes, str]]:
    """(width, height, data, dictionary entries) of each page image of the input, ready to embed."""
    from PIL import Image

    from ..ingest import load_pages

    if image_source.suffix.lower() in _JPEG_SUFFIXES:
        try:
            with Image.open(image_source) as img:
                mode, size, frames = img.mode, img.size, getattr(img, "n_frames", 1)
        except OSError:
            mode, size, frames = "", (0, 0), 0
        if frames == 1 and mode in ("L", "RGB"):
            colour = "/DeviceGray" if mode == "L" else "/DeviceRGB"
            data = image_source.read_bytes()
            yield size[0], size[1], data, f"/ColorSpace {colour} /BitsPerComponent 8 /Filter /DCTDecode"
            return
    for page_image in load_pages(image_source):
        yield _encode(page_image.image)


def _encode(image: np.ndarray) -> tuple[int, int, bytes, str]:
    from PIL import Image

    height, width = image.shape[:2]
    if image.ndim == 2 and bool(((image == 0) | (image == 255)).all()):
        # Black and white: 1 bit a pixel, 1 = white in DeviceGray.
        packed = np.packbits(image > 127, axis=1).tobytes()
        return width, height, zlib.compress(packed, 6), "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode"
    if image.ndim == 2:
        pil, colour = Image.fromarray(image, "L"), "/DeviceGray"
    else:
        pil, colour = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]), "RGB"), "/DeviceRGB"
    buffer = io.BytesIO()
    pil.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return width, height, buffer.getvalue(), f"/ColorSpace {colour} /BitsPerComponent 8 /Filter /DCTDecode"


def to_pdf(doc: Document, image_source: Path | None = None, pdf_a: str = "2b") -> bytes:
    """A searchable PDF of the document: the pages of ``image_source`` (the input file) under an
    invisible layer of the corrected words (without an input, blank pages with that layer); as
    PDF/A of flavour ``pdf_a`` ("2b"), or plain ("off")."""
    plain = _plain_pdf(doc, image_source)
    return plain if pdf_a == "off" else _as_pdf_a(plain, pdf_a, doc.source)


def _as_pdf_a(data: bytes, flavour: str, source: str) -> bytes:
    """The PDF made PDF/A by pikepdf (XMP identification and metadata, an sRGB OutputIntent with its
    ICC profile) and validated by it as written: a PDF that does not pass is an error, never a
    file that claims PDF/A falsely."""
    import pikepdf
    import pikepdf.pdfa

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        report = pikepdf.pdfa.save(pdf, out, flavour)
    if not report.passed:
        problems = "; ".join(str(f) for f in report.findings[:3])
        raise OutputError(f"the PDF of {source} does not pass as PDF/A-{flavour} ({problems}); write plain PDF with --pdf-a off")
    return out.getvalue()


def _plain_pdf(doc: Document, image_source: Path | None) -> bytes:
    images: Iterator[tuple[int, int, bytes, str]] | None = None
    if image_source is not None:
        if not image_source.is_file():
            raise OutputError("the PDF output needs the input's page images, but the input file is not there", path=image_source)
        images = _page_images(image_source)
    w = _Writer()
    catalog = w.reserve()
    pages_obj = w.reserve()
    font = _font(w)
    kids: list[int] = []
    for page in doc.pages:
        image = next(images, None) if images is not None else None
        if image is not None:
            img_w, img_h, data, entries = image
        width = page.width or (image[0] if image else 0)
        height = page.height or (image[1] if image else 0)
        dpi = page.dpi or DEFAULT_DPI
        if not width or not height:  # text input with no image: a US Letter page
            width, height, dpi = 2550, 3300, DEFAULT_DPI
        scale = 72.0 / dpi
        width_pt, height_pt = width * scale, height * scale
        resources = f"/Font << /F1 {font} 0 R >>"
        content = b""
        if image is not None:
            xobject = w.add(
                f"<< /Type /XObject /Subtype /Image /Width {img_w} /Height {img_h} {entries} /Length {len(data)} >>\n"
                f"stream\n".encode() + data + b"\nendstream"
            )
            resources += f" /XObject << /Im0 {xobject} 0 R >>"
            content = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q\n".encode()
        content += _text_layer(page, scale, height_pt)
        contents = w.stream(content)
        kids.append(
            w.add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width_pt:.2f} {height_pt:.2f}] "
                f"/Resources << {resources} >> /Contents {contents} 0 R >>".encode()
            )
        )
    w.put(pages_obj, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode())
    w.put(catalog, f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode())
    info = w.add(f"<< /Title {_pdf_string(doc.source)} /Producer {_pdf_string(f'ocrfix {__version__}')} >>".encode())
    return w.finish(catalog, info)
