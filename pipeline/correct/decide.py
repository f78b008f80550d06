"""Deciding a word: keep it as read or replace it by its best candidate.

The decision (with its margin and suggestions), memoised by word and context and replayed for a
re-correction; and one core corrected with it (hyphenated parts, a possessive, look-alike symbols).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .candidates import _MEMO_MAX, _candidates, _collection_forms, _symspell
from .case import _apply_case
from .channel import channel_logp
from .collection_words import _collection_word
from .habits import _spelling_habit
from .language_model import SHORT_WORD, _lm, _unknown_prior_of
from .reads import reading
from .tokens import _CORE, _DIGIT_GARBLE, _Tok, _is_code

if TYPE_CHECKING:
    from .corrector import Corrector


# Symbols Tesseract prints for a speckled or broken letter inside a word, and the letter.
_LOOKALIKE_SYMBOLS = str.maketrans({"€": "e", "é": "e", "®": "e", "©": "c", "¢": "c", "@": "a"})
_LOOKALIKE_SYMBOLS_RE = re.compile("[€é®©¢@]")


@dataclass
class _Decision:
    new: str | None  # the corrected core, lower case; None: keep
    margin: float
    suggestions: list[str]
    # log score of keeping the word as read, and of the best candidate (-inf: none)
    keep: float = 0.0
    best: float = -math.inf
    # the collection uses the word as its own: right as read, nothing to flag
    known: bool = False


# The decision for a word the dictionaries trust: kept as read, nothing looked up.
_TRUSTED = _Decision(None, 0.0, [])


def _decide_word(word: str, left: str | None, right: str | None, tok: _Tok | None, corrector: Corrector,
                 capital: bool, lower_case: bool = False) -> _Decision:
    if corrector.lexicon.counts.get(word, 0) >= corrector.settings.trusted_count:
        return _TRUSTED  # looks nothing up: neither worth a memo entry nor recorded (trivial_decision)
    # The same word in the same context decides the same way: pages repeat themselves, and the
    # probability of being wrong asks again for every word (Tesseract's alternatives vary: not kept).
    if tok is not None and tok.alternatives:
        return _decide_word_uncached(word, left, right, tok, corrector, capital, lower_case)
    # (the case it was written in matters only where the spelling model may move the prior)
    lower_case = lower_case and len(word) > SHORT_WORD and word.isalpha() and not corrector.lexicon.counts.get(word, 0)
    key = (word, left, right, capital, tok.confidence if tok is not None else None, lower_case)
    memo = corrector._decisions
    hit = memo.get(key)
    if hit is None:
        if len(memo) > _MEMO_MAX:
            memo.clear()
        # The confusions a decision looked up are kept with it: a page that reuses the decision
        # depends on them as much as the page that made it.
        with reading(corrector) as reads:
            decision = _decide_word_uncached(word, left, right, tok, corrector, capital, lower_case)
        hit = memo[key] = (decision, frozenset(reads.confusions))
    if corrector._reads:
        corrector._reads[-1].decisions[key] = hit
    return hit[0]


def decision_fields(decision: _Decision) -> list:
    """A decision as plain values (JSON), in field order: what a file's record of dependencies
    keeps of it."""
    return list(dataclasses.astuple(decision))


def decision_from_fields(fields: list) -> _Decision:
    return _Decision(*fields)


def trivial_decision(decision: _Decision) -> bool:
    """A decision made without looking anything up (a word the dictionaries trust): not worth
    keeping, since making it again costs less than reading it back."""
    return decision == _TRUSTED


def remember_decision(corrector: Corrector, key: tuple, decision: _Decision, confusions: frozenset[tuple[str, str]]) -> None:
    """Put a decision made earlier with this corrector's state into its memo (a re-correction from
    the cache starts with the decisions the file's record holds, where nothing they asked changed)."""
    corrector._decisions.setdefault(key, (decision, confusions))


def replay_decision(key: tuple, corrector: Corrector) -> _Decision:
    """The memoised word decision of ``key`` (``CorrectionReads.decisions``) made again now."""
    word, left, right, capital, confidence, lower_case = key
    tok = _Tok(line=0, word=0, text=word, core=word, confidence=confidence)
    return _decide_word_uncached(word, left, right, tok, corrector, capital, lower_case)


