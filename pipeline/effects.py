"""What a change to corrections.yaml does to an output folder: every output word that one version
of the file makes differently from another, grouped by the entry that made the difference.

corrections.yaml is reviewed like code, so a change to it is shown by its effect
(``ocrfix corrections diff``). The two sides are either two versions of the file (the current one
and one from git, say) or the current file and the outputs as the last run wrote them.

Nothing is read again by OCR and nothing is written: each side is a correction from the folder's
cached reads. A file is looked at only where a side could correct it differently from its last
run, which its record of dependencies says (``batch.correction_check``, the check a re-run makes
before keeping a file's outputs); a correction starts from the word decisions the record keeps
(``dependencies.seed_decisions``), so a pre-commit hook over thousands of pages takes seconds.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .batch import CorrectionKeys, correction_check, correction_key_parts
from .collection import CollectionModel
from .corrections import Corrections, Entry
from .dependencies import Dependencies
from .errors import OutputError, UsageError
from .model import Change, Document, Line
from .options import Options
from .outputs import output_paths
from .workspace import Workspace, open_workspace

__all__ = ["WordChange", "EntryEffect", "CorrectionsDiff", "corrections_diff", "AUTOMATIC"]

# The group of changes no entry made itself: the corrector decided differently because of what it
# learned from the entries (approved forms are known words, decisions teach its confusions).
AUTOMATIC = "(automatic corrector)"


@dataclass(frozen=True)
class WordChange:
    """Words of one output line that the two versions make differently."""

    rel: str
    page: int  # 0-based; people read page + 1
    line: int
    before: str  # the words as the other version makes them ("" where it has none there)
    after: str  # as the current version makes them
    line_before: str  # the whole line, for context
    line_after: str


@dataclass
class EntryEffect:
    """Every change one entry makes (or the automatic corrector, ``key == AUTOMATIC``)."""

    key: str
    before: Entry | None  # the entry in the other version (None: not there, or no other version)
    after: Entry | None  # in the current version
    # False where the other side is the last run's outputs: what its file said is not known.
    other_version: bool = True
    changes: list[WordChange] = field(default_factory=list)

    @property
    def status(self) -> str:
        """added, removed, changed or unchanged (the entry; its effect changed all the same),
        "automatic", or against the last run "in the file" / "no longer in the file"."""
        if self.key == AUTOMATIC:
            return "automatic"
        if not self.other_version:
            return "in the file" if self.after is not None else "no longer in the file"
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed" if self.before != self.after else "unchanged"

    @property
    def documents(self) -> list[str]:
        return sorted({c.rel for c in self.changes})


@dataclass
class CorrectionsDiff:
    """The whole comparison: effects, most words first; how many files were looked at and checked."""

    effects: list[EntryEffect]
    files: int  # done files with a cached read
    corrected: int  # of them, corrected again to compare (the others cannot differ)

    @property
    def words(self) -> int:
        return sum(len(e.changes) for e in self.effects)


def _line_text(line: Line | None) -> str:
    return "" if line is None else line.text


def _override_spans(changes: list[Change], line: int) -> list[tuple[int, int, str]]:
    """(first word, end, entry id) of each entry that fired on one line of a corrected page."""
    return [(c.word, c.word + max(1, len(c.new.split())), c.entry_id) for c in changes
            if c.source == "override" and c.entry_id and c.line == line]


def _entry_at(spans: list[tuple[int, int, str]], start: int, end: int) -> str | None:
    for first, stop, entry_id in spans:
        if first < max(end, start + 1) and start < stop:
            return entry_id
    return None


def compare_documents(rel: str, before: Document, after: Document) -> list[tuple[str | None, WordChange]]:
    """The word changes between two corrections of the same read, each with the id of the entry
    that made it (the current version's where it has one there, else the other's; None: no entry)."""
    found: list[tuple[str | None, WordChange]] = []
    for p in range(max(len(before.pages), len(after.pages))):
        page_b = before.pages[p] if p < len(before.pages) else None
        page_a = after.pages[p] if p < len(after.pages) else None
        lines_b = page_b.lines if page_b is not None else []
        lines_a = page_a.lines if page_a is not None else []
        for li in range(max(len(lines_b), len(lines_a))):
            line_b = lines_b[li] if li < len(lines_b) else None
            line_a = lines_a[li] if li < len(lines_a) else None
            text_b, text_a = _line_text(line_b), _line_text(line_a)
            if text_b == text_a:
                continue
            words_b = [w.text for w in line_b.words] if line_b is not None else []
            words_a = [w.text for w in line_a.words] if line_a is not None else []
            spans_b = _override_spans(page_b.changes, li) if page_b is not None else []
            spans_a = _override_spans(page_a.changes, li) if page_a is not None else []
            matcher = difflib.SequenceMatcher(a=words_b, b=words_a, autojunk=False)
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                if op == "equal":
                    continue
                # Neighbouring words replaced one for one are changes of their own (an entry's
                # beside the corrector's); a split or a merge is one change.
                pieces = [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)] if i2 - i1 == j2 - j1 else [(i1, i2, j1, j2)]
                for b1, b2, a1, a2 in pieces:
                    entry_id = _entry_at(spans_a, a1, a2) or _entry_at(spans_b, b1, b2)
                    found.append((entry_id, WordChange(rel, p, li, " ".join(words_b[b1:b2]), " ".join(words_a[a1:a2]),
                                                       text_b, text_a)))
    return found


@dataclass(frozen=True)
class _Side:
    """One version of corrections.yaml, as a file is corrected with it (picklable: workers get it)."""

    corrections: Corrections
    keys: CorrectionKeys


@dataclass(frozen=True)
class _Comparison:
    """What comparing one file takes: the folder's run options and collection model (None: no
    automatic correction), the two sides (``before`` None: the last run's outputs), the folder."""

    options: Options
    collection: CollectionModel | None
    before: _Side | None
    after: _Side
    out_dir: Path


def _checker(ws: Workspace, comparison: _Comparison, side: _Side) -> Callable[[str | None, str, bytes | None], bool]:
    """Whether ``side`` corrects a done file (its record's correction key, its rel, its stored
    record of dependencies) as the file's last run did."""
    from .process import corrector_for

    collection = comparison.collection
    corrector = corrector_for(comparison.options.correct, side.corrections) if collection is not None else None
    folder_view = corrector.with_collection(collection) if corrector is not None and collection is not None else None
    holds = correction_check(ws, side.keys, side.corrections, corrector, folder_view)

    def unchanged(record_key: str | None, rel: str, stored: bytes | None) -> bool:
        if record_key is not None and record_key == side.keys.correction:
            return True
        return stored is not None and holds(rel, stored)

    return unchanged


def _corrected(raw: Document, comparison: _Comparison, side: _Side, stored: bytes | None) -> Document:
    from .process import correct_document_recorded

    seed = Dependencies.from_blob(stored) if stored is not None else None
    corrected, _ = correct_document_recorded(raw, comparison.options.correct, side.corrections, comparison.collection,
                                             base=side.keys.dependency, seed=seed)
    return corrected


def _as_written(out_dir: Path, rel: str, required: bool) -> Document | None:
    """The corrected document of the file's JSON output (None where there is none and ``required``
    is False)."""
    path = output_paths(out_dir, Path(rel))["json"]
    try:
        return Document.model_validate_json(path.read_bytes())
    except FileNotFoundError as e:
        if not required:
            return None
        raise UsageError(
            "has no JSON output to compare with: --against-last-run needs the folder processed with the json "
            "format (the default); compare two versions of corrections.yaml with --against instead", path=path,
        ) from e
    except ValueError as e:
        raise OutputError(f"is not a page JSON of ocrfix ({e.__class__.__name__})", path=path) from e


def compare_file(comparison: _Comparison, rel: str, raw_json: bytes, stored: bytes | None, same_before: bool,
                 same_after: bool) -> list[tuple[str | None, WordChange]]:
    """The word changes of one file between the two sides (``same_*``: that side corrects it as its
    last run did, so its JSON output is that side's correction)."""
    raw = Document.model_validate_json(raw_json)

    def version(side: _Side | None, same: bool) -> Document:
        written = _as_written(comparison.out_dir, rel, required=side is None) if same else None
        if written is not None:
            return written
        assert side is not None  # (no side: the written output, required above)
        return _corrected(raw, comparison, side, stored)

    return compare_documents(rel, version(comparison.before, same_before), version(comparison.after, same_after))


# A worker's comparison (set by its initializer; empty in every other process).
_WORKER: dict[str, _Comparison] = {}


def _start_worker(comparison: _Comparison) -> None:
    from .correction_worker import start_worker

    start_worker()
    _WORKER["comparison"] = comparison


def _compare_in_worker(rel: str, raw_json: bytes, stored: bytes | None, same_before: bool,
                       same_after: bool) -> list[tuple[str | None, WordChange]]:
    return compare_file(_WORKER["comparison"], rel, raw_json, stored, same_before, same_after)


# Below this many files to correct, workers cost more to start (imports, the corrector: ~1.5 s
# each) than they save (a seeded correction is 40-80 ms a page).
PARALLEL_MIN_FILES = 40


def corrections_diff(out_dir: Path, current: Corrections, other: Corrections | None,
                     on_file: Callable[[str], None] | None = None, workers: int = 1) -> CorrectionsDiff:
    """Every word of the folder's outputs that ``current`` makes differently from ``other`` (None:
    from the outputs as the last run wrote them), grouped by entry. ``on_file`` is told each file
    as it is done (progress); ``workers``: processes that correct the files to compare."""
    found: list[tuple[str | None, WordChange]] = []
    from .correction_worker import worker_context

    context = worker_context()
    with contextlib.ExitStack() as stack:
        ws = stack.enter_context(open_workspace(out_dir, create=False))
        options = ws.run_options()
        # The folder's collection model, as the batch corrects with it (built once: it reads every form).
        collection = ws.collection() if options.correct.automatic else None
        comparison = _Comparison(options, collection,
                                 None if other is None else _Side(other, CorrectionKeys.of(correction_key_parts(options, other))),
                                 _Side(current, CorrectionKeys.of(correction_key_parts(options, current))), out_dir)
        after_holds = _checker(ws, comparison, comparison.after)
        before_holds = _checker(ws, comparison, comparison.before) if comparison.before is not None else None
        records = [r for r in ws.records() if r.has_ocr and r.state == "done"]
        # (rel, cached read, stored record, same before, same after) of the files a side may change,
        # and, once there are enough of them, the workers' futures: the workers start (imports, the
        # corrector) while the rest of the folder is checked.
        tasks: list[tuple[str, bytes, bytes | None, bool, bool]] = []
        futures: list[Future] = []
        pool: ProcessPoolExecutor | None = None
        for record in records:
            rel, stored = record.rel, ws.dependencies_blob(record.rel)
            same_after = after_holds(record.correction_key, rel, stored)
            same_before = before_holds is None or before_holds(record.correction_key, rel, stored)
            raw_json = None if same_after and same_before else ws.raw_ocr_json(rel)
            if raw_json is None:
                if on_file is not None:
                    on_file(rel)
                continue
            tasks.append((rel, raw_json, stored, same_before, same_after))
            if pool is None and workers > 1 and len(tasks) >= PARALLEL_MIN_FILES:
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                           initargs=(comparison,))
                # (a stop, Ctrl-C, drops the files not yet begun instead of waiting for them)
                stack.callback(pool.shutdown, wait=False, cancel_futures=True)
            if pool is not None:
                futures.extend(pool.submit(_compare_in_worker, *task) for task in tasks[len(futures):])
        for i, task in enumerate(tasks):
            found.extend(futures[i].result() if i < len(futures) else compare_file(comparison, *task))
            if on_file is not None:
                on_file(task[0])
    effects: dict[str, EntryEffect] = {}
    for entry_id, change in found:
        key = entry_id or AUTOMATIC
        if key not in effects:
            effects[key] = EntryEffect(key, None if other is None else other.get(key), current.get(key),
                                       other_version=other is not None)
        effects[key].changes.append(change)
    ordered = sorted(effects.values(), key=lambda e: (-len(e.changes), e.key))
    return CorrectionsDiff(ordered, len(records), len(tasks))
