"""Input files to page images: PNG, JPEG, TIFF (every frame), other Pillow formats, and PDF
(each page rendered with pypdfium2 at the resolution of the scan it holds, in colour where that
is colour; pages without a scan at 300 dpi).

A file that is not a readable image raises InputFileError naming the cause; a file whose header
promises more pixels than the limit is refused before it is decoded.
"""

from __future__ import annotations

import collections
import contextlib
import glob
import itertools
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from .errors import InputFileError, UsageError
from .files import as_utf8, is_new_version, unreadable

__all__ = [
    "PageImage",
    "IMAGE_SUFFIXES",
    "DEFAULT_MAX_PIXELS",
    "PDF_DPI",
    "expand_inputs",
    "load_pages",
    "count_pages",
    "pillow_pixel_limit",
]

# (every name JPEG and JPEG 2000 files go by: a folder's .jfif scans, as Windows saves a JPEG from a
# browser, were passed over without a word)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".bmp", ".gif", ".webp",
                  ".jp2", ".j2k", ".j2c", ".jpc", ".jpf", ".jpx", ".pbm", ".pgm", ".ppm", ".pnm", ".pdf"}
# A 600-dpi A3 page is about 70 Mpx; anything far beyond is a mistake or a decompression bomb.
DEFAULT_MAX_PIXELS = 200_000_000
PDF_DPI = 300


@dataclass
class PageImage:
    """One page of an input file, as decoded: 8-bit grayscale or BGR pixels and the file's dpi."""

    image: np.ndarray
    index: int
    dpi: int | None
    # The input file itself when it is this one page in a format Tesseract reads: the read of the
    # page as scanned is then raw Tesseract's read of the file, to the byte (its own decoding, and
    # the resolution the file states, which Tesseract's layout analysis uses).
    file: Path | None = None
    # What ingest found doubtful about the page (a resolution no paper page has), for its JSON record.
    note: str = ""
    # How many times as tall as wide the file says its pixels are (horizontal / vertical dpi): 1
    # for a scan, 2.08 for a fax sent in standard mode (204 x 98 dpi).
    pixel_aspect: float = 1.0
    # The degrees clockwise the file says the image is turned to be shown (a camera's EXIF
    # orientation); the pixels stay as stored, as Tesseract reads the file, and preprocessing
    # weighs this where the page itself cannot tell which way round it is.
    stated_turn: int = 0


def _is_output_folder(folder: Path) -> bool:
    """An ocrfix output folder (it has a workspace): its PDFs are ocrfix's, not scans."""
    return (folder / ".ocrfix" / "workspace.sqlite").exists()


