"""The corrected document as its input file edited in place (``ocrfix correct --to same``).

PAGE XML, ALTO and hOCR hold far more than ocrfix's model: PAGE's baselines, polygons, region
types, reading order groups, custom attributes and metadata; ALTO's IDs, styles, tags, hyphenation
and processing history; hOCR's other properties and classes. Written again from the model, all of
that was lost, and the file could not go back to the tool it came from. Here the parsed tree of the
input is edited instead: only the text of the corrected words changes, and everything else is
serialised as it was read (the prolog before the root element and anything after it byte for byte).

* PAGE: the corrected Word's ``TextEquiv/Unicode`` (the one of the lowest index, as it was read),
  then the ``TextEquiv/Unicode`` of its TextLine and TextRegion, where they have one, rebuilt from
  their words (the spacing and line breaks of their text kept where it held the same words). A line
  held only as text (no Word elements: Transkribus, eScriptorium) has its words replaced in its
  own text; a region held only as text likewise.
* ALTO: the ``CONTENT`` of the corrected String; a word hyphenated at the line's end keeps its HYP
  (and its CONTENT its part without the hyphen), and the ``SUBS_CONTENT`` of both parts follows
  the correction of either.
* hOCR: the text of the ``ocrx_word`` span (inside any <strong>/<em> it holds).

A word's per-character children (PAGE's and ALTO's Glyph, hOCR's ocrx_cinfo and lstm_choices
spans) spell the word as it was read: where the word's text changes they are removed, so that the
file does not say two things (OCR-D's validator checks that a word's text is its glyphs').
Confidences are left as they were.

Splits and joins (the corrector does both: "discussthe" -> "discuss the", "sec rity" -> "security"):

* a split word becomes two elements of its kind, as each format holds one word an element (a PAGE
  Word or ALTO String whose text holds a space is one word to every tool that reads it, and
  word-level evaluation and search go wrong): the first keeps the element, its ID and all;
  the second is a copy of it with a new ID (the old one and a suffix) after it (in ALTO with an SP
  between), and each has its share of the box by its letters, as the corrector gives each half
  (PAGE: the polygon cut at that place, so its shape is kept on both sides).
* a joined word is the first element, with the joined text and a box (PAGE: a polygon, the convex
  hull of both) over both; the other element (and in ALTO the SP between) is removed.

Nothing here is in the model's terms of blocks and tokens: ``edit_in_place`` maps each word of the
corrected page back to the input's elements through the Changes the corrector recorded (each names
its word in the corrected page) and the provenance of the line pieces that were rejoined.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from lxml import etree

from .. import __version__
from ..layout import WordOrigins
from ..model import Document, Page, split_box
from ..ocr_files import OcrSource, WordSource, text_equiv_read
from .text import _row_in_layout

__all__ = ["edit_in_place", "InPlaceResult"]

Element = Any  # an lxml element


@dataclass
class InPlaceResult:
    """The file's new bytes (None where no word's text changed: the input stands as it is) and how
    many corrections could not be put in it (a word of an hOCR line held as marked-up text)."""

    data: bytes | None
    words_changed: int = 0
    not_placed: int = 0


@dataclass
class _Edit:
    """What becomes of one word's place in the file: its new texts (one: changed; more: split;
    none: gone) and the places of the words joined onto it (removed, their box joined to its)."""

    slot: WordSource
    old: str
    texts: list[str]
    absorbed: list[WordSource] = field(default_factory=list)


def edit_in_place(source: OcrSource, original: Document, read: Document, origins: list[WordOrigins],
                  fixed: Document) -> InPlaceResult:
    """The input file ``source`` (read as ``original``) with the corrections of ``fixed``.

    ``read`` is the document the corrector was given (``original`` with line pieces rejoined;
    ``origins``, page by page, where each of its words came from in ``original``), ``fixed`` what it
    made of it."""
    edits: list[_Edit] = []
    unknown = 0  # (a word the file does not say where it stands: none that ocr_files reads)
    for p, (orig_page, read_page, fixed_page) in enumerate(zip(original.pages, read.pages, fixed.pages)):
        for positions, texts in _word_groups(read_page, fixed_page):
            places = [o for li, wi in positions for o in origins[p][li][wi]]
            if any((p, *o) not in source.words for o in places):
                unknown += 1
                continue
            slots = [[(source.words[(p, *o)], orig_page.lines[o[0]].words[o[1]].text) for o in origins[p][li][wi]]
                     for li, wi in positions]
            edits += _edits_of_group(slots, texts)
    edits = [e for e in edits if e.absorbed or e.texts != [e.old]]
    if not edits:
        return InPlaceResult(None, 0, unknown)
    placed = {"page": _edit_page, "alto": _edit_alto, "hocr": _edit_hocr}[source.kind](source, edits)
    if placed == 0:
        return InPlaceResult(None, 0, len(edits) + unknown)
    _record_run(source, placed)
    return InPlaceResult(_serialise(source), placed, len(edits) - placed + unknown)


# --- which words of the corrected page are which of the input -------------------------------------


def _word_groups(read: Page, fixed: Page) -> list[tuple[list[tuple[int, int]], list[str]]]:
    """The corrected page's words in groups, each with the (line, word) positions of the words it
    was read as: one word for one (changed or not), two for one (a join), one for two (a split)...
    Taken from the page's Changes (each names its word in the corrected page); where they do not
    account for the text, from an alignment of the two pages' words."""
    r_pos = [(li, wi) for li, line in enumerate(read.lines) for wi in range(len(line.words))]
    r_text = [read.lines[li].words[wi].text for li, wi in r_pos]
    f_tokens: list[str] = []
    f_start: dict[tuple[int, int], int] = {}
    for li, line in enumerate(fixed.lines):
        for wi, word in enumerate(line.words):
            f_start[(li, wi)] = len(f_tokens)
            f_tokens += word.text.split()
    at: dict[int, list] = {}
    for change in fixed.changes:
        if change.original != change.new and (change.line, change.word) in f_start:
            at.setdefault(f_start[(change.line, change.word)], []).append(change)
    groups: list[tuple[list[int], list[str]]] = []
    i = j = 0
    while i < len(r_text) or j < len(f_tokens):
        for change in at.get(j, []):
            old, new = change.original.split(), change.new.split()
            k, tokens = 0, []
            while i + k < len(r_text) and len(tokens) < len(old):
                tokens += r_text[i + k].split()
                k += 1
            if k and tokens == old and f_tokens[j:j + len(new)] == new:
                groups.append((list(range(i, i + k)), new))
                i, j = i + k, j + len(new)
                break
        else:
            if i < len(r_text) and j < len(f_tokens) and r_text[i] == f_tokens[j]:
                i, j = i + 1, j + 1
                continue
            return [([r_pos[k] for k in ks], ts) for ks, ts in _aligned_groups(r_text, f_tokens)]
    return [([r_pos[k] for k in ks], ts) for ks, ts in groups]


