"""Candidates: the words an OCR form may be a misreading of.

Symspell's neighbours, Tesseract's alternatives, digit look-alikes, the channel's multi-letter
confusions, long words three edits away, and the collection's own forms (worked out once per
collection state, with their symspell index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..collection import MIN_COUNT, CollectionModel
from ..lexicon import LONG_WORD, MAX_EDIT, PREFIX, TARGET_MIN_COUNT
from .channel import _PRIOR_CONFUSIONS
from .collection_words import _collection_word, _variant_of

if TYPE_CHECKING:
    from .corrector import Corrector
    from .tokens import _Tok


_LOOKALIKE_DIGITS = {"0": "o", "1": "l", "5": "s", "6": "b", "8": "s"}


_MEMO_MAX = 200_000


def _edit_reach(word: str, most: int = MAX_EDIT) -> int:
    """How many edits away candidates are looked for: one for a word of four letters or fewer
    (two edits from a short word reach too many others)."""
    return 1 if len(word) <= 4 else most


def _symspell(word: str, corrector: Corrector, max_edit: int = 2) -> list[tuple[str, int]]:
    memo = corrector._memo
    max_edit = _edit_reach(word, max_edit)
    key = word if max_edit == 2 else word + "\x00" + str(max_edit)
    hit = memo.get(key)
    if hit is not None:
        return hit
    if len(memo) > _MEMO_MAX:
        memo.clear()  # a long batch meets endless distinct garbles: keep memory bounded
    from symspellpy import Verbosity

    sug = corrector.lexicon.symspell.lookup(word, Verbosity.ALL, max_edit_distance=max_edit)
    if len(sug) > 40:
        # Nearest and commonest first, ties by spelling: symspell orders ties by how its index
        # was built (its prefix length), and which 40 are kept must not depend on that.
        sug = sorted(sug, key=lambda s: (s.distance, -s.count, s.term))
    result = [(s.term, s.distance) for s in sug[:40] if s.term != word]
    memo[key] = result
    return result


def _alternative_words(tok: _Tok, corrector: Corrector) -> set[str]:
    """Words spelled by Tesseract's second choices at one or two positions of the core."""
    alts = tok.alternatives
    # (choices are a character's: a core with a ligature spelled out has more letters than those)
    if not alts or len(alts) != len(tok.text) or len(tok.lead) + len(tok.core) + len(tok.trail) != len(tok.text):
        return set()
    start = len(tok.lead)
    core = tok.core.lower()
    options = []
    for i in range(len(core)):
        choices = [c.lower() for c, _conf in alts[start + i] if c.strip() and c.lower() != core[i]]
        if choices:
            options.append((i, choices[:3]))
    found: set[str] = set()
    counts = corrector.lexicon.counts
    for a, (i, ci) in enumerate(options[:8]):
        for c in ci:
            w = core[:i] + c + core[i + 1 :]
            if w in counts:
                found.add(w)
            for j, cj in options[a + 1 : 8]:
                for c2 in cj:
                    w2 = w[:j] + c2 + w[j + 1 :]
                    if w2 in counts:
                        found.add(w2)
    return found


def _long_word_candidates(word: str, corrector: Corrector) -> list[tuple[str, int]]:
    """Edit distance 3 for long words: a 10-letter word with three misread letters is still far
    from every other word. Searched only where symspell (distance 2) found nothing."""
    return corrector.lexicon.long_words.near(word, 3, range(len(word) - 2, len(word) + 3), limit=5)


# The channel's confusions of more than one letter ("rn" read for "m", "ii" for "n", "ch" for "en"):
# each is two edits, beyond the one edit searched around a short word, but one slip of the type.
_CHUNK_CONFUSIONS = tuple(sorted((t, o) for t, o in _PRIOR_CONFUSIONS if o and len(t) + len(o) >= 3))


def _chunk_candidates(word: str, corrector: Corrector) -> list[tuple[str, int]]:
    """Dictionary words one multi-letter confusion from a short word ("aiid" -> "and", "tum" ->
    "turn"), which the one-edit search around it cannot reach."""
    key = "\x00chunk:" + word
    hit = corrector._memo.get(key)
    if hit is None:
        counts = corrector.lexicon.counts
        found = set()
        for t, o in _CHUNK_CONFUSIONS:
            at = word.find(o)
            while at >= 0:
                cand = word[:at] + t + word[at + len(o):]
                if counts.get(cand, 0) >= TARGET_MIN_COUNT:
                    found.add(cand)
                at = word.find(o, at + 1)
        hit = corrector._memo[key] = [(c, 2) for c in sorted(found)]
    return hit


