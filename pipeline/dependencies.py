"""Which cached corrections a new corrections.yaml cannot change, so that they need not be redone.

A file's correction is a function of its cached read, the corrector (dictionaries, rules, options:
the rest of the correction key), the collection model (its content, and the words the corrector
takes for the collection's own: the ``base``), and what corrections.yaml makes of them: the
overrides that can fire on the file (the entries found under its words), the approved and
protected words, and the character confusions that approved decisions add to. The corrector reads
the last two only at two points (``correct.CorrectionReads``), so a correction records what it
asked there; with the base and the entries, that is the file's ``Dependencies``. Under a new
corrections.yaml, a file with the same base and entries and the same answer to every recorded
question would be corrected to exactly the same outputs: it is confirmed, not corrected again.

The character confusions are followed one step further: most of a page's lookups happen inside
memoised word decisions, so a file records each decision with the confusions it looked up and its
result. Where a looked-up confusion changed, only those decisions are made again; if each comes
out the same, so does the page. One new entry then costs the files it changes, not the folder, and
a file corrected again starts from its recorded decisions (``seed_decisions``): only the changed
ones are looked up again.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Document

if TYPE_CHECKING:  # the workspace reads records without loading the corrector or the overrides
    from .collection import CollectionModel
    from .correct import CorrectionReads, Corrector
    from .corrections import Corrections

__all__ = ["Dependencies", "record", "unchanged", "seed_decisions", "override_keys", "overrides_digest", "dependency_base"]

# The form of the record: a record of another form is not trusted (the file is corrected again).
_FORMAT = 4


@dataclass(frozen=True)
class Dependencies:
    """What one file's correction depended on beyond its cached read."""

    # the correction key's parts other than corrections.yaml, and the collection model's state
    base: str
    # the words of the read as the overrides look them up, and a digest of the entries of
    # corrections.yaml found under them: the only entries that can fire on the file
    override_keys: tuple[str, ...]
    overrides: str
    # confusions looked up outside the memoised word decisions, and forms looked up among the
    # approved and protected words; ``answers``: the digest of what the corrector found for them
    confusions: tuple[tuple[str, str], ...]
    forms: tuple[str, ...]
    answers: str
    # the memoised word decisions (but the trivial ones): (memo key, indices into ``decided`` of
    # the confusions it looked up, the decision as ``decision_fields``), and each such confusion
    # with the entry it had ([count, total] or None). Kept whole, not as digests: a re-correction
    # starts from them (``seed_decisions``), and makes again only those whose confusions changed.
    decisions: tuple[tuple[tuple, tuple[int, ...], list], ...] = ()
    decided: tuple[tuple[str, str, list | None], ...] = ()

    def to_blob(self) -> bytes:
        data = {"format": _FORMAT, "base": self.base, "overrides": self.overrides, "answers": self.answers,
                "override_keys": list(self.override_keys),
                "confusions": ["\x00".join(k) for k in self.confusions], "forms": list(self.forms),
                "decisions": [[list(key), list(keys), fields] for key, keys, fields in self.decisions],
                "decided": [list(d) for d in self.decided]}
        return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_blob(cls, blob: bytes) -> Dependencies | None:
        try:
            data = json.loads(zlib.decompress(blob))
            if data.get("format") != _FORMAT:
                return None
            return cls(base=data["base"], overrides=data["overrides"], answers=data["answers"],
                       override_keys=tuple(data["override_keys"]),
                       confusions=tuple(tuple(k.split("\x00", 1)) for k in data["confusions"]), forms=tuple(data["forms"]),
                       decisions=tuple((tuple(key), tuple(keys), fields) for key, keys, fields in data["decisions"]),
                       decided=tuple((t, o, value) for t, o, value in data["decided"]))
        except (zlib.error, ValueError, KeyError, TypeError):
            return None


def dependency_base(key_parts: str, collection: CollectionModel | None, corrector: Corrector | None = None) -> str:
    """What a correction depends on besides its read and corrections.yaml: the correction key's
    other parts; where a folder's collection model is used, its content (it changes as the folder
    does; a document's own model follows from its read); and, for the corrector (the view for the
    collection), which of the collection's words it takes for the collection's own. That set is
    worked out once per collection through the channel (a rare form near a frequent one is a
    variant, not a word), so it depends on the confusions without any one correction asking."""
    parts = [key_parts]
    if collection is not None:
        parts.append(_collection_digest(collection))
    if corrector is not None:
        from .correct import collection_own_forms, spelling_habits

        own = collection_own_forms(corrector)
        # The set is worked out once per collection and kept on it; so is its digest.
        holder = corrector.collection
        cached = getattr(holder, "_own_digest", None)
        if cached is None or cached[0] is not own:
            cached = (own, _digest(sorted(own)))
            if holder is not None:
                holder._own_digest = cached
        parts.append(cached[1])
        # Worked out through the channel too (a habit is an edit OCR does not make); most
        # collections have none, and their base is as before.
        habits = spelling_habits(corrector)
        if habits:
            parts.append("habits:" + _digest(sorted(habits)))
    return " ".join(parts)