def _aligned_groups(old: list[str], new: list[str]) -> list[tuple[list[int], list[str]]]:
    """The words that differ between two versions of a page's text, by alignment: what each run of
    old words became (a word put in with none read there goes with the word before it)."""
    groups: list[tuple[list[int], list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            groups += [([i1 + k for k in ks], ts) for ks, ts in _by_letters(old[i1:i2], new[j1:j2])]
        elif i1 > 0:
            groups.append(([i1 - 1], [old[i1 - 1], *new[j1:j2]]))
        elif old:
            groups.append(([0], [*new[j1:j2], old[0]]))
    return groups


def _by_letters(old: list[str], new: list[str]) -> list[tuple[list[int], list[str]]]:
    """A run of old words and what it became, in groups by their letters' alignment: "discussthe
    sec rity" -> "discuss the security" is ``discussthe`` -> 2 words and ``sec rity`` -> 1."""
    if len(old) == 1 or len(new) <= 1:
        return [(list(range(len(old))), new)]
    a, b = " ".join(old), " ".join(new)
    owner_a = [k for k, w in enumerate(old) for k in [k] * len(w) + [-1]]
    owner_b = [k for k, w in enumerate(new) for k in [k] * len(w) + [-1]]
    linked: list[set[int]] = [set() for _ in new]
    for i, j, n in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for t in range(n):
            if owner_a[i + t] >= 0 and owner_b[j + t] >= 0:
                linked[owner_b[j + t]].add(owner_a[i + t])
    groups: list[tuple[list[int], list[str]]] = []
    high = -1
    for j, word in enumerate(new):
        if groups and (not linked[j] or min(linked[j]) <= high):
            groups[-1][1].append(word)
        else:
            low = max(high + 1, min(linked[j]) if linked[j] else high + 1)
            if groups and low > high + 1:
                groups[-1][0].extend(range(high + 1, low))  # (old words between: joined into the group before)
            groups.append((list(range(high + 1 if not groups else low, low + 1)), [word]))
        high = max([high, *linked[j], *groups[-1][0]])
        groups[-1][0][:] = list(range(groups[-1][0][0], high + 1))
    if high < len(old) - 1:
        groups[-1][0].extend(range(high + 1, len(old)))
    return groups


def _edits_of_group(words: list[list[tuple[WordSource, str]]], texts: list[str]) -> list[_Edit]:
    """The edits that make ``words`` (each: the places it was read from, with their text there; two
    or more where line pieces were rejoined through it) say ``texts``."""
    k, m = len(words), len(texts)
    if k == m:
        return [e for w, t in zip(words, texts) for e in _edits_of_word(w, [t])]
    if k == 1:
        return _edits_of_word(words[0], texts)  # a split (or a word gone)
    if m == 0:
        return [e for w in words for e in _edits_of_word(w, [])]
    if m < k:
        # the first m - 1 words one for one, the rest joined into the last text
        out = [e for w, t in zip(words[: m - 1], texts[: m - 1]) for e in _edits_of_word(w, [t])]
        rest = [place for w in words[m - 1:] for place in w]
        return out + [_Edit(rest[0][0], rest[0][1], [texts[-1]], [s for s, _old in rest[1:]])]
    # more texts than words: one for one, the last word split into the rest
    out = [e for w, t in zip(words[: k - 1], texts[: k - 1]) for e in _edits_of_word(w, [t])]
    return out + _edits_of_word(words[-1], texts[k - 1:])


def _edits_of_word(places: list[tuple[WordSource, str]], texts: list[str]) -> list[_Edit]:
    """One word read from one place or more (pieces rejoined through it) made ``texts``: each place
    keeps its own part of the new text, by an alignment of the old parts with it."""
    if len(places) == 1:
        return [_Edit(places[0][0], places[0][1], texts)]
    parts = _cut_like([old for _s, old in places], " ".join(texts))
    return [_Edit(slot, old, part.split()) for (slot, old), part in zip(places, parts)]


def _cut_like(parts: list[str], new: str) -> list[str]:
    """``new`` cut where the alignment of ``"".join(parts)`` with it puts the borders of ``parts``."""
    old = "".join(parts)
    borders, at = [], 0
    for part in parts[:-1]:
        at += len(part)
        borders.append(at)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)

    def moved(k: int) -> int:
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if i1 <= k < i2 or (k == i2 and tag != "equal"):
                return j1 + (k - i1) if tag == "equal" else (j2 if k >= i2 else j1)
        return len(new)

    cuts = [0, *(moved(b) for b in borders), len(new)]
    cuts = [max(cuts[: n + 1]) for n in range(len(cuts))]  # (never backwards)
    return [new[a:b] for a, b in zip(cuts, cuts[1:])]


# --- the tree --------------------------------------------------------------------------------------


def _local(el: Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c) == name]


