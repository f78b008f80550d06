"""Applying corrections.yaml: the first correction stage.

Precedence, for each word: the narrowest matching scope wins (one word on one page > documents
matching a glob > everywhere); among matches of the same scope the longest span of words wins;
two entries of the same scope that match the same words with different results are an error that
names both. Words an override decided (replaced, or kept because the entry is ``rejected``) are
returned so that the automatic corrector leaves them alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorrectionsFileError, UsageError
from ..model import Change, Line, Page, Word, box_iou, union_box
from ..tokens import split_token
from .schema import MIN_BOX_IOU, Corrections, Entry, Scope


def _case_shape(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "none"
    if all(c.isupper() for c in letters):
        return "upper" if len(letters) > 1 else "title"
    if all(c.islower() for c in letters):
        return "lower"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "title"
    return "mixed"


def carry_case(found: str, form: str, replacement: str) -> str:
    """For ignore-case entries: give the replacement the case the found text has where it differs
    from the entry's form ("CHVISAGE" -> "ENVISAGE", "Chvisage" -> "Envisage")."""
    shape = _case_shape(found)
    if shape == _case_shape(form) or shape in ("mixed", "none"):
        return replacement
    if shape == "upper":
        return replacement.upper()
    if shape == "lower":
        return replacement.lower()
    return replacement[:1].upper() + replacement[1:]


@dataclass(frozen=True)
class _Match:
    start: int
    length: int
    entry: Entry
    new_text: str  # the whole span after the override (== original for rejected entries)


def _match_at(words: list[Word], start: int, entry: Entry, document: str, page_index: int) -> _Match | None:
    form = entry.ocr.split()
    end = start + len(form)
    if end > len(words):
        return None
    span = " ".join(w.text for w in words[start:end])
    exact = entry.match == "exact"
    candidates = [("", span, "")]
    split = split_token(span)
    if split[0] or split[2]:
        candidates.append(split)
    for lead, core, trail in candidates:
        if (core == entry.ocr) if exact else (core.casefold() == entry.ocr.casefold()):
            break
    else:
        return None
    scope = entry.scope
    if not scope.matches_document(document):
        return None
    if scope.kind == "word":
        if scope.page != page_index or box_iou(union_box([w.bbox for w in words[start:end]]), scope.box) < MIN_BOX_IOU:
            return None
    if entry.status == "rejected":
        return _Match(start, len(form), entry, span)
    replacement = entry.replacement or ""
    if not exact:
        replacement = carry_case(core, entry.ocr, replacement)
    return _Match(start, len(form), entry, lead + replacement + trail)


def _replacement_words(old: list[Word], new_text: str) -> list[Word]:
    tokens = new_text.split()
    if len(tokens) == len(old):
        return [
            w if w.text == t else w.model_copy(update={"text": t, "alternatives": [], "flagged": False, "suggestions": []})
            for w, t in zip(old, tokens)
        ]
    box = union_box([w.bbox for w in old])
    confs = [w.confidence for w in old if w.confidence is not None]
    conf = min(confs) if confs else None
    if box is None or len(tokens) == 1:
        return [Word(text=t, bbox=box, confidence=conf) for t in tokens]
    # Several new words from a different number of old ones: share the span's box by length.
    total = sum(len(t) for t in tokens) + len(tokens) - 1
    x0, y0, x1, y1 = box
    words, pos = [], 0
    for t in tokens:
        a = x0 + round((x1 - x0) * pos / total)
        pos += len(t)
        b = x0 + round((x1 - x0) * pos / total)
        pos += 1
        words.append(Word(text=t, bbox=(a, y0, max(b, a + 1), y1), confidence=conf))
    return words


def _resolve(matches: list[_Match], corrections: Corrections) -> list[_Match]:
    """Narrowest scope first, then longest span; same scope and same words but different results: error."""
    by_span: dict[tuple[int, int, int], _Match] = {}
    for m in matches:
        key = (m.start, m.length, m.entry.scope.rank)
        other = by_span.get(key)
        if other is None:
            by_span[key] = m
        elif other.new_text != m.new_text or other.entry.status != m.entry.status:
            a, b = sorted((other.entry, m.entry), key=lambda e: e.entry_id)
            raise CorrectionsFileError(
                f"entries {a.describe()} (line {corrections.line_of(a)}) and {b.describe()} (line {corrections.line_of(b)}) "
                "both decide the same words with the same scope, differently; remove one or narrow its scope",
                path=corrections.path,
                line=corrections.line_of(a),
            )
        elif m.entry.entry_id < other.entry.entry_id:
            by_span[key] = m  # duplicates: the same entry fires whichever order the file has
    chosen: list[_Match] = []
    taken: set[int] = set()
    for m in sorted(by_span.values(), key=lambda m: (-m.entry.scope.rank, -m.length, m.start)):
        span = set(range(m.start, m.start + m.length))
        if span & taken:
            continue
        taken |= span
        chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def lookup_keys(text: str) -> set[str]:
    """The keys under which the entries that may start at a word are found (``Corrections._index``
    holds each entry under the case-folded core of its first word): the word as read and its core."""
    return {text.casefold(), split_token(text)[1].casefold()}


