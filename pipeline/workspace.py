"""The workspace of an output folder (``OUT/.ocrfix/workspace.sqlite``): what was done to each input.

Per input file it keeps the input's hash, the hash of the options that shape OCR, the tool
version, the state (pending, done, failed) with the reason, timings, the cached raw OCR result
(the whole Document, words, boxes, confidences and alternatives, compressed) and the key of what
the corrected outputs were made with. A re-run compares these to decide, per file, whether to
skip it, re-correct it from the cached OCR, or run OCR again. Words flagged for review are kept in
their own table for the review queue.

Only the coordinating process writes here (workers return results), so SQLite's single writer is
never contended; a lock file stops two runs from sharing one output folder.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, get_args

from filelock import FileLock, Timeout

from .collection import CollectionModel, document_forms
from .errors import OcrfixError, OutputError, UsageError, WorkspaceError
from .files import file_hash
from .model import Document
from .options import Options

__all__ = ["Workspace", "FileRecord", "Outcome", "InputState", "database_error", "file_hash", "WORKSPACE_DIR", "PAGE_STATUSES", "PageStatus", "open_workspace"]

WORKSPACE_DIR = ".ocrfix"
# 2: the outputs table. Tables are added by the script below, so a workspace of 1 is brought up to
# 2 as it opens; an older ocrfix refuses a workspace of 2, as it would rewrite outputs without
# recording them, and each would then be taken for edited by hand.
_SCHEMA_VERSION = 2
_UPGRADES_FROM = ("1",)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    rel TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER,
    input_hash TEXT,
    ocr_key TEXT,
    tool_version TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    pages INTEGER,
    ocr_seconds REAL,
    correct_seconds REAL,
    correction_key TEXT,
    raw_ocr BLOB,
    changes INTEGER,
    flagged INTEGER,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS flags (
    rel TEXT NOT NULL,
    page INTEGER NOT NULL,
    line INTEGER NOT NULL,
    word INTEGER NOT NULL,
    text TEXT NOT NULL,
    confidence REAL,
    suggestions TEXT NOT NULL,
    PRIMARY KEY (rel, page, line, word)
);
CREATE INDEX IF NOT EXISTS flags_by_text ON flags (text);
-- Each document's word forms (collection.document_forms, compressed JSON): summed, the collection
-- model the corrector learns the folder's vocabulary from. Kept per file so that a re-read file
-- replaces its own counts.
CREATE TABLE IF NOT EXISTS forms (rel TEXT PRIMARY KEY, forms BLOB NOT NULL);
-- What each file's correction depended on beyond its read (dependencies.Dependencies, compressed
-- JSON): a new corrections.yaml that changes none of it confirms the file instead of redoing it.
CREATE TABLE IF NOT EXISTS dependencies (rel TEXT PRIMARY KEY, record BLOB NOT NULL);
-- Each done file's review queue (review.queue.FileScan.to_blob), written with its outputs, and how
-- often the file has each OCR form: review reads the queue from here (instead of working it out from
-- every file's read and outputs) and asks which files a decision for all occurrences reaches.
CREATE TABLE IF NOT EXISTS review_queue (rel TEXT PRIMARY KEY, scan BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS review_forms (form TEXT NOT NULL, rel TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (form, rel));
CREATE INDEX IF NOT EXISTS review_forms_by_rel ON review_forms (rel);
-- Review decisions that undo can take back (review.actions.Step as JSON), oldest first: undo
-- survives a restart of the review.
CREATE TABLE IF NOT EXISTS review_undo (seq INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT NOT NULL);
-- Proofreading in the review's page view: each page's status ('in progress' or 'proofread'), who
-- set it and when (UTC, ISO). A page with no row is not started.
CREATE TABLE IF NOT EXISTS page_status (
    rel TEXT NOT NULL, page INTEGER NOT NULL, status TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (rel, page)
);
-- What ocrfix last made of each output file (path relative to the output folder, of input rel;
-- NULL: ocrfix correct's): its size and SHA-256, and whether it went beside the file (beside = 1,
-- NAME.ocrfix-new.EXT) because the file had been edited by hand. A file that differs from its
-- record is not overwritten unasked (outputs.OutputGuard); a file with no record is ocrfix's.
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY, rel TEXT, size INTEGER NOT NULL, sha256 TEXT NOT NULL, beside INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outputs_by_rel ON outputs (rel);
"""
# What a page's proofreading has come to (no row in page_status: not started).
PageStatus = Literal["not started", "in progress", "proofread"]
PAGE_STATUSES: tuple[PageStatus, ...] = get_args(PageStatus)
# SQLite's limit on the parameters of one statement (999 before 3.32), with room to spare.
_PARAMETERS = 500