def _remove(el: Element) -> None:
    """Take an element out of its parent, keeping the text after it (its tail): the space that
    stood before what follows it (the indentation of the next element, or the closing tag's) now
    follows the element before it."""
    parent = el.getparent()
    previous = el.getprevious()
    tail = el.tail or ""
    if previous is not None:
        before = previous.tail or ""
        previous.tail = (tail if not before.strip() else before + tail) or None
    else:
        before = parent.text or ""
        parent.text = (tail if not before.strip() else before + tail) or None
    parent.remove(el)


def _insert_after(anchor: Element, new: Element) -> None:
    """Put ``new`` after ``anchor``: what followed ``anchor`` follows ``new``, and the space between
    them is the one between ``anchor`` and the sibling before it (their indentation)."""
    new.tail = anchor.tail
    previous = anchor.getprevious()
    space = previous.tail if previous is not None else anchor.getparent().text
    if space is not None and not space.strip() and anchor.tail is not None and not anchor.tail.strip():
        anchor.tail = space
    anchor.addnext(new)


def _new_id(el: Element, attribute: str, used: set[str]) -> str | None:
    """An unused ID for a copy of ``el``: its own and a suffix ("w12_2", "w12_3" ...)."""
    old = el.get(attribute)
    if old is None:
        return None
    n = 2
    while f"{old}_{n}" in used:
        n += 1
    used.add(f"{old}_{n}")
    return f"{old}_{n}"


def _ids(root: Element, attribute: str) -> set[str]:
    return {v for el in root.iter() if isinstance(el.tag, str) and (v := el.get(attribute)) is not None}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _summary(words: int) -> str:
    return f"OCR correction by ocrfix {__version__}: {words} word{'s' if words != 1 else ''} changed in place"


# --- text held a line (or region) at a time ----------------------------------------------------------


def _edit_tokens(edits: list[_Edit], get: Callable[[Element], str | None], put: Callable[[Element, str], None]) -> int:
    """Apply the edits of words held as tokens of their element's text (``get`` reads it, ``put``
    writes it; ``get`` None: it cannot be edited); how many were applied."""
    by_holder: dict[int, tuple[Element, dict[int, list[str]]]] = {}
    for edit in edits:
        for slot, texts in [(edit.slot, edit.texts), *((s, []) for s in edit.absorbed)]:
            holder = by_holder.setdefault(id(slot.element), (slot.element, {}))[1]
            holder[slot.token] = texts  # type: ignore[index]
    placed = 0
    for element, changes in by_holder.values():
        text = get(element)
        if text is None:
            continue
        tokens = text.split()
        words = [w for k, token in enumerate(tokens) for w in changes.get(k, [token])]
        put(element, _row_in_layout(text, words) if tokens else text)
        placed += sum(1 for e in edits if e.slot.element is element)
    return placed


# --- PAGE XML ------------------------------------------------------------------------------------------


def _page_text(el: Element) -> str | None:
    equiv = text_equiv_read(el)
    unicode = next(iter(_children(equiv, "Unicode")), None) if equiv is not None else None
    return (unicode.text or "") if unicode is not None else None


