"""Tokens: a page's words as the corrector reads them, and what their neighbours say of them.

Lead, core and trail with the language-model context; what is protected from correction
(numbers, codes, acronyms, approved and protected forms); ordinals written with look-alike
letters; where a sentence runs on, where a name may stand, where a word is hyphenated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..tokens import looked_up, split_token

if TYPE_CHECKING:
    from ..model import Page
    from .corrector import Corrector


_CORE = re.compile(r"^[^\W\d_]+(?:'[^\W\d_]+)*$")
# A lower-case word with one look-alike digit in it ("0il", "1t", "iso1ated"), nothing more.
_DIGIT_GARBLE = re.compile(r"^[a-z]*[01568][a-z]*$")
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th|d|s)$", re.I)


# An ordinal with letters for its digits ("lst", "Ist", "l9th", "1Oth", "Sth"): typists without a
# "1" key typed "l", and OCR reads a typed 1 or 0 as l, I or O, a 5 as S and an 8 as B (BLN600's
# OCR has "lSth", "2Sth", "Bth"; EHRI's "Sth"; neither the corpus nor any ground truth writes them).
_LETTER_ORDINAL = re.compile(r"^([0-9lIOSB]+)(st|nd|rd|th)$")
_LETTER_DIGITS = str.maketrans({"l": "1", "I": "1", "O": "0", "S": "5", "B": "8"})


_SENTENCE_END = re.compile(r"[.!?:;]['\")\]]*$")
# Titles written with a full stop before a name (English): the stop ends no sentence, and the word
# after it (or after an initial) gets the name prior ("Mr. Warry" is not "Mr. Marry"). bench_corrector
# on BLN600's text: damaged 87 -> 74, ground-truth words changed 121 -> 100, fixed 3,950 -> 3,929
# (garbled names after a title now need the name's evidence: "Mr. Noore"); ehri and synthetic the same.
_TITLES = frozenset({"mr", "mrs", "messrs", "dr", "st", "rev", "capt", "col", "gen", "lt", "sgt", "maj", "prof",
                     "hon", "sen", "gov", "supt", "insp", "det"})


@dataclass
class _Tok:
    line: int
    word: int
    text: str
    lead: str = ""
    core: str = ""
    trail: str = ""
    # the lower-case core as a language-model context, or None where punctuation breaks the flow
    ctx: str | None = None
    confidence: float | None = None
    alternatives: list = field(default_factory=list)
    # _protected's answer, once asked (a token is asked several times a pass)
    protected: bool | None = None


def _is_code(core: str) -> bool:
    """Numbers, dates and reference codes: anything with a digit that is not a lone look-alike."""
    if not any(ch.isdigit() for ch in core):
        return False
    if "-" in core.strip("-"):
        return any(_is_code(part) for part in core.split("-") if part)
    if _ORDINAL.match(core):
        return True
    return not _DIGIT_GARBLE.match(core) or sum(ch.isalpha() for ch in core) < 2


def _ordinal_suffix(number: int) -> str:
    if number % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _fix_ordinal(core: str, corrector: Corrector) -> str | None:
    """The ordinal a word with look-alike letters for its digits spells ("lst" -> "1st",
    "l9th" -> "19th"), or None. The suffix has to be the number's own (1st, 2nd, 3rd, 11th, 19th):
    "lost", "lond", "lth" and "Oth" spell no ordinal and are left to the other rules."""
    match = _LETTER_ORDINAL.match(core)
    low = core.lower()
    if match is None or match[1].isdigit() or low in corrector.lexicon.counts or low in corrector.known:
        return None
    digits = match[1].translate(_LETTER_DIGITS)
    if digits.startswith("0") or _ordinal_suffix(int(digits)) != match[2]:
        return None
    return digits + match[2]


def _protected(tok: _Tok, corrector: Corrector) -> bool:
    if tok.protected is None:
        tok.protected = _is_protected(tok, corrector)
    return tok.protected


def _user_protected(tok: _Tok, corrector: Corrector) -> bool:
    """Whether corrections.yaml protects the token (a re-correction asks again of the forms asked)."""
    if corrector._reads:
        corrector._reads[-1].forms.update((tok.text, tok.core, tok.core.lower()))
    return tok.text in corrector.protected or tok.core in corrector.protected


def _is_protected(tok: _Tok, corrector: Corrector) -> bool:
    core = tok.core
    if tok.text in ("«", "@") and corrector.settings.blot_article:
        return False  # a blotted "a" (see _fix_punctuation)
    if not core or _user_protected(tok, corrector):
        return True
    if core in corrector.lexicon.protected or core.lower() in corrector.known:
        return True
    if _is_code(core):
        return True
    letters = [ch for ch in core if ch.isalpha()]
    # Short all-capital tokens are acronyms, codes and initials.
    if letters and all(ch.isupper() for ch in letters) and len(letters) <= 5:
        return True
    return False


def _tokens(page: Page) -> list[list[_Tok]]:
    """Blocks of tokens in reading order, with their language-model context."""
    blocks: list[list[_Tok]] = []
    prev_block = None
    for li, line in enumerate(page.lines):
        if line.block != prev_block:
            # A word hyphenated at the end of a block's last line and finished on the next block's
            # first line ("brutal-" / "ity,"): Tesseract ended a paragraph where the text did not.
            if not (blocks and blocks[-1] and blocks[-1][-1].text.endswith("-") and line.words
                    and line.words[0].text[:1].islower()):
                blocks.append([])
            prev_block = line.block
        for wi, w in enumerate(line.words):
            lead, core, trail = split_token(w.text)
            clean = looked_up(core)  # (a ligature as its letters: judged by them, written back as it was)
            tok = _Tok(li, wi, w.text, lead, clean, trail, None, w.confidence, w.alternatives)
            tok.ctx = clean.lower() if _CORE.match(clean) else None
            blocks[-1].append(tok)
    return blocks


def _flows(trail: str) -> bool:
    """Whether the text runs on after a word with this trail (none, or only a possessive)."""
    return not trail or trail in ("'s", "\u2019s")


def _context(block: list[_Tok], i: int) -> tuple[str | None, str | None]:
    tok = block[i]
    left = right = None
    if i > 0 and _flows(block[i - 1].trail) and not tok.lead:
        left = block[i - 1].ctx
    if i + 1 < len(block) and _flows(tok.trail) and not block[i + 1].lead:
        right = block[i + 1].ctx
    return left, right


def _mid_sentence(block: list[_Tok], i: int) -> bool:
    """Whether a sentence runs on into token i: a token before it that ends no sentence (a number or
    a garble before it does not start a new one)."""
    return i > 0 and not _SENTENCE_END.search(block[i - 1].text)


def _after_title(block: list[_Tok], i: int) -> bool:
    """Whether token i follows a title or an initial ("Mr. Warry", "W. E. Frere"): its full stop
    ends no sentence, and what follows it is a name."""
    if i == 0 or block[i - 1].trail != ".":
        return False
    prev = block[i - 1].core
    return (len(prev) == 1 and prev.isupper()) or prev.lower() in _TITLES


def _name_capital(block: list[_Tok], i: int, corrector: Corrector) -> bool:
    """Whether token i's capital makes it a possible name (the name prior and name_extra apply):
    mid-sentence or after a title, or anywhere with ``name_prior_everywhere``. The pass and
    p_wrong's features ask the same, so a decision memoised by one serves the other."""
    return block[i].core[:1].isupper() and (
        corrector.settings.name_prior_everywhere or _mid_sentence(block, i) or _after_title(block, i)
    )


def _hyphen_break(tok: _Tok, nxt: _Tok) -> bool:
    """Whether ``tok`` ("pro-") and ``nxt`` ("perty") are one word hyphenated at a line end: on two
    lines, or on one where the text was reflowed (a space after the hyphen, a small letter after it)."""
    if not tok.text.endswith("-") or len(tok.core) < 2:
        return False
    return nxt.line != tok.line or (len(tok.core) >= 3 and nxt.core[:1].islower() and not nxt.lead)