def _chunks(items: list[str]) -> Iterator[list[str]]:
    """``items`` in pieces small enough for one statement's parameters each."""
    for i in range(0, len(items), _PARAMETERS):
        yield items[i:i + _PARAMETERS]


def database_error(error: sqlite3.DatabaseError, where: Path | None = None) -> OcrfixError:
    """What a failure of the workspace database means, for a person: a full disk or a folder
    read-only to this user is no damage (told to delete the workspace, a user lost every cached
    read for a full disk), only a damaged file is. ``where``: the workspace folder, where known."""
    name = getattr(error, "sqlite_errorname", "")
    if name == "SQLITE_FULL":
        return OutputError(f"the disk is full ({error}); free some space and run again: the workspace and the outputs "
                           "so far are kept", path=where)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return WorkspaceError(f"cannot write the workspace ({error}): ocrfix writes in the output folder's .ocrfix, even "
                              "to read it; ask for write access to it, or copy the folder", path=where)
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return WorkspaceError(f"the workspace database is damaged ({error}); delete {where or 'its .ocrfix folder'} "
                              "to start afresh (the outputs stay; the next run reads the scans again)", path=where)
    return WorkspaceError(f"the workspace database failed ({error})", path=where)


class InputState(NamedTuple):
    """An input file as a run found it: its content's hash, and its size and mtime when hashed."""

    digest: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FolderSummary:
    # state -> (files, pages, seconds of OCR)
    by_state: dict[str, tuple[int, int, float]]
    cached_pages: int
    flagged: int
    # the first failed files by name, with their errors, and the first pending files by name
    # (``files`` in by_state says how many there are)
    failed: list[tuple[str, str]]
    pending_listed: list[str]
    # pages of done files by proofreading status ('in progress', 'proofread'; the rest not started)
    proofreading: dict[str, int] = field(default_factory=dict)
    # done files by the correction key they were corrected with -> (files, pages)
    done_by_correction: dict[str | None, tuple[int, int]] = field(default_factory=dict)
    # files with no cached read (pending or failed): the next run reads them, whatever changed
    unread_files: int = 0

    def done_not_with(self, correction_key: str) -> tuple[int, int]:
        """(files, pages) done but corrected with another key than ``correction_key``."""
        behind = [counts for key, counts in self.done_by_correction.items() if key != correction_key]
        return sum(f for f, _ in behind), sum(p for _, p in behind)

    def files(self, state: str) -> int:
        return self.by_state.get(state, (0, 0, 0.0))[0]

    def pages(self, state: str) -> int:
        return self.by_state.get(state, (0, 0, 0.0))[1]

    @property
    def ocr_seconds(self) -> float:
        return sum(seconds for _, _, seconds in self.by_state.values())


@dataclass(frozen=True)
class Outcome:
    """What the workspace keeps of a corrected document besides its outputs: how many words the
    correction changed, and the flagged words as rows of the flags table (page, line, word, text,
    confidence, suggestions as JSON). Small, so a worker that wrote the outputs sends only this."""

    changes: int
    flags: tuple[tuple[int, int, int, str, float | None, str], ...]
    # the file's review queue (``FileScan.to_blob``; None: review works it out itself) and its OCR
    # forms with their counts
    queue: bytes | None = None
    forms: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, corrected: Document, queue: bytes | None = None, forms: dict[str, int] | None = None) -> Outcome:
        return cls(
            queue=queue,
            forms=tuple((forms or {}).items()),
            # Rejected overrides record the kept word as a change with original == new.
            changes=sum(c.original != c.new for p in corrected.pages for c in p.changes),
            flags=tuple(
                (page.index, li, wi, word.text, word.confidence, json.dumps(word.suggestions))
                for page in corrected.pages
                for li, line in enumerate(page.lines)
                for wi, word in enumerate(line.words)
                if word.flagged
            ),
        )


@dataclass
class FileRecord:
    rel: str
    path: str
    state: str
    input_hash: str | None
    ocr_key: str | None
    correction_key: str | None
    error: str | None
    pages: int | None
    ocr_seconds: float | None
    correct_seconds: float | None
    size: int | None
    mtime_ns: int | None
    has_ocr: bool


