"""The Corrector (dictionaries, overrides, settings and what it remembers), and loading it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..calibration import DEFAULT_WRONG_MODEL, WrongModel
from ..lexicon import Lexicon, load_lexicon
from .channel import decided_confusions
from .collection_channel import collection_confusions
from .language_model import collection_oov_shift
from .settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterable
    from ..collection import CollectionModel
    from ..options import CorrectOptions
    from .decide import _Decision


@dataclass
class Corrector:
    lexicon: Lexicon
    # from the overrides: words approved as right, and OCR forms that must not be auto-corrected
    known: frozenset[str]
    protected: frozenset[str]
    settings: Settings = field(default_factory=Settings)
    # what the collection being corrected says of its own words (None: nothing known)
    collection: CollectionModel | None = None
    # the probability that a word is wrong, which flags words for review
    wrong_model: WrongModel = DEFAULT_WRONG_MODEL
    # per-corrector memo of symspell look-ups: pages repeat words.
    _memo: dict[str, list[tuple[str, int]]] = field(default_factory=dict, repr=False)
    # per word, the dictionary words whose misreadings explain its count (_noise_of), with the
    # confusions that asked: they depend on the dictionaries and the channel, not on the collection.
    _noise: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = field(default_factory=dict, repr=False)
    # decisions by (word, left, right, capital, confidence): they depend on the collection too
    _decisions: dict[tuple, "_Decision"] = field(default_factory=dict, repr=False)

    # share of the collection's words that the dictionaries lack
    collection_unknown: float = 0.0
    # added to the unknown-word priors for this collection
    oov_shift: float = 0.0
    # language_fit of the collection's words, once a page too short to judge alone asked for it
    _collection_fit: list = field(default_factory=list, repr=False)

    # the last with_collection's answer: (collection, its state, the corrector for it)
    _view: list = field(default_factory=list, repr=False)
    # What the corrections.yaml-shaped state was asked while correcting (``reading``): one set per
    # open recording, innermost last (a decision being made records its own, for the memo).
    _reads: list = field(default_factory=list, repr=False)

    def with_lexicon(self, lexicon: Lexicon) -> "Corrector":
        """This corrector with other dictionaries or another channel: nothing it looked up or
        decided is kept."""
        return dataclasses.replace(self, lexicon=lexicon, _memo={}, _noise={}, _decisions={}, _view=[], _reads=[],
                                   _collection_fit=[])

    def with_collection(self, collection: CollectionModel | None, learn_channel: bool = False) -> "Corrector":
        """This corrector for one collection (the dictionaries and look-up memo shared). Asked again
        for the same collection in the same state (every file of a re-correction from cache), the
        same corrector: its decisions memo then serves the whole folder, not one file.
        ``learn_channel``: the text is another OCR engine's, whose slips the collection shows
        (``collection_confusions``)."""
        state = None if collection is None else (collection.n_documents, collection.tokens, len(collection.counts), learn_channel)
        if self._view and self._view[0] is collection and self._view[1] == state:
            return self._view[2]
        unknown = 0.0
        shift = 0.0
        if collection is not None and collection.tokens:
            counts = self.lexicon.counts
            unknown = sum(n for form, n in collection.counts.items() if form not in counts) / collection.tokens
            shift = collection_oov_shift(collection, self.lexicon, self.settings)
        view = dataclasses.replace(self, collection=collection, collection_unknown=unknown, oov_shift=shift, _decisions={}, _view=[], _reads=[],
                                   _collection_fit=[])
        if learn_channel and collection is not None and collection.tokens and self.settings.collection_channel:
            learned = collection_confusions(view)
            if learned:
                # the channel changes: what depends on it is worked out again (symspell's look-ups do not)
                lexicon = dataclasses.replace(self.lexicon, confusions={**self.lexicon.confusions, **learned})
                view = dataclasses.replace(view, lexicon=lexicon, _noise={})
        self._view[:] = [collection, state, view]
        return view


def load_corrector(
    options: CorrectOptions,
    known: frozenset[str] = frozenset(),
    protected: frozenset[str] = frozenset(),
    decisions: Iterable[tuple[str, str]] = (),
) -> Corrector:
    """The corrector for a dictionary folder; ``known`` and ``protected`` come from the overrides,
    and so do ``decisions``, the approved (OCR form, replacement) pairs its channel learns from."""
    lexicon = load_lexicon(options.dictionary_dir)
    decisions = tuple(decisions)
    if decisions:
        lexicon = dataclasses.replace(lexicon, confusions=decided_confusions(lexicon.confusions, decisions))
    # A word the dictionaries already trust gains nothing from a person's approval: it is never
    # corrected, and protecting it would only stop the fixes around it (a stray full stop, a split
    # word) on every page and move its p_wrong. Approving "tbe" -> "the" teaches "the" nothing.
    trusted = Settings().trusted_count
    known_words = frozenset(w for w in (k.lower() for k in known) if lexicon.counts.get(w, 0) < trusted)
    return Corrector(lexicon=lexicon, known=known_words, protected=frozenset(protected))