def expand_inputs(inputs: list[str], out_dir: Path | None = None) -> list[tuple[Path, Path]]:
    """Expand files, folders (recursively), globs and ``@list.txt`` files into (file, relative name).

    The relative name is what the outputs are named after: a folder's files keep their path below
    the folder; a single file keeps just its name. The output folder ``out_dir`` and any other
    ocrfix output folder are never inputs (their searchable PDFs would be read again, run after run).
    """
    found: list[tuple[Path, Path]] = []
    seen: dict[Path, int] = {}  # (each file's place in found)
    out = out_dir.resolve() if out_dir is not None else None

    def inside_output(path: Path) -> bool:
        return out is not None and path.resolve().is_relative_to(out)

    def add(path: Path, rel: Path) -> None:
        key = path.resolve()
        if inside_output(path):
            return
        if key not in seen:
            seen[key] = len(found)
            found.append((path, rel))
        elif found[seen[key]][0].is_symlink() and not path.is_symlink():
            # A file found under a link's name and its own is read once, under its own (a link
            # sorted first named the outputs, with no word of the scan's name).
            found[seen[key]] = (path, rel)

    for raw in inputs:
        if raw.startswith("@"):
            list_file = Path(raw[1:])
            try:
                # In the Unicode form its byte-order mark names (Notepad's "UTF-8 with BOM" and
                # "Unicode": the mark was read into the first name, every name of UTF-16 garbled);
                # names in no UTF-8 kept as their bytes, as the file system has them.
                text = as_utf8(list_file, list_file.read_bytes()).decode("utf-8", errors="surrogateescape")
            except OSError as e:
                raise UsageError(f"cannot read the list of inputs ({e.strerror})", path=list_file) from e
            except InputFileError as e:
                raise UsageError("is no list of inputs: not text in UTF-8 or the form its byte-order mark names (a "
                                 "binary file?); save it as UTF-8 text, one file a line", path=list_file) from e
            entries = [line.strip() for line in text.splitlines()]
            for entry, rel in expand_inputs([e for e in entries if e and not e.startswith("#")], out_dir):
                add(entry, rel)
            continue
        path = Path(raw)
        if path.is_dir():
            if out is not None and path.resolve() == out:
                raise UsageError("is both the input folder and the output folder; write the outputs elsewhere (-o)", path=path)
            # Linked folders are searched too (a folder of links to the boxes: their scans were passed
            # over without a word), each real folder once, so that a loop of links ends; and only once
            # the real folders are, so that a folder and a link to it are searched under the folder's
            # own name (a link sorted first named the outputs, and the folder was passed by as walked).
            walked = {path.resolve()}
            roots, links = [path], collections.deque()
            while roots:
                for dirpath, dirnames, filenames in os.walk(roots.pop()):
                    kept = []
                    for d in sorted(dirnames):
                        sub = Path(dirpath) / d
                        if d.startswith(".") or inside_output(sub) or _is_output_folder(sub):
                            continue
                        if sub.is_symlink():
                            links.append(sub)
                        elif (real := sub.resolve()) not in walked:
                            walked.add(real)
                            kept.append(d)
                    dirnames[:] = kept
                    for name in sorted(filenames):
                        file = Path(dirpath) / name
                        # (a new version ocrfix put beside an edited output is ocrfix's PDF, no scan)
                        if file.suffix.lower() in IMAGE_SUFFIXES and not name.startswith(".") and not is_new_version(name):
                            add(file, file.relative_to(path))
                while links and not roots:
                    link = links.popleft()
                    if (real := link.resolve()) not in walked:
                        walked.add(real)
                        roots.append(link)
        elif path.exists():
            if inside_output(path):
                # (named on its own it is no stray match: say why it is not read)
                raise UsageError("is inside the output folder, whose files are never read as inputs (they may be "
                                 "ocrfix's own PDFs); write the outputs elsewhere (-o)", path=path)
            add(path, Path(path.name))
        elif glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise UsageError(f"no file matches the pattern '{raw}'")
            for match in map(Path, matches):
                # (a link whose file is gone is an input that says so, as in a folder: it was passed
                # over without a word)
                if is_new_version(match.name):
                    continue
                if match.is_file() or (match.is_symlink() and not match.exists()):
                    add(match, Path(match.name))
        elif path.is_symlink():
            raise UsageError(unreadable(path, FileNotFoundError()).message, path=path)
        else:
            raise UsageError("no such file or folder", path=path)
    # x.tif and x.pdf side by side would both write OUT/x.txt: refuse rather than overwrite.
    by_output: dict[Path, Path] = {}
    for path, rel in found:
        key = rel.with_suffix("")
        if key in by_output:
            raise UsageError(
                f"{by_output[key]} and {path} would both write the outputs {key}.*; "
                "rename one or process them into different output folders"
            )
        by_output[key] = path
    return found


