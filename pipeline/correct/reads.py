"""What a correction asked of the state that corrections.yaml shapes, recorded while ``reading``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from .corrector import Corrector
    from .decide import _Decision


@dataclass
class CorrectionReads:
    """Everything a correction asked of the state that corrections.yaml shapes: the character
    confusions it looked up (approved decisions add to them) and the forms it looked up among the
    approved and protected words. The corrector reads that state nowhere else, so a page whose
    looked-up values are the same under a new corrections.yaml is corrected exactly as before
    (``dependencies.py``)."""

    # confusions looked up outside the memoised word decisions (joins, unmemoised decisions)
    confusions: set[tuple[str, str]] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    # the memoised word decisions used: memo key -> (the decision, the confusions it looked up).
    # Under new confusions a decision can be made again and compared (``replay_decision``).
    decisions: dict[tuple, tuple[_Decision, frozenset[tuple[str, str]]]] = field(default_factory=dict)


@contextlib.contextmanager
def reading(corrector: Corrector) -> Iterator[CorrectionReads]:
    """Record what the corrector asks of the decision-shaped state inside the block."""
    reads = CorrectionReads()
    corrector._reads.append(reads)
    try:
        yield reads
    finally:
        corrector._reads.pop()
