"""The collection model: what the pages in front of the corrector say about their own vocabulary.

Built from the OCR of a whole batch (or of every file given to one ``ocrfix correct`` run) before
any of it is corrected, the way PoCoWeb's profiler and TICCL learn a corpus: word forms with their
counts and the number of documents they occur in. A form the collection uses again and again is
its vocabulary (a name, a newspaper, a place, a spelling of its time) and is not corrected towards
the dictionaries; a form that recurs only as a rare variant of a far more frequent form of the same
collection is still a garble ("tlie" beside "the").
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Page
from .tokens import is_word, looked_up, split_token

__all__ = ["CollectionModel", "collection_model", "document_forms", "page_forms"]

# A form is the collection's own from this many occurrences on (two could be one garble typed
# twice by the same worn key; three in one run of pages is a habit) ...
MIN_COUNT = 3
# ... unless a form of the collection this many times as frequent is one or two edits away: then
# it is that form's variant (a systematic misread), as TICCL's variant ratio has it.
VARIANT_RATIO = 10
_CONTENT_MODULUS = 2**128


@dataclass
class CollectionModel:
    # lower-case word form -> occurrences, and -> documents it occurs in
    counts: Counter = field(default_factory=Counter)
    documents: Counter = field(default_factory=Counter)
    # lower-case form -> occurrences written with a capital (names keep theirs)
    capitalised: Counter = field(default_factory=Counter)
    tokens: int = 0
    n_documents: int = 0
    # What the model holds, as a number: the sum of a hash of each document's forms (any order of
    # adding them gives the same sum). What a correction depended on names it (dependencies.py).
    content: int = 0

    @property
    def forms(self) -> Counter:
        return self.counts

    def add_document(self, pages: Iterable[Page]) -> None:
        """Count one more document (its pages) into the model."""
        self.add_forms(document_forms(pages))

    def add_forms(self, forms: dict[str, tuple[int, int]]) -> None:
        """Count one more document, given as ``document_forms`` made it."""
        for form, (count, capitalised) in forms.items():
            self.counts[form] += count
            self.capitalised[form] += capitalised
            self.documents[form] += 1
            self.tokens += count
        self.n_documents += 1
        document = json.dumps(sorted((f, list(v)) for f, v in forms.items()), ensure_ascii=False, separators=(",", ":"))
        self.content = (self.content + int(hashlib.sha256(document.encode("utf-8")).hexdigest()[:32], 16)) % _CONTENT_MODULUS

    def count(self, form: str) -> int:
        return self.counts.get(form, 0)

    def to_json(self) -> str:
        return json.dumps(
            {"tokens": self.tokens, "n_documents": self.n_documents, "content": self.content,
             "forms": {f: [c, self.documents[f], self.capitalised[f]] for f, c in self.counts.items()}},
            ensure_ascii=False, separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> "CollectionModel":
        data = json.loads(text)
        model = cls(tokens=int(data["tokens"]), n_documents=int(data["n_documents"]), content=int(data.get("content", 0)))
        for form, (c, d, cap) in data["forms"].items():
            model.counts[form] = c
            model.documents[form] = d
            model.capitalised[form] = cap
        return model


def page_forms(page: Page) -> Iterable[tuple[str, bool]]:
    """(lower-case form, written with a capital) of every word of a page, split as the corrector
    splits; a word hyphenated at a line end ("pri-" "soner") counts as the one word it is."""
    cores = [looked_up(split_token(word.text)[1]) for line in page.lines for word in line.words]
    i = 0
    while i < len(cores):
        core = cores[i]
        if core.endswith("-") and len(core) >= 3 and i + 1 < len(cores) and cores[i + 1][:1].islower():
            core = core[:-1] + cores[i + 1]
            i += 1
        if is_word(core):
            yield core.lower(), core[:1].isupper()
        i += 1


def document_forms(pages: Iterable[Page]) -> dict[str, tuple[int, int]]:
    """One document's word forms: lower-case form -> (occurrences, occurrences with a capital)."""
    counts: Counter = Counter()
    capitals: Counter = Counter()
    for page in pages:
        for form, capital in page_forms(page):
            counts[form] += 1
            capitals[form] += capital
    return {form: (n, capitals.get(form, 0)) for form, n in counts.items()}


def collection_model(pages: Iterable[Page]) -> CollectionModel:
    """The model of a collection from its pages; consecutive pages with one ``source`` are one document."""
    model = CollectionModel()
    current: list[Page] = []
    source = None
    for page in pages:
        if current and page.source != source:
            model.add_document(current)
            current = []
        source = page.source
        current.append(page)
    if current:
        model.add_document(current)
    return model
