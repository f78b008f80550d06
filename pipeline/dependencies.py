"""Which cached corrections a new corrections.yaml cannot change, so that they need not be redone.

A file's correction is a function of its cached read, the corrector (dictionaries, rules, options:
the rest of the correction key), the collection model, and what corrections.yaml makes of them:
the overrides that fire on the page, the approved and protected words, and the character
confusions that approved decisions add to. The corrector reads the last two only at two points
(``correct.CorrectionReads``), so a correction records what it asked there; with the overrides'
outcome on the page, that is the file's ``Dependencies``. Under a new corrections.yaml, a file
whose overrides fire the same way and whose every recorded question gets the same answer would
be corrected to exactly the same outputs: it is confirmed, not corrected again.

One new entry ("tbe" -> "the") then costs the files it can touch, not the folder: on 1,000 pages
of BLN600 OCR about a quarter looked up the confusion it adds (h read as b) or hold the form.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass

from typing import TYPE_CHECKING

from .model import Document, Page

if TYPE_CHECKING:  # the workspace reads records without loading the corrector or the overrides
    from .collection import CollectionModel
    from .correct import CorrectionReads, Corrector
    from .corrections import Corrections

__all__ = ["Dependencies", "record", "unchanged", "overrides_digest", "digest_overrides", "dependency_base"]

# The form of the record: a record of another form is not trusted (the file is corrected again).
_FORMAT = 1


@dataclass(frozen=True)
class Dependencies:
    """What one file's correction depended on beyond its cached read."""

    # the correction key's parts other than corrections.yaml, and the collection model's state
    base: str
    # what the overrides made of each page (their words and the positions they decided)
    overrides: str
    confusions: tuple[tuple[str, str], ...]
    forms: tuple[str, ...]
    # the answers the corrector got: the confusions' entries, each form's approved/protected status
    answers: str

    def to_blob(self) -> bytes:
        data = {"format": _FORMAT, "base": self.base, "overrides": self.overrides, "answers": self.answers,
                "confusions": ["\x00".join(k) for k in self.confusions], "forms": list(self.forms)}
        return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_blob(cls, blob: bytes) -> Dependencies | None:
        try:
            data = json.loads(zlib.decompress(blob))
            if data.get("format") != _FORMAT:
                return None
            return cls(base=data["base"], overrides=data["overrides"], answers=data["answers"],
                       confusions=tuple(tuple(k.split("\x00", 1)) for k in data["confusions"]), forms=tuple(data["forms"]))
        except (zlib.error, ValueError, KeyError, TypeError):
            return None


def dependency_base(key_parts: str, collection: CollectionModel | None) -> str:
    """What a correction depends on besides its read and corrections.yaml: the correction key's
    other parts and, where a folder's collection model is used, its state (it changes as the
    folder does; a document's own model follows from its read)."""
    if collection is None:
        return key_parts
    return f"{key_parts} collection {collection.n_documents} {collection.tokens} {len(collection.counts)}"


def _digest(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()[:32]


def overrides_digest(raw: Document, corrections: Corrections) -> str:
    """What the overrides make of each page of a cached read: the words after them and the
    positions they decided (an override the page does not hold changes neither)."""
    from .corrections.apply import apply_overrides

    return digest_overrides([(page, *apply_overrides(page, raw.source, corrections)) for page in raw.pages])


def digest_overrides(outcomes: list[tuple[Page, Page, frozenset[tuple[int, int]]]]) -> str:
    """The digest of (page, the page after the overrides, the positions they decided) per page."""
    # Untouched pages are the common case: nothing to serialise. A touched page is compared whole
    # (words, boxes, the entries' ids in its changes).
    return _digest([None if overridden is page else [overridden.model_dump_json(), sorted(decided)]
                    for page, overridden, decided in outcomes])


def _answers(confusions: tuple[tuple[str, str], ...], forms: tuple[str, ...], corrector: Corrector | None) -> str:
    if corrector is None:
        return ""
    table = corrector.lexicon.confusions
    return _digest([[table.get(k) for k in confusions], [[f in corrector.known, f in corrector.protected] for f in forms]])


def record(reads: CorrectionReads, corrector: Corrector | None, base: str, overrides: str) -> Dependencies:
    """The record of a correction that asked ``reads`` of ``corrector`` (None: no automatic corrector)."""
    confusions = tuple(sorted(reads.confusions))
    forms = tuple(sorted(reads.forms))
    return Dependencies(base=base, overrides=overrides, confusions=confusions, forms=forms,
                        answers=_answers(confusions, forms, corrector))


def unchanged(deps: Dependencies, raw: Document, corrections: Corrections, corrector: Corrector | None, base: str) -> bool:
    """Whether correcting ``raw`` with ``corrections`` (and ``corrector``, built from them) would
    give what the correction recorded in ``deps`` gave."""
    return (deps.base == base
            and deps.answers == _answers(deps.confusions, deps.forms, corrector)
            and deps.overrides == overrides_digest(raw, corrections))
