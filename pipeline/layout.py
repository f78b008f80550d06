"""Reading order: put back together the pieces of one text line that Tesseract read apart.

On a noisy, warped or badly skewed scan Tesseract's page segmentation often cuts a single typed
line into pieces and files them in different blocks, so its text reads "there is nothing in the
negotiating record of / Namibian question, / ommitments. The / the racist regime ... its c" for
two lines of the page. No word-level corrector can repair that. The boxes can: pieces of one line
share a baseline (once the page's skew is taken out) and sit side by side with a gap no wider than
a word space or two. Those are joined, left to right, into one line at the place of the longest
piece, and a word the cut went through ("s" + "elf-determination", a gap far narrower than any
word space) becomes one word again.

What is left alone: lines without boxes (plain-text input), and pieces further apart than
``MAX_GAP_WORD_SPACES`` word spaces, which may be a real second column, a marginal note or a
date typed at the right margin.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .model import Line, Page, Step, Word, union_box

__all__ = ["rejoin_line_pieces", "rejoin_page", "rejoin_page_traced", "WordOrigins", "MAX_GAP_WORD_SPACES"]

# Where each word of the lines rejoin_line_pieces returns came from: for each line, for each word,
# the (line, word) positions in the lines it was given (two or more for a word the cut went through).
WordOrigins = list[list[list[tuple[int, int]]]]

# Pieces are joined only across a gap of at most this many median word spaces: a typist's double
# space after a full stop is about two; a column gutter or a note in the margin is wider.
MAX_GAP_WORD_SPACES = 2.5
# Two pieces share a line when their baselines differ by at most this share of the word height;
# neighbouring lines are a whole line pitch (more than one word height) apart.
SAME_BASELINE = 0.5
# A gap this much narrower than a word space is a cut through a word, not a space.
WORD_CUT = 0.35
# Words of two pieces may overlap this share of the word height (box jitter), not more.
OVERLAP_TOLERANCE = 0.1


@dataclass(frozen=True)
class _Geometry:
    baseline: float  # deskewed
    height: float


def _page_slope(lines: list[Line]) -> float:
    """The page's skew, dy/dx, from the word bottoms of lines with four words or more."""
    slopes = []
    for line in lines:
        words = [w for w in line.words if w.bbox]
        if len(words) < 4:
            continue
        k = max(1, len(words) // 3)
        first, last = words[:k], words[-k:]
        x0 = statistics.median((w.bbox[0] + w.bbox[2]) / 2 for w in first)  # type: ignore[index]
        y0 = statistics.median(w.bbox[3] for w in first)  # type: ignore[index]
        x1 = statistics.median((w.bbox[0] + w.bbox[2]) / 2 for w in last)  # type: ignore[index]
        y1 = statistics.median(w.bbox[3] for w in last)  # type: ignore[index]
        if x1 > x0:
            slopes.append((y1 - y0) / (x1 - x0))
    return statistics.median(slopes) if slopes else 0.0


def _geometry(line: Line, slope: float) -> _Geometry:
    boxes = [w.bbox for w in line.words if w.bbox]
    return _Geometry(
        baseline=statistics.median(b[3] - slope * (b[0] + b[2]) / 2 for b in boxes),
        height=statistics.median(b[3] - b[1] for b in boxes),
    )


def _side_by_side(a: list[Word], b: list[Word], max_gap: float, tolerance: float) -> bool:
    """True when the words of ``b`` fit beside or between the words of ``a`` without overlapping,
    and every gap between a word of one and a word of the other is at most ``max_gap``."""
    spans = sorted([(w.bbox[0], w.bbox[2], 0) for w in a] + [(w.bbox[0], w.bbox[2], 1) for w in b])  # type: ignore[index]
    for (_x0, x1, side), (y0, _y1, next_side) in zip(spans, spans[1:]):
        if y0 < x1 - tolerance:
            return False
        if side != next_side and y0 - x1 > max_gap:
            return False
    return True


def _join_words(pieces: list[Line], word_space: float,
                origins: list[list[tuple[int, int]]] | None = None) -> tuple[list[Word], list[list[tuple[int, int]]]]:
    """The words of the pieces left to right; a word cut in two by the pieces' border made whole.
    Also where each came from: ``origins`` gives each piece's words' own (line, word) positions
    (else (piece, word)), and the list returned has each word's, two or more for a word made whole."""
    if origins is None:
        origins = [[(k, wi) for wi in range(len(line.words))] for k, line in enumerate(pieces)]
    tagged = sorted(((w, k, origins[k][wi]) for k, line in enumerate(pieces) for wi, w in enumerate(line.words)),
                    key=lambda t: t[0].bbox[0])  # type: ignore[index]
    out: list[tuple[Word, int, list[tuple[int, int]]]] = [(tagged[0][0], tagged[0][1], [tagged[0][2]])]
    for word, k, origin in tagged[1:]:
        previous, pk, previous_origin = out[-1]
        if pk != k and word.bbox[0] - previous.bbox[2] < WORD_CUT * word_space:  # type: ignore[index]
            confidences = [c for c in (previous.confidence, word.confidence) if c is not None]
            whole = previous.model_copy(
                update={
                    "text": previous.text + word.text,
                    "bbox": union_box([previous.bbox, word.bbox]),
                    "confidence": min(confidences) if confidences else None,
                    "alternatives": previous.alternatives + word.alternatives
                    if previous.alternatives and word.alternatives
                    else [],
                    # (what the other read had for the whole: each piece's where they differ, else its own)
                    "other_read": None if previous.other_read is None and word.other_read is None
                    else (previous.text if previous.other_read is None else previous.other_read)
                    + (word.text if word.other_read is None else word.other_read),
                }
            )
            out[-1] = (whole, k, [*previous_origin, origin])
        else:
            out.append((word, k, [origin]))
    return [w for w, _k, _o in out], [o for _w, _k, o in out]


def rejoin_line_pieces(lines: list[Line]) -> tuple[list[Line], int]:
    """Join the pieces of each typed line that Tesseract read as separate lines.

    Returns the lines in reading order and how many pieces were joined onto another (0: the lines
    come back unchanged). Lines without word boxes are never touched.
    """
    out, joined, _origins = rejoin_line_pieces_traced(lines)
    return out, joined


def rejoin_line_pieces_traced(lines: list[Line]) -> tuple[list[Line], int, WordOrigins]:
    """``rejoin_line_pieces``, and where each word of the lines returned came from (``WordOrigins``):
    ``ocrfix correct`` edits the input file in place through it."""
    same: WordOrigins = [[[(li, wi)] for wi in range(len(line.words))] for li, line in enumerate(lines)]
    usable = [i for i, line in enumerate(lines) if line.words and all(w.bbox for w in line.words)]
    if len(usable) < 2:
        return lines, 0, same
    gaps = [
        b.bbox[0] - a.bbox[2]  # type: ignore[index]
        for i in usable
        for a, b in zip(lines[i].words, lines[i].words[1:])
        if b.bbox[0] > a.bbox[2]  # type: ignore[index]
    ]
    slope = _page_slope([lines[i] for i in usable])
    geometry = {i: _geometry(lines[i], slope) for i in usable}
    word_height = statistics.median(g.height for g in geometry.values())
    word_space = statistics.median(gaps) if gaps else word_height / 2
    max_gap = MAX_GAP_WORD_SPACES * word_space
    tolerance = OVERLAP_TOLERANCE * word_height

    # Candidate pairs by how close their baselines are, closest first (sorted by baseline, so
    # only near neighbours are compared: a page of noise with thousands of lines stays fast).
    by_baseline = sorted(usable, key=lambda i: geometry[i].baseline)
    pairs: list[tuple[float, int, int]] = []
    for n, i in enumerate(by_baseline):
        for j in by_baseline[n + 1 :]:
            distance = geometry[j].baseline - geometry[i].baseline
            if distance > SAME_BASELINE * word_height:
                break
            if distance <= SAME_BASELINE * min(geometry[i].height, geometry[j].height):
                pairs.append((distance, min(i, j), max(i, j)))
    pairs.sort()

    group_of = {i: i for i in usable}
    members = {i: [i] for i in usable}
    for _distance, i, j in pairs:
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        words_i = [w for k in members[gi] for w in lines[k].words]
        words_j = [w for k in members[gj] for w in lines[k].words]
        if not _side_by_side(words_i, words_j, max_gap, tolerance):
            continue
        for k in members[gj]:
            group_of[k] = gi
        members[gi].extend(members.pop(gj))

    if len(members) == len(usable):
        return lines, 0, same
    joined = 0
    out: list[Line] = []
    origins: WordOrigins = []
    for i, line in enumerate(lines):
        group = members.get(group_of[i]) if i in group_of else None
        if group is None or len(group) == 1:
            out.append(line)
            origins.append(same[i])
            continue
        # The joined line takes the place (and block) of its longest piece.
        main = max(group, key=lambda k: (len(lines[k].words), -k))
        if i != main:
            continue
        pieces = [lines[k] for k in group]
        joined += len(group) - 1
        words, word_origins = _join_words(pieces, word_space, [[o[0] for o in same[k]] for k in group])
        out.append(Line(words=words, bbox=union_box([p.bbox for p in pieces]), block=line.block))
        origins.append(word_origins)
    return out, joined, origins


def rejoin_page(page: Page) -> Page:
    """``rejoin_line_pieces`` on one page, recorded as a step where it joined anything."""
    return rejoin_page_traced(page)[0]


def rejoin_page_traced(page: Page) -> tuple[Page, WordOrigins]:
    """``rejoin_page``, and where each word of the page returned came from (``WordOrigins``)."""
    lines, joined, origins = rejoin_line_pieces_traced(page.lines)
    if not joined:
        return page, origins
    step = Step(
        name="rejoin-lines",
        params={"pieces_joined": joined},
        reason="pieces of one typed line, read as separate lines, lie side by side on one baseline",
    )
    return page.model_copy(update={"lines": lines, "steps": [*page.steps, step]}), origins
