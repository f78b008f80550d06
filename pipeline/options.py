"""The one options object. Every stage takes the part of it that concerns it.

Options are pydantic models so that a typo in a field name or a bad value fails early with a clear
message, and so that the parts that shape OCR can be hashed to decide what a cached page is still
good for.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "OcrOptions",
    "PreprocessOptions",
    "CorrectOptions",
    "OutputOptions",
    "Options",
    "default_dictionary_dir",
    "OUTPUT_FORMATS",
    "PREPROCESS_STEPS",
    "preprocess_steps",
    "validation_message",
]

OUTPUT_FORMATS = ("txt", "json", "alto", "hocr", "pdf", "page")


def default_dictionary_dir() -> Path:
    """The shipped ``dictionaries/`` folder (beside the package in a checkout), or $OCRFIX_DICTIONARIES."""
    env = os.environ.get("OCRFIX_DICTIONARIES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "dictionaries"


def validation_message(error: ValidationError) -> str:
    """pydantic's errors as one line a person can act on: 'field: what is wrong; ...'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()))
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _languages(value: str) -> str:
    """``--lang``: Tesseract's language codes joined by '+'."""
    codes = value.split("+")
    if not all(codes):
        raise ValueError(f"expected Tesseract's language codes joined by '+' (eng, deu+eng), not {value!r}")
    if "osd" in codes:
        raise ValueError("osd is Tesseract's data for finding a page's orientation and script, not a language: "
                         "give the page's language (eng, deu, ...)")
    return value


class OcrOptions(_Options):
    lang: str = "eng"

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        return _languages(value)

    # Tesseract's page segmentation mode; 3 (fully automatic) is its default and reads our pages best.
    psm: int = 3
    timeout_s: float = 300.0
    # hOCR with lstm_choice_mode=2 gives per-character alternatives. Off by default: it costs
    # Tesseract about 10 % more time (measured 1.12 -> 1.24 s, 1.19 -> 1.30-1.36 s, 0.69-0.75 ->
    # 0.77-0.79 s on three dev pages) and bench/bench_correct.py --hocr found the corrector no
    # better for them (EHRI -13.1 % vs -13.6 %, synthetic -11.9 % vs -12.0 % CER from text alone).
    char_alternatives: bool = False
    # Join pieces of one typed line that Tesseract read as separate lines (layout.rejoin_page).
    rejoin_lines: bool = True
    tesseract_cmd: str = "tesseract"


# The preprocessing steps, in the order they run (--preprocess names some of them).
PREPROCESS_STEPS = ("grayscale", "orient", "border", "deskew", "rescale", "median", "nlmeans", "flatten", "binarise",
                    "sauvola")


def preprocess_steps(mode: str) -> list[str]:
    """The steps a comma-separated --preprocess list names; ValueError naming any unknown one."""
    wanted = [s.strip() for s in mode.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in PREPROCESS_STEPS]
    if unknown or not wanted:
        raise ValueError(f"unknown preprocessing step {', '.join(unknown) or repr(mode)}; "
                         f"choose from {', '.join(PREPROCESS_STEPS)}, or auto, or off")
    return wanted


class PreprocessOptions(_Options):
    # "auto": choose the steps per page; "off": none; otherwise a comma-separated list of steps.
    mode: str = "auto"
    debug_dir: Path | None = None

    @field_validator("mode")
    @classmethod
    def _known_steps(cls, value: str) -> str:
        # Checked when the options are made: a misspelt step failed every input of a batch alone.
        mode = value.strip().lower()
        return mode if mode in ("auto", "off") else ",".join(preprocess_steps(mode))


class CorrectOptions(_Options):
    enabled: bool = True
    dictionary_dir: Path = Field(default_factory=default_dictionary_dir)
    corrections_file: Path = Path("corrections.yaml")
    # The language(s) of the text (Tesseract's codes, e.g. deu or eng+fra).
    lang: str = "eng"
    # The text is another OCR engine's (``ocrfix correct``): the corrector learns that engine's
    # slips from the collection's own words as well (correct.collection_channel.collection_confusions).
    learn_channel: bool = False

    # (ocrfix correct has no OCR options: "eng+" was taken for English, "" for a language it has no dictionaries for)
    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        return _languages(value)

    @property
    def dictionaries_fit_language(self) -> bool:
        """Whether the dictionaries can judge words of this language: the shipped ones are English,
        so text in another language is left as read unless dictionaries built for it are given."""
        return "eng" in self.lang.split("+") or self.dictionary_dir.resolve() != default_dictionary_dir().resolve()

    @property
    def automatic(self) -> bool:
        """Whether the automatic corrector runs (overrides apply either way)."""
        return self.enabled and self.dictionaries_fit_language


class OutputOptions(_Options):
    formats: tuple[str, ...] = ("txt", "json")
    # Write the uncorrected OCR text instead of the corrected text.
    raw: bool = False
    # The searchable PDF as PDF/A-2b (what archives ingest; OCRmyPDF's default too), or plain PDF.
    pdf_a: Literal["2b", "off"] = "2b"
    # Replace outputs edited by hand since ocrfix wrote them (by default their new version goes
    # beside them): one run's choice, never part of the correction key nor of the saved options.
    overwrite_edited: bool = False

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Any case, each once (as --preprocess takes its steps): "PDF" was refused, "txt,TXT" written twice.
        value = tuple(dict.fromkeys(f.strip().lower() for f in value))
        if not value:
            raise ValueError(f"no output format given; choose from {', '.join(OUTPUT_FORMATS)}")
        unknown = [f for f in value if f not in OUTPUT_FORMATS]
        if unknown:
            raise ValueError(f"unknown output format {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)}")
        return value


class Options(_Options):
    ocr: OcrOptions = OcrOptions()
    preprocess: PreprocessOptions = PreprocessOptions()
    correct: CorrectOptions = CorrectOptions()
    output: OutputOptions = OutputOptions()
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    # Inputs whose header promises more pixels than this are refused before decoding.
    max_pixels: int = Field(default=200_000_000, ge=1)
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = None

    def ocr_key(self) -> str:
        """Hash of everything that shapes the OCR result (so a cached page is reusable when equal)."""
        shaping = {
            "ocr": self.ocr.model_dump(mode="json", exclude={"timeout_s", "tesseract_cmd"}),
            "preprocess": self.preprocess.model_dump(mode="json", exclude={"debug_dir"}),
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:16]
