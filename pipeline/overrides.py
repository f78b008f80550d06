"""corrections.yaml: human-approved corrections applied before anything automatic.

(Foundation version: reads nothing yet. Issue "corrections.yaml" fills this module in behind the
same three names.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .model import Page

__all__ = ["Corrections", "load_corrections", "apply_overrides"]


@dataclass(frozen=True)
class Corrections:
    path: Path | None = None
    entries: tuple = field(default_factory=tuple)

    def known_words(self) -> frozenset[str]:
        """Approved replacements: words the corrector must treat as correct."""
        return frozenset()

    def protected_words(self) -> frozenset[str]:
        """Rejected OCR forms: never auto-corrected."""
        return frozenset()

    def fingerprint(self) -> str:
        return ""


def load_corrections(path: Path) -> Corrections:
    return Corrections(path=path if path.exists() else None)


def apply_overrides(page: Page, document: str, corrections: Corrections) -> tuple[Page, frozenset[tuple[int, int]]]:
    """Apply the overrides to one page; return it and the (line, word) positions they decided."""
    return page, frozenset()
