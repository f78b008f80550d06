"""How much a string looks like a word of the dictionaries' language: a character n-gram model.

An unknown form that reads like a word ("Tabak", "carburettor") may well be right as read; one that
no word resembles ("regulatioi", "cookeng", "atcess") is most likely a misread. The corrector's
prior that an unknown word is right (``correct.Settings.oov_lower``) is one number for every form;
this model lets it move with the form's spelling (``correct.language_model._unknown_prior_of``).

The model is fit on the words the dictionaries know at least twice, and measured against those
they know once: rare words are what a right unknown word looks like.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

# Three letters of history: enough for English spelling's endings and clusters ("-tion", "-ing");
# longer histories are too sparse in a dictionary of 100,000 words to say more.
ORDER = 4
START, END = "^", "$"
REFERENCE_STRIDE = 16


@dataclass
class SpellingShape:
    """Witten-Bell interpolated character n-grams over word types (``of_words``)."""

    # n-gram (of 1 to ORDER symbols) -> its occurrences in the word types (once a type: not
    # weighted by how often the corpus writes the word)
    grams: Counter[str]
    # history (0 to ORDER-1 symbols) -> (its count as a history, its distinct continuations)
    histories: dict[str, tuple[int, int]]
    alphabet: int
    # the median log probability per symbol of the words known once (what a rare right word scores)
    reference: float = 0.0
    _memo: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def of_words(cls, counts: Mapping[str, int]) -> SpellingShape:
        grams: Counter[str] = Counter()
        for word, n in counts.items():
            if n >= 2 and word.isalpha():
                symbols = START * (ORDER - 1) + word + END
                for i in range(ORDER - 1, len(symbols)):
                    for k in range(1, ORDER + 1):
                        grams[symbols[i - k + 1 : i + 1]] += 1
        totals: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        for gram, n in grams.items():
            totals[gram[:-1]] += n
            kinds[gram[:-1]] += 1
        alphabet = sum(1 for gram in grams if len(gram) == 1)
        shape = cls(grams, {h: (totals[h], kinds[h]) for h in totals}, max(1, alphabet))
        # every REFERENCE_STRIDE-th of them is as good a median as all, in a tenth of a second
        rare = [word for word, n in counts.items() if n == 1 and word.isalpha()][::REFERENCE_STRIDE]
        shape.reference = statistics.median(shape.per_symbol(w) for w in rare) if rare else 0.0
        shape._memo.clear()
        return shape

    def _p(self, history: str, symbol: str) -> float:
        p = 1.0 / self.alphabet
        for k in range(len(history) + 1):
            h = history[len(history) - k :]
            total, kinds = self.histories.get(h, (0, 0))
            if total:
                p = (self.grams.get(h + symbol, 0) + kinds * p) / (total + kinds)
        return p

    def log_prob(self, word: str) -> float:
        """log P(word) under the model, its end included (lower case letters expected)."""
        found = self._memo.get(word)
        if found is None:
            symbols = START * (ORDER - 1) + word + END
            found = sum(math.log(self._p(symbols[i - ORDER + 1 : i], symbols[i])) for i in range(ORDER - 1, len(symbols)))
            if len(self._memo) > 200_000:
                self._memo.clear()  # distinct garbles are endless: keep memory bounded
            self._memo[word] = found
        return found

    def per_symbol(self, word: str) -> float:
        return self.log_prob(word) / (len(word) + 1)
