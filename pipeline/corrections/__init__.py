"""corrections.yaml: human-approved corrections, applied on every run before anything automatic.

A person's decision about an OCR form ("chvisage" is *envisage*; "Sulverb" stays exactly as typed)
is an :class:`Entry` in ``corrections.yaml``, a file people read, diff and review like code. The
package is that file's schema (``schema``), the file itself (``store``: loading with every problem
reported as ``file:line: what is wrong``, writing that keeps comments and order, atomically and
under a lock) and :func:`apply_overrides`, the first correction stage (``apply``). The corrector
learns from the entries too (``Corrections.decisions``, ``known_words``, ``rejected_words``).
"""

from ..tokens import split_token
from .apply import apply_overrides, carry_case, count_fired
from .schema import FILE_HEADER, SCHEMA_VERSION, Corrections, Entry, Scope, new_entry, scope_from_yaml
from .store import add_entry, load_corrections, load_corrections_at, parse_corrections, remove_entry, save_entries, save_entry

__all__ = [
    "SCHEMA_VERSION",
    "Scope",
    "Entry",
    "Corrections",
    "load_corrections",
    "load_corrections_at",
    "parse_corrections",
    "apply_overrides",
    "carry_case",
    "add_entry",
    "save_entry",
    "save_entries",
    "remove_entry",
    "new_entry",
    "scope_from_yaml",
    "split_token",
    "FILE_HEADER",
    "count_fired",
]
