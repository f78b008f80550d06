"""The review queue: the words of an output folder worth a person's look, grouped by OCR form.

A word is queued when it is flagged: its calibrated probability of being wrong, ``p_wrong``, is at or
above its model's ``flag_at`` (the corrector's, whether it changed the word or not, or where no
corrector ran the read model's); where neither gave a probability (no word list for the language),
when Tesseract's confidence in it is below a threshold. Words a corrections.yaml
entry already decides are never queued. Occurrences of the same OCR form across all pages form one
:class:`Group` (a concordance: "chvisage" x3 is one decision), and groups are ordered by how much a
decision fixes: the sum over the occurrences of the doubt about each (``p_wrong``, or
1 - confidence where there is none).

Everything here is plain data in, data out; :func:`scan_file` reads one input's cached raw OCR
and its corrected document, :func:`group_occurrences` orders the groups.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Collection, Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from ..calibration import DOUBT_CONFIDENCE, doubtful
from ..errors import WorkspaceError
from ..model import BBox, Document, Page, Word, box_iou
from ..options import Options
from ..outputs import output_paths
from ..corrections import Corrections, apply_overrides, split_token
from ..tokens import has_text
from ..workspace import Workspace

__all__ = [
    "DEFAULT_THRESHOLD",
    "Occurrence",
    "Group",
    "FileScan",
    "scan_file",
    "file_queue",
    "group_occurrences",
    "QueueIndex",
    "alternative_readings",
    "group_id",
    "corrected_document",
]

# Where no model gave a probability, words Tesseract was less sure of than this (0-100) are queued:
# by default the words the JSON flags (calibration.flag_doubtful); ``ocrfix review --threshold``
# moves the bar.
DEFAULT_THRESHOLD = DOUBT_CONFIDENCE
# A word without a confidence (not from OCR) counts as this doubtful.
_UNKNOWN_DOUBT = 0.5
MAX_SUGGESTIONS = 9  # keys 1-9


class Occurrence(NamedTuple):
    """One queued word on one page. (A named tuple, not a frozen dataclass: a review of 10,000
    pages reads 180,000 of them from the workspace at start, and a tuple is made 5x faster.)"""

    id: str
    rel: str
    input_path: str
    page: int
    line: int  # line index on the page (lines are the same in the raw and the corrected page)
    word: int  # word index in the raw line (after overrides)
    text: str  # the word as the OCR read it, punctuation included
    form: str  # its core: what the group and a corrections entry match
    current: str  # what the output says now
    confidence: float | None
    flagged: bool
    suggestions: tuple[str, ...]  # ranked cores
    bbox: BBox | None
    line_bbox: BBox | None
    before: str  # the rest of the line, for context
    after: str

    # the probability that the word is wrong, the corrector's or the read model's (None where neither ran)
    p_wrong: float | None = None

    @property
    def doubt(self) -> float:
        if self.p_wrong is not None:
            return self.p_wrong
        if self.confidence is None:
            return _UNKNOWN_DOUBT
        return min(1.0, max(0.0, 1.0 - self.confidence / 100.0))

    @property
    def choice(self) -> str | None:
        """The corrector's choice (the core it wrote), or None where it left the word as read."""
        if self.current == self.text:
            return None  # (most queued words: flagged and left as read)
        return split_token(self.current)[1] if " " not in self.current else self.current