def _page_put(el: Element, text: str) -> None:
    equiv = text_equiv_read(el)
    ns = etree.QName(el).namespace
    if equiv is None:
        # (a word whose text was only in its glyphs: PAGE puts TextEquiv after Coords, Baseline, TextLines, Words, Glyphs)
        equiv = etree.Element(f"{{{ns}}}TextEquiv" if ns else "TextEquiv")
        before = [c for c in el if _local(c) in ("AlternativeImage", "Coords", "Baseline", "TextLine", "Word", "Glyph")]
        if before:
            _insert_after(before[-1], equiv)
        else:
            el.insert(0, equiv)
    unicode = next(iter(_children(equiv, "Unicode")), None)
    if unicode is None:
        unicode = etree.SubElement(equiv, f"{{{ns}}}Unicode" if ns else "Unicode")
    unicode.text = text


def _points(el: Element) -> list[tuple[float, float]]:
    coords = next(iter(_children(el, "Coords")), None)
    if coords is None:
        return []
    out = []
    for pair in (coords.get("points") or "").split():
        x, _, y = pair.partition(",")
        try:
            out.append((float(x), float(y)))
        except ValueError:
            return []
    return out


def _set_points(el: Element, points: list[tuple[float, float]]) -> None:
    coords = next(iter(_children(el, "Coords")), None)
    if coords is not None and len(points) >= 3:
        coords.set("points", " ".join(f"{round(x)},{round(y)}" for x, y in points))


def _clip(points: list[tuple[float, float]], x: float, keep_left: bool) -> list[tuple[float, float]]:
    """The polygon cut at the vertical x: the part left of it (or right)."""
    inside = (lambda p: p[0] <= x) if keep_left else (lambda p: p[0] >= x)
    out: list[tuple[float, float]] = []
    for a, b in zip(points, points[1:] + points[:1]):
        if inside(a):
            out.append(a)
        if inside(a) != inside(b) and b[0] != a[0]:
            t = (x - a[0]) / (b[0] - a[0])
            out.append((x, a[1] + t * (b[1] - a[1])))
    return [p for k, p in enumerate(out) if k == 0 or p != out[k - 1]]


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull (monotone chain), clockwise in image coordinates from the top left."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _split_points(points: list[tuple[float, float]], texts: list[str]) -> list[list[tuple[float, float]]]:
    """A word's polygon cut into its parts' shares by their letters (``model.split_box``'s shares):
    each part the polygon between the middles of the spaces."""
    if len(points) < 3:
        return [[] for _ in texts]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    box = (round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys)))
    shares = split_box(box, texts)
    cuts = [(a[2] + b[0]) / 2 for a, b in zip(shares, shares[1:])]  # type: ignore[index]
    out = []
    for n in range(len(texts)):
        part = points
        if n > 0:
            part = _clip(part, cuts[n - 1], keep_left=False)
        if n < len(texts) - 1:
            part = _clip(part, cuts[n], keep_left=True)
        out.append(part)
    return out


def _edit_page(source: OcrSource, edits: list[_Edit]) -> int:
    root = source.root
    used = _ids(root, "id")
    tokens = [e for e in edits if e.slot.token is not None]
    words = [e for e in edits if e.slot.token is None]
    # Lines and regions whose text repeats their words': their texts before (to keep their spacing).
    lines = {}
    for edit in words:
        for slot in (edit.slot, *edit.absorbed):
            line = slot.element.getparent()
            if line is not None and _local(line) == "TextLine":
                lines[id(line)] = line
    regions = {}
    line_texts_before = {}
    for line in lines.values():
        line_texts_before[id(line)] = _page_word_texts(line)
        region = line.getparent()
        if region is not None and _local(region) in ("TextRegion", "TableCell"):
            regions[id(region)] = region
    for edit in tokens:
        for slot in (edit.slot, *edit.absorbed):
            if _local(slot.element) == "TextLine" and _local(slot.element.getparent()) in ("TextRegion", "TableCell"):
                regions[id(slot.element.getparent())] = slot.element.getparent()
    region_lines_before = {rid: [_page_text(line) or "" for line in _children(region, "TextLine")]
                           for rid, region in regions.items()}

    for edit in words:
        _edit_page_word(edit, used)
    placed = len(words) + _edit_tokens(tokens, _page_text, _page_put)

    for line in lines.values():
        text = _page_text(line)
        if text is None:
            continue
        before, after = line_texts_before[id(line)], _page_word_texts(line)
        _page_put(line, _row_in_layout(text, after) if text.split() == before and text.split() else " ".join(after))
    for rid, region in regions.items():
        text = _page_text(region)
        line_els = _children(region, "TextLine")
        if text is None or not line_els:
            continue
        before = [w for t in region_lines_before[rid] for w in t.split()]
        now = [_page_text(line) or "" for line in line_els]
        after = [w for t in now for w in t.split()]
        _page_put(region, _row_in_layout(text, after) if text.split() == before and text.split() else "\n".join(now))
    return placed


def _page_word_texts(line: Element) -> list[str]:
    """The texts of a line's Word elements, as ocr_files reads them (where it has Words)."""
    return [t for w in _children(line, "Word") for t in (_page_text(w) or "").split()]


