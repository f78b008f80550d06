"""The correction passes: a page corrected pass by pass until nothing changes; plain text likewise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calibration import flag_doubtful
from ..memory import cyclic_gc_paused
from ..model import Change, Line, Page, Word, split_box
from .assess import _assess
from .case import _fix_case, _page_capitalised
from .decide import _correct_core, _score
from .hyphenation import _bled_hyphenation, _fix_hyphenation, _join_tokens, _reflowed
from .language import foreign_language
from .punctuation import _fix_punctuation
from .spacing import _try_merge, _try_split
from .tokens import (
    _CORE, _Tok, _context, _fix_ordinal, _hyphen_break, _mid_sentence, _name_capital, _protected, _tokens,
    _user_protected,
)

if TYPE_CHECKING:
    from .corrector import Corrector


_MAX_PASSES = 4


def correct_page(page: Page, corrector: Corrector, skip: frozenset[tuple[int, int]] = frozenset()) -> Page:
    """Return a corrected copy of ``page``; every change recorded, positions in ``skip`` untouched.

    Positions in ``skip`` are the ones the human-approved overrides already decided. A correction
    can give a neighbour the context it lacked ("beara wittess" -> "beara witness" -> "bears
    witness"), so passes repeat until one changes nothing (words already changed are left alone):
    correcting the corrected text then changes nothing. Each Change's line and word are those of
    its word in the corrected page (splits and joins move later words).
    """
    # Correcting makes many small objects and no cycles: the cycle collector going over them cost
    # a sixth of the corrector's time on BLN600.
    with cyclic_gc_paused():
        result = page
        focus: frozenset[tuple[int, int]] | None = None
        # The page's tokens, made once per version of the page (a pass that changes no text keeps them).
        blocks = _tokens(result)
        foreign = foreign_language(blocks, corrector)
        if foreign is not None:
            # Tesseract's doubt flags its words instead: the read model needs the page's language's
            # word list, and the run has the dictionaries' language's only.
            flagged = flag_doubtful(page, skip)
            return flagged.model_copy(update={"steps": [*flagged.steps, foreign]})
        decided = skip
        for _ in range(_MAX_PASSES):
            before = len(result.changes)
            result, posmap, changed = _correct_pass(result, corrector, skip, focus, blocks)
            if len(result.changes) == before:
                break
            blocks = _tokens(result)
            skip = frozenset(posmap[p] for p in skip | changed if p in posmap)
            decided = frozenset(posmap[p] for p in decided if p in posmap)
            # Only the neighbours of what changed have new context to look at.
            focus = _neighbours(blocks, frozenset(posmap[p] for p in changed if p in posmap))
        return _assess(result, corrector, blocks, decided)


def _neighbours(blocks: list[list[_Tok]], positions: frozenset[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    near: set[tuple[int, int]] = set()
    for block in blocks:
        for i, tok in enumerate(block):
            if (tok.line, tok.word) in positions:
                for j in (i - 2, i - 1, i + 1, i + 2):
                    if 0 <= j < len(block):
                        near.add((block[j].line, block[j].word))
    return frozenset(near)


def _correct_pass(
    page: Page, corrector: Corrector, skip: frozenset[tuple[int, int]], focus: frozenset[tuple[int, int]] | None = None,
    blocks: list[list[_Tok]] | None = None,
) -> tuple[Page, dict[tuple[int, int], tuple[int, int]], frozenset[tuple[int, int]]]:
    """One pass over the page (``blocks``: its tokens): the corrected page, where each old position
    went, what changed."""
    s = corrector.settings
    changes = list(page.changes)
    # (line, word) -> replacement Word list (empty: merged into the previous word)
    edits: dict[tuple[int, int], list[Word]] = {}
    blocks = _tokens(page) if blocks is None else blocks
    page_names = _page_capitalised(blocks) if s.case_slips and s.case_page_habit else frozenset()
    reflowed = _reflowed(page)
    for block in blocks:
        i = 0
        while i < len(block):
            tok = block[i]
            pos = (tok.line, tok.word)
            word = page.lines[tok.line].words[tok.word]
            passed = pos in skip or (focus is not None and pos not in focus)
            ordinal = None if passed else _fix_ordinal(tok.core, corrector)
            if ordinal is not None and not _user_protected(tok, corrector):
                new_text = tok.lead + ordinal + tok.trail
                edits[pos] = [word.model_copy(update={"text": new_text, "alternatives": []})]
                changes.append(Change(line=tok.line, word=tok.word, original=word.text, new=new_text, source="ordinal", score=0.9))
                i += 1
                continue
            if passed or _protected(tok, corrector):
                # The rest of a word hyphenated across lines goes with its first part.
                i += 2 if i + 1 < len(block) and _hyphen_break(tok, block[i + 1]) else 1
                continue
            left, right = _context(block, i)
            capital = _name_capital(block, i, corrector)
            low = tok.core.lower()
            known = low in corrector.lexicon.counts

            # Hyphenation: judge the joined word, never the fragments on their own.
            nxt = block[i + 1] if i + 1 < len(block) else None
            bled = _bled_hyphenation(block, i, corrector, skip) if reflowed and nxt is not None else None
            if bled is not None:
                core, used = bled
                _join_tokens(tok, block[i + 1 : i + 1 + used], core, page, changes, edits, "hyphenation", 0.9)
                i += 1 + used
                continue
            if nxt is not None and _hyphen_break(tok, nxt) and (nxt.line, nxt.word) not in skip:
                i += 1 + _fix_hyphenation(tok, nxt, block, i, page, corrector, changes, edits, reflowed)
                continue

            # A word split by a stray space: join it with the next word on the same line.
            if nxt is not None and nxt.line == tok.line and (nxt.line, nxt.word) not in skip and not _protected(nxt, corrector):
                nl, nr = left, _context(block, i + 1)[1]
                merged = _try_merge(tok, nxt, nl, nr, corrector)
                if merged is not None:
                    _join_tokens(tok, [nxt], merged[0], page, changes, edits, "merge", _score(merged[1]))
                    i += 2
                    continue

            punct = _fix_punctuation(tok, block, i, corrector) if s.punctuation else None
            if punct is not None:
                parts = punct.split(" ")
                edits[pos] = [word.model_copy(update={"text": p, "bbox": box, "alternatives": []})
                              for p, box in zip(parts, split_box(word.bbox, parts))]
                changes.append(Change(line=tok.line, word=tok.word, original=word.text, new=punct, source="punctuation", score=0.9))
                i += 1
                continue

            d = _correct_core(tok.core, left, right, tok, corrector, capital, not _mid_sentence(block, i))
            split = None if known else _try_split(tok, left, right, corrector)
            if split is not None and (d.new is None or split[2] > d.best):
                new_core, margin, _ = split
                a, b = new_core.split(" ")
                halves = [tok.lead + a, b + tok.trail]
                # Each half has its share of the word's box, by its letters: the text gives no
                # position for the space.
                edits[pos] = [word.model_copy(update={"text": text, "bbox": box, "alternatives": []})
                              for text, box in zip(halves, split_box(word.bbox, halves))]
                changes.append(Change(line=tok.line, word=tok.word, original=word.text, new=f"{tok.lead}{a} {b}{tok.trail}", source="split", score=_score(margin)))
                i += 1
                continue

            if d.new is not None and d.new != tok.core:
                new_text = tok.lead + d.new + tok.trail
                edits[pos] = [word.model_copy(update={"text": new_text, "suggestions": []})]
                changes.append(Change(line=tok.line, word=tok.word, original=word.text, new=new_text, source="lexicon", score=_score(d.margin)))
            elif not known and not d.known and _CORE.match(tok.core) and not tok.core.isupper():
                # Unsure: a word no dictionary knows, left as read, with suggestions for a person
                # (whether it is flagged, p_wrong says: _assess).
                edits[pos] = [word.model_copy(update={"suggestions": [tok.lead + x + tok.trail for x in d.suggestions]})]
            elif known:
                cased = _fix_case(tok.core, block, i, corrector, page_names) if s.case_slips else None
                if cased is not None and cased != tok.core:
                    new_text = tok.lead + cased + tok.trail
                    edits[pos] = [word.model_copy(update={"text": new_text})]
                    changes.append(Change(line=tok.line, word=tok.word, original=word.text, new=new_text, source="case", score=0.9))
            i += 1
    if not edits:
        return page, {}, frozenset()
    lines: list[Line] = []
    posmap: dict[tuple[int, int], tuple[int, int]] = {}
    for li, line in enumerate(page.lines):
        words: list[Word] = []
        for wi, w in enumerate(line.words):
            replacement = edits.get((li, wi), [w])
            if replacement:
                posmap[(li, wi)] = (li, len(words))
            words.extend(replacement)
        lines.append(line.model_copy(update={"words": words}))
    changed = frozenset(
        pos for pos, new in edits.items() if [w.text for w in new] != [page.lines[pos[0]].words[pos[1]].text]
    )
    # Every change, this pass's and the earlier ones', names its word where it now is: a split or a
    # join moves the words after it (the ALTO and hOCR writers tag the word at each position).
    changes = [c if posmap.get((c.line, c.word), (c.line, c.word)) == (c.line, c.word)
               else c.model_copy(update=dict(zip(("line", "word"), posmap[(c.line, c.word)]))) for c in changes]
    return page.model_copy(update={"lines": lines, "changes": changes}), posmap, changed


def page_from_text(text: str, source: str) -> Page:
    """A Page from existing OCR text (no boxes, no confidences): a Line per text line, blocks at blank lines."""
    lines: list[Line] = []
    block = 0
    for raw in text.splitlines():
        tokens = raw.split()
        if not tokens:
            if lines and lines[-1].block == block:
                block += 1
            continue
        lines.append(Line(words=[Word(text=t) for t in tokens], block=block))
    return Page(source=source, lines=lines)


def correct_text(text: str, corrector: Corrector) -> str:
    """Correct plain OCR text, keeping its line layout (blank lines between blocks become one)."""
    from ..export.text import page_text

    return page_text(correct_page(page_from_text(text, "text"), corrector))