def _candidates(word: str, tok: _Tok | None, corrector: Corrector, collection: bool = True) -> set[str]:
    # A known word is only ever a real-word error one edit away (two would be a guess).
    cands = {w for w, _d in _symspell(word, corrector, 1 if word in corrector.lexicon.counts else 2)}
    if _edit_reach(word) == 1 and word not in corrector.lexicon.counts and corrector.settings.chunk_candidates:
        cands |= {w for w, _d in _chunk_candidates(word, corrector)}
    if not cands and len(word) >= LONG_WORD and word not in corrector.lexicon.counts:
        memo_key = "\x00long:" + word
        if memo_key not in corrector._memo:
            corrector._memo[memo_key] = _long_word_candidates(word, corrector)
        cands = {w for w, _d in corrector._memo[memo_key]}
    if any(ch.isdigit() for ch in word):
        plain = "".join(_LOOKALIKE_DIGITS.get(ch, ch) for ch in word)
        if plain in corrector.lexicon.counts:
            cands.add(plain)
        cands |= {w for w, _d in _symspell(plain, corrector)}
    if tok is not None:
        cands |= _alternative_words(tok, corrector)
    index = _collection_forms(corrector)[1] if collection else None
    if index is not None:
        cands |= index.near(word)
    cands.discard(word)
    return cands


def _collection_state(corrector: Corrector) -> tuple[int, int, int]:
    """What the words worked out from a collection model (and cached on it) depend on: the
    dictionaries, and the model's size (it only grows)."""
    collection = corrector.collection
    assert collection is not None
    return id(corrector.lexicon), collection.tokens, collection.n_documents


@dataclass
class _OwnFormsIndex:
    """A symspell index of a collection's own forms, its look-ups remembered: a word is looked up
    in every context it stands in (2 % of the corrector's time on BLN600 went on asking again)."""

    index: object
    found: dict[str, frozenset[str]] = field(default_factory=dict)

    def near(self, word: str) -> frozenset[str]:
        hit = self.found.get(word)
        if hit is None:
            from symspellpy import Verbosity

            if len(self.found) > _MEMO_MAX:
                self.found.clear()  # (bounded, as the dictionaries' memo is)
            hit = frozenset(s.term for s in self.index.lookup(word, Verbosity.ALL, max_edit_distance=_edit_reach(word)))
            self.found[word] = hit
        return hit


def _collection_forms(corrector: Corrector) -> tuple[frozenset[str], _OwnFormsIndex | None]:
    """The collection's own words that the dictionaries lack (names and spellings it repeats), and a
    symspell index of them: candidates for the rare misreads of them ("Matarescu": Tatarescu).
    Cached on the collection model until it grows."""
    collection = corrector.collection
    if collection is None:
        return frozenset(), None
    key = _collection_state(corrector)
    cached = getattr(collection, "_own_forms", None)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    collection._own_forms = (key, frozenset(), None)  # (while building: no collection candidates)
    counts = corrector.lexicon.counts
    own = frozenset(
        form for form, n in collection.counts.items()
        # in two documents or more: a habit of the collection, not one document's typing
        if n >= MIN_COUNT and collection.documents[form] >= 2 and len(form) >= 4 and form not in counts
        and _collection_word(form, _candidates(form, None, corrector, collection=False), corrector)
        # and one edit from no dictionary word: "ithe", "wvas" recur, but as misreads
        and not _symspell(form, corrector, 1)
    )
    index = _own_forms_index(own, collection)
    collection._own_forms = (key, own, index)
    return own, index


def _own_forms_index(own: frozenset[str], collection: CollectionModel) -> _OwnFormsIndex | None:
    if not own:
        return None
    from symspellpy import SymSpell

    index = SymSpell(max_dictionary_edit_distance=MAX_EDIT, prefix_length=PREFIX)
    for form in own:
        index.create_dictionary_entry(form, collection.count(form))
    return _OwnFormsIndex(index)


def adopt_collection_own_forms(corrector: Corrector, own: frozenset[str]) -> None:
    """Take ``own`` for the words ``collection_own_forms`` would work out for this corrector (a
    view for a collection), without working them out: a re-correction's coordinator has done so
    for the same dictionaries, corrections and collection, and it costs each worker a second."""
    collection = corrector.collection
    assert collection is not None
    collection._own_forms = (_collection_state(corrector), own,
                             _own_forms_index(own, collection))


def collection_own_forms(corrector: Corrector) -> frozenset[str]:
    """The collection's words this corrector takes for the collection's own (``_collection_forms``)."""
    return _collection_forms(corrector)[0]


def collection_status(word: str, corrector: Corrector) -> tuple[bool, str | None]:
    """(whether the collection uses ``word`` as its own, the more frequent collection form it is a
    variant of or None): what ``ocrfix dictionary show`` tells of a form."""
    candidates = _candidates(word, None, corrector)
    own = _collection_word(word, candidates, corrector)
    collection = corrector.collection
    if own or collection is None:
        return own, None
    rivals = _variant_of(word, candidates, corrector)
    return False, max(rivals, key=collection.count) if rivals else None