def _edit_page_word(edit: _Edit, used: set[str]) -> None:
    el = edit.slot.element
    if not edit.texts:
        _remove(el)
        return
    for glyph in _children(el, "Glyph"):
        _remove(glyph)  # (they spell the word as it was read)
    points = _points(el)
    if edit.absorbed:
        for other in edit.absorbed:
            points += _points(other.element)
            _remove(other.element)
        _set_points(el, _hull(points))
    _page_put(el, edit.texts[0])
    if len(edit.texts) > 1:
        shapes = _split_points(points, edit.texts)
        _set_points(el, shapes[0])
        anchor = el
        for text, shape in zip(edit.texts[1:], shapes[1:]):
            part = copy.deepcopy(el)
            if (new := _new_id(el, "id", used)) is not None:
                part.set("id", new)
            _set_points(part, shape)
            _page_put(part, text)
            _insert_after(anchor, part)
            anchor = part


# --- ALTO ----------------------------------------------------------------------------------------------


def _alto_box(el: Element) -> tuple[float, float, float, float] | None:
    try:
        return tuple(float(el.get(a)) for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))  # type: ignore[return-value]
    except (TypeError, ValueError):
        return None


def _number(value: float, like: str | None) -> str:
    """A coordinate as the file writes them: whole numbers where it did."""
    if like is not None and re.fullmatch(r"-?\d+", like.strip()):
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _set_alto_box(el: Element, box: tuple[float, float, float, float]) -> None:
    for name, value in zip(("HPOS", "VPOS", "WIDTH", "HEIGHT"), box):
        el.set(name, _number(value, el.get(name)))


def _next_element(el: Element) -> Element | None:
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def _edit_alto(source: OcrSource, edits: list[_Edit]) -> int:
    root = source.root
    used = _ids(root, "ID")
    # Hyphenated pairs (HypPart1 with the HypPart2 after it) and their CONTENT before, for SUBS_CONTENT.
    strings = [el for el in root.iter() if _local(el) == "String"]
    pair_of: dict[int, tuple[Element, Element]] = {}
    first: Element | None = None
    for el in strings:
        kind = el.get("SUBS_TYPE")
        if kind == "HypPart1":
            first = el
        elif kind == "HypPart2" and first is not None:
            pair_of[id(first)] = pair_of[id(el)] = (first, el)
            first = None
    before = {id(el): el.get("CONTENT") or "" for el in strings}
    # A part of a hyphenated pair as read -> the String that holds that part now: a split HypPart1's
    # is its last piece, a copy of it (the SUBS_CONTENT of both parts was left as read).
    held: dict[int, Element] = {}
    for edit in edits:
        now = _edit_alto_string(edit, used)
        for was in (edit.slot.element, *(o.element for o in edit.absorbed)):
            # (a part joined onto another word: that word holds the part now where it took its hyphen)
            if id(was) in pair_of and now and now[0].get("SUBS_TYPE") is not None:
                held[id(was)] = now[0]
    for pair in {id(p[0]): p for key, p in pair_of.items() if key in held}.values():
        one, two = (held.get(id(part), part) for part in pair)
        if one.getparent() is None or two.getparent() is None:
            continue
        subs = _subs_content(one.get("SUBS_CONTENT"), before[id(pair[0])], before[id(pair[1])],
                             one.get("CONTENT") or "", two.get("CONTENT") or "")
        one.set("SUBS_CONTENT", subs)
        two.set("SUBS_CONTENT", subs)
    return len(edits)


def _subs_content(subs: str | None, old1: str, old2: str, new1: str, new2: str) -> str:
    """The whole word of a hyphenated pair after its parts changed: the old whole with each changed
    part put in its place where it held it, else the two parts."""
    if subs is None or subs == old1 + old2:
        return new1 + new2
    if old1 != new1 and subs.startswith(old1):
        subs = new1 + subs[len(old1):]
    if old2 != new2 and subs.endswith(old2):
        subs = subs[: len(subs) - len(old2)] + new2
    return subs