@dataclass
class Group:
    """Every queued occurrence of one OCR form, or of an error series (variants of one garble:
    Linistry / lninistry / luinistry, all read for "Ministry"): one decision. ``form`` is the most
    frequent member."""

    id: str
    form: str
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.occurrences)

    @property
    def members(self) -> list[str]:
        """The forms of the group, most occurrences first (one, unless it is a series)."""
        counts = Counter(o.form for o in self.occurrences)
        return sorted(counts, key=lambda f: (-counts[f], f))

    @property
    def score(self) -> float:
        """How much deciding it fixes: occurrences x doubt."""
        return sum(o.doubt for o in self.occurrences)

    @property
    def choice(self) -> str | None:
        """The corrector's most frequent choice for this form, if it made one."""
        choices = Counter(o.choice for o in self.occurrences if o.choice)
        return choices.most_common(1)[0][0] if choices else None

    @property
    def suggestions(self) -> list[str]:
        """The corrector's choice first, then suggestions ranked by how often and how high they came."""
        score: dict[str, float] = {}  # (a dict: a Counter for each of 30,000 groups took 0.3 s)
        for o in self.occurrences:
            choice = o.choice
            if choice:
                score[choice] = score.get(choice, 0.0) + 100.0
            for rank, s in enumerate(o.suggestions):
                score[s] = score.get(s, 0.0) + 10.0 / (rank + 1)
        members = {o.form for o in self.occurrences}
        ranked = sorted((s for s in score if s and s not in members), key=lambda s: (-score[s], s))
        return ranked[:MAX_SUGGESTIONS]


# Variants of one garble join a series when the corrector's first suggestion for each is the same
# word (ignoring case) and each is within this many edits of it: OCR variants of a word differ from
# it in a letter or two (Linistry, lninistry, luinistry: 1-2 from "ministry"), and the bound keeps
# short forms (tho, thc) from joining the series of every short word.
SERIES_MAX_EDITS = 2
SERIES_MIN_LENGTH = 5


def _series_target(group: Group) -> str | None:
    """The word a single-form group is a variant of, lower-cased, or None."""
    if len(group.form) < SERIES_MIN_LENGTH:
        return None
    suggestions = group.suggestions
    if not suggestions:
        return None
    target = suggestions[0].lower()
    return target if Levenshtein.distance(group.form.lower(), target) <= SERIES_MAX_EDITS else None


def _merged_series(members: list[Group]) -> Group:
    """Single-form groups with one target word merged into one error series, named after its
    most frequent member."""
    main = max(members, key=lambda g: (g.count, g.score, g.form))
    return Group(group_id("\0".join(sorted(g.form for g in members))), main.form,
                 sorted((o for g in members for o in g.occurrences), key=_position))


def _position(o: Occurrence) -> tuple[str, int, int, int]:
    return (o.rel, o.page, o.line, o.word)


def _rank(g: Group) -> tuple[float, int, str]:
    """The queue's order: the group a decision fixes most first (the sum of its words' doubt)."""
    return (-round(g.score, 6), -g.count, g.form)