def _decide_word_uncached(word: str, left: str | None, right: str | None, tok: _Tok | None, corrector: Corrector,
                          capital: bool, lower_case: bool = False) -> _Decision:
    s = corrector.settings
    lex = corrector.lexicon
    count = lex.counts.get(word, 0)
    if count >= s.trusted_count:
        return _TRUSTED  # shared: decisions are never changed once made
    keep = _lm(word, left, right, corrector, oov=None if count else _unknown_prior_of(word, corrector, capital, lower_case))
    # (not for the parts of a hyphenated word and symbol-read words, which come without a token)
    noise_of = _noise_of(word, count, corrector) if count and tok is not None else frozenset()
    if count and s.real_words_need_doubt and (tok is None or tok.confidence is None or tok.confidence >= s.unsure):
        # Tesseract did not doubt it: a real word, unless its count is noise, and then only one of those.
        if not noise_of:
            return _Decision(None, 0.0, [], keep)
        cands = set(noise_of)
    else:
        cands = _candidates(word, tok, corrector)
    if _collection_word(word, cands, corrector):
        return _Decision(None, 0.0, [], keep, known=True)
    if not cands:
        return _Decision(None, 0.0, [], keep)
    # Known words, short words and words Tesseract was sure of need more evidence to change.
    need = s.accept + (s.short_extra if len(word) <= 3 else 0.0)
    if capital and len(word) <= s.name_max_len:
        need += s.name_extra
    if tok is not None and tok.confidence is not None:
        if tok.confidence >= s.confident:
            need += s.confident_extra
        elif tok.confidence < s.unsure:
            need -= s.unsure_relief  # Tesseract itself doubted this reading
    own = _collection_forms(corrector)[0]
    scored = []
    for c in cands:
        if c in lex.counts or c in own:
            scored.append((_lm(c, left, right, corrector) + channel_logp(word, c, corrector), c))
    if not scored:
        return _Decision(None, 0.0, [], keep)
    scored.sort(reverse=True)
    best_score, best = scored[0]
    if count:
        # A known word: a real-word error only on strong evidence, stronger if the corpus has it,
        # unless its count is the corpus's misreadings of the word it would become.
        need += s.real_word_extra if count < 3 or best in noise_of else s.attested_extra
    margin = best_score - keep
    runner = scored[1][0] if len(scored) > 1 else -math.inf
    # Ranked; for a word the dictionaries do not know, the best three even when all are poor (a
    # reviewer still sees what is nearest), otherwise only the plausible ones.
    suggestions = [c for sc, c in scored[:5] if sc - keep >= s.flag] or ([c for _sc, c in scored[:3]] if not count else [])
    if len(word) <= s.no_context_len and left is not None and right is not None and not (
        lex.bigrams.get(f"{left} {best}") or lex.bigrams.get(f"{best} {right}")
    ):
        # A short word one or two edits from many others, never written beside either neighbour.
        need += s.no_context_extra
    if margin >= need and best_score - runner >= s.ambiguity:
        # (a word the dictionaries know is never the collection's spelling of another)
        if count or not _spelling_habit(word, best, corrector):
            return _Decision(best, margin, suggestions, keep, best_score)
    return _Decision(None, margin, suggestions, keep, best_score)


def _noise_of(word: str, count: int, corrector: Corrector) -> frozenset[str]:
    """The dictionary words one edit from a known word whose misreadings, expected from the
    corpus, explain its count ("and" for "ard"). Once per word; the confusions asked are recorded
    again wherever the answer is used."""
    hit = corrector._noise.get(word)
    if hit is None:
        with reading(corrector) as reads:
            found = frozenset(c for c, _d in _symspell(word, corrector, 1) if _misread_more_often(word, count, c, corrector))
        hit = corrector._noise[word] = (found, frozenset(reads.confusions))
    if corrector._reads:
        corrector._reads[-1].confusions.update(hit[1])
    return hit[0]


def _misread_more_often(word: str, count: int, candidate: str, corrector: Corrector) -> bool:
    """Whether the corpus's misreadings of ``candidate`` as ``word`` (its count times the channel's
    probability) are expected ``noise_count_ratio`` times as often as the corpus writes ``word``."""
    ratio = corrector.settings.noise_count_ratio
    if math.isinf(ratio):
        return False
    known = corrector.lexicon.counts.get(candidate, 0)
    return known > count and known * math.exp(channel_logp(word, candidate, corrector)) >= count * ratio


