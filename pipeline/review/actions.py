"""Review decisions: each one written at once to corrections.yaml and applied to the outputs.

A :class:`ReviewSession` holds the queue of one output folder, the decisions taken in this
session (an undo stack) and the groups skipped. A decision is one corrections.yaml entry
(through :mod:`pipeline.corrections`: atomic, locked, stamped with who and when) scoped to every
occurrence (everywhere, or the documents glob given) or to one word (document + page + box); the
inputs it touches are then corrected again from their cached OCR, and their part of the queue is
read again. Undo restores the file and the outputs.

Thread-safe: the web app calls it from several request threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from typing import Literal

from ..batch import CorrectionKeys, FileResult, recorrect_outputs
from ..correction_worker import start_worker, worker_context
from ..errors import UsageError
from ..tokens import split_token
from ..corrections import Corrections, Entry, Scope, carry_case, load_corrections, new_entry, remove_entry, save_entries, save_entry, scope_from_yaml
from ..memory import cyclic_gc_paused, long_lived
from ..model import Line, Page
from ..workspace import PageStatus, open_workspace
from .proofread import line_edit, shown_text
from .queue import DEFAULT_THRESHOLD, FileScan, Group, Occurrence, QueueIndex, corrected_document, scan_file

__all__ = ["ReviewSession", "Step", "Saved", "Reach", "PageView", "GONE"]

# Lines of the folder a reach shows before a decision for all occurrences (most of them unseen),
# found in at most this many of its documents.
REACH_LINES = 5
# A group asked for that the queue no longer has (its id, made from its forms, means nothing to a person).
GONE = ("these words are no longer in the queue: decided meanwhile (in another tab, or another review of the "
        "folder?); reload the page to see the queue as it is now")
REACH_DOCUMENTS_READ = 50


def _without_own_punctuation(typed: str, shown: str) -> str:
    """A correction typed for a word, without the punctuation or possessive the word has around
    its core as read: an entry replaces the core and each occurrence keeps its own ("office's"
    typed for "office's" is "office", not "office's's"; "envisage," for "chvisage," is "envisage")."""
    if " " in typed:
        return typed
    lead, _core, trail = split_token(shown)
    if trail and len(typed) > len(trail) and typed.endswith(trail):
        typed = typed[: -len(trail)]
    if lead and len(typed) > len(lead) and typed.startswith(lead):
        typed = typed[len(lead):]
    return typed


@dataclass(frozen=True)
class Saved:
    """One write to corrections.yaml and what was there before (for undo)."""

    entry: Entry
    what: Literal["added", "updated", "unchanged", "removed"]
    previous: Entry | None  # (for "removed": the entry itself)


@dataclass
class Step:
    """One thing the person did: a decision (with what it wrote), a line edited in the page view
    (the entries it wrote and those it took in and removed), or a skip."""

    kind: Literal["decide", "edit", "skip"]
    form: str
    saved: list[Saved] = field(default_factory=list)
    rels: list[str] = field(default_factory=list)
    failed: list[FileResult] = field(default_factory=list)
    # (undone) ids of the entries it wrote that another session or a hand had changed since: left
    left: list[str] = field(default_factory=list)
    # the corrections file it wrote (absolute; None in steps recorded before it was kept)
    corrections: str | None = None

    def to_json(self) -> str:
        """A decision as the workspace keeps it for undo after a restart."""
        return json.dumps({
            "kind": self.kind, "form": self.form, "rels": self.rels,
            **({"corrections": self.corrections} if self.corrections is not None else {}),
            # (each entry as corrections.yaml has it: the form its schema reads back)
            "saved": [{"entry": s.entry.to_yaml(), "what": s.what,
                       "previous": None if s.previous is None else s.previous.to_yaml()} for s in self.saved],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Step:
        data = json.loads(text)
        saved = [Saved(Entry.model_validate(s["entry"]), s["what"],
                       None if s["previous"] is None else Entry.model_validate(s["previous"])) for s in data["saved"]]
        return cls(data["kind"], data["form"], saved, list(data["rels"]), corrections=data.get("corrections"))

    def describe(self) -> str:
        left = f" (left as another session or a hand changed them since: {', '.join(self.left)})" if self.left else ""
        return self._what() + left

    def _what(self) -> str:
        if self.kind == "skip":
            return f"skipped {self.form!r}"
        if not self.saved:
            return f"nothing saved for {self.form!r}"
        if self.kind == "edit":
            written = [s.entry for s in self.saved if s.what != "removed"]
            what = "; ".join(f"{e.ocr!r} -> {e.replacement!r}" if e.status == "approved" else f"{e.ocr!r} kept as read"
                             for e in written[:3]) + (" …" if len(written) > 3 else "")
            return f"{self.form} edited: {what or 'earlier entries removed'}"
        entry = self.saved[0].entry
        what = _decided(entry)
        if len(self.saved) > 1 and all(s.entry.scope.kind == "word" for s in self.saved):
            return f"{what} (the {len(self.saved)} occurrences shown, each by its box)"
        if len(self.saved) > 1:  # a series: an entry for each of its forms, in its own case
            return f"{'; '.join(_decided(s.entry) for s in self.saved)} ({entry.scope.describe()})"
        return f"{what} ({entry.scope.describe()}; {entry.entry_id})"


def _readable(recorded: list[str]) -> list[Step]:
    """The decisions the workspace keeps for undo, oldest first, back to the newest one this version
    cannot read (another version's, with an entry field or rule this one does not have): undo cannot
    take that one back, so it stops there (the review stopped at its start with a traceback)."""
    steps: list[Step] = []
    for text in reversed(recorded):
        try:
            steps.append(Step.from_json(text))
        except (ValueError, KeyError, TypeError):  # (pydantic's ValidationError and bad JSON are ValueErrors)
            break
    return steps[::-1]


def _decided(entry: Entry) -> str:
    """What an entry of a decision does to its word: "'x' -> 'y'", "'x' deleted", "'x' kept as typed"."""
    if entry.status != "approved":
        return f"{entry.ocr!r} kept as typed"
    return f"{entry.ocr!r} deleted" if entry.replacement == "" else f"{entry.ocr!r} -> {entry.replacement!r}"


@dataclass(frozen=True)
class PageView:
    """One page for proofreading: its lines as read (``raw``) and as the outputs have them
    (``shown``; the same lines, one for one), where the scan is, and the page's status."""

    rel: str
    page: int
    input_path: str
    pages: int  # how many pages the document has
    raw: list[Line]
    shown: list[Line]
    status: PageStatus
    width: int
    height: int


@dataclass(frozen=True)
class Reach:
    """What a decision for all occurrences of a form would apply to, said before it is made: the
    words and documents of the folder with the form as read (in the documents "all" means), how
    many of them the queue showed, whether the dictionaries know the form (a common word: such a
    decision defaults to only the occurrences shown), and a few of the lines, unseen ones first."""

    form: str
    words: int
    documents: int
    shown: int
    common: bool
    lines: list[tuple[str, int, int, str]]  # (document, page, line, text), page and line 0-based

    @property
    def preferred(self) -> str:
        """The answer Enter gives: "all", or "shown" (only the occurrences shown) for a common word."""
        return "shown" if self.common else "all"


# How much lower the regeneration's processes run than the review (os.nice): on a machine with few
# cores the page a person is waiting for goes first.
REGENERATION_NICENESS = 10


class _ProcessRegeneration:
    """``recorrect_outputs`` in a worker process of its own, started when first needed and kept:
    the session's thread only waits for it, so the pages and keys of the review are not slowed by a
    regeneration of a thousand files competing for the interpreter."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        # (forkserver, as the batch's workers: a clean process, not a fork of this threaded one.) Its
        # server is started here, in the main thread, with Ctrl-C ignored: the pool is made in the
        # regeneration thread, at the first decision, and a Ctrl-C then (the way the web review ends)
        # killed the server or the worker starting (the outputs not regenerated, exit 8).
        self._context = worker_context()

    def __call__(self, out_dir: Path, rels: list[str], corrections_file: Path) -> list[FileResult]:
        if self._pool is None:
            # As the batch's workers, Ctrl-C is the review's to handle (it then finishes the regeneration
            # under way, which a worker interrupted with it would never end), and the worker ends with it.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=self._context,
                                             initializer=start_worker, initargs=(REGENERATION_NICENESS,))
        try:
            return self._pool.submit(recorrect_outputs, out_dir, rels, corrections_file).result()
        except BrokenProcessPool:
            self._pool = None  # (killed: the next decision starts another)
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class ReviewSession:
    """The review of one output folder."""

    def __init__(
        self,
        out_dir: Path,
        corrections_file: Path | None = None,
        *,
        reviewer: str,
        threshold: float = DEFAULT_THRESHOLD,
        documents: str | None = None,
        background: bool = True,
        regenerate_in: Literal["thread", "process"] = "thread",
    ):
        self.out_dir = Path(out_dir)
        # Regenerate a decision's outputs in a background thread (the next group is shown at once)
        # or before the decision returns; the background thread does the work itself, or has a
        # worker process do it (``ocrfix review``: a regeneration of many files then takes nothing
        # from the pages; tests that stand in a fake corrector for the real one keep it in the thread).
        self.background = background
        self._in_process = _ProcessRegeneration() if background and regenerate_in == "process" else None
        self.reviewer = reviewer
        self.threshold = threshold
        # "All occurrences" means everywhere, or the documents matching this glob.
        try:
            self.all_scope: Scope = scope_from_yaml({"documents": documents}) if documents else Scope()
        except ValueError as e:
            raise UsageError(f"--documents: {e}") from e
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        # Decisions whose outputs are being regenerated: (step, files) in order, one thread at work.
        self._jobs: deque[tuple[Step, list[str], frozenset[str], frozenset[tuple[str, str]]]] = deque()
        self._worker: threading.Thread | None = None
        # What those decisions decided, kept out of the queue until their files are read again:
        # forms decided for all occurrences, and occurrences decided one by one.
        self._hidden_forms: Counter[str] = Counter()
        self._hidden_words: Counter[tuple[str, str]] = Counter()  # (form, occurrence id)
        self._lexicon = None  # the dictionaries' word counts, loaded for the first reach
        self._grouped: list[Group] | None = None  # the queue as last grouped (None: group it again)
        self._grouped_words = 0  # the words of that grouping
        self._key_parts: dict[str, str] | None = None  # the correction key's parts, the dictionaries hashed
        self._stored: set[str] = set()  # files whose scan is the queue the workspace keeps (forms there too)
        self._scans: dict[str, FileScan] = {}
        self._index = QueueIndex()  # the scans' occurrences by form, grouped again form by form
        self._by_id: dict[str, Occurrence] | None = None
        self._skipped: list[str] = []
        # Files whose outputs the last regeneration could not write (rel -> why), for the end of the review.
        self.unwritten: dict[str, str] = {}
        # Outputs edited by hand that the last rewrite of each file kept, with where their new
        # versions went (paths in the output folder), by file (rel), for the end of the review.
        self._edited: dict[str, dict[str, str]] = {}
        with open_workspace(self.out_dir, create=False) as ws:
            self.options = ws.run_options()
            records = ws.records()
            done = [r for r in records if r.has_ocr and r.state == "done"]
            self.rels = [r.rel for r in done]
            # The folder's files with no outputs to review (a run not finished yet, or failed on them).
            self.files = len(records)
            self.unfinished = sum(1 for r in records if r.state != "done")
            self.page_counts = {r.rel: r.pages or 0 for r in done}
            self.inputs = {r.rel: r.path for r in done}
            steps = _readable(ws.review_steps())
        self.corrections_file = Path(corrections_file or self.options.correct.corrections_file)
        # The decisions of earlier sessions on this folder with this corrections file, which undo
        # can still take back (skips are this session's own; another file's entries are not here to take back).
        self.undo_stack: list[Step] = [step for step in steps if step.corrections in (None, self._file_key)]
        self.decided = len(self.undo_stack)
        self.refresh()

    @property
    def _file_key(self) -> str:
        """The corrections file as steps record it."""
        return os.path.abspath(self.corrections_file)

    # -- the queue ----------------------------------------------------------------------------
    def refresh(self, rels: list[str] | None = None, *, regenerated: bool = False) -> None:
        """Read the queue again (for some inputs, or all); the queue is read meanwhile as it was.
        ``regenerated``: ``rels`` were just regenerated, so their stored queues are those of their
        outputs now (a later decision's entries may be in corrections.yaml already: its own
        regeneration reads them again, and until then what it decided is hidden).

        A file's queue is the one its correction stored in the workspace (the threshold being the
        default) where that correction is the one this corrections.yaml makes (its record's
        correction key), or where no entry of this corrections.yaml has a word among the file's
        queued forms: the stored queue is that of the file's outputs, which a decision regenerates
        only where its form occurs, and only an entry could take a queued word out of it. Else it is
        worked out from its read and its outputs (slower: ~8 ms a page)."""
        corrections = load_corrections(self.corrections_file)
        if rels is None:  # (the whole queue is read as the file is now)
            self._seen_entries = {e.entry_id: e for e in corrections.entries}
        key = self._correction_key(corrections)
        decided = corrections.ocr_words()
        scans: dict[str, FileScan] = {}
        # The whole queue, read at the start, lives as long as the session; a decision's few files not.
        making = long_lived if rels is None else cyclic_gc_paused
        with making(), open_workspace(self.out_dir, create=False) as ws:
            # (after a decision: only the files it regenerated)
            stored = ws.queues(rels) if self.threshold == DEFAULT_THRESHOLD else {}
            from_store: set[str] = set()
            for rel in self.rels if rels is None else rels:
                stored_key, blob = stored.get(rel, (None, None))
                scan = FileScan.from_blob(rel, blob) if blob is not None else None
                if scan is not None and (regenerated or stored_key == key or not any(
                        o.form.casefold() in decided or o.text.casefold() in decided for o in scan.occurrences)):
                    scans[rel] = scan
                    from_store.add(rel)
                else:
                    scans[rel] = scan_file(ws, rel, self.options, corrections, self.threshold)
        with self._lock, making():
            self._stored = (self._stored - set(scans)) | from_store
            for rel, scan in scans.items():
                old = self._scans.get(rel)
                if self._by_id is not None:
                    for o in old.occurrences if old is not None else ():
                        self._by_id.pop(o.id, None)
                    self._by_id.update((o.id, o) for o in scan.occurrences)
                self._scans[rel] = scan
                self._index.replace(rel, scan.occurrences)
            self._changed()

    def _correction_key(self, corrections: Corrections) -> str:
        """The correction key of the folder's options with ``corrections`` (the dictionaries are
        hashed once a session)."""
        from ..batch import correction_key_parts

        fingerprint = corrections.fingerprint()
        if self._key_parts is None:
            self._key_parts = correction_key_parts(self.options, corrections)
        parts = {**self._key_parts, "corrections.yaml": fingerprint or "no entries"}
        return CorrectionKeys.of(parts).correction

    def _changed(self) -> None:
        """The queue's inputs changed (scans, skips, what is hidden): group it again when asked."""
        self._grouped = None

    def groups(self) -> list[Group]:
        """The queue, most useful decision first; skipped groups at the end, in the order skipped.
        Grouped once per change of the queue (each page of the app asks for it more than once)."""
        with self._lock:
            if self._grouped is None:
                with cyclic_gc_paused():
                    groups = self._index.groups(self._hidden_forms, self._hidden_words, {form for form, _ in self._hidden_words})
                if self._skipped:
                    skipped = {form: i for i, form in enumerate(self._skipped)}
                    groups = sorted(groups, key=lambda g: skipped.get(g.form, -1))
                self._grouped = groups
                # (once per grouping: summed over 16,000 groups after every key it was a tenth of the key's time)
                self._grouped_words = sum(g.count for g in groups)
            return list(self._grouped)

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups() if g.id == group_id), None)

    def occurrence(self, occurrence_id: str) -> Occurrence | None:
        with self._lock:
            if self._by_id is None:  # (made when first asked: a crop; kept up to date from then on)
                self._by_id = {o.id: o for o in self._index.occurrences()}
            return self._by_id.get(occurrence_id)

    def progress(self) -> dict[str, int]:
        with self._lock:
            groups = self.groups()
            words_left = self._grouped_words
            # (files, each once: a file two decisions in a row touch is one file to wait for)
            regenerating = len({rel for _, rels, _, _ in self._jobs for rel in rels})
            unwritten = len(self.unwritten)
            skipped_forms = set(self._skipped)
        return {
            "decided": self.decided,
            "left": len(groups),
            # (the skipped groups are the last ones)
            "skipped": sum(1 for _ in takewhile(lambda g: g.form in skipped_forms, reversed(groups))),
            "words_left": words_left,
            "total": self.decided + len(groups),
            "regenerating": regenerating,
            # (files whose outputs the last regeneration could not write: the page says so, not "written")
            "unwritten": unwritten,
        }

    def _form_counts(self, forms: list[str]) -> dict[str, dict[str, int]]:
        """rel -> {form: occurrences} of ``forms`` as read, in the documents a decision for all
        occurrences reaches: from the workspace for the files whose queue it keeps, else from the
        scans."""
        with open_workspace(self.out_dir, create=False) as ws:
            stored = ws.form_counts(forms)
        with self._lock:
            out = {rel: counts for rel, counts in stored.items() if rel in self._stored}
            for rel, scan in self._scans.items():
                if rel not in self._stored and (counts := {f: scan.forms[f] for f in forms if f in scan.forms}):
                    out[rel] = counts
        return {rel: counts for rel, counts in out.items() if self.all_scope.matches_document(rel)}

    def _documents_with(self, forms: list[str]) -> list[str]:
        """The documents with any of ``forms`` as read that a decision for all occurrences reaches."""
        return sorted(self._form_counts(forms))

    def _known_word(self, form: str) -> bool:
        if self._lexicon is None:
            from ..errors import DictionaryError
            from ..lexicon import load_lexicon

            try:
                self._lexicon = load_lexicon(self.options.correct.dictionary_dir)
            except DictionaryError:
                self._lexicon = False  # no dictionaries: no word counts as common
        return bool(self._lexicon) and (self._lexicon.count(form) > 0 or self._lexicon.count(form.lower()) > 0)

    def reach(self, group_id: str, limit: int = REACH_LINES, exclude: frozenset[str] = frozenset()) -> Reach:
        """What deciding ``group_id`` (but its members ``exclude``) for all occurrences would apply
        to (nothing is written)."""
        with self._lock:
            group = self.group(group_id)
            if group is None:
                raise UsageError(GONE)
            members = [f for f in group.members if f not in exclude]
            counts = self._form_counts(members)
            rels = sorted(counts)
            words = sum(sum(c.values()) for c in counts.values())
            shown = {(o.rel, o.page, o.line) for o in group.occurrences if o.form in members}
        unseen: list[tuple[str, int, int, str]] = []
        seen: list[tuple[str, int, int, str]] = []
        with open_workspace(self.out_dir, create=False) as ws:
            # (a few documents' lines are enough to show: a common word is in thousands)
            for rel in rels[:REACH_DOCUMENTS_READ]:
                raw = ws.raw_ocr(rel)
                for page in raw.pages if raw is not None else []:
                    for li, line in enumerate(page.lines):
                        if any(split_token(w.text)[1] in members for w in line.words):
                            (seen if (rel, page.index, li) in shown else unseen).append((rel, page.index, li, line.text))
                if len(unseen) >= limit:
                    break
        return Reach(group.form, words, len(rels), len([o for o in group.occurrences if o.form in members]),
                     any(self._known_word(f) for f in members), (unseen + seen)[:limit])

    # -- decisions ----------------------------------------------------------------------------
    def decide(
        self,
        group_id: str,
        replacement: str | None,
        *,
        occurrence_id: str | None = None,
        shown_only: bool = False,
        exclude: frozenset[str] = frozenset(),
        note: str | None = None,
        delete: bool = False,
    ) -> Step:
        """Decide a group: ``replacement`` (None: keep the OCR text as typed, a ``rejected`` entry),
        for every occurrence, only ``occurrence_id``, or (``shown_only``) each occurrence the queue
        shows, by its box, and no other. A series is decided for each member but those in
        ``exclude``, each member's replacement in its own case (Linistry -> Ministry, lninistry ->
        ministry).

        ``delete``: take the words out (a speck read as "~" or "-_"; ``replacement`` is ignored),
        each as it was read, by its box: only ``occurrence_id`` or the occurrences the queue shows,
        never all (a form deleted everywhere would take out its real occurrences too)."""
        with self._lock:
            group = self.group(group_id)
            if group is None:
                raise UsageError(GONE)
            occ = None
            if occurrence_id is not None:
                occ = next((o for o in group.occurrences if o.id == occurrence_id), None)
                if occ is None:
                    raise UsageError(f"no occurrence {occurrence_id!r} in group {group.form!r}")
            if delete:
                replacement, shown_only = "", occ is None
            elif replacement is not None:
                replacement = " ".join(replacement.split())
                if not replacement:
                    raise UsageError("the correction is empty")
                if any(unicodedata.category(ch) == "Cc" for ch in replacement):
                    # (Esc or an arrow key at a prompt without line editing: saved, it went into every output)
                    raise UsageError(f"the correction {replacement!r} holds a control character (Esc or an arrow key "
                                     "where the line could not be edited?); type it again")
                replacement = _without_own_punctuation(replacement, (occ or group.occurrences[0]).text)
                if replacement == group.form:
                    replacement = None  # the OCR text as it is: keep it
            members = [f for f in group.members if f not in exclude]
            if not members:
                raise UsageError("every member of the series is excluded: nothing to decide")
            shown = [o for o in group.occurrences if o.form in members]
            words = [occ] if occ is not None else shown if shown_only else []
            if any(o.bbox is None for o in words):
                raise UsageError("this word has no box on the page, so it cannot be deleted by its place" if delete else
                                 "this word has no box on the page, so it can only be decided for all occurrences")
            # (the form, where, the line it was seen in) of each entry; a deletion takes the whole
            # word as read, its punctuation too (an entry replaces the core and keeps the rest).
            places = [(o.text if delete else o.form, Scope(documents=(o.rel,), page=o.page, box=o.bbox),
                       f"{o.before} {o.text} {o.after}".strip()) for o in words]
            if not words:
                for form in members:
                    first = next(o for o in shown if o.form == form)
                    places.append((form, self.all_scope, f"{first.before} {first.text} {first.after}".strip()))
            rels = sorted({o.rel for o in words}) if words else self._documents_with(members)
            if not rels and self.all_scope.kind == "documents":  # (an entry for them would change no word of the folder)
                raise UsageError(f"{group.form!r} is in none of the {self.all_scope.describe()}, which 'all occurrences' "
                                 "means in this review: decide it for only the selected occurrence (a), or review "
                                 "without --documents")
            before = load_corrections(self.corrections_file)
            self._refuse_if_decided_meanwhile(before, places)
            step = Step("decide", group.form, [], rels, corrections=self._file_key)
            with self._recorded(step):
                self._save_entries(step, group.form, replacement, places, before, note)
            if group.form in self._skipped:
                self._skipped.remove(group.form)
                self._changed()
            self._regenerate(step, rels, frozenset() if words else frozenset(members), frozenset((o.form, o.id) for o in words))
            return step

    @contextlib.contextmanager
    def _recorded(self, step: Step, proofreading: tuple[str, int] | None = None) -> Iterator[None]:
        """A decision or page-view edit being written. On the stack before anything is written: if
        a write or the outputs' regeneration fails, what is in the file can still be taken out by
        undo. Where nothing was written (a read-only or locked corrections.yaml) it is no decision:
        off the stack and the count again (else the next undo takes it back, "nothing saved",
        instead of the last decision). Where something was, the workspace keeps it for undo after a
        restart (and a page edited in the page view is in progress from then on)."""
        self.undo_stack.append(step)
        self.decided += 1
        try:
            yield
        except BaseException:
            if not step.saved and self.undo_stack and self.undo_stack[-1] is step:
                self.undo_stack.pop()
                self.decided -= 1
            raise
        finally:
            if step.saved:
                with open_workspace(self.out_dir, create=False) as ws:
                    ws.push_review_step(step.to_json())
                    if proofreading is not None and ws.page_status(*proofreading) == "not started":
                        ws.set_page_status(*proofreading, "in progress", self.reviewer)

    def _save_entries(self, step: Step, main_form: str, replacement: str | None, places: list[tuple[str, Scope, str]],
                      before: Corrections, note: str | None) -> None:
        """Write one entry per place (its form, its scope, the line it was seen in) to
        corrections.yaml, each into ``step`` as it is written (``before``: the file before the
        decision, for undo). ``replacement`` is for ``main_form``; another member of a series gets
        it in its own case."""
        entries = [new_entry(form, None if replacement is None else carry_case(form, main_form, replacement),
                             status="approved" if replacement is not None else "rejected", scope=scope,
                             approved_by=self.reviewer, note=note, context=context)
                   for form, scope, context in places]
        self._save(step, entries, before)

    def _save(self, step: Step, entries: list[Entry], before: Corrections) -> None:
        """Write ``entries`` to corrections.yaml in one write, and into ``step`` (``before``: the
        file before the decision, for undo)."""
        for saved, what in save_entries(self.corrections_file, entries, update=True):
            # An update keeps the old entry's id: that is the one to put back on undo.
            step.saved.append(Saved(saved, what, before.get(saved.entry_id) if what == "updated" else None))
            self._seen_entries[saved.entry_id] = saved

    def _refuse_if_decided_meanwhile(self, now: Corrections, places: list[tuple[str, Scope, str]]) -> None:
        """Refuse a decision on words that an entry this session has not seen decides already, with
        the same scope: another review session (or `ocrfix corrections add`) decided them since the
        queue was read, and saving over it would silently undo that decision. The queue is read
        again, so that the page shows the words as they are now."""
        wanted = {(form.casefold(), scope) for form, scope, _line in places}
        for entry in now.entries:
            if (entry.ocr.casefold(), entry.scope) in wanted and self._seen_entries.get(entry.entry_id) != entry:
                self.refresh()
                raise UsageError(f"{entry.ocr!r} was decided meanwhile by {entry.approved_by} (corrections.yaml entry "
                                 f"{entry.describe()}); the queue has been read again")

    def skip(self, group_id: str) -> Step:
        with self._lock:
            group = self.group(group_id)
            if group is None:
                raise UsageError(GONE)
            if group.form in self._skipped:
                self._skipped.remove(group.form)
            self._skipped.append(group.form)
            self._changed()
            step = Step("skip", group.form)
            self.undo_stack.append(step)
            return step

    def undo(self) -> Step | None:
        """Take back the last step: remove (or restore) the entries it wrote and regenerate the
        outputs (after the regenerations under way, and before it returns: the group is back in the
        queue when it does)."""
        self.wait()
        with self._lock:
            if not self.undo_stack:
                return None
            step = self.undo_stack[-1]
            if step.kind == "skip":
                self.undo_stack.pop()
                if step.form in self._skipped:
                    self._skipped.remove(step.form)
                    self._changed()
                return step
            # (a decision of an earlier session may have been edited away by hand since, or decided
            # again by another session: only an entry as this step wrote it is taken back)
            # (kept as the undo changes the file: a line edited twice removed the first edit's entry
            # and added one with the same id, which is gone again once that one is taken back)
            present = {e.entry_id: e for e in load_corrections(self.corrections_file).entries}
            record = step.to_json()
            for s in reversed(step.saved):
                now = present.get(s.entry.entry_id)
                if s.what == "added" and now is not None and now == s.entry:
                    remove_entry(self.corrections_file, s.entry.entry_id)
                    self._seen_entries.pop(s.entry.entry_id, None)
                    present.pop(s.entry.entry_id)
                elif s.what in ("updated", "removed") and s.previous is not None and now == (s.entry if s.what == "updated" else None):
                    save_entry(self.corrections_file, s.previous, update=True)
                    self._seen_entries[s.previous.entry_id] = s.previous
                    present[s.previous.entry_id] = s.previous
                elif s.what != "unchanged" and (now is not None or s.what != "added"):
                    step.left.append(s.entry.entry_id)  # changed since: not this step's to take back
            # Off the stack only once taken back: an undo that fails (a broken corrections.yaml)
            # leaves it there for the next.
            self.undo_stack.pop()
            self.decided -= 1
            with open_workspace(self.out_dir, create=False) as ws:
                ws.pop_review_step(record)
            step.failed = self._apply(step.rels)
            return step

    # -- whole pages -----------------------------------------------------------------------------------
    def page_order(self) -> list[tuple[str, int]]:
        """Every page of the folder as (document, page), in the order the page view goes through them."""
        return [(rel, page) for rel in self.rels for page in range(self.page_counts[rel])]

    def page_statuses(self) -> dict[tuple[str, int], PageStatus]:
        """(document, page) -> status of every page of the folder, in order."""
        with open_workspace(self.out_dir, create=False) as ws:
            started = ws.page_statuses()
        return {place: started.get(place, "not started") for place in self.page_order()}

    def page_view(self, rel: str, page: int) -> PageView:
        """A page as read and as the outputs have it now (after the regenerations under way)."""
        if rel not in self.page_counts:
            raise UsageError(f"no document {rel!r} in this output folder (or it has no cached read)")
        # (its outputs as the decisions under way leave them; other documents' regenerations do not
        # concern it: after a decision for all of a common word they took minutes)
        self.wait(rel)
        corrections = load_corrections(self.corrections_file)
        with open_workspace(self.out_dir, create=False) as ws:
            raw, status = ws.raw_ocr(rel), ws.page_status(rel, page)
            if raw is None:
                raise UsageError(f"{rel}: its cached read is missing")
            shown = corrected_document(ws, rel, raw, self.options, corrections)
        read = next((p for p in raw.pages if p.index == page), None)
        now = next((p for p in shown.pages if p.index == page), None)
        if read is None or now is None:
            raise UsageError(f"{rel} has no page {page + 1} (it has {len(raw.pages)})")
        return PageView(rel, page, self.inputs[rel], len(raw.pages), list(read.lines), _lines_like(now, read), status,
                        read.width, read.height)

    def edit_line(self, rel: str, page: int, line: int, text: str, *, shown: str | None = None) -> Step:
        """Make line ``line`` of a page say ``text``: box-scoped entries for what changed (see
        :mod:`pipeline.review.proofread`), written at once; the document's outputs are regenerated
        like any decision's. ``shown``: the line as the person saw it (an edit of a line that has
        changed since is refused)."""
        with self._lock:
            view = self.page_view(rel, page)
            if not 0 <= line < len(view.raw):
                raise UsageError(f"page {page + 1} of {rel} has no line {line + 1}")
            words = view.shown[line].words
            if shown is not None and " ".join(shown.split()) != shown_text(words):
                raise UsageError(f"line {line + 1} has changed since the page was shown (it now reads "
                                 f"{shown_text(words)!r}); reload the page")
            before = load_corrections(self.corrections_file)
            try:
                plan = line_edit(view.raw[line].words, words, text, document=rel, page=page, entries=before.entries)
            except ValueError as e:
                raise UsageError(str(e)) from e
            step = Step("edit", f"{rel} page {page + 1} line {line + 1}", [], [rel], corrections=self._file_key)
            if plan.empty:
                return step
            with self._recorded(step, proofreading=(rel, page)):
                for old in plan.remove:
                    remove_entry(self.corrections_file, old.entry_id)
                    step.saved.append(Saved(old, "removed", old))
                context = shown_text(words)
                self._save(step, [new_entry(planned.ocr, planned.replacement,
                                            status="approved" if planned.replacement is not None else "rejected",
                                            scope=Scope(documents=(rel,), page=page, box=planned.box),
                                            approved_by=self.reviewer, note="page view", context=context)
                                  for planned in plan.save], before)
            self._regenerate(step, [rel], frozenset(), frozenset())
            return step

    def set_page_status(self, rel: str, page: int, status: PageStatus) -> None:
        if rel not in self.page_counts or not 0 <= page < self.page_counts[rel]:
            raise UsageError(f"no page {page + 1} of {rel!r} in this output folder")
        with open_workspace(self.out_dir, create=False) as ws:
            ws.set_page_status(rel, page, status, self.reviewer)

    # -- regenerating outputs ----------------------------------------------------------------------
    def _regenerate(self, step: Step, rels: list[str], forms: frozenset[str], words: frozenset[tuple[str, str]]) -> None:
        """Regenerate a decision's files: in the background thread (what it decided is kept out of
        the queue meanwhile), or now."""
        if not self.background:
            step.failed = self._apply(rels)
            return
        with self._lock:
            self._hidden_forms.update(forms)
            self._hidden_words.update(words)
            self._changed()
            self._jobs.append((step, rels, forms, words))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="ocrfix-review-regenerate", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._worker = None
                    self._idle.notify_all()
                    return
                step, rels, forms, words = self._jobs[0]
            try:
                failed = self._apply(rels, self._in_process)
            except BaseException as e:  # noqa: BLE001 (a failure is the step's to report, not the thread's end:
                # else its job stays queued and the review waits for it for ever)
                failed = self._failed(rels, e)
            with self._lock:
                step.failed.extend(failed)
                self._hidden_forms.subtract(forms)
                self._hidden_words.subtract(words)
                self._hidden_forms += Counter()  # (drops the forms no longer hidden)
                self._hidden_words += Counter()
                self._changed()
                self._jobs.popleft()
                self._idle.notify_all()  # (a page view waits for its own document's regeneration only)

    @property
    def edited(self) -> dict[str, str]:
        """The outputs edited by hand that the review's rewrites kept: path -> its new version's."""
        with self._lock:
            return {path: beside for kept in self._edited.values() for path, beside in kept.items()}

    def wait(self, rel: str | None = None) -> None:
        """Return once every decision's outputs are regenerated (``rel``: those of that document)."""
        with self._idle:
            while any(rel is None or rel in rels for _, rels, _, _ in self._jobs):
                self._idle.wait()

    def close(self) -> None:
        """Finish the regenerations under way and stop the worker process, if there is one."""
        self.wait()
        if self._in_process is not None:
            self._in_process.close()

    def _apply(self, rels: list[str], regenerate: Callable[[Path, list[str], Path], list[FileResult]] | None = None) -> list[FileResult]:
        """Regenerate the outputs of ``rels`` from cached OCR (by ``regenerate``; default: here) and
        read their part of the queue again."""
        try:
            results = (regenerate or recorrect_outputs)(self.out_dir, rels, self.corrections_file) if rels else []
        except Exception as e:  # noqa: BLE001 (the whole regeneration failed: each file's failure, as a decision's)
            return self._failed(rels, e)
        failed = [r for r in results if not r.ok]
        with self._lock:
            for r in results:
                if r.ok and r.action not in ("skip", "confirm"):
                    # (its outputs written again: what an earlier rewrite kept may be written since)
                    self._edited[r.rel] = dict(r.edited)
                if r.ok:
                    self.unwritten.pop(r.rel, None)
                else:
                    self.unwritten[r.rel] = r.error or r.action
        missed = {r.rel for r in failed}
        self.refresh([rel for rel in rels if rel not in missed], regenerated=True)
        if missed:
            self.refresh(sorted(missed))
        return failed

    def _failed(self, rels: list[str], error: BaseException) -> list[FileResult]:
        """``rels`` failed as a whole by ``error``: their results, kept for the end of the review."""
        failed = [FileResult(rel, "failed", error=f"{type(error).__name__}: {error}") for rel in rels]
        with self._lock:
            self.unwritten.update((r.rel, r.error or "failed") for r in failed)
        return failed


def _lines_like(shown: Page, read: Page) -> list[Line]:
    """The output page's lines, one for each line as read (they are the same lines: corrections
    change words, never lines; an output made otherwise shows the read)."""
    if len(shown.lines) == len(read.lines):
        return list(shown.lines)
    return list(read.lines)