def _edit_alto_string(edit: _Edit, used: set[str]) -> list[Element]:
    """Apply one edit to its String; the Strings whose CONTENT changed (for SUBS_CONTENT)."""
    el = edit.slot.element
    if not edit.texts:
        _remove_alto_string(el)
        return []
    for child in [c for c in el if _local(c) == "Glyph"]:
        _remove(child)  # (they spell the word as it was read)
    texts = list(edit.texts)
    # (the word that ends the joined words holds the line's hyphen, if any: a join onto the first
    # part of a hyphenated word is that part now, its HYP after it)
    last = edit.absorbed[-1].element if edit.absorbed else el
    hyp = _next_element(last)
    hyphen_kept = False
    if hyp is not None and _local(hyp) == "HYP":
        mark = hyp.get("CONTENT") or "-"
        if texts[-1].endswith(mark) and len(texts[-1]) > len(mark):
            texts[-1] = texts[-1][: -len(mark)]
            hyphen_kept = True
            for name in ("SUBS_TYPE", "SUBS_CONTENT"):
                if last is not el and last.get(name) is not None:
                    el.set(name, last.get(name))
        elif last is el:
            _remove(hyp)  # (the hyphen is no longer the word's)
    box = _alto_box(el)
    if edit.absorbed:
        boxes = [b for b in [box, *(_alto_box(o.element) for o in edit.absorbed)] if b is not None]
        for other in edit.absorbed:
            _remove_alto_string(other.element, keep_hyp=hyphen_kept)
        if boxes and box is not None:
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
            box = (x0, y0, x1 - x0, y1 - y0)
            _set_alto_box(el, box)
    el.set("CONTENT", texts[0])
    if len(texts) == 1:
        return [el]
    # A split: a String for each part after the first, an SP before each, the box shared by letters.
    shares = None
    if box is not None:
        scale = 100.0  # (split_box works in whole numbers: ALTO's may be tenths of a millimetre and fractions)
        whole = tuple(round(v * scale) for v in (box[0], box[1], box[0] + box[2], box[1] + box[3]))
        shares = [tuple(v / scale for v in s) for s in split_box(whole, texts)]  # type: ignore[union-attr, arg-type]
    subs_type = el.get("SUBS_TYPE")
    parts = [el]
    anchor = el
    for n, text in enumerate(texts[1:], start=1):
        ns = etree.QName(el).namespace
        space = etree.Element(f"{{{ns}}}SP" if ns else "SP")
        part = copy.deepcopy(el)
        for child in [c for c in part if _local(c) == "ALTERNATIVE"]:
            part.remove(child)  # (the alternatives are the whole word's)
        if (new := _new_id(el, "ID", used)) is not None:
            part.set("ID", new)
        part.set("CONTENT", text)
        if shares is not None:
            a, b = shares[n - 1], shares[n]
            space.set("HPOS", _number(a[2], el.get("HPOS")))
            space.set("VPOS", _number(a[1], el.get("VPOS")))
            space.set("WIDTH", _number(max(0.0, b[0] - a[2]), el.get("WIDTH")))
            _set_alto_box(part, (b[0], b[1], b[2] - b[0], b[3] - b[1]))
        _insert_after(anchor, space)
        _insert_after(space, part)
        anchor = part
        parts.append(part)
    if shares is not None:
        a = shares[0]
        _set_alto_box(el, (a[0], a[1], a[2] - a[0], a[3] - a[1]))
    if subs_type in ("HypPart1", "HypPart2"):
        # Only the part at the line's end (HypPart1) or start (HypPart2) is a part of the hyphenated word.
        keep = parts[-1] if subs_type == "HypPart1" else parts[0]
        for part in parts:
            if part is not keep:
                part.attrib.pop("SUBS_TYPE", None)
                part.attrib.pop("SUBS_CONTENT", None)
        return [keep]
    return parts


def _remove_alto_string(el: Element, keep_hyp: bool = False) -> None:
    """Remove a String with the SP that separated it from the word before it (or after it, where it
    was its line's first), and the HYP after it (unless ``keep_hyp``: the word it is joined onto
    holds it now)."""
    previous = el.getprevious()
    nxt = _next_element(el)
    if previous is not None and _local(previous) == "SP":
        _remove(previous)
    elif nxt is not None and _local(nxt) == "SP":
        _remove(nxt)
    if nxt is not None and _local(nxt) == "HYP" and not keep_hyp:
        _remove(nxt)
    _remove(el)


# --- hOCR ------------------------------------------------------------------------------------------------


_BBOX = re.compile(r"\bbbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)")


def _hocr_bbox(el: Element) -> tuple[int, int, int, int] | None:
    match = _BBOX.search(el.get("title") or "")
    return tuple(int(v) for v in match.groups()) if match else None  # type: ignore[return-value]


def _set_hocr_bbox(el: Element, box: tuple[int, int, int, int] | None) -> None:
    title = el.get("title") or ""
    if box is not None and _BBOX.search(title):
        el.set("title", _BBOX.sub("bbox {} {} {} {}".format(*box), title, count=1))


def _set_hocr_text(span: Element, text: str) -> None:
    """The word span's text: where it holds its text in wrappers (<strong>, <em>), in the innermost;
    the per-character spans of the word as read (ocrx_cinfo, lstm_choices) go."""
    for child in list(span):
        if isinstance(child.tag, str) and ((child.get("id") or "").startswith("lstm_choices")
                                           or "ocrx_cinfo" in (child.get("class") or "").split()
                                           or "ocr_glyph" in (child.get("class") or "").split()):
            _remove(child)
    target = span
    while True:
        # (into a wrapper only where it is all the word holds: a comment or an entity of the DTD,
        # &eacute;, kept as a node, is the word's text too, as is the text after it)
        kids = list(target)
        if len(kids) != 1 or not isinstance(kids[0].tag, str) or (target.text or "").strip() or (kids[0].tail or "").strip():
            break
        target = kids[0]
    for child in list(target):
        _remove(child)
    target.text = text


