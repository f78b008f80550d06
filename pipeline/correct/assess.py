"""Every word's probability of being wrong (calibration.py): its features, and the flags they set."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .collection_words import _collection_word
from .decide import _decide_word
from .punctuation import _ABBREVIATIONS
from .tokens import (
    _CORE, _Tok, _after_title, _context, _hyphen_break, _mid_sentence, _name_capital, _protected, _tokens,
)

if TYPE_CHECKING:
    from ..model import Page
    from .corrector import Corrector


def word_features(tok: _Tok, block: list[_Tok], i: int, corrector: Corrector) -> tuple[float, ...]:
    """The features of calibration.FEATURES for token i of a block of the corrected page."""
    lex = corrector.lexicon
    core = tok.core
    low = core.lower()
    count = lex.counts.get(low, 0)
    collection = corrector.collection.count(low) if corrector.collection is not None else 0
    protected = _protected(tok, corrector)
    word = bool(_CORE.match(core))
    known = count > 0 or _collection_word(low, (), corrector)
    margin = -1.0
    if word and not protected and count < corrector.settings.trusted_count:
        left, right = _context(block, i)
        d = _decide_word(low, left, right, tok, corrector, _name_capital(block, i, corrector), core.islower())
        if d.best > -math.inf:
            margin = max(-1.0, min(1.0, (d.best - d.keep) / 10.0))
    letters = sum(ch.isalpha() for ch in core)
    conf = tok.confidence
    confidence = (conf or 0.0) / 100.0
    lexicon = math.log1p(count) / 10.0
    unknown = 0.0 if known else 1.0
    near = [block[j].confidence for j in (i - 1, i + 1) if 0 <= j < len(block) and block[j].confidence is not None]
    punctuated = 1.0 if tok.lead or (tok.trail and not tok.trail.startswith(("'s", "\u2019s"))) else 0.0
    nxt = block[i + 1] if i + 1 < len(block) else None
    # A comma before a word the corpus writes small mid-sentence but that has a capital here: a
    # full stop read as a comma ("reflection, Time and again"); a full stop before a small word
    # that is no abbreviation's: a stray stop or a comma read as one ("between. North" aside).
    s = corrector.settings
    comma_stop = (tok.trail.endswith(",") and nxt is not None and nxt.core[:1].isupper() and nxt.core[1:].islower()
                  and lex.counts.get(nxt.core.lower(), 0) >= s.case_min_count
                  and lex.capitalised.get(nxt.core.lower(), 100) < 50)
    stray_stop = (tok.trail.endswith(".") and nxt is not None and nxt.core[:1].islower() and word and letters > 1
                  and low not in _ABBREVIATIONS)
    # A capital the corpus nearly never gives the word mid-sentence ("the international Community"),
    # or a small letter on a word it nearly always capitalises ("South West africa").
    shares = lex.capitalised.get(low)
    case_odd = word and count >= s.case_min_count and shares is not None and (
        (core[:1].isupper() and core[1:].islower() and shares <= 5 and _mid_sentence(block, i) and not _after_title(block, i))
        or (core.islower() and shares >= s.name_form_min))
    return (
        1.0 if conf is not None else 0.0,
        confidence,
        lexicon,
        math.log1p(collection) / 5.0,
        unknown,
        1.0 if core[:1].isupper() else 0.0,
        1.0 if letters <= 3 else 0.0,
        0.0 if word else 1.0,
        margin,
        1.0 if protected else 0.0,
        1.0 if conf is not None and conf < 50 else 0.0,
        1.0 if conf is not None and 50 <= conf < 85 else 0.0,
        punctuated,
        1.0 - min(near) / 100.0 if near else 0.0,
        corrector.collection_unknown,
        unknown * confidence,
        lexicon * confidence,
        punctuated * confidence,
        1.0 if comma_stop else 0.0,
        1.0 if stray_stop else 0.0,
        1.0 if case_odd else 0.0,
    )


def page_word_features(page: Page, corrector: Corrector, blocks: list[list[_Tok]] | None = None) -> list[tuple[int, int, tuple[float, ...]]]:
    """(line, word, features) of every word of a page, in reading order (what the model is fit on)."""
    blocks = _tokens(page) if blocks is None else blocks
    rows = []
    for block in blocks:
        for i, tok in enumerate(block):
            whole = _hyphenated_whole(block, i, corrector)
            features = word_features(tok, block, i, corrector) if whole is None else word_features(whole[0], whole[1], whole[2], corrector)
            rows.append((tok.line, tok.word, features))
    return rows


def _hyphenated_whole(block: list[_Tok], i: int, corrector: Corrector) -> tuple[_Tok, list[_Tok], int] | None:
    """Where token i is half of a known word hyphenated across lines ("poten-" / "tial,"): the
    whole word as one token (with token i's confidence), in a copy of the block where it stands for
    both halves, and its index there. Each half alone reads as an unknown fragment, and was
    flagged as one (25 of the 69 right words flagged on EHRI's processed pages)."""
    if i + 1 < len(block) and _hyphen_break(block[i], block[i + 1]):
        at = i
    elif i > 0 and _hyphen_break(block[i - 1], block[i]):
        at = i - 1
    else:
        return None
    first, second = block[at], block[at + 1]
    head = first.core[:-1] if first.core.endswith("-") else first.core
    core = head + second.core
    low = core.lower()
    if second.lead or not _CORE.match(core) or not (corrector.lexicon.counts.get(low) or _collection_word(low, (), corrector)):
        return None
    tok = block[i]
    whole = _Tok(tok.line, tok.word, first.lead + core + second.trail, first.lead, core, second.trail, low, tok.confidence)
    return whole, block[:at] + [whole] + block[at + 2:], at


def _assess(page: Page, corrector: Corrector, blocks: list[list[_Tok]] | None = None,
            decided: frozenset[tuple[int, int]] = frozenset()) -> Page:
    """Every word's probability of being wrong (calibration.py); the likely wrong ones flagged. A
    word a person decided (``decided``: corrections.yaml's) is left as the decision wrote it, as the
    read model leaves it (a decided "Montgomery." stayed flagged, counted by status, not queued)."""
    model = corrector.wrong_model
    lines = [line.model_copy(update={"words": list(line.words)}) for line in page.lines]
    for li, wi, features in page_word_features(page, corrector, blocks):
        if (li, wi) in decided:
            continue
        word = lines[li].words[wi]
        p = round(model.probability(features), 4)
        # model_copy: the fields are already valid, and validating every word again costs a third
        # of the corrector's time on a clean page (model_copy is 1.5 times as fast as
        # model_construct). A token of punctuation alone is flagged too (a speck read as "~" or
        # "-_", which review deletes): of those given p_wrong >= 0.2, 27 of 27 were wrong on EHRI's
        # processed pages, 1,708 of 1,727 in BLN600's text.
        lines[li].words[wi] = word.model_copy(update={"p_wrong": p, "flagged": p >= model.flag_at})
    return page.model_copy(update={"lines": lines})