def _score(margin: float) -> float:
    return round(1.0 / (1.0 + math.exp(-min(margin, 50.0))), 4)


def _correct_core(core: str, left: str | None, right: str | None, tok: _Tok | None, corrector: Corrector,
                  capital_prior: bool, sentence_start: bool | None = None) -> _Decision:
    """Correct one core (maybe hyphenated: each part on its own)."""
    if "-" in core.strip("-"):
        parts = core.split("-")
        new_parts, margins, changed = [], [], False
        for k, part in enumerate(parts):
            garble = bool(_DIGIT_GARBLE.match(part)) and not _is_code(part)
            if not (_CORE.match(part) or garble) or (part.isupper() and len(part) <= 5):
                new_parts.append(part)
                continue
            lp = left if k == 0 else parts[k - 1].lower()
            rp = right if k == len(parts) - 1 else parts[k + 1].lower()
            # A part beside a typed dash ("been--considering": an empty part) is a word of its own,
            # read with the token's confidence; a compound's part ("ball-peen") is judged without one.
            dashed = tok is not None and ((k > 0 and not parts[k - 1]) or (k + 1 < len(parts) and not parts[k + 1]))
            part_tok = _Tok(line=tok.line, word=tok.word, text=part, core=part, confidence=tok.confidence) if dashed else None
            d = _decide_word(part.lower(), lp, rp, part_tok, corrector, capital_prior and part[:1].isupper(), part.islower())
            if d.new is not None:
                new_parts.append(_apply_case(part, d.new, corrector, sentence_start if k == 0 else None))
                margins.append(d.margin)
                changed = True
            else:
                new_parts.append(part)
        if changed:
            return _Decision("-".join(new_parts), min(margins), [])
        return _Decision(None, 0.0, [])
    low = core.lower()
    if _LOOKALIKE_SYMBOLS_RE.search(core) and low not in corrector.lexicon.counts and not any(ch.isdigit() for ch in core):
        return _correct_symbols(core, left, right, corrector, capital_prior, sentence_start)
    if not _CORE.match(core) and not (_DIGIT_GARBLE.match(low) and not _is_code(core)):
        return _Decision(None, 0.0, [])
    if low.endswith("'s") and len(low) > 4 and low not in corrector.lexicon.counts:
        # A possessive: correct the word, keep the ending ("goverment's" -> "government's").
        d = _correct_core(core[:-2], left, right, None, corrector, capital_prior, sentence_start)
        return _Decision(d.new + core[-2:] if d.new is not None else None, d.margin,
                         [x + core[-2:] for x in d.suggestions], d.keep, d.best)
    d = _decide_word(low, left, right, tok, corrector, capital_prior, core.islower())
    new = _apply_case(core, d.new, corrector, sentence_start) if d.new is not None else None
    return _Decision(new, d.margin, [_apply_case(core, x, corrector, sentence_start) for x in d.suggestions], d.keep, d.best)


def _correct_symbols(core: str, left: str | None, right: str | None, corrector: Corrector, capital_prior: bool,
                     sentence_start: bool | None) -> _Decision:
    """A word with a symbol Tesseract prints for a speckled letter ("n€gotiations", "mesgag®",
    "calléd"): read the symbol as its letter and correct what that spells."""
    plain = core.translate(_LOOKALIKE_SYMBOLS)
    if not _CORE.match(plain) or sum(ch.isalpha() for ch in core) < 3:
        return _Decision(None, 0.0, [])
    low = plain.lower()
    if corrector.lexicon.counts.get(low, 0) >= corrector.settings.trusted_count:
        return _Decision(_apply_case(plain, low, corrector, sentence_start), 10.0, [])
    d = _decide_word(low, left, right, None, corrector, capital_prior, plain.islower())
    new = _apply_case(plain, d.new, corrector, sentence_start) if d.new is not None else None
    return _Decision(new, d.margin, [_apply_case(plain, x, corrector, sentence_start) for x in d.suggestions], d.keep, d.best)