def _edit_hocr(source: OcrSource, edits: list[_Edit]) -> int:
    used = _ids(source.root, "id")
    tokens = [e for e in edits if e.slot.token is not None]
    placed = 0
    for edit in edits:
        if edit.slot.token is not None:
            continue
        span = edit.slot.element
        placed += 1
        if not edit.texts:
            _remove(span)
            continue
        box = _hocr_bbox(span)
        if edit.absorbed:
            boxes = [b for b in [box, *(_hocr_bbox(o.element) for o in edit.absorbed)] if b is not None]
            for other in edit.absorbed:
                _remove(other.element)
            if box is not None:
                box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
                _set_hocr_bbox(span, box)
        _set_hocr_text(span, edit.texts[0])
        if len(edit.texts) > 1:
            shares = split_box(box, edit.texts)
            _set_hocr_bbox(span, shares[0])
            anchor = span
            for text, share in zip(edit.texts[1:], shares[1:]):
                part = copy.deepcopy(span)
                if (new := _new_id(span, "id", used)) is not None:
                    part.set("id", new)
                _set_hocr_bbox(part, share)
                _set_hocr_text(part, text)
                part.tail = anchor.tail
                # (the space the file puts between words: Tesseract's a line break and indentation)
                anchor.tail = anchor.tail if anchor.tail and not anchor.tail.strip() else " "
                anchor.addnext(part)
                anchor = part

    def get(line: Element) -> str | None:
        # (a line of text only; one whose text is marked up is left as it was)
        return line.text if not any(isinstance(c.tag, str) for c in line) else None

    def put(line: Element, text: str) -> None:
        line.text = text

    return placed + _edit_tokens(tokens, get, put)


# --- the run in the file's own metadata ------------------------------------------------------------------


def _record_run(source: OcrSource, words: int) -> None:
    """Say in the file's metadata that ocrfix corrected it (PAGE: a MetadataItem and LastChange;
    ALTO: a Processing step, or a postProcessingStep in ALTO 2 and 3). hOCR has no place for it."""
    if source.kind == "page":
        _record_page(source.root, words)
    elif source.kind == "alto":
        _record_alto(source.root, words)


def _add_after(parent: Element, tag: str, after: tuple[str, ...]) -> Element:
    """A new child ``tag`` (in the parent's namespace) after its last child named in ``after`` (the
    schema's order), else first, indented as its siblings are."""
    ns = etree.QName(parent).namespace
    new = etree.Element(f"{{{ns}}}{tag}" if ns else tag)
    anchors = [c for c in parent if _local(c) in after]
    if anchors:
        _insert_after(anchors[-1], new)
    else:
        new.tail = parent.text
        parent.insert(0, new)
    return new