class QueueIndex:
    """The queue's occurrences by OCR form, kept file by file: when some files' queues are read
    again, only the groups of the forms they hold are made again (grouping a whole folder's queue
    took ~0.11 s on 1,000 pages, after every key)."""

    def __init__(self) -> None:
        self._by_form: dict[str, dict[str, list[Occurrence]]] = {}  # form -> rel -> occurrences
        self._forms_of: dict[str, set[str]] = {}  # rel -> its forms
        # form -> (its group of every occurrence, its series target, its rank): made when asked
        self._made: dict[str, tuple[Group, str | None, tuple[float, int, str]]] = {}
        # The queue in order, kept up to date: a decision changes a few forms, and ordering all
        # 30,000 groups of 10,000 pages again after every key took 0.1 s. A cluster is a form, or
        # the forms with one series target ("t:" target); each has one entry, in ``_order``.
        self._cluster_of: dict[str, str] = {}  # form -> its cluster as last ordered
        self._members: dict[str, set[str]] = {}  # cluster -> its forms
        self._entry: dict[str, tuple[tuple[float, int, str], Group]] = {}  # cluster -> (rank, group)
        # (its rank's three parts, cluster) for every cluster, sorted: flat tuples compare several
        # times faster than a rank tuple inside a tuple (sorting 30,000 took 0.12 s)
        self._order: list[tuple[float, int, str, str]] = []
        self._dirty: set[str] = set()  # forms whose occurrences changed since the queue was ordered

    def replace(self, rel: str, occurrences: Iterable[Occurrence]) -> None:
        """The queued occurrences of file ``rel`` are now ``occurrences``. Only the forms whose
        occurrences in the file changed are grouped again (a decision's regeneration of a thousand
        files changes one or two forms in each)."""
        new: dict[str, list[Occurrence]] = {}
        for o in occurrences:
            found = new.get(o.form)
            if found is None:
                new[o.form] = [o]
            else:
                found.append(o)
        by_form, made = self._by_form, self._made
        old = self._forms_of.pop(rel, None)
        for form in old.difference(new) if old else ():
            files = by_form[form]
            del files[rel]
            if not files:
                del by_form[form]
            made.pop(form, None)
            self._dirty.add(form)
        for form, found in new.items():
            files = by_form.get(form)
            if files is None:
                by_form[form] = {rel: found}
            elif files.get(rel) != found:
                files[rel] = found
            else:
                continue
            made.pop(form, None)
            self._dirty.add(form)
        if new:
            self._forms_of[rel] = set(new)

    def occurrences(self) -> Iterator[Occurrence]:
        for files in self._by_form.values():
            for found in files.values():
                yield from found

    def _group(self, form: str) -> tuple[Group, str | None, tuple[float, int, str]]:
        made = self._made.get(form)
        if made is None:
            files = self._by_form[form]
            # (a file's occurrences are in page, line, word order already: only the files are sorted)
            group = Group(group_id(form), form, [o for rel in sorted(files) for o in files[rel]])
            made = self._made[form] = (group, _series_target(group), _rank(group))
        return made

    def _cluster_entry(self, cluster: str, hidden_forms: Container[str] = (), hidden_words: Container[tuple[str, str]] = (),
                       hidden_word_forms: Container[str] = ()) -> tuple[tuple[float, int, str], Group] | None:
        """(rank, group) of a cluster without what is hidden: one form's group, or the series its
        forms make; None where nothing of it is left."""
        ranked: list[tuple[tuple[float, int, str], Group]] = []
        for form in sorted(self._members[cluster]):
            if form in hidden_forms:
                continue
            group, _target, rank = self._group(form)
            if form in hidden_word_forms:
                kept = [o for o in group.occurrences if (form, o.id) not in hidden_words]
                if not kept:
                    continue
                group = Group(group.id, form, kept)
                rank = _rank(group)
            ranked.append((rank, group))
        if len(ranked) <= 1:
            return ranked[0] if ranked else None
        # (made again only when a member changed or is hidden: the cluster's entry is kept in order)
        merged = _merged_series([g for _, g in ranked])
        return _rank(merged), merged

    def _update_order(self) -> None:
        """Put the clusters of the forms that changed back in order (and only those)."""
        touched: set[str] = set()
        for form in self._dirty:
            old = self._cluster_of.pop(form, None)
            if old is not None:
                self._members[old].discard(form)
                touched.add(old)
            if form in self._by_form:
                _group, target, _rank_ = self._group(form)
                cluster = "f:" + form if target is None else "t:" + target
                self._cluster_of[form] = cluster
                self._members.setdefault(cluster, set()).add(form)
                touched.add(cluster)
        self._dirty.clear()
        # Many clusters (the start, a decision that reached every file): sorted all at once;
        # a few: each taken out and put back in its place.
        in_bulk = len(touched) > max(64, len(self._order) // 16)
        order = [item for item in self._order if item[3] not in touched] if in_bulk else self._order
        for cluster in touched:
            entry = self._entry.pop(cluster, None)
            if entry is not None and not in_bulk:
                del order[bisect_left(order, (*entry[0], cluster))]
            members = self._members.get(cluster)
            if not members:
                self._members.pop(cluster, None)
                continue
            if len(members) == 1:  # (most clusters: one form, its group as made)
                group, _target, rank = self._group(next(iter(members)))
                entry = (rank, group)
            else:
                entry = self._cluster_entry(cluster)
                if entry is None:
                    continue
            self._entry[cluster] = entry
            if in_bulk:
                order.append((*entry[0], cluster))
            else:
                insort(order, (*entry[0], cluster))
        if in_bulk:
            order.sort()
            self._order = order

    def groups(self, hidden_forms: Collection[str] = (), hidden_words: Container[tuple[str, str]] = (),
               hidden_word_forms: Collection[str] = ()) -> list[Group]:
        """The queue in order, without the forms ``hidden_forms`` and the occurrences
        ``hidden_words`` ((form, occurrence id) pairs; ``hidden_word_forms``: their forms).
        Groups, series and ranks are made again only where their forms' occurrences changed, and
        only their clusters are put in order again (16,000 groups of 1,000 pages: ~0.8 s to make
        all); the few clusters with something hidden are ordered on their own and merged in."""
        self._update_order()
        entry = self._entry
        hidden = {self._cluster_of[form] for form in (*hidden_forms, *hidden_word_forms) if form in self._cluster_of}
        if not hidden:
            return [entry[item[3]][1] for item in self._order]
        shown = [item for item in self._order if item[3] not in hidden]
        groups = [entry[item[3]][1] for item in shown]
        for cluster in hidden:
            left = self._cluster_entry(cluster, hidden_forms, hidden_words, hidden_word_forms)
            if left is not None:
                at = bisect_left(shown, left[0])  # (ranks are unique: a rank sorts before its own item)
                shown.insert(at, (*left[0], cluster))
                groups.insert(at, left[1])
        return groups


@dataclass
class FileScan:
    """What one input contributes: its queued words and how often it has each OCR form (so that a
    decision made for all occurrences knows which files to regenerate, and says beforehand how many
    words it reaches)."""

    rel: str
    occurrences: list[Occurrence]
    forms: Counter[str]

    def to_blob(self) -> bytes:
        """Its occurrences as the workspace keeps them (compressed JSON; the forms are kept in a
        table of their own, which a decision asks)."""
        rows = [list(o) for o in self.occurrences]
        return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_blob(cls, rel: str, blob: bytes) -> FileScan:
        """The scan of a stored queue: its occurrences, with no forms (the workspace has them)."""
        occurrences = []
        make = Occurrence._make
        for row in json.loads(zlib.decompress(blob)):
            # (JSON has lists where the occurrence has tuples)
            row[_SUGGESTIONS] = tuple(row[_SUGGESTIONS])
            if row[_BBOX] is not None:
                row[_BBOX] = tuple(row[_BBOX])
            if row[_LINE_BBOX] is not None:
                row[_LINE_BBOX] = tuple(row[_LINE_BBOX])
            occurrences.append(make(row))
        return cls(rel, occurrences, Counter())


_OCCURRENCE_FIELDS = Occurrence._fields
_SUGGESTIONS, _BBOX, _LINE_BBOX = (_OCCURRENCE_FIELDS.index(f) for f in ("suggestions", "bbox", "line_bbox"))


def group_id(form: str) -> str:
    return "g" + hashlib.sha1(form.encode("utf-8")).hexdigest()[:12]


def _occurrence_id(rel: str, page: int, bbox: BBox | None, line: int, word: int) -> str:
    key = f"{rel}\0{page}\0{bbox}\0{line}\0{word}"
    return "o" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def alternative_readings(word: Word, limit: int = 5) -> list[str]:
    """Other readings of a word from Tesseract's per-character alternatives, most likely first:
    each single substitution, and all the best substitutions together."""
    text, alts = word.text, word.alternatives
    if not alts or len(alts) != len(text):
        return []
    scored: dict[str, float] = {}
    best: list[str] = list(text)
    best_score = 1.0
    for i, choices in enumerate(alts):
        # Letters and digits for letters and digits only: "chvisage" -> "ch~isage" helps nobody.
        others = [(c, conf) for c, conf in choices if c != text[i] and (c.isalnum() or not text[i].isalnum()) and c.strip()]
        for c, conf in others[:2]:
            candidate = text[:i] + c + text[i + 1 :]
            scored[candidate] = max(scored.get(candidate, 0.0), conf / 100.0)
        if others:
            best[i] = others[0][0]
            best_score *= others[0][1] / 100.0
    combined = "".join(best)
    if combined != text:
        scored[combined] = max(scored.get(combined, 0.0), best_score)
    return sorted(scored, key=lambda s: (-scored[s], s))[:limit]


def _core_suggestion(suggestion: str, lead: str, trail: str) -> str:
    """The corrector offers whole tokens ("envisage,"); entries replace cores ("envisage")."""
    if lead and suggestion.startswith(lead):
        suggestion = suggestion[len(lead) :]
    if trail and suggestion.endswith(trail):
        suggestion = suggestion[: len(suggestion) - len(trail)]
    return suggestion


def _counterpart(word: Word, wi: int, words: list[Word]) -> int | None:
    """Where the corrected word that a raw word became is in ``words``: the one whose box overlaps
    it most (the corrector may split or merge words, so positions alone can shift)."""
    if wi < len(words) and words[wi].bbox == word.bbox:
        return wi  # (the usual case: the corrector kept the line's words as they were)
    if word.bbox is not None and words:
        best = max(range(len(words)), key=lambda i: box_iou(word.bbox, words[i].bbox))
        if box_iou(word.bbox, words[best].bbox) > 0.3:
            return best
    return wi if wi < len(words) else None


def _counterparts(word: Word, wi: int, words: list[Word]) -> list[Word]:
    """The corrected words a raw word became: its counterpart and, where the corrector split it
    ("to,me" -> "to" "me"), the pieces after it, which keep its box."""
    start = _counterpart(word, wi, words)
    if start is None:
        return []
    end = start + 1
    if word.bbox is not None and words[start].bbox == word.bbox:
        while end < len(words) and words[end].bbox == word.bbox:
            end += 1
    return words[start:end]


def _in_place(pieces: list[Word], k: int, text: str) -> str:
    """The pieces' text with piece ``k`` written ``text``."""
    return " ".join(text if i == k else p.text for i, p in enumerate(pieces))


def _page_occurrences(rel: str, input_path: str, raw: Page, corrected: Page | None, corrections: Corrections,
                      threshold: float) -> tuple[list[Occurrence], Counter[str]]:
    # Forms as read, before any entry: what a new entry will be matched against.
    forms = Counter(split_token(w.text)[1] for line in raw.lines for w in line.words)
    seen, decided = apply_overrides(raw, rel, corrections)
    found: list[Occurrence] = []
    for li, line in enumerate(seen.lines):
        out_line = corrected.lines[li].words if corrected is not None and li < len(corrected.lines) else []
        for wi, word in enumerate(line.words):
            lead, core, trail = split_token(word.text)
            if (li, wi) in decided:
                continue
            outs = _counterparts(word, wi, out_line) if out_line else []
            # The words the JSON flags are the queue: p_wrong at or above its model's flag_at (of a
            # split token, any piece's) or, where no model gave a probability, Tesseract's doubt
            # (calibration.doubtful), here with the review's own bar. A token of punctuation alone
            # is queued only where it is flagged (a speck to delete, or "«" -> "a").
            flagged = any(o.flagged for o in outs)
            if not (has_text(core) or flagged):
                continue
            p_wrong = max((o.p_wrong for o in outs if o.p_wrong is not None), default=None)
            low = p_wrong is None and doubtful(word, threshold)
            if not (flagged or low):
                continue
            current = " ".join(o.text for o in outs) if outs else word.text
            suggestions: list[str] = []
            if outs and current != word.text:
                suggestions.append(_core_suggestion(current, lead, trail))
            for k, out in enumerate(outs):
                if out.flagged:
                    suggestions += [_core_suggestion(_in_place(outs, k, s), lead, trail) for s in out.suggestions]
            # the other read's word (its core), where the page was read twice and the reads differ here
            other = split_token(word.other_read)[1] if word.other_read and len(word.other_read.split()) == 1 else ""
            if has_text(other):
                suggestions.append(other)
            suggestions += [_core_suggestion(s, lead, trail) for s in alternative_readings(word)]
            ranked = tuple(dict.fromkeys(s for s in suggestions if s and s != core))
            found.append(
                Occurrence(
                    id=_occurrence_id(rel, raw.index, word.bbox, li, wi),
                    rel=rel,
                    input_path=input_path,
                    page=raw.index,
                    line=li,
                    word=wi,
                    text=word.text,
                    form=core,
                    current=current,
                    confidence=word.confidence,
                    flagged=flagged,
                    suggestions=ranked,
                    bbox=word.bbox,
                    line_bbox=line.bbox,
                    before=" ".join(w.text for w in line.words[:wi]),
                    after=" ".join(w.text for w in line.words[wi + 1 :]),
                    p_wrong=p_wrong,
                )
            )
    return found, forms


def corrected_document(ws: Workspace, rel: str, raw: Document, options: Options, corrections: Corrections) -> Document:
    """The document as the outputs have it: the JSON output when there is one, else corrected again."""
    if "json" in options.output.formats:
        path = output_paths(ws.out_dir, Path(rel))["json"]
        try:
            doc = Document.model_validate_json(path.read_bytes())
            if len(doc.pages) == len(raw.pages):
                return doc
        except (OSError, ValueError):
            pass  # missing or unreadable: fall back to correcting the cached OCR
    from ..process import correct_document  # the corrector, only when needed

    return correct_document(raw, options.correct, corrections)


def file_queue(rel: str, input_path: str, raw: Document, corrected: Document, corrections: Corrections,
               threshold: float = DEFAULT_THRESHOLD) -> FileScan:
    """The queued words of one corrected document (its read, and its correction with
    ``corrections``). The correction stores it in the workspace (``FileScan.to_blob``) beside the
    outputs, so that review reads the queue instead of working it out again."""
    occurrences: list[Occurrence] = []
    forms: Counter[str] = Counter()
    by_index = {p.index: p for p in corrected.pages}
    for page in raw.pages:
        found, page_forms = _page_occurrences(rel, input_path, page, by_index.get(page.index), corrections, threshold)
        occurrences += found
        forms.update(page_forms)
    return FileScan(rel, occurrences, forms)


def scan_file(ws: Workspace, rel: str, options: Options, corrections: Corrections, threshold: float = DEFAULT_THRESHOLD) -> FileScan:
    """The queued words of one processed input worked out from its cached read and its outputs (none
    when it has no cached read): where the workspace has no queue stored for the file as it is."""
    record = ws.record(rel)
    if record is None or not record.has_ocr or record.state != "done":
        return FileScan(rel, [], Counter())
    raw = ws.raw_ocr(rel)
    if raw is None:
        raise WorkspaceError(f"{rel}: the cached OCR is missing", path=ws.dir)
    return file_queue(rel, record.path, raw, corrected_document(ws, rel, raw, options, corrections), corrections, threshold)


def group_occurrences(occurrences: Iterable[Occurrence]) -> list[Group]:
    """Occurrences grouped by OCR form, variants of one garble into one series, the group a
    decision fixes most first (the sum of its words' doubt: the errors it is expected to fix)."""
    by_rel: dict[str, list[Occurrence]] = {}
    for o in occurrences:
        by_rel.setdefault(o.rel, []).append(o)
    index = QueueIndex()
    for rel, found in by_rel.items():
        index.replace(rel, found)
    return index.groups()
