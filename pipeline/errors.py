"""One exception tree for ocrfix. Each error carries an exit code and a message a person can act on.

The CLI is the only place that turns these into a printed line and an exit status; library code
raises them (chaining the cause with ``raise ... from e``) and never prints or exits.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

__all__ = [
    "ExitCode",
    "OcrfixError",
    "UsageError",
    "InputFileError",
    "MissingDependencyError",
    "OcrEngineError",
    "CorrectionsFileError",
    "DictionaryError",
    "OutputError",
    "WorkspaceError",
    "BatchFailedError",
]


class ExitCode(IntEnum):
    ok = 0
    # 1 is left to unexpected crashes (Python's default for an uncaught exception).
    usage = 2
    input_file = 3
    missing_dependency = 4
    ocr_engine = 5
    corrections_file = 6
    dictionary = 7
    output = 8
    workspace = 9
    batch_failed = 10


class OcrfixError(Exception):
    """Base of every error ocrfix raises on purpose."""

    exit_code: ExitCode = ExitCode.usage

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        """One line: ``file[:line]: message``, the shape editors and people both read."""
        if self.path is None:
            return self.message
        where = str(self.path) if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class UsageError(OcrfixError):
    """The command line or options are wrong."""

    exit_code = ExitCode.usage


class InputFileError(OcrfixError):
    """An input file cannot be read as a page image or text."""

    exit_code = ExitCode.input_file


class MissingDependencyError(OcrfixError):
    """A program or data file ocrfix needs is not installed."""

    exit_code = ExitCode.missing_dependency


class OcrEngineError(OcrfixError):
    """Tesseract ran but failed or timed out."""

    exit_code = ExitCode.ocr_engine


class CorrectionsFileError(OcrfixError):
    """corrections.yaml cannot be read, parsed or validated."""

    exit_code = ExitCode.corrections_file


class DictionaryError(OcrfixError):
    """A dictionary file is missing or malformed."""

    exit_code = ExitCode.dictionary


class OutputError(OcrfixError):
    """An output cannot be written."""

    exit_code = ExitCode.output


class WorkspaceError(OcrfixError):
    """The output folder's workspace database is unusable."""

    exit_code = ExitCode.workspace


class BatchFailedError(OcrfixError):
    """Some pages of a batch failed; the others were processed."""

    exit_code = ExitCode.batch_failed