def _pil_resolution(img: Image.Image) -> tuple[int | None, float]:
    """(the horizontal resolution the file states or None, how many times as tall as wide its
    pixels are). A fax sent in standard mode states 204 x 98 dpi: pixels 2.08 times as tall."""
    dpi = img.info.get("dpi")
    if not dpi:
        return None, 1.0
    try:
        x, y = (float(dpi[0]), float(dpi[1])) if isinstance(dpi, tuple) else (float(dpi), float(dpi))
    except (TypeError, ValueError, IndexError):
        return None, 1.0
    # Many tools write 1 or 72 when they mean "unknown"; a fax's vertical resolution is 98 or 196
    # (its horizontal one where the fax was stored turned a quarter: 98 x 204).
    if not (100 <= round(max(x, y)) <= 2400 and 50 <= round(min(x, y))):
        return None, 1.0
    # Pixels up to 2.5 times as tall as wide or as wide as tall (a fax's 2.08); beyond that the
    # numbers are no scanner's, and the pixels are taken for square.
    aspect = x / y
    return int(round(x)), aspect if 0.4 <= aspect <= 2.5 else 1.0


# EXIF orientations that are turns (the others are mirror images no camera makes of a page).
_EXIF_TURNS = {3: 180, 6: 90, 8: 270}


def _stated_turn(img: Image.Image) -> int:
    """The degrees clockwise the image's EXIF orientation says it is turned to be shown, or 0."""
    try:
        return _EXIF_TURNS.get(int(img.getexif().get(0x0112, 1)), 0)
    except Exception:  # noqa: BLE001 - a damaged EXIF block says nothing of the turn
        return 0


def _to_array(frame: Image.Image) -> np.ndarray:
    if frame.mode in ("1", "L") and "transparency" not in frame.info:
        return np.asarray(frame.convert("L"))
    if frame.mode.startswith("I;16"):
        # 16-bit grey: its high byte, as Leptonica hands it to Tesseract (Pillow's convert("L") clips
        # every value above 255 to white: a 16-bit scan became a blank page and a blank PDF).
        return (np.asarray(frame).astype(np.uint16) >> 8).astype(np.uint8)
    if frame.mode in ("I", "F"):
        # 32-bit grey of no fixed range: stretched to 8 bits where it goes beyond them, and from 0-1
        # where a float image is in that range.
        values = np.asarray(frame, dtype=np.float64)
        top = float(values.max()) if values.size else 0.0
        scaled = values * (255.0 / top) if top > 255 or (frame.mode == "F" and 0 < top <= 1.0) else values
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if "A" in frame.mode or "transparency" in frame.info:
        # Transparent pixels are paper: put the page on white (dropping alpha made a transparent
        # background black, and the page's image, its measures and its PDF with it).
        rgba = frame.convert("RGBA")
        frame = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    rgb = frame if frame.mode == "RGB" else frame.convert("RGB")  # (convert copies even to its own mode)
    return cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)  # BGR, as OpenCV expects


