"""Hyphenation: a word hyphenated across lines, or inside a reflowed line, corrected as one word."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from ..model import Change, Page, union_box
from .case import _apply_case
from .decide import _decide_word, _score
from .tokens import _CORE, _Tok, _context

if TYPE_CHECKING:
    from .corrector import Corrector


# A line longer than this was not typed or printed so: no portrait page holds one (a typed line at
# 15 characters an inch is under 100; the dev pages' longest raw line is 81). Text with such lines
# was reflowed, a paragraph to a line (BLN600: every article has one).
REFLOWED_LINE_CHARS = 100


def _reflowed(page: Page) -> bool:
    """Whether the page's text was reflowed: a line of it longer than any typed line."""
    return any(sum(len(w.text) + 1 for w in line.words) > REFLOWED_LINE_CHARS + 1 for line in page.lines)


def _fix_hyphenation(tok: _Tok, nxt: _Tok, block: list[_Tok], i: int, page: Page, corrector: Corrector,
                     changes: list[Change], edits: dict, reflowed_page: bool) -> int:
    """Correct a word hyphenated across lines as one word; returns how many extra tokens it used."""
    first = tok.core.rstrip("-") if tok.core.endswith("-") else tok.core
    # The affix split puts a final "-" in the core; take it off for lookup.
    if not _CORE.match(first) or not _CORE.match(nxt.core) or nxt.lead:
        return 0
    lex = corrector.lexicon
    joined = (first + nxt.core).lower()
    # Text reflowed into one line a paragraph ("exami- nation") kept the hyphens of its line ends
    # without the line ends: a word the dictionaries' corpus writes whole more often than as the two
    # halves ("afterwards", not "of the") is written whole. (Not the collection's counts: it counts
    # these very breaks as words, "ofthe" among them.) On a typed page a hyphen and a space inside a
    # line are typed so ("to- day"): left as read.
    reflowed = reflowed_page and nxt.line == tok.line
    if reflowed and _written_whole(first, nxt.core, corrector):
        _join_tokens(tok, [nxt], first + nxt.core, page, changes, edits, "hyphenation", 0.9)
        return 1
    if joined in lex.counts or (first.lower() in lex.counts and nxt.core.lower() in lex.counts):
        return 1  # fine as it is (a real word, or a real hyphenated compound)
    left = _context(block, i)[0]
    right = _context(block, i + 1)[1]
    d = _decide_word(joined, left, right, None, corrector, False)
    if d.new is None:
        return 1
    if reflowed:
        _join_tokens(tok, [nxt], _apply_case(first, d.new, corrector), page, changes, edits, "hyphenation", _score(d.margin))
        return 1
    k = len(first)
    # Map the break to the corrected word through the alignment.
    k_new = k
    for op in Levenshtein.opcodes(joined, d.new):
        if op.src_start <= k <= op.src_end:
            k_new = op.dest_start + (k - op.src_start if op.tag == "equal" else (op.dest_end - op.dest_start if k == op.src_end else 0))
            break
    a, b = d.new[:k_new], d.new[k_new:]
    if not a or not b:
        return 1
    a = _apply_case(first, a, corrector)
    b = _apply_case(nxt.core, b, corrector) if nxt.core[:1].isupper() else b
    w1 = page.lines[tok.line].words[tok.word]
    w2 = page.lines[nxt.line].words[nxt.word]
    t1 = tok.lead + a + "-" + (tok.trail if not tok.core.endswith("-") else "")
    t2 = nxt.lead + b + nxt.trail
    score = _score(d.margin)
    if t1 != w1.text:
        edits[(tok.line, tok.word)] = [w1.model_copy(update={"text": t1})]
        changes.append(Change(line=tok.line, word=tok.word, original=w1.text, new=t1, source="hyphenation", score=score))
    if t2 != w2.text:
        edits[(nxt.line, nxt.word)] = [w2.model_copy(update={"text": t2})]
        changes.append(Change(line=nxt.line, word=nxt.word, original=w2.text, new=t2, source="hyphenation", score=score))
    return 1


def _join_tokens(tok: _Tok, rest: list[_Tok], core: str, page: Page, changes: list[Change], edits: dict,
                 source: str, score: float) -> None:
    """Write ``tok`` and the tokens of ``rest`` as the one word ``core`` (a split word joined, a word
    hyphenated inside a reflowed line): ``tok`` its start, the last of ``rest`` its end, and any
    tokens between them left out."""
    first = page.lines[tok.line].words[tok.word]
    others = [page.lines[t.line].words[t.word] for t in rest]
    text = tok.lead + core + rest[-1].trail
    box = union_box([first.bbox, others[-1].bbox])
    edits[(tok.line, tok.word)] = [first.model_copy(update={"text": text, "bbox": box, "alternatives": []})]
    for t in rest:
        edits[(t.line, t.word)] = []
    changes.append(Change(line=tok.line, word=tok.word, original=" ".join(w.text for w in [first, *others]), new=text,
                          source=source, score=score))


# At most this many short tokens between the halves of a hyphenated word on a reflowed page: the
# neighbouring column's letters, read into the line where the hyphen's line ended ("dis- Le
# orderly", "con- I tributor"; BLN600 has one or two).
BLED_TOKENS = 2
BLED_TOKEN_CHARS = 3


def _bled_hyphenation(block: list[_Tok], i: int, corrector: Corrector,
                      skip: frozenset[tuple[int, int]]) -> tuple[str, int] | None:
    """Where token i ("dis-") and a token one or two short tokens later ("orderly") are the halves of
    a word the dictionaries' corpus writes whole more often than as the two halves, and the short
    tokens between make no word with it: the whole word, and how many tokens after i it takes."""
    tok = block[i]
    if not tok.text.endswith("-") or tok.trail.strip("-"):
        return None
    first = tok.core.rstrip("-")
    if len(first) < 2 or not _CORE.match(first):
        return None
    lex = corrector.lexicon
    for used in range(2, BLED_TOKENS + 2):
        if i + used >= len(block):
            return None
        between, second = block[i + 1 : i + used], block[i + used]
        if any(t.line != tok.line or len(t.text) > BLED_TOKEN_CHARS or (t.line, t.word) in skip for t in between):
            return None
        if (second.line != tok.line or second.lead or not second.core[:1].islower() or not _CORE.match(second.core)
                or (second.line, second.word) in skip):
            continue
        if _written_whole(first, second.core, corrector) and (first + between[0].core).lower() not in lex.counts:
            return first + second.core, used
    return None


def _written_whole(first: str, second: str, corrector: Corrector) -> bool:
    """Whether the dictionaries' corpus writes ``first`` + ``second`` as one word more often than as
    the two words ("afterwards"; not "of the", although "ofthe" is in it 4 times)."""
    lex = corrector.lexicon
    return lex.counts.get((first + second).lower(), 0) > lex.bigrams.get(f"{first.lower()} {second.lower()}", 0)
