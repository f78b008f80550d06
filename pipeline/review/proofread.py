"""Whole-page proofreading: a line as a person retyped it, turned into corrections.yaml entries.

The page view shows each line as the outputs have it (the read, after corrections.yaml and the
corrector). A person edits a line's text; :func:`line_edit` compares the new text with the shown
one word by word and writes each changed stretch as one entry scoped to its place on the page
(document + page + box): its ``ocr`` is the words *as Tesseract read them* under that stretch, its
``replacement`` what the person typed there. So an edit survives a re-OCR (the box matches by
overlap) and a re-correction (overrides come before the corrector), like any other decision.

- A word typed in between two others is written with its neighbour ("of the" -> "of all the"
  is the entry ``of -> of all`` on the box of "of"): an entry needs words read to anchor it.
- A word deleted is its stretch replaced with nothing (an empty replacement, allowed only for
  one place on one page).
- Retyping a stretch exactly as Tesseract read it keeps it as read (a ``rejected`` entry: the
  corrector's change there was wrong).
- An earlier entry for a place on the line that the new stretch overlaps is taken into it and
  removed: the new entry says what the whole stretch is now (one entry per place, never two
  entries fighting over one word).

Plain data in, data out; :class:`~pipeline.review.actions.ReviewSession` writes the result.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..model import BBox, Word, union_box
from ..corrections import Entry

__all__ = ["LineEdit", "PlannedEntry", "line_edit", "shown_text"]

# A raw word is under a shown word when at least this share of the smaller of the two boxes is
# common to both: the corrector keeps a word's box, gives a merged word the union of its parts'
# boxes and a split word shares of its box, so a real pair overlaps almost entirely, and
# neighbours (boxes a few pixels apart, or touching) overlap by nothing or by slivers.
UNDER_SHARE = 0.5


@dataclass(frozen=True)
class PlannedEntry:
    """One entry a line edit writes: the words as read (``ocr``) under ``box``, and what they say
    (None: keep them as read, a rejected entry)."""

    ocr: str
    replacement: str | None
    box: BBox


@dataclass(frozen=True)
class LineEdit:
    """What an edit of one line writes: entries to save, and earlier entries of the line it replaces."""

    save: list[PlannedEntry]
    remove: list[Entry]

    @property
    def empty(self) -> bool:
        return not self.save and not self.remove


def shown_text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def _area(b: BBox) -> int:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _under(a: BBox | None, b: BBox | None) -> bool:
    if a is None or b is None:
        return False
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min(_area(a), _area(b))
    return smaller > 0 and ix * iy >= UNDER_SHARE * smaller


def _raw_under(raw: list[Word], shown: Word) -> set[int]:
    return {r for r, w in enumerate(raw) if _under(w.bbox, shown.bbox)}


def line_edit(raw: list[Word], shown: list[Word], new_text: str, *, document: str, page: int,
              entries: tuple[Entry, ...] = ()) -> LineEdit:
    """The entries that make the line shown as ``shown`` (read as ``raw``) say ``new_text``.

    ``entries``: corrections.yaml's entries; those scoped to a place on this page that lies on the
    line's words are the earlier decisions an edit may take in.
    """
    new = new_text.split()
    old = [w.text for w in shown]
    if new == old:
        return LineEdit([], [])
    if not raw:
        raise ValueError("this line has no words as read, so an edit has nothing to be anchored to")
    opcodes = _word_opcodes(old, new)
    to_new = _boundaries(opcodes, len(old), len(new))
    under = [_raw_under(raw, w) for w in shown]
    earlier = _earlier_entries(entries, raw, document, page)

    def grow(i1: int, i2: int) -> tuple[int, int, range]:
        """The stretch grown until the raw words under it and the shown words over those agree, it
        takes in every earlier entry it touches, and it ends where shown and new words align."""
        while True:
            rows = set().union(*(under[k] for k in range(i1, i2)))
            if not rows:  # shown words with no box under them: anchor to a neighbour's
                anchors = [k for k in (i1 - 1, i2) if 0 <= k < len(old) and under[k]]
                if not anchors:
                    raise ValueError("the words of this line have no place on the page, so an edit cannot be anchored")
                i1, i2 = min(i1, anchors[0]), max(i2, anchors[0] + 1)
                continue
            for _e, covered in earlier:
                if covered & rows:
                    rows |= covered
            span = range(min(rows), max(rows) + 1)
            over = [k for k in range(len(old)) if under[k] & set(span)]
            k1, k2 = min(over + [i1]), max([k + 1 for k in over] + [i2])
            while k1 not in to_new:
                k1 -= 1
            while k2 not in to_new:
                k2 += 1
            if (k1, k2) == (i1, i2):
                return i1, i2, span
            i1, i2 = k1, k2

    ranges = _merged(_changed_stretches(opcodes, len(old)))
    while True:
        grown = [grow(a, b) for a, b in ranges]
        # Stretches that grew into each other (shown words or raw words in common) become one.
        again: list[tuple[int, int]] = []
        last_row = -1
        for a, b, span in grown:
            if again and (a < again[-1][1] or span.start <= last_row):
                again[-1] = (again[-1][0], max(b, again[-1][1]))
            else:
                again.append((a, b))
            last_row = max(last_row, span.stop - 1)
        if again == [(a, b) for a, b, _ in grown]:
            break
        ranges = again

    planned: list[PlannedEntry] = []
    taken: list[Entry] = []
    for i1, i2, span in grown:
        box = union_box([raw[r].bbox for r in span])
        read = " ".join(raw[r].text for r in span)
        # (words inserted at a boundary belong to the stretch before it, at the line's start to
        # the one after)
        typed = " ".join(new[to_new[i1][0 if i1 == 0 else 1]:to_new[i2][1]])
        planned.append(PlannedEntry(read, None if typed == read else typed, box))
        taken += [e for e, covered in earlier if covered & set(span) and e not in taken]
    return LineEdit(planned, taken)


Opcode = tuple[str, int, int, int, int]


def _word_opcodes(old: list[str], new: list[str]) -> list[Opcode]:
    """difflib's opcodes from the shown words to the new ones, words retyped one for one each an
    opcode of its own (so each is its own entry, on its own box)."""
    opcodes: list[Opcode] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            opcodes += [("replace", i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        else:
            opcodes.append((tag, i1, i2, j1, j2))
    return opcodes


def _boundaries(opcodes: list[Opcode], n_old: int, n_new: int) -> dict[int, tuple[int, int]]:
    """Where each boundary between shown words falls among the new words: at the ends of each
    opcode, and at every boundary inside an unchanged stretch (inside a changed one, nowhere). A
    boundary where words were inserted falls both before and after them: (first, last), so that
    words typed before the line's first word ("In Budapest") can go with it."""
    to_new: dict[int, tuple[int, int]] = {}

    def mark(i: int, j: int) -> None:
        first, last = to_new.get(i, (j, j))
        to_new[i] = (min(first, j), max(last, j))

    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for k in range(i2 - i1 + 1):
                mark(i1 + k, j1 + k)
        else:
            mark(i1, j1)
            mark(i2, j2)
    mark(n_old, n_new)
    return to_new


def _changed_stretches(opcodes: list[Opcode], n_old: int) -> list[tuple[int, int]]:
    """The shown words each change covers, [i1, i2); an insertion covers the word before it (at the
    line's start, the word after it)."""
    stretches = []
    for tag, i1, i2, _j1, _j2 in opcodes:
        if tag == "equal":
            continue
        if i1 == i2:
            i1, i2 = (i1 - 1, i2) if i1 > 0 else (i1, i2 + 1)
            if i2 > n_old:
                raise ValueError("this line shows no words, so an insertion has nothing to be anchored to")
        stretches.append((i1, i2))
    return stretches


def _earlier_entries(entries: tuple[Entry, ...], raw: list[Word], document: str, page: int) -> list[tuple[Entry, set[int]]]:
    """The entries for a place on this page that lie on the line's words, with the raw words under each."""
    earlier = []
    for e in entries:
        scope = e.scope
        if scope.kind == "word" and scope.documents == (document,) and scope.page == page:
            covered = {r for r, w in enumerate(raw) if _under(w.bbox, scope.box)}
            if covered:
                earlier.append((e, covered))
    return earlier


def _merged(stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(stretches):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out