def _collection_digest(collection: CollectionModel) -> str:
    """The collection model's content (not only its size: a re-read file can swap one form for
    another and leave the counts as they were)."""
    return f"{collection.n_documents}:{collection.tokens}:{collection.content:032x}"


def _digest(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()[:32]


def override_keys(raw: Document) -> tuple[str, ...]:
    """The keys under which ``apply_overrides`` looks up entries for the words of a read."""
    from .corrections.apply import lookup_keys

    keys: set[str] = set()
    for page in raw.pages:
        for line in page.lines:
            for word in line.words:
                keys |= lookup_keys(word.text)
    return tuple(sorted(keys))


def overrides_digest(keys: tuple[str, ...], corrections: Corrections) -> str:
    """The entries of ``corrections`` that can fire on a read with these keys (an entry is found
    only under the first word of its OCR form): the same entries, the same overrides."""
    index = corrections._index
    return _digest([entry.model_dump_json() for key in keys for entry in index.get(key, ())])


def _entry(table: dict, key: tuple[str, str]) -> list | None:
    value = table.get(key)
    return None if value is None else list(value)


def _answers(confusions: tuple[tuple[str, str], ...], forms: tuple[str, ...], corrector: Corrector | None) -> str:
    if corrector is None:
        return ""
    table = corrector.lexicon.confusions
    return _digest([[_entry(table, k) for k in confusions], [[f in corrector.known, f in corrector.protected] for f in forms]])


def record(reads: CorrectionReads, corrector: Corrector | None, base: str, raw: Document,
           corrections: Corrections) -> Dependencies:
    """The record of a correction of ``raw`` with ``corrections`` that asked ``reads`` of
    ``corrector`` (None: no automatic corrector)."""
    from .correct import decision_fields, trivial_decision

    confusions = tuple(sorted(reads.confusions))
    forms = tuple(sorted(reads.forms))
    decided: dict[tuple[str, str], int] = {}
    decisions = []
    for key, (decision, keys) in reads.decisions.items():
        if not trivial_decision(decision):  # (a trivial one looked nothing up)
            indices = tuple(sorted(decided.setdefault(k, len(decided)) for k in keys))
            decisions.append((key, indices, decision_fields(decision)))
    table = corrector.lexicon.confusions if corrector is not None else {}
    keys = override_keys(raw)
    return Dependencies(base=base, override_keys=keys, overrides=overrides_digest(keys, corrections),
                        confusions=confusions, forms=forms,
                        answers=_answers(confusions, forms, corrector), decisions=tuple(decisions),
                        decided=tuple((t, o, _entry(table, (t, o))) for t, o in decided))


def _changed_confusions(deps: Dependencies, corrector: Corrector) -> set[int]:
    """Indices into ``deps.decided`` of the confusions whose entry is not what it was."""
    table = corrector.lexicon.confusions
    return {i for i, (t, o, old) in enumerate(deps.decided) if _entry(table, (t, o)) != old}


def unchanged(deps: Dependencies, corrections: Corrections, corrector: Corrector | None, base: str,
              replayed: dict[tuple, list] | None = None) -> bool:
    """Whether correcting the file again with ``corrections`` (and ``corrector``, built from them,
    for this file's collection) would give what the correction recorded in ``deps`` gave: the same
    entries able to fire, the same answers to every question asked outside the word decisions, and
    each word decision whose confusions changed made again to the same result. The read itself is
    not needed: it is what it was (the correction key holds everything that would change it)."""
    if deps.base != base or deps.overrides != overrides_digest(deps.override_keys, corrections):
        return False
    if deps.answers != _answers(deps.confusions, deps.forms, corrector):
        return False
    if corrector is None or not deps.decided:
        return True
    changed = _changed_confusions(deps, corrector)
    if not changed:
        return True
    from .correct import decision_fields, replay_decision

    # ``replayed``: decisions made again for other files of the same run (pages repeat words).
    replayed = {} if replayed is None else replayed
    for key, indices, fields in deps.decisions:
        if changed.intersection(indices):
            if key not in replayed:
                replayed[key] = decision_fields(replay_decision(key, corrector))
            if replayed[key] != fields:
                return False
    return True


def seed_decisions(deps: Dependencies, corrector: Corrector, base: str) -> None:
    """Start ``corrector`` (the one the file is corrected with again) with the recorded decisions
    it would make the same way: all of them where the base is the same, but those whose looked-up
    confusions changed. A word decision is a function of its memo key, the base and the confusions
    it looked up, so the correction comes out as it would from scratch, without the look-ups
    (symspell, the channel) that are most of a correction's time."""
    if deps.base != base:
        return
    from .correct import decision_from_fields, remember_decision

    changed = _changed_confusions(deps, corrector)
    for key, indices, fields in deps.decisions:
        if not changed.intersection(indices):
            confusions = frozenset((deps.decided[i][0], deps.decided[i][1]) for i in indices)
            remember_decision(corrector, key, decision_from_fields(fields), confusions)