@contextlib.contextmanager
def pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Pillow's own bomb check, set to ours for the call: it refuses at twice its limit, and warns
    below that, before we could compare the size with ours; we report the size in our words."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Pillow warns about damage it can read past (corrupt EXIF, odd TIFF tags); a damaged
            # file that cannot be read is reported as an error instead.
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            # ... but not a frame cut short: Pillow then hands out a black frame, or the previous
            # frame's pixels again, as if it were the page (a multi-page TIFF missing its last bytes).
            warnings.filterwarnings("error", message="Truncated File Read", category=UserWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _too_large(path: Path, width: int, height: int, max_pixels: int) -> InputFileError:
    return InputFileError(
        f"image is {width}x{height} = {width * height / 1e6:.0f} Mpx, over the limit of "
        f"{max_pixels / 1e6:.0f} Mpx (a decompression bomb?); raise it with --max-pixels if the scan is genuine",
        path=path,
    )


# Formats (as Pillow names them) that Tesseract (Leptonica) decodes itself.
_TESSERACT_READS = {"JPEG", "PNG", "TIFF", "BMP", "PPM", "GIF", "WEBP"}


# Formats and modes OpenCV decodes to exactly Pillow's pixels (checked on the dev scans), straight
# into the array the pipeline works on: no Pillow copy beside it and no bytes copy in between.
_OPENCV_DECODES = {"JPEG", "PNG"}
_OPENCV_MODES = {"L": cv2.IMREAD_GRAYSCALE, "RGB": cv2.IMREAD_COLOR}


def _complete_jpeg(path: Path) -> bool:
    """Whether the file ends with JPEG's end-of-image marker (padding aside). OpenCV decodes a
    truncated JPEG with a grey remainder and no error; Pillow refuses it, which is what we want."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 64))
        return f.read().rstrip(b"\x00\r\n\t ").endswith(b"\xff\xd9")


def _decode_directly(path: Path, fmt: str | None, mode: str, size: tuple[int, int]) -> np.ndarray | None:
    """The page as OpenCV decodes it, or None where Pillow must (other formats and modes, or a
    file OpenCV cannot read whole). EXIF orientation is ignored, as Tesseract ignores it when it
    reads the file: both reads must see the same pixels."""
    if fmt not in _OPENCV_DECODES or mode not in _OPENCV_MODES:
        return None
    if fmt == "JPEG" and not _complete_jpeg(path):
        return None
    image = cv2.imread(str(path), _OPENCV_MODES[mode] | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None or image.shape[1::-1] != size:
        return None
    return image


def _is_page(frame: Image.Image, number: int) -> bool:
    """Whether frame ``number`` of a file is a page: the first always; a later one unless a TIFF's
    reduced-resolution copy of one (a scanner's thumbnail) or its transparency mask, as its
    NewSubfileType (or old SubfileType) says; those were read as further pages."""
    tags = getattr(frame, "tag_v2", None)
    if number == 0 or tags is None:
        return True
    new_kind, old_kind = tags.get(254, 0), tags.get(255, 1)
    return not (isinstance(new_kind, int) and new_kind & 0b101) and old_kind != 2


def _load_raster(path: Path, max_pixels: int) -> Iterator[PageImage]:
    try:
        with pillow_pixel_limit(max_pixels), Image.open(path) as img:
            # A phone's or camera's JPEG may carry further images (MPF: a preview, an HDR gain map),
            # which Pillow opens as frames of an MPO: the picture shown is the file's one page, as
            # Tesseract reads it (the preview was read as a second page of garbled text).
            fmt = "JPEG" if img.format == "MPO" else img.format
            single = fmt == "JPEG" or getattr(img, "n_frames", 1) == 1
            whole = path if single and fmt in _TESSERACT_READS else None
            width, height = img.size
            if width * height > max_pixels:
                raise _too_large(path, width, height, max_pixels)
            mode, (dpi, aspect), turn = img.mode, _pil_resolution(img), _stated_turn(img)
            # (a colour that means "none", which OpenCV would show: Pillow puts it on white paper)
            transparent = "transparency" in img.info
        # A single page is decoded once the header is read and the file closed: a 24-Mpx colour
        # photograph then costs its 72 MB array, not that plus Pillow's copy and a bytes copy.
        image = _decode_directly(path, fmt, mode, (width, height)) if single and width and height and not transparent else None
        if image is not None:
            yield PageImage(image=image, index=0, dpi=dpi, file=whole, pixel_aspect=aspect, stated_turn=turn)
            return
        with pillow_pixel_limit(max_pixels), Image.open(path) as img:
            index = 0
            for number, frame in enumerate(itertools.islice(ImageSequence.Iterator(img), 1 if single else None)):
                if not _is_page(frame, number):
                    continue
                width, height = frame.size
                if width * height > max_pixels:
                    raise _too_large(path, width, height, max_pixels)
                if width < 1 or height < 1:
                    raise InputFileError("image has no pixels", path=path)
                frame.load()
                dpi, aspect = _pil_resolution(frame)
                yield PageImage(image=_to_array(frame), index=index, dpi=dpi, file=whole, pixel_aspect=aspect,
                                stated_turn=_stated_turn(frame))
                index += 1
    except InputFileError:
        raise
    except Image.DecompressionBombError as e:
        match = re.search(r"\((\d+) pixels\)", str(e))
        pixels = int(match.group(1)) if match else 0
        raise InputFileError(
            f"image has {pixels / 1e6:.0f} Mpx, over the limit of {max_pixels / 1e6:.0f} Mpx "
            "(a decompression bomb?); raise it with --max-pixels if the scan is genuine",
            path=path,
        ) from e
    except UnidentifiedImageError as e:
        raise InputFileError("not an image file ocrfix can read (unknown or corrupt format)", path=path) from e
    except (OSError, SyntaxError, ValueError, EOFError, UserWarning, TypeError) as e:
        if isinstance(e, TypeError) and "dimensions" not in str(e):
            raise  # (only Pillow's "Missing dimensions", for a TIFF frame whose tags were cut off)
        reason = str(e) or type(e).__name__
        raise InputFileError(f"image file is damaged or truncated ({reason})", path=path) from e


def _load_pdf(path: Path, max_pixels: int) -> Iterator[PageImage]:
    import pypdfium2 as pdfium  # imported here: only PDF inputs pay for it

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        # PDFium's error code is process-wide and not reset by a failure that sets none (a PDF
        # with an empty page tree fails with "Success", or with the previous file's error), so
        # the file itself is asked what is wrong with it.
        markers = _pdf_markers(path)
        if b"/Encrypt" in markers:
            raise InputFileError("PDF is encrypted with a password; decrypt it first (e.g. qpdf --decrypt)", path=path) from e
        if b"/Count 0" in markers:
            raise InputFileError("PDF has no pages", path=path) from e
        raise InputFileError("PDF is damaged or not a PDF (its structure could not be read)", path=path) from e
    try:
        if len(pdf) == 0:
            raise InputFileError("PDF has no pages", path=path)
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            dpi, colour, stated = _pdf_page_resolution(page, width, height)
            note = "" if stated is not None else (
                f"the PDF says this page is {width / 72 * 2.54:.0f} cm wide, which no archive page is: its resolution "
                f"is wrong (img2pdf writes 96 ppi for a JPEG without one), so none is passed to Tesseract; "
                f"rebuilding the PDF with the scan's real resolution (e.g. img2pdf --imgsize 300dpi) gives the best reads")
            scale = dpi / 72
            if width * scale * height * scale > max_pixels:
                raise InputFileError(
                    f"PDF page {index + 1} would render at over {max_pixels / 1e6:.0f} Mpx at "
                    f"{dpi} dpi; raise the limit with --max-pixels",
                    path=path,
                )
            # (pypdfium2 takes the ceiling of size x scale, and PDFium gives sizes in single precision:
            # a 2084-px scan's 500.16-pt page is 500.1600037 pt, 2084.0000153 px at 300 dpi, rendered
            # 2085 px wide. A millionth less keeps the scan's pixels.)
            bitmap = page.render(scale=scale * (1 - 1e-6), grayscale=not colour)
            pixels = np.array(bitmap.to_pil().convert("RGB"))[:, :, ::-1].copy() if colour else np.array(bitmap.to_pil().convert("L"))
            yield PageImage(image=pixels, index=index, dpi=stated, note=note)
    except pdfium.PdfiumError as e:
        raise InputFileError(f"PDF page could not be rendered ({e})", path=path) from e
    finally:
        pdf.close()


# A scanned PDF page is rendered at the resolution of the image it holds, within these bounds (a
# page of vector text at PDF_DPI): below 100 dpi typewriting is no longer legible to Tesseract at all,
# above 600 nothing more is gained and memory grows fourfold with each doubling.
MIN_PDF_DPI = 100
MAX_PDF_DPI = 600
# A PDF page smaller than 5 cm or wider than 50 cm (A2 is 42) is no paper page of an archive: its
# size, and so the resolution it implies, is wrong (img2pdf gives a JPEG without a dpi 96 ppi: a
# 300-dpi A4 scan becomes a 66 cm page), so that resolution is not passed on to Tesseract.
_PLAUSIBLE_PAGE_CM = (5.0, 50.0)


def _pdf_page_resolution(page, width_pt: float, height_pt: float) -> tuple[int, bool, int | None]:
    """(dpi to render at, whether the page is colour, the dpi to tell Tesseract or None) for a PDF
    page: from the largest image on it where one covers most of the page (a scan), else PDF_DPI."""
    import pypdfium2.raw as pdfium_c

    best = None
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        area = max(0.0, right - left) * max(0.0, top - bottom)
        if best is None or area > best[0]:
            best = (area, obj, right - left, top - bottom)
    if best is None or best[0] < 0.5 * width_pt * height_pt:
        return PDF_DPI, False, PDF_DPI
    _area, image, shown_pt, shown_up_pt = best
    px_width, _px_height = image.get_px_size()
    a, b, _c, _d, _e, _f = image.get_matrix().get()
    if abs(b) > abs(a):
        # Placed turned a quarter (a scanner's automatic rotation): its pixels across run up the
        # page (they were taken over the page's width: a 300-dpi A4 scan on its landscape page
        # was read at 212 dpi, its 3508 px reduced to 2480).
        shown_pt = shown_up_pt
    native = px_width / (shown_pt / 72) if shown_pt > 0 else PDF_DPI
    metadata = image.get_metadata()
    # colour spaces other than DeviceGray (1) with more than one channel: keep the colour
    colour = metadata.colorspace != 1 and metadata.bits_per_pixel >= 24
    across_cm = width_pt / 72 * 2.54
    if not _PLAUSIBLE_PAGE_CM[0] <= across_cm <= _PLAUSIBLE_PAGE_CM[1]:
        # A page size no paper has says nothing of the scan: its own pixels are the page (within
        # the bounds, a scan said to be 1 dpi was enlarged 100 times and refused as too large, one
        # said to be 10000 dpi reduced to a strip of 55 px that read as nothing).
        return max(1, int(round(native))), colour, None
    dpi = int(round(min(MAX_PDF_DPI, max(MIN_PDF_DPI, native))))
    return dpi, colour, dpi


def _pdf_markers(path: Path) -> set[bytes]:
    """Which of the PDF keys that explain a failed load the file's head and tail contain:
    ``/Encrypt`` (in the trailer or xref stream) and an empty page tree (``/Count 0``)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        # The trailer is at the end; linearised files repeat it near the start.
        head = fh.read(1 << 16)
        fh.seek(max(0, size - (1 << 16)))
        text = head + fh.read()
    found = set()
    if b"/Encrypt" in text:
        found.add(b"/Encrypt")
    if re.search(rb"/Count\s*0(?![0-9])", text):
        found.add(b"/Count 0")
    return found


def load_pages(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[PageImage]:
    """Decode every page of one input file, lazily, in order."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise unreadable(path, e) from e
    if size == 0:
        raise InputFileError("file is empty (0 bytes)", path=path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as e:
        raise unreadable(path, e) from e
    if head.startswith(b"%PDF"):
        yield from _load_pdf(path, max_pixels)
    elif path.suffix.lower() == ".pdf":
        raise InputFileError("file has a .pdf name but is not a PDF", path=path)
    else:
        yield from _load_raster(path, max_pixels)


# The formats that can hold more than one page; any other file is one page, without opening it.
_MULTI_PAGE_SUFFIXES = {".pdf", ".tif", ".tiff", ".gif", ".webp"}


def count_pages(path: Path) -> int:
    """How many pages an input has, without decoding them (1 where it cannot tell)."""
    if path.suffix.lower() not in _MULTI_PAGE_SUFFIXES:
        return 1
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"%PDF"):
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(str(path))
            try:
                return len(pdf)
            finally:
                pdf.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (load_pages reports a damaged file)
            with Image.open(path) as img:
                if img.format != "TIFF":
                    return getattr(img, "n_frames", 1)
                # (a frame's tags only, not its pixels, are read to tell whether it is a page)
                return sum(_is_page(frame, number) for number, frame in enumerate(ImageSequence.Iterator(img)))
    except Exception:  # noqa: BLE001 - counting is advisory; load_pages reports the real error
        return 1
