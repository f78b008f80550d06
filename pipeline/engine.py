"""The OCR engine interface, and Tesseract behind it.

Everything that reads a page image goes through an ``OcrEngine``: the chooser in
``process.ocr_page`` (every read it makes), the batch, and the tests, which pass a fake engine in
instead of patching module functions. An engine says what it is (``name``, ``version``, and an
identity of its language data, which belongs in every cache key), reads an image into a ``Page``
of lines of words, and offers the word list its language data carries (Tesseract's dictionary),
which the chooser uses to tell a plausible read from a garbled one in any installed language.

``TesseractEngine`` goes through pytesseract. It hands Tesseract the input file itself where the
page is the whole file (so that the read of the page as scanned is raw Tesseract's), else a
temporary Netpbm file (encoding a 300-dpi page as PNG costs ~0.2 s, PGM nothing), and asks for
hOCR, with one OpenMP thread and a timeout.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .errors import MissingDependencyError, OcrEngineError
from .model import Page
from .options import OcrOptions
from .tesseract import INSTALL_HINT, _engine_env, check_tesseract, parse_hocr

if TYPE_CHECKING:  # OpenCV only where a page is read: `ocrfix status` asks the engine its version
    import numpy as np

__all__ = ["OcrEngine", "TesseractEngine", "engine_for"]


@runtime_checkable
class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine."""

    name: str

    def version(self) -> str:
        """The engine's version, e.g. ``5.3.0``."""
        ...

    def data_id(self, lang: str) -> str:
        """A short identity (hash) of the language data ``lang`` uses: a new model means new reads."""
        ...

    def read(self, image: np.ndarray, options: OcrOptions, dpi: int | None = None, path: Path | None = None) -> Page:
        """Read one page image (8-bit grey or BGR), or, where ``path`` is given, that file, whose
        pixels ``image`` holds. The Page has the image's size and its lines of words with boxes in
        the image's pixels; ``source`` is left for the caller."""
        ...

    def words(self, lang: str) -> frozenset[str]:
        """The word list the language data carries, lower-cased (empty when the engine has none)."""
        ...


_TESSDATA_LINE = re.compile(r'"(.+?)"')


@functools.lru_cache(maxsize=4)
def _tessdata_dir(cmd: str) -> Path | None:
    try:
        out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, timeout=30, env=_engine_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (out.stdout or "").splitlines()[:1]
    match = _TESSDATA_LINE.search(first[0]) if first else None
    return Path(match.group(1)) if match else None


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=16)
def _tesseract_words(cmd: str, lang: str, cache: Path) -> frozenset[str]:
    """Tesseract's own dictionary for ``lang``, lower-cased (its LSTM word DAWG, unpacked with the
    combine_tessdata and dawg2wordlist tools Debian's tesseract-ocr ships), cached as a text file
    per language-data hash. Empty when the tools or the DAWG are missing: the chooser then relies
    on confidences and the page's own vocabulary."""
    tessdata = _tessdata_dir(cmd)
    words: set[str] = set()
    for one in lang.split("+"):
        data = tessdata / f"{one}.traineddata" if tessdata else None
        if data is None or not data.exists() or not shutil.which("combine_tessdata") or not shutil.which("dawg2wordlist"):
            continue
        target = cache / f"tesseract-words-{one}-{_file_digest(data)}.txt"
        if not target.exists():
            with tempfile.TemporaryDirectory(prefix="ocrfix-tessdata-") as tmp:
                prefix = str(Path(tmp) / one) + "."
                try:
                    subprocess.run(["combine_tessdata", "-u", str(data), prefix], capture_output=True, timeout=60, check=True)
                    listed = Path(tmp) / "words.txt"
                    subprocess.run(["dawg2wordlist", prefix + "lstm-unicharset", prefix + "lstm-word-dawg", str(listed)],
                                   capture_output=True, timeout=120, check=True)
                except (OSError, subprocess.SubprocessError):
                    continue
                cache.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(f".{os.getpid()}.tmp")
                shutil.copyfile(listed, partial)
                os.replace(partial, target)
        with target.open(encoding="utf-8", errors="replace") as listed_words:  # a line at a time: no copy of the whole list
            words.update(w.lower() for line in listed_words for w in line.split())
    return frozenset(words)


