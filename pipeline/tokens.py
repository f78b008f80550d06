"""How a word of OCR text splits into what is looked up and the punctuation around it.

One split for the corrector, the collection model, corrections.yaml matching and review, so that a
word in curly quotes (“goverment”), guillemets («Reich») or with a possessive (Britain's) is the
same word to all of them.
"""

from __future__ import annotations

import re

__all__ = ["split_token", "is_word", "has_text", "looked_up", "LEAD", "TRAIL"]

# Opening quotes, brackets and emphasis marks before a word; closing ones, sentence punctuation
# and a possessive 's after it. German low quotes („ ‚) open and are closed by “ ‘ (which open in
# English); » and « both occur either way round in period typing, so each may open or close.
LEAD = "\"'`‘“„‚([{<«»‹›*_"
TRAIL = "\"'`’”“‘)]}>»«›‹.,;:!?*_"
_TOKEN = re.compile(rf"^([{re.escape(LEAD)}]*)(.*?)((?:['’]s)?[{re.escape(TRAIL)}]*)$", re.DOTALL)
# A word: letters (accented ones too), with inner apostrophes (don't, o'clock).
_WORD = re.compile(r"^[^\W\d_]+(?:['’][^\W\d_]+)*$")


def split_token(text: str) -> tuple[str, str, str]:
    """A word's (lead, core, trail). All punctuation: the whole text is the core.

    >>> split_token("“goverment”,")
    ('“', 'goverment', '”,')
    >>> split_token("Britain's")
    ('', 'Britain', "'s")
    """
    match = _TOKEN.match(text)
    assert match is not None  # every part of the pattern may be empty
    lead, core, trail = match.groups()
    if not core:
        return "", text, ""
    return lead, core, trail


def has_text(core: str) -> bool:
    """Whether a core holds a letter or a digit: a word a person can decide about. A lone dash, quote
    or speck read as punctuation is not flagged for review (an entry for "-" would do harm)."""
    return any(ch.isalnum() for ch in core)


def is_word(core: str) -> bool:
    """Whether a core is a word of letters (what the dictionaries and the collection count)."""
    return bool(_WORD.match(core))


# Typographic ligatures, one character each, as Tesseract, PDF text layers and other engines write
# them: a word is judged by the letters they stand for ("oﬃcial" is "official", not a garble of
# "social"), and written back as it was where it is right.
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}


def looked_up(core: str) -> str:
    """A core as the corrector and the collection model look it up: a typographic apostrophe as
    "'", a ligature as its letters (the two counted one word as another: "diﬀerant", written again
    and again, was no spelling of the collection's own). Replaced, not translated: str.translate
    goes character by character through text that is not ASCII (1.7 s on a 30 MB corpus)."""
    if core.isascii():
        return core
    core = core.replace("\u2019", "'")
    for ligature, letters in _LIGATURES.items():
        if ligature in core:
            core = core.replace(ligature, letters)
    return core