def apply_overrides(page: Page, document: str, corrections: Corrections) -> tuple[Page, frozenset[tuple[int, int]]]:
    """Apply the overrides to one page; return it and the (line, word) positions they decided.

    Each applied entry is recorded as ``Change(source="override", entry_id=...)`` at the position of
    its first word; a rejected entry is recorded too (original == new), so that the page says why
    the corrector left the word, and ``ocrfix corrections stats`` can count it. ``document`` is the
    input's relative path (for document globs); positions refer to the returned page.
    """
    if not corrections.entries:
        return page, frozenset()
    index = corrections._index
    changes = list(page.changes)
    decided: set[tuple[int, int]] = set()
    lines: list[Line] = []
    touched = False
    for li, line in enumerate(page.lines):
        words = line.words
        matches: list[_Match] = []
        for wi, word in enumerate(words):
            for key in lookup_keys(word.text):
                for entry in index.get(key, ()):
                    m = _match_at(words, wi, entry, document, page.index)
                    if m is not None:
                        matches.append(m)
        if not matches:
            lines.append(line)
            continue
        chosen = _resolve(matches, corrections)
        new_words: list[Word] = []
        wi = 0
        for m in chosen:
            new_words.extend(words[wi : m.start])
            old = words[m.start : m.start + m.length]
            replaced = old if m.entry.status == "rejected" else _replacement_words(old, m.new_text)
            first = len(new_words)
            new_words.extend(replaced)
            decided.update((li, first + k) for k in range(len(replaced)))
            changes.append(
                Change(
                    line=li,
                    word=first,
                    original=" ".join(w.text for w in old),
                    new=" ".join(w.text for w in replaced),
                    source="override",
                    score=1.0,
                    entry_id=m.entry.entry_id,
                )
            )
            wi = m.start + m.length
        new_words.extend(words[wi:])
        lines.append(line.model_copy(update={"words": new_words}))
        touched = True
    if not touched:
        return page, frozenset()
    return page.model_copy(update={"lines": lines, "changes": changes}), frozenset(decided)


def count_fired(out_dir: Path) -> tuple[int, dict[str, int], dict[str, set[str]]]:
    """How often each entry fired in an output folder, from its page JSON files: (documents
    read, uses per entry id, the documents each entry fired in). Other JSON files are skipped."""
    if not out_dir.is_dir():
        raise UsageError("is not an output folder", path=out_dir)
    fired: dict[str, int] = {}
    documents: dict[str, set[str]] = {}
    files = 0
    from ..files import is_new_version

    for path in sorted(out_dir.rglob("*.json")):
        if is_new_version(path.name):
            continue  # (a second copy of a document: the new version of an output edited by hand, beside it)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("pages"), list):
            continue  # not a page JSON (e.g. a workspace or bench file)
        files += 1
        for page in doc["pages"]:
            for change in page.get("changes", ()) if isinstance(page, dict) else ():
                if isinstance(change, dict) and change.get("source") == "override" and change.get("entry_id"):
                    fired[change["entry_id"]] = fired.get(change["entry_id"], 0) + 1
                    documents.setdefault(change["entry_id"], set()).add(str(doc.get("source", path)))
    return files, fired, documents


def overlapping_conflicts(corrections: Corrections) -> list[tuple[Entry, Entry]]:
    """Pairs of entries for documents (globs) that decide one OCR form differently and whose globs
    may both match one document: that document then fails to process (``_resolve``), while the
    file itself is valid. Globs that cannot both match (two paths, or a path the other glob does
    not match) are left out; two globs with wildcards may overlap, and are named."""
    from glob import has_magic

    def may_overlap(a: str, b: str) -> bool:
        if has_magic(a) and has_magic(b):
            return True
        path, glob = (b, a) if has_magic(a) else (a, b)
        return Scope(documents=(glob,)).matches_document(path)  # (a path against the other, as the entries match)

    by_form: dict[str, list[Entry]] = {}
    for entry in corrections.entries:
        if entry.scope.kind == "documents":
            by_form.setdefault(entry.ocr.casefold(), []).append(entry)
    pairs = []
    for entries in by_form.values():
        for i, a in enumerate(entries):
            for b in entries[i + 1:]:
                same_words = a.ocr == b.ocr or "ignore-case" in (a.match, b.match)
                if (same_words and a.effect() != b.effect() and a.scope.documents != b.scope.documents
                        and any(may_overlap(x, y) for x in a.scope.documents for y in b.scope.documents)):
                    pairs.append((a, b))
    return pairs