# The most pixels a side Tesseract reads (its coordinates are 16-bit).
TESSERACT_MAX_SIDE = 32767


class TesseractEngine:
    """Tesseract 5 through pytesseract."""

    name = "tesseract"

    def __init__(self, cmd: str = "tesseract") -> None:
        self.cmd = cmd

    def version(self) -> str:
        return check_tesseract(self.cmd).version

    def data_id(self, lang: str) -> str:
        tessdata = _tessdata_dir(self.cmd)
        parts = []
        for one in lang.split("+"):
            data = tessdata / f"{one}.traineddata" if tessdata else None
            parts.append(f"{one}:{_file_digest(data) if data and data.exists() else 'unknown'}")
        return ",".join(parts)

    def words(self, lang: str) -> frozenset[str]:
        from .lexicon import cache_dir  # the lexicon's cache folder is the user's ocrfix cache

        return _tesseract_words(self.cmd, lang, cache_dir())

    def read(self, image: np.ndarray, options: OcrOptions, dpi: int | None = None, path: Path | None = None) -> Page:
        import cv2
        import pytesseract

        check_tesseract(self.cmd, options.lang)
        height, width = image.shape[:2]
        if max(width, height) > TESSERACT_MAX_SIDE:
            # (Tesseract's own "Image too large: (40000, 10)" said nothing of the limit)
            raise OcrEngineError(f"the page is {width} x {height} px and Tesseract reads at most {TESSERACT_MAX_SIDE} px "
                                 "a side; split the scan or scale it down")
        config = [f"--psm {int(options.psm)}"]
        if dpi and path is None:
            config.append(f"--dpi {int(dpi)}")
        if options.char_alternatives:
            config.append("-c lstm_choice_mode=2")
        # pytesseract runs the command its module names, in this process's environment.
        pytesseract.pytesseract.tesseract_cmd = self.cmd
        os.environ["OMP_THREAD_LIMIT"] = "1"
        with tempfile.NamedTemporaryFile(prefix="ocrfix-page-", suffix=".pgm" if image.ndim == 2 else ".ppm") as page_file:
            if path is None:
                ok, encoded = cv2.imencode(page_file.name[-4:], image)
                if not ok:
                    raise OcrEngineError("the page image could not be encoded for Tesseract")
                page_file.write(encoded.tobytes())
                page_file.flush()
            try:
                hocr = pytesseract.image_to_pdf_or_hocr(
                    str(path) if path is not None else page_file.name, lang=options.lang, config=" ".join(config),
                    extension="hocr", timeout=options.timeout_s,
                )
            except pytesseract.TesseractNotFoundError as e:
                raise MissingDependencyError(f"Tesseract ('{self.cmd}') could not be started; {INSTALL_HINT}") from e
            except pytesseract.TesseractError as e:
                raise OcrEngineError(f"Tesseract failed: {e.message or 'exit code ' + str(e.status)}") from e
            except RuntimeError as e:  # pytesseract's timeout
                raise OcrEngineError(
                    f"Tesseract took longer than {options.timeout_s:.0f} s on this page and was stopped; "
                    "raise the limit with --ocr-timeout"
                ) from e
        return Page(
            source="",
            width=width,
            height=height,
            dpi=dpi,
            lines=parse_hocr(hocr),
            engine={"name": self.name, "version": self.version(), "lang": options.lang, "psm": str(options.psm)},
        )


def engine_for(options: OcrOptions) -> OcrEngine:
    """The engine the options ask for (Tesseract, the only one so far)."""
    return TesseractEngine(options.tesseract_cmd)
