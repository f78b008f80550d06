"""Case: a corrected word written the way the OCR wrote its word, and OCR case slips undone.

``_apply_case`` writes a replacement as the page wrote the word (or as a name is written);
``_fix_case`` lowers the slipped capitals of known words ("meaSures", "Peace" mid-sentence).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from .tokens import _CORE, _Tok, _mid_sentence

if TYPE_CHECKING:
    from .corrector import Corrector


def _apply_case(ocr: str, word: str, corrector: Corrector, sentence_start: bool | None = None) -> str:
    """Write ``word`` (lower case) the way the OCR wrote its word, or the way a name is written.

    Where the first letter itself was misread ("Tecent" for recent, "Bany" for many) its case
    says nothing: mid-sentence the word is written as it usually is, lower case for most words.
    """
    form = corrector.lexicon.forms.get(word)
    letters = [ch for ch in ocr if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return word.upper()
    # A word typed in capitals keeps them though OCR lowered a letter or two ("GEORGn", "TiHE"):
    # a case slip in a small-letter word raises one letter in many ("meaSures"). Three capitals at
    # least: two in a short garble are as often I and O misread for l and o ("nIO" for no).
    capitals = sum(ch.isupper() for ch in letters)
    typed_in_capitals = capitals >= 3 and 2 * capitals > len(letters)
    # A name keeps its own spelling (McFarlane, ALCMs), unless typed in capitals ("GEORGE"); an
    # acronym only where the OCR wrote capitals; words the corpus only mostly capitalises ("my
    # Government") keep the case of the page.
    if (
        form
        and not form.isupper()
        and form in corrector.lexicon.protected
        and corrector.lexicon.capitalised.get(word, 0) >= corrector.settings.name_form_min
        and not (typed_in_capitals and form[1:].islower())
    ):
        return form
    if typed_in_capitals:
        return word.upper()
    first_misread = bool(letters) and bool(word) and letters[0].lower() != word[0]
    if first_misread and sentence_start is not None:
        return word[:1].upper() + word[1:] if sentence_start else word
    if letters and letters[0].isupper():
        return word[:1].upper() + word[1:]
    return word


# Letters whose capital is, on a typewriter, the small letter drawn larger: OCR mixes them up.
_SAME_SHAPE = frozenset("ckopsuvwxyzCKOPSUVWXYZ")
_INNER_CAP = re.compile(r"[a-z][A-Z]")


def _capitalised_habit(capitalised: int, count: int, share: int) -> bool:
    """Whether capitals on a word are a habit of the collection and not a slip: written so twice or
    more, and at least ``share`` % of the time (a slip is a one-off beside the word's small-letter uses)."""
    return capitalised >= 2 and 100 * capitalised >= share * count


def _case_slip(tok: _Tok, corrector: Corrector) -> bool:
    """A capitalised word the corpus nearly never capitalises mid-sentence, whose capital has the
    shape of its small letter ("Country", "Other", "Predictions"): likely an OCR case slip."""
    s = corrector.settings
    core = tok.core
    if not core[:1] or core[0] not in _SAME_SHAPE or not core[0].isupper() or not core[1:].islower():
        return False
    low = core.lower()
    share = corrector.lexicon.capitalised.get(low)
    collection = corrector.collection
    if collection is not None and _capitalised_habit(collection.capitalised.get(low, 0), collection.count(low), s.case_habit_share):
        return False  # the collection writes it so ("Sessions", "Cruelty" in a newspaper's reports)
    return (
        share is not None
        and share <= s.case_lower_max
        and corrector.lexicon.counts.get(low, 0) >= s.case_min_count
    )


def _title_line(block: list[_Tok], line: int) -> bool:
    """Most longer words of the line capitalised: a heading or title in title case. OCR case
    slips are sporadic; a title's capitals are systematic."""
    words = [t.core for t in block if t.line == line and len(t.core) >= 4 and _CORE.match(t.core) and not t.core.isupper()]
    capitalised = sum(w[0].isupper() for w in words)
    return capitalised >= 3 and capitalised >= 0.75 * len(words)


def _page_capitalised(blocks: list[list[_Tok]]) -> frozenset[str]:
    """The words (lower case) the page writes with a capital mid-sentence twice or more and never
    small: its names, whose capitals are no case slips."""
    caps: Counter[str] = Counter()
    small: set[str] = set()
    for block in blocks:
        for i, t in enumerate(block):
            c = t.core
            if c[:1].isupper() and c[1:].islower():
                if _mid_sentence(block, i):
                    caps[c.lower()] += 1
            elif c.islower():
                small.add(c)
    return frozenset(w for w, n in caps.items() if n >= 2 and w not in small)


def _fix_case(core: str, block: list[_Tok], i: int, corrector: Corrector, page_names: frozenset[str] = frozenset()) -> str | None:
    """Undo OCR case slips in a known word: "meaSures", "cOnviction", "iS", "tO"; "Peace"
    mid-sentence where the corpus nearly never capitalises it. None: nothing to do.

    Only lower-cases: a capital the corpus would not write is a slip of the same-shape letters,
    while a missing capital may be the writer's (and "united", "states" are words too).
    """
    s = corrector.settings
    lex = corrector.lexicon
    low = core.lower()
    if lex.counts.get(low, 0) < s.case_min_count or not _CORE.match(core):
        return None
    fixed = core
    uppers = sum(ch.isupper() for ch in core)
    # Capitals inside a word, at most half of it when it starts small ("iS", "aNd"; "aLCM" is an
    # acronym with a slip of its own), fewer otherwise ("meaSures").
    if _INNER_CAP.search(core) and (uppers * 2 <= len(core) if core[0].islower() else uppers * 2 < len(core)):
        form = lex.forms.get(low, "")
        if form and _INNER_CAP.search(form):
            return None  # McFarlane, DeConcini, pH: written that way
        fixed = core[0] + core[1:].lower()
    # (A short capitalised word with a full stop is an abbreviation that keeps its capital: "Cap.")
    abbreviation = len(core) <= 4 and block[i].trail.startswith(".")
    if fixed == core and not abbreviation and _case_slip(block[i], corrector) and not block[i].lead and _mid_sentence(block, i):
        prev, nxt = block[i - 1], block[i + 1] if i + 1 < len(block) else None
        # Not beside capitalised words ("Security Council", "CONFERENCE You"), unless those are
        # slips too ("any Other Commitment we", "my Country Once again"); not after a comma (often a misread
        # full stop: "bombers, We"); not in a title-case line ("Printed Copy of Original Hungarian").
        next_ok = nxt is None or not nxt.core[:1].isupper() or _case_slip(nxt, corrector)
        prev_ok = prev.core[:1].islower() or _case_slip(prev, corrector)
        if (
            next_ok
            and prev_ok
            and not prev.trail
            and lex.counts.get(prev.core.lower(), 0) >= s.case_min_count
            # (a word: a speck read as a letter, "h Was", ". d Upon", ends what went before, and
            # the capital after it starts a sentence: 5 of BLN600's 24 case changes of right words)
            and (len(prev.core) >= 2 or prev.core == "a")
            and not _title_line(block, block[i].line)
            and not (s.case_name_phrase and _joined_to_name(block, i, corrector))
            and low not in page_names
        ):
            fixed = low
    return fixed if fixed != core else None


# Words that join a name to the next part of it: "Walter and Son", "Hue and Cry", "Castle of Comfort".
_NAME_JOINERS = frozenset({"and", "&", "of"})


def _joined_to_name(block: list[_Tok], i: int, corrector: Corrector) -> bool:
    """Whether token i follows a capitalised word through "and" or "of" ("Cox and Son", "the Hue and
    Cry"): the second part of a name, whose capital is the name's."""
    if i < 2 or block[i - 1].core.lower() not in _NAME_JOINERS or block[i - 1].trail or block[i - 2].trail:
        return False
    first = block[i - 2]
    return len(first.core) >= 2 and first.core[:1].isupper() and not _case_slip(first, corrector)
