"""A stray or a lost space: a word split in two joined ("sec rity"), a run-together one split ("Imust")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .candidates import _symspell
from .case import _apply_case
from .channel import channel_logp
from .collection_words import _collection_word, _split_halves
from .decide import _decide_word
from .language_model import _lm, _unknown_prior_of
from .tokens import _CORE, _Tok

if TYPE_CHECKING:
    from .corrector import Corrector


def _best_single(tok: _Tok, left: str | None, right: str | None, corrector: Corrector) -> float:
    """Log score of the best reading of one token on its own: as read, split in two, or corrected
    (a correction discounted by the margin it would need to be made)."""
    s = corrector.settings
    low = tok.core.lower()
    count = corrector.lexicon.counts.get(low, 0)
    keep = _lm(low, left, right, corrector, oov=None if count else _unknown_prior_of(low, corrector, False, tok.core.islower()))
    if count >= s.trusted_count:
        return keep
    d = _decide_word(low, left, right, tok, corrector, False, tok.core.islower())
    best = max(keep, d.best - s.accept)
    split = _try_split(tok, left, right, corrector)
    return max(best, split[2]) if split is not None else best


def _try_merge(a: _Tok, b: _Tok, left: str | None, right: str | None, corrector: Corrector) -> tuple[str, float] | None:
    """Join two tokens split by a stray space ("sec rity" -> "security") when the evidence is strong."""
    s = corrector.settings
    lex = corrector.lexicon
    if a.trail or b.lead or not _CORE.match(a.core) or not _CORE.match(b.core):
        return None
    la, lb = a.core.lower(), b.core.lower()
    ca, cb = lex.counts.get(la, 0), lex.counts.get(lb, 0)
    if ca >= s.trusted_count and cb >= s.trusted_count:
        return None  # two real words: leave them
    if (ca and len(la) > 3) and (cb and len(lb) > 3):
        return None  # two known words, neither a fragment: nothing suggests a stray space
    # A common word beside a short unknown fragment ("the ri", "her Bs."): the fragment is more
    # often specks or stray letters than the rest of a split word.
    fragment = lb if ca >= s.trusted_count else la if cb >= s.trusted_count else None
    if fragment is not None and len(fragment) < s.merge_fragment_min:
        return None
    joined = la + lb
    options = {joined} if joined in lex.counts else set()
    # A joined word that still needs an edit is only believable when it is long.
    if len(joined) >= s.merge_edit_min_len:
        options |= {w for w, _d in _symspell(joined, corrector, 1)}
    options = {c for c in options if lex.counts.get(c, 0) >= s.merge_min_count}
    if not options:
        return None
    best = max((_lm(c, left, right, corrector) + s.space_cost + channel_logp(joined, c, corrector), c) for c in options)
    # Against the best reading of the two words apart (each as read or corrected on its own).
    apart = _best_single(a, left, lb, corrector) + _best_single(b, la, right, corrector)
    margin = best[0] - apart
    need = s.accept + s.real_word_extra
    if best[1] != joined and max(ca, cb) >= s.trusted_count:
        need += s.attested_extra  # swallowing a common word ("are ach" -> "preach") and editing too
    if margin >= need:
        return _apply_case(a.core, best[1], corrector), margin
    return None


def _try_split(tok: _Tok, left: str | None, right: str | None, corrector: Corrector) -> tuple[str, float, float] | None:
    """Split a run-together word ("Imust" -> "I must"): (new core, margin over keeping, score)."""
    s = corrector.settings
    lex = corrector.lexicon
    low = tok.core.lower()
    if not _CORE.match(tok.core) or lex.counts.get(low, 0) or len(low) < 4 or not tok.core[1:].islower():
        return None  # (capitals inside: an acronym with a garble, not two words)
    if _collection_word(low, (), corrector):
        return None  # the collection writes it so ("Middlesex", not "Middle sex")
    # A capitalised unknown word is as likely a name (Holywell, Cheapside) as two words run together.
    capital = tok.core[0].isupper()
    keep = _lm(low, left, right, corrector, oov=_unknown_prior_of(low, corrector, capital, tok.core.islower()))
    best = None
    for a, b in _split_halves(low, corrector):
        sc = _lm(a, left, b, corrector) + _lm(b, None, right, corrector) + s.space_cost
        # A first half always written with a capital ("I" in "Imust") explains the capital; any
        # other split must beat the word's being a name.
        name_doubt = s.name_extra if capital and lex.capitalised.get(a, 0) < s.name_form_min else 0.0
        if best is None or sc - name_doubt > best[0]:
            best = (sc - name_doubt, len(a))
    if best is None:
        return None
    margin = best[0] - keep
    if margin < s.accept + s.real_word_extra:
        return None
    i = best[1]
    return tok.core[:i] + " " + tok.core[i:], margin, best[0]