def _indent_as_siblings(el: Element) -> None:
    """Indent a new element's insides as the file indents its siblings' (where it indents at all)."""
    previous = el.getprevious()
    before = (previous.tail if previous is not None else el.getparent().text) or ""
    after = el.tail or ""
    if "\n" not in before or "\n" not in after:
        return
    own, outer = before.rsplit("\n", 1)[1], after.rsplit("\n", 1)[1]
    if not own.startswith(outer) or len(own) == len(outer) or own.strip(" \t"):
        return
    unit = own[len(outer):]
    etree.indent(el, space=unit, level=len(own) // len(unit))


def _record_page(root: Element, words: int) -> None:
    metadata = next(iter(_children(root, "Metadata")), None)
    if metadata is None:
        return
    now = _now()
    for last in _children(metadata, "LastChange"):
        last.text = now
    namespace = etree.QName(root).namespace or ""
    year = re.search(r"/(\d{4})-\d\d-\d\d$", namespace)
    if year is not None and int(year.group(1)) >= 2018:
        # (MetadataItem came with PAGE 2018; its place is after Comments and UserDefined)
        item = _add_after(metadata, "MetadataItem", ("Creator", "Created", "LastChange", "Comments", "UserDefined",
                                                     "MetadataItem"))
        item.set("type", "processingStep")
        item.set("name", "ocrfix correct")
        item.set("value", _summary(words))
        item.set("date", now)
    else:
        comments = next(iter(_children(metadata, "Comments")), None)
        if comments is None:
            comments = _add_after(metadata, "Comments", ("Creator", "Created", "LastChange"))
        comments.text = ((comments.text.rstrip() + "\n") if comments.text and comments.text.strip() else "") \
            + f"{now}: {_summary(words)}"


def _record_alto(root: Element, words: int) -> None:
    description = next(iter(_children(root, "Description")), None)
    if description is None:
        return
    namespace = etree.QName(root).namespace or ""
    ns = f"{{{namespace}}}" if namespace else ""
    v4 = "ns-v4" in namespace
    if v4:
        # A Processing element (as ocrfix's own ALTO lists its steps), which every Page refers to.
        used = _ids(root, "ID")
        n = 1
        while f"ocrfix_correct_{n}" in used:
            n += 1
        step = _add_after(description, "Processing", ("MeasurementUnit", "sourceImageInformation", "OCRProcessing",
                                                      "Processing"))
        step.set("ID", f"ocrfix_correct_{n}")
        for page in (el for el in root.iter() if _local(el) == "Page"):
            page.set("PROCESSINGREFS", " ".join([*(page.get("PROCESSINGREFS") or "").split(), f"ocrfix_correct_{n}"]))
        etree.SubElement(step, f"{ns}processingCategory").text = "contentModification"
    else:
        # ALTO 2 and 3: a postProcessingStep of the file's OCRProcessing (which must hold its
        # ocrProcessingStep: with none, there is no place for it)
        processing = next(iter(_children(description, "OCRProcessing")), None)
        if processing is None or not _children(processing, "ocrProcessingStep"):
            return
        step = _add_after(processing, "postProcessingStep", ("preProcessingStep", "ocrProcessingStep",
                                                            "postProcessingStep"))
    etree.SubElement(step, f"{ns}processingDateTime").text = _now()
    etree.SubElement(step, f"{ns}processingStepDescription").text = _summary(words)
    software = etree.SubElement(step, f"{ns}processingSoftware")
    etree.SubElement(software, f"{ns}softwareName").text = "ocrfix"
    etree.SubElement(software, f"{ns}softwareVersion").text = __version__
    _indent_as_siblings(step)


# --- writing ------------------------------------------------------------------------------------------------


# HTML's elements that have no end tag.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def _serialise(source: OcrSource) -> bytes:
    """The edited tree in the input's own bytes around it: what came before the root element (the
    XML declaration, DOCTYPE, comments) and after it, as they were. Within it, lxml writes
    attributes its own way (double quotes, its own escapes); so where it can, each line of the
    input that no edit touched is kept as it was (the input written again by lxml, line by line,
    against the edited tree written by lxml), and that is kept only if it reads as the edited tree."""
    from ..ocr_files import root_start

    data, root = source.data, source.root
    start = root_start(data)
    qname = (f"{root.prefix}:" if root.prefix else "") + _local(root)
    end_tag = re.compile(rb"</" + re.escape(qname.encode()) + rb"\s*>", re.IGNORECASE if source.html else 0)
    ends = list(end_tag.finditer(data))
    end = ends[-1].end() if ends else len(data)
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    body = _body(source, root, encoding)
    if not source.html and ends:
        patched = _patch_lines(data[start:end], _body(source, _parse(data), encoding), body)
        if patched is not None and _reads_as(data[:start] + patched + data[end:], body, source, encoding):
            body = patched
    return data[:start] + body + (data[end:] if ends else b"\n")


def _parse(data: bytes) -> Element:
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False, no_network=True))


def _body(source: OcrSource, root: Element, encoding: str) -> bytes:
    """The root element as lxml writes it."""
    if source.html:
        return etree.tostring(root, method="html", encoding=encoding)
    # (a copy without the DOCTYPE: libxml2 writes a document with XHTML's in its own XHTML manner,
    # adding xml:lang beside lang and a space before "/>", which the input did not have)
    tree = copy.deepcopy(root) if root.getroottree().docinfo.doctype else root
    if source.kind == "hocr":
        # XHTML is read as HTML too (browsers, hOCR tools): an empty element other than HTML's
        # void ones keeps its end tag (<title></title>: "<title/>" hides the rest of the page).
        tree = copy.deepcopy(tree) if tree is root else tree
        for el in tree.iter():
            if isinstance(el.tag, str) and el.text is None and len(el) == 0 and _local(el) not in _VOID:
                el.text = ""
    return etree.tostring(tree, encoding=encoding, xml_declaration=False)


def _patch_lines(original: bytes, before: bytes, after: bytes) -> bytes | None:
    """``original``'s lines where lxml's writing of it (``before``) and of the edited tree
    (``after``) agree, ``after``'s where they differ; None where ``before`` does not have
    ``original``'s lines (a tag written over two lines)."""
    lines, old, new = original.split(b"\n"), before.split(b"\n"), after.split(b"\n")
    if len(lines) != len(old):
        return None
    crlf = b"\r\n" in original  # (XML reads CRLF as LF)
    out: list[bytes] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out += lines[i1:i2]
        else:
            out += [line + b"\r" if crlf else line for line in new[j1:j2]]
    return b"\n".join(out)


def _reads_as(document: bytes, body: bytes, source: OcrSource, encoding: str) -> bool:
    """Whether the patched document says what lxml's writing of the edited tree says."""
    try:
        patched = _parse(document)
        written = _parse(body.decode(encoding).encode("utf-8")) if encoding.upper() != "UTF-8" else _parse(body)
    except (etree.XMLSyntaxError, LookupError, UnicodeError, ValueError):
        return False
    # (copies without the DOCTYPE: libxml2's canonical form of an XHTML document unsets its namespace)
    return etree.tostring(copy.deepcopy(patched), method="c14n") == etree.tostring(copy.deepcopy(written), method="c14n")