class Workspace:
    """One output folder's SQLite workspace. Use as a context manager (``open_workspace``)."""

    def __init__(self, out_dir: Path, *, exclusive: bool):
        self.out_dir = out_dir
        self.dir = out_dir / WORKSPACE_DIR
        self._lock: FileLock | None = None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WorkspaceError(f"cannot create the workspace ({e.strerror})", path=self.dir) from e
        if exclusive:
            self._lock = FileLock(str(self.dir / "run.lock"))
            try:
                self._lock.acquire(timeout=0)
            except Timeout as e:
                raise WorkspaceError(
                    "another ocrfix run is using this output folder; wait for it to finish or choose another -o",
                    path=out_dir,
                ) from e
            except OSError as e:  # (a folder another user made, read-only to this one)
                raise WorkspaceError(f"cannot take the run's lock ({e.strerror}): ocrfix writes in the output folder's "
                                     ".ocrfix; ask for write access to it, or choose another -o", path=self.dir) from e
        try:
            # check_same_thread=False: progress callbacks may come from the executor's thread.
            self.db = sqlite3.connect(self.dir / "workspace.sqlite", timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None or row[0] in _UPGRADES_FROM:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(_SCHEMA_VERSION),))
                self.db.commit()
            elif row[0] != str(_SCHEMA_VERSION):  # (compared as text: one that is no number was a traceback)
                raise WorkspaceError(
                    f"workspace schema {row[0]} is not the {_SCHEMA_VERSION} this version reads; use a new output "
                    f"folder, or delete {self.dir} (the outputs stay; the next run reads the scans again)",
                    path=self.dir,
                )
        except sqlite3.DatabaseError as e:
            self.close()
            raise database_error(e, self.dir) from e

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None  # type: ignore[assignment]
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- files -----------------------------------------------------------------------------
    def record(self, rel: str) -> FileRecord | None:
        row = self.db.execute(
            "SELECT rel, path, state, input_hash, ocr_key, correction_key, error, pages, ocr_seconds,"
            " correct_seconds, size, mtime_ns, raw_ocr IS NOT NULL FROM files WHERE rel=?",
            (rel,),
        ).fetchone()
        return FileRecord(*row[:-1], has_ocr=bool(row[-1])) if row else None

    def records(self) -> list[FileRecord]:
        rows = self.db.execute(
            "SELECT rel, path, state, input_hash, ocr_key, correction_key, error, pages, ocr_seconds,"
            " correct_seconds, size, mtime_ns, raw_ocr IS NOT NULL FROM files ORDER BY rel"
        ).fetchall()
        return [FileRecord(*r[:-1], has_ocr=bool(r[-1])) for r in rows]

    def summary(self, listed: int | None = 20) -> "FolderSummary":
        """What ``ocrfix status`` shows, counted by SQLite (a folder of 100,000 pages must not be
        loaded file by file to be summed), with the first ``listed`` pending and failed files by
        name (None: every one)."""
        listed = -1 if listed is None else listed  # (SQLite's LIMIT -1: no limit)
        # Two passes over the files, ~0.13 s a 100,000 each. (One GROUP BY that also asks whether
        # raw_ocr is set takes 1.4 s: its sorter copies every row's cached read.) The first counts
        # the done files by the correction key they have too: a run that stopped before its end may
        # leave some corrected with other settings than the folder's last ones.
        by_state: dict[str, tuple[int, int, float]] = {}
        done_by_correction: dict[str | None, tuple[int, int]] = {}
        for state, key, files, pages, ocr in self.db.execute(
                "SELECT state, correction_key, COUNT(*), SUM(pages), SUM(ocr_seconds) FROM files GROUP BY state, correction_key"):
            before = by_state.get(state, (0, 0, 0.0))
            by_state[state] = (before[0] + files, before[1] + (pages or 0), before[2] + (ocr or 0.0))
            if state == "done":
                done_by_correction[key] = (files, pages or 0)
        cached_pages, unread_files = self.db.execute(
            "SELECT COALESCE(SUM(CASE WHEN raw_ocr IS NOT NULL THEN pages END), 0), COALESCE(SUM(raw_ocr IS NULL), 0) FROM files").fetchone()
        failed = self.db.execute("SELECT rel, COALESCE(error, '') FROM files WHERE state='failed' ORDER BY rel LIMIT ?",
                                 (listed,)).fetchall() if "failed" in by_state else []
        pending = [r for (r,) in self.db.execute("SELECT rel FROM files WHERE state='pending' ORDER BY rel LIMIT ?", (listed,))] \
            if "pending" in by_state else []
        # (pages of files that are done: a file read again keeps its pages' status)
        proofreading = dict(self.db.execute(
            "SELECT s.status, COUNT(*) FROM page_status s JOIN files f ON f.rel = s.rel WHERE f.state='done' GROUP BY s.status"))
        return FolderSummary(by_state=by_state, cached_pages=cached_pages, flagged=self.flag_count(), failed=failed,
                             pending_listed=pending, proofreading=proofreading, done_by_correction=done_by_correction,
                             unread_files=unread_files)

    def input_hash(self, rel: str, path: Path) -> InputState:
        """The input's hash, reusing the stored one when size and mtime are unchanged (no re-read),
        with the size and mtime it had before it was hashed: those are what ``store_ocr`` keeps, so
        that a scan replaced while the run reads it is hashed and read again next time (its size and
        mtime taken after the read made the old hash look current: the old text stayed for good).
        A scan touched but the same (a copy, a restore) keeps its read, and its new size and mtime
        are kept at once, so that later runs do not hash it again."""
        st = path.stat()
        row = self.db.execute("SELECT size, mtime_ns, input_hash FROM files WHERE rel=?", (rel,)).fetchone()
        if row and row[0] == st.st_size and row[1] == st.st_mtime_ns and row[2]:
            return InputState(row[2], st.st_size, st.st_mtime_ns)
        digest = file_hash(path)
        if row and row[2] == digest:
            self.db.execute("UPDATE files SET size=?, mtime_ns=? WHERE rel=?", (st.st_size, st.st_mtime_ns, rel))
        return InputState(digest, st.st_size, st.st_mtime_ns)

    def mark_pending(self, rel: str, path: Path) -> None:
        self.db.execute(
            "INSERT INTO files (rel, path, state, updated_at) VALUES (?, ?, 'pending', ?)"
            " ON CONFLICT(rel) DO UPDATE SET path=excluded.path,"
            " state=CASE WHEN files.state='done' THEN 'done' ELSE 'pending' END",
            (rel, str(path), time.time()),
        )

    def store_ocr(self, rel: str, state: InputState, ocr_key: str, tool_version: str, raw: Document,
                  seconds: float) -> dict[str, tuple[int, int]]:
        """Keep a file's raw OCR, read from the input as ``input_hash`` found it; returns its word
        forms (``document_forms``), stored with it."""
        input_hash = state.digest
        blob = zlib.compress(raw.model_dump_json().encode("utf-8"), 6)
        # A new read: what the last correction depended on belongs to the old one.
        self.db.execute("DELETE FROM dependencies WHERE rel=?", (rel,))
        before = self.db.execute("SELECT input_hash FROM files WHERE rel=?", (rel,)).fetchone()
        if before is not None and before[0] is not None and before[0] != input_hash:
            # Another scan under the same name: nobody has proofread its pages.
            self.db.execute("DELETE FROM page_status WHERE rel=?", (rel,))
        self.db.execute("DELETE FROM page_status WHERE rel=? AND page>=?", (rel, len(raw.pages)))
        self.db.execute(
            "UPDATE files SET size=?, mtime_ns=?, input_hash=?, ocr_key=?, tool_version=?, raw_ocr=?,"
            " pages=?, ocr_seconds=?, correction_key=NULL, updated_at=? WHERE rel=?",
            (state.size, state.mtime_ns, input_hash, ocr_key, tool_version, blob, len(raw.pages), seconds, time.time(), rel),
        )
        return self._store_forms(rel, raw)

    def _store_forms(self, rel: str, raw: Document) -> dict[str, tuple[int, int]]:
        forms = document_forms(raw.pages)
        blob = zlib.compress(json.dumps(forms, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
        self.db.execute("INSERT OR REPLACE INTO forms VALUES (?, ?)", (rel, blob))
        return forms

    def collection(self, leaving_out: Collection[str] = ()) -> CollectionModel:
        """The collection model of every file with cached OCR but those ``leaving_out`` (files about
        to be read again: their new reads are counted as they come), counted from the OCR where a
        workspace made before the model existed has no counts for a file."""
        model = CollectionModel()
        stored = dict(self.db.execute("SELECT rel, forms FROM forms").fetchall())
        for (rel,) in self.db.execute("SELECT rel FROM files WHERE raw_ocr IS NOT NULL ORDER BY rel").fetchall():
            if rel in leaving_out:
                continue
            if rel in stored:
                model.add_forms({f: tuple(v) for f, v in json.loads(zlib.decompress(stored[rel])).items()})
            else:
                raw = self.raw_ocr(rel)
                assert raw is not None
                model.add_forms(self._store_forms(rel, raw))
        return model

    def raw_ocr(self, rel: str) -> Document | None:
        text = self.raw_ocr_json(rel)
        return None if text is None else Document.model_validate_json(text)

    def raw_ocr_json(self, rel: str) -> bytes | None:
        """The cached read of a file as JSON (for a worker to parse: cheaper to send than a Document)."""
        row = self.db.execute("SELECT raw_ocr FROM files WHERE rel=?", (rel,)).fetchone()
        if not row or row[0] is None:
            return None
        return zlib.decompress(row[0])

    def dependencies_blob(self, rel: str) -> bytes | None:
        """A file's record of dependencies as stored (``Dependencies.from_blob`` reads it)."""
        row = self.db.execute("SELECT record FROM dependencies WHERE rel=?", (rel,)).fetchone()
        return None if row is None else row[0]

    def begin_outputs(self, rel: str) -> None:
        """A file's outputs are about to be rewritten: its correction and its record of
        dependencies no longer describe them (``mark_done`` sets both again)."""
        self.db.execute("DELETE FROM dependencies WHERE rel=?", (rel,))
        self._forget_queue(rel)
        self.db.execute("UPDATE files SET correction_key=NULL WHERE rel=?", (rel,))

    def confirm(self, rel: str, correction_key: str) -> None:
        """A done file whose outputs the new correction key leaves exactly as they are."""
        self.db.execute("UPDATE files SET correction_key=?, updated_at=? WHERE rel=? AND state='done'",
                        (correction_key, time.time(), rel))

    def mark_done(self, rel: str, correction_key: str, outcome: Outcome, seconds: float,
                  dependencies: bytes | None = None) -> None:
        """``dependencies``: the file's ``Dependencies.to_blob()`` (None: none recorded)."""
        if dependencies is None:
            self.db.execute("DELETE FROM dependencies WHERE rel=?", (rel,))
        else:
            self.db.execute("INSERT OR REPLACE INTO dependencies VALUES (?, ?)", (rel, dependencies))
        self._forget_queue(rel)
        if outcome.queue is not None:
            self.db.execute("INSERT INTO review_queue VALUES (?, ?)", (rel, outcome.queue))
            self.db.executemany("INSERT INTO review_forms VALUES (?, ?, ?)", [(form, rel, n) for form, n in outcome.forms])
        self.db.execute("DELETE FROM flags WHERE rel=?", (rel,))
        self.db.executemany("INSERT OR REPLACE INTO flags VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(rel, *flag) for flag in outcome.flags])
        self.db.execute(
            "UPDATE files SET state='done', error=NULL, correction_key=?, correct_seconds=?, changes=?, flagged=?,"
            " updated_at=? WHERE rel=?",
            (correction_key, seconds, outcome.changes, len(outcome.flags), time.time(), rel),
        )

    # -- what ocrfix wrote to each output ----------------------------------------------------------
    def output_records(self, rel: str | None = None, paths: list[str] | None = None) -> dict[str, tuple[int, str]]:
        """path -> (size, SHA-256) of what ocrfix last made of the outputs of input ``rel``, or of
        the outputs at ``paths`` (relative to the output folder, as ``record_outputs`` keeps them)."""
        if paths is None:
            rows = self.db.execute("SELECT path, size, sha256 FROM outputs WHERE rel=?", (rel,)).fetchall()
        else:
            rows = [row for chunk in _chunks(paths) for row in self.db.execute(
                f"SELECT path, size, sha256 FROM outputs WHERE path IN ({','.join('?' * len(chunk))})", chunk)]
        return {path: (size, digest) for path, size, digest in rows}

    def record_outputs(self, rel: str | None, written: Iterable[tuple[str, int, str, str | None]]) -> None:
        """Keep what was made of each output: (path, size, SHA-256, where it went beside the file
        or None); ``rel``: the input it is of (None: ocrfix correct's, which keeps an input's record)."""
        self.db.executemany(
            "INSERT INTO outputs (path, rel, size, sha256, beside) VALUES (?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET"
            " rel=COALESCE(excluded.rel, outputs.rel), size=excluded.size, sha256=excluded.sha256, beside=excluded.beside",
            [(path, rel, size, digest, int(beside is not None)) for path, size, digest, beside in written])

    def with_new_versions(self) -> set[str]:
        """The inputs with an output whose newest version waits beside it (its file was edited by hand)."""
        return {rel for (rel,) in self.db.execute("SELECT DISTINCT rel FROM outputs WHERE beside=1 AND rel IS NOT NULL")}

    def _forget_queue(self, rel: str) -> None:
        self.db.execute("DELETE FROM review_queue WHERE rel=?", (rel,))
        self.db.execute("DELETE FROM review_forms WHERE rel=?", (rel,))

    def mark_failed(self, rel: str, error: str) -> None:
        self._forget_queue(rel)
        self.db.execute(
            "UPDATE files SET state='failed', error=?, correction_key=NULL, updated_at=? WHERE rel=?",
            (error, time.time(), rel),
        )

    def save_options(self, options: Options) -> None:
        """Remember the options of the last run, so review can regenerate outputs the same way."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('options', ?)", (options.model_dump_json(),))

    def collection_unsettled(self) -> bool:
        """Whether a run that corrected files of this folder stopped before the end, where every
        file it corrected is corrected again against the whole collection model: some done files
        may have been corrected against part of it."""
        row = self.db.execute("SELECT value FROM meta WHERE key='collection_settled'").fetchone()
        return row is not None and row[0] == "no"

    def mark_collection(self, settled: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('collection_settled', ?)", ("yes" if settled else "no",))

    def save_key_parts(self, parts: dict[str, str]) -> None:
        """What the last run's cache keys were made of, by name (for ``ocrfix status``)."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('key_parts', ?)", (json.dumps(parts, sort_keys=True),))

    def saved_key_parts(self) -> dict[str, str]:
        row = self.db.execute("SELECT value FROM meta WHERE key='key_parts'").fetchone()
        return json.loads(row[0]) if row else {}

    def saved_options(self) -> Options | None:
        """The options of the last run, or None where none were recorded (or they no longer parse)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='options'").fetchone()
        if not row:
            return None
        try:
            return Options.model_validate_json(row[0])
        except ValueError:
            return None

    def run_options(self) -> Options:
        """The options of the last run, for regenerating its outputs; a usage error where there are none,
        or where they are another version's that this one cannot read."""
        options = self.saved_options()
        if options is None:
            recorded = self.db.execute("SELECT 1 FROM meta WHERE key='options'").fetchone() is not None
            # (a record this version cannot read was reported as no record at all)
            raise UsageError("the options the last run recorded are another version's (of ocrfix) and this one cannot "
                             "read them; run `ocrfix process` again to record them anew" if recorded else
                             "has no record of the options it was made with; run `ocrfix process` again", path=self.out_dir)
        return options

    def commit(self) -> None:
        self.db.commit()

    def queues(self, rels: list[str] | None = None) -> dict[str, tuple[str | None, bytes]]:
        """The stored review queue (``FileScan.from_blob`` reads one) of every done file, or of
        ``rels``, with the correction key it was stored under: rel -> (key, queue)."""
        query = ("SELECT q.rel, f.correction_key, q.scan FROM review_queue q JOIN files f ON f.rel = q.rel"
                 " WHERE f.state = 'done'")
        if rels is None:
            rows = self.db.execute(query).fetchall()
        else:
            rows = [row for chunk in _chunks(rels) for row in self.db.execute(query + f" AND q.rel IN ({','.join('?' * len(chunk))})", chunk)]
        return {rel: (key, scan) for rel, key, scan in rows}

    def form_counts(self, forms: list[str]) -> dict[str, dict[str, int]]:
        """For files with a stored queue: rel -> {form: occurrences} of those of ``forms`` it has."""
        out: dict[str, dict[str, int]] = {}
        for chunk in _chunks(forms):
            rows = self.db.execute(f"SELECT rel, form, count FROM review_forms WHERE form IN ({','.join('?' * len(chunk))})", chunk)
            for rel, form, count in rows:
                out.setdefault(rel, {})[form] = count
        return out

    # -- review decisions that can be undone (oldest first) --------------------------------------
    def review_steps(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT step FROM review_undo ORDER BY seq")]

    def push_review_step(self, step_json: str) -> None:
        self.db.execute("INSERT INTO review_undo (step) VALUES (?)", (step_json,))
        self.db.commit()

    def run_in_progress(self) -> bool:
        """Whether an `ocrfix process` run holds this folder now (its lock is taken)."""
        if self._lock is not None:
            return True  # (this very workspace is the run's)
        if not (self.dir / "run.lock").exists():
            return False  # (no run ever held it: nothing to create from a read-only command)
        # Taken for an instant: a run starting in that instant is told another run holds the folder.
        lock = FileLock(str(self.dir / "run.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        except OSError:  # (the lock is read-only to this user: whoever runs there, it cannot be told)
            return False
        lock.release()
        return False

    def pop_review_step(self, step_json: str) -> None:
        """Forget a review decision (it was undone): the newest one recorded as ``step_json``, not
        the newest of all, which may be another review session's."""
        self.db.execute("DELETE FROM review_undo WHERE seq = (SELECT MAX(seq) FROM review_undo WHERE step = ?)", (step_json,))
        self.db.commit()

    # -- proofreading ------------------------------------------------------------------------------
    def page_status(self, rel: str, page: int) -> str:
        row = self.db.execute("SELECT status FROM page_status WHERE rel=? AND page=?", (rel, page)).fetchone()
        return row[0] if row else "not started"

    def page_statuses(self) -> dict[tuple[str, int], str]:
        """(rel, page) -> status of every page proofreading has started on."""
        return {(rel, page): status for rel, page, status in self.db.execute("SELECT rel, page, status FROM page_status")}

    def set_page_status(self, rel: str, page: int, status: PageStatus, by: str) -> None:
        if status not in PAGE_STATUSES:
            raise UsageError(f"a page's status is one of {', '.join(PAGE_STATUSES)}, not {status!r}")
        if status == "not started":
            self.db.execute("DELETE FROM page_status WHERE rel=? AND page=?", (rel, page))
        else:
            at = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
            self.db.execute("INSERT OR REPLACE INTO page_status VALUES (?, ?, ?, ?, ?)", (rel, page, status, by, at))
        self.db.commit()

    def file_names(self) -> list[str]:
        """Every file's rel (from the key's index: no pass over the table and its cached reads)."""
        return [rel for (rel,) in self.db.execute("SELECT rel FROM files")]

    def done_files(self, rels: list[str] | None = None) -> list[tuple[str, int | None]]:
        """(rel, pages) of every done file, or of those of ``rels``, by name."""
        if rels is None:
            return self.db.execute("SELECT rel, pages FROM files WHERE state='done' ORDER BY rel").fetchall()
        found = [row for chunk in _chunks(rels) for row in self.db.execute(
            f"SELECT rel, pages FROM files WHERE state='done' AND rel IN ({','.join('?' * len(chunk))})", chunk)]
        return sorted(found)

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT state, COUNT(*) FROM files GROUP BY state").fetchall())

    def flag_count(self) -> int:
        """Words flagged for review in the folder's current outputs (this run's and earlier ones')."""
        return self.db.execute("SELECT COUNT(*) FROM flags").fetchone()[0]

    def flags(self) -> Iterator[tuple[str, int, int, int, str, float | None, list[str]]]:
        for rel, page, line, word, text, conf, sugg in self.db.execute(
            "SELECT rel, page, line, word, text, confidence, suggestions FROM flags ORDER BY rel, page, line, word"
        ):
            yield rel, page, line, word, text, conf, json.loads(sugg)


@contextmanager
def open_workspace(out_dir: Path, *, exclusive: bool = False, create: bool = True) -> Iterator[Workspace]:
    """Open ``OUT/.ocrfix``; ``exclusive`` for a run that writes (one run per output folder)."""
    if not create and not (out_dir / WORKSPACE_DIR / "workspace.sqlite").exists():
        raise WorkspaceError("is not an ocrfix output folder (no .ocrfix/workspace.sqlite); run `ocrfix process` first", path=out_dir)
    ws = Workspace(out_dir, exclusive=exclusive)
    try:
        yield ws
    finally:
        ws.close()
