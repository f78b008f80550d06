"""corrections.yaml: human-approved corrections, applied on every run before anything automatic.

A person's decision about an OCR form ("chvisage" is *envisage*; "Sulverb" stays exactly as typed)
is an :class:`Entry` in ``corrections.yaml``, a file people read, diff and review like code. This
module is that file's schema (versioned, validated with pydantic), its loader (every problem
reported as ``file:line: what is wrong``), its writer (ruamel.yaml round-trip, so comments, order
and hand formatting survive; atomic; under a lock, re-reading inside the lock so that concurrent
writers never lose an entry; a malformed file is never overwritten) and :func:`apply_overrides`,
the first correction stage.

Precedence, for each word: the narrowest matching scope wins (one word on one page > documents
matching a glob > everywhere); among matches of the same scope the longest span of words wins;
two entries of the same scope that match the same words with different results are an error that
names both. Words an override decided (replaced, or kept because the entry is ``rejected``) are
returned so that the automatic corrector leaves them alone.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import CorrectionsFileError, UsageError
from .model import Change, Line, Page, Word, box_iou, union_box
from .tokens import split_token

__all__ = [
    "SCHEMA_VERSION",
    "Scope",
    "Entry",
    "Corrections",
    "load_corrections",
    "parse_corrections",
    "apply_overrides",
    "add_entry",
    "save_entry",
    "remove_entry",
    "new_entry",
    "scope_from_yaml",
    "split_token",
    "FILE_HEADER",
    "count_fired",
]

SCHEMA_VERSION = 1
# A word-scoped entry matches a word whose box overlaps the entry's box at least this much
# (intersection over union): a re-OCR after a preprocessing change moves boxes by a few pixels.
MIN_BOX_IOU = 0.5
LOCK_TIMEOUT_S = 60.0

FILE_HEADER = """\
# corrections.yaml: human-approved OCR corrections for ocrfix.
#
# Each entry is a decision a person made about a word the OCR got wrong (or that looks wrong but
# is right). ocrfix applies these on every run, before its automatic corrector, and records each
# use in the page JSON as a change with source "override" and the entry's id.
#
#   ocr:          the text as the OCR reads it (one or more words; surrounding quotes, brackets,
#                 trailing .,;: and a possessive 's are kept around the replacement)
#   replacement:  what it should say (status: approved)
#   status:       approved (replace it) or rejected (keep the OCR text exactly; never auto-correct it)
#   match:        exact (the default) or ignore-case (the found word's case is carried over)
#   scope:        everywhere | {documents: GLOB} | {document: PATH, page: N, box: [x0, y0, x1, y1]}
#                 (paths as named in the output folder; a glob without "/" also matches a file name;
#                 the narrowest scope wins)
#   approved_by, approved_at, note, context: who decided, when, why, and the line it was seen in
#
# Edit by hand or with `ocrfix corrections add|reject|remove`; the tool keeps comments and order,
# and `ocrfix corrections validate` checks the file.

"""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------------------------
# Schema


class Scope(_Frozen):
    """Where an entry applies. No documents: everywhere; documents only: any document matching one
    of the globs; documents + page + box: one word (the one under ``box``) on that page."""

    documents: tuple[str, ...] = ()
    page: int | None = Field(default=None, ge=0)
    box: tuple[int, int, int, int] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scope:
        if (self.page is None) != (self.box is None):
            raise ValueError("a one-word scope needs both page and box")
        if self.page is not None and len(self.documents) != 1:
            raise ValueError("a one-word scope needs exactly one document")
        if self.box is not None and not (self.box[0] < self.box[2] and self.box[1] < self.box[3]):
            raise ValueError("box must be [x0, y0, x1, y1] with x0 < x1 and y0 < y1")
        if any(not g.strip() for g in self.documents):
            raise ValueError("a document glob is empty")
        return self

    @property
    def kind(self) -> Literal["everywhere", "documents", "word"]:
        if self.page is not None:
            return "word"
        return "documents" if self.documents else "everywhere"

    @property
    def rank(self) -> int:
        """Narrower scopes rank higher and win."""
        return {"everywhere": 0, "documents": 1, "word": 2}[self.kind]

    def matches_document(self, document: str) -> bool:
        if not self.documents:
            return True
        doc = document.replace("\\", "/")
        name = doc.rsplit("/", 1)[-1]
        return any(fnmatchcase(doc, g) or ("/" not in g and fnmatchcase(name, g)) for g in self.documents)

    def describe(self) -> str:
        if self.kind == "everywhere":
            return "everywhere"
        if self.kind == "documents":
            return "documents " + ", ".join(self.documents)
        return f"{self.documents[0]} page {self.page} box {list(self.box or ())}"

    def to_yaml(self) -> Any:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        if self.kind == "everywhere":
            return "everywhere"
        node = CommentedMap()
        if self.kind == "documents":
            node["documents"] = self.documents[0] if len(self.documents) == 1 else list(self.documents)
            node.fa.set_flow_style()
            return node
        node["document"] = self.documents[0]
        node["page"] = self.page
        box = CommentedSeq(self.box)
        box.fa.set_flow_style()
        node["box"] = box
        return node

    def canonical(self) -> str:
        return json.dumps([sorted(self.documents), self.page, list(self.box) if self.box else None])


def scope_from_yaml(value: Any) -> Scope:
    """``everywhere`` | ``{documents: GLOB or [GLOB, ...]}`` | ``{document: PATH, page: N, box: [...]}``."""
    if value is None or isinstance(value, Scope):
        return value or Scope()
    if isinstance(value, str):
        if value.strip() == "everywhere":
            return Scope()
        raise ValueError(f"scope must be 'everywhere' or a mapping (documents: GLOB, or document/page/box), not {value!r}")
    if not isinstance(value, dict):
        raise ValueError("scope must be 'everywhere' or a mapping (documents: GLOB, or document/page/box)")
    keys = set(value)
    if "documents" in keys:
        if keys != {"documents"}:
            raise ValueError("a documents scope has only the key 'documents' (for one word use document, page, box)")
        docs = value["documents"]
        docs = [docs] if isinstance(docs, str) else docs
        if not isinstance(docs, list) or not docs or not all(isinstance(d, str) for d in docs):
            raise ValueError("documents must be a glob or a list of globs")
        return _make_scope(documents=tuple(docs))
    if keys == {"document", "page", "box"}:
        doc, box = value["document"], value["box"]
        if not isinstance(doc, str):
            raise ValueError("document must be a path")
        if not isinstance(box, list) or len(box) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in box):
            raise ValueError("box must be four whole numbers [x0, y0, x1, y1]")
        return _make_scope(documents=(doc,), page=value["page"], box=tuple(box))
    raise ValueError(
        f"unknown scope keys {', '.join(sorted(map(str, keys)))}; use 'everywhere', {{documents: GLOB}} "
        "or {document: PATH, page: N, box: [x0, y0, x1, y1]}"
    )


def _make_scope(**fields: Any) -> Scope:
    try:
        return Scope(**fields)
    except ValidationError as e:
        raise ValueError(_first_error(e)[1]) from None


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Entry(_Frozen):
    """One human decision about an OCR form."""

    id: str | None = None
    ocr: str
    replacement: str | None = None
    match: Literal["exact", "ignore-case"] = "exact"
    status: Literal["approved", "rejected"] = "approved"
    scope: Scope = Scope()
    approved_by: str
    approved_at: str
    note: str | None = None
    context: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise ValueError("an id is letters, digits, '_', '.' or '-'")
        return value

    @field_validator("ocr", "replacement")
    @classmethod
    def _words(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("approved_by")
    @classmethod
    def _who(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say who decided")
        return value.strip()

    @field_validator("approved_at", mode="before")
    @classmethod
    def _when(cls, value: Any) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.isoformat()
            return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError("must be an ISO date or time, e.g. 2026-11-28 or 2026-11-28T14:30:00Z") from None
            return value
        raise ValueError("must be an ISO date or time, e.g. 2026-11-28 or 2026-11-28T14:30:00Z")

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: Any) -> Scope:
        return scope_from_yaml(value)

    @model_validator(mode="after")
    def _status(self) -> Entry:
        if self.status == "approved":
            if self.replacement is None:
                raise ValueError("an approved entry needs a replacement (or status: rejected to keep the OCR text)")
            if self.replacement == self.ocr:
                raise ValueError("the replacement is the OCR form itself; use status: rejected to keep it as typed")
        elif self.replacement is not None and self.replacement != self.ocr:
            raise ValueError("a rejected entry keeps the OCR text: leave out replacement")
        return self

    # -- identity and effect ------------------------------------------------------------------

    def key(self) -> str:
        """What the entry matches, and where: two entries with the same key decide the same words."""
        form = self.ocr if self.match == "exact" else self.ocr.casefold()
        return f"{self.match}|{form}|{self.scope.canonical()}"

    def derived_id(self) -> str:
        """A short, stable id from what the entry matches and where (the same in every checkout)."""
        return "c" + hashlib.sha1(self.key().encode("utf-8")).hexdigest()[:6]

    @property
    def entry_id(self) -> str:
        return self.id or self.derived_id()

    def effect(self) -> tuple[str, str | None]:
        return (self.status, self.replacement if self.status == "approved" else None)

    def describe(self) -> str:
        what = f"{self.ocr!r} -> {self.replacement!r}" if self.status == "approved" else f"{self.ocr!r} kept as typed"
        return f"{self.entry_id} ({what}, {self.scope.describe()})"

    def to_yaml(self) -> Any:
        from ruamel.yaml.comments import CommentedMap

        node = CommentedMap()
        node["id"] = self.entry_id
        node["ocr"] = self.ocr
        if self.status == "approved":
            node["replacement"] = self.replacement
        if self.match != "exact":
            node["match"] = self.match
        node["status"] = self.status
        node["scope"] = self.scope.to_yaml()
        node["approved_by"] = self.approved_by
        node["approved_at"] = self.approved_at
        if self.note:
            node["note"] = self.note
        if self.context:
            node["context"] = self.context
        return node


def new_entry(
    ocr: str,
    replacement: str | None,
    *,
    status: Literal["approved", "rejected"] = "approved",
    scope: Scope | None = None,
    match: Literal["exact", "ignore-case"] = "exact",
    approved_by: str,
    approved_at: str | datetime | None = None,
    note: str | None = None,
    context: str | None = None,
) -> Entry:
    """An entry made by the tool (the CLI or the review app), stamped now unless told otherwise."""
    when = approved_at or datetime.now(timezone.utc).replace(microsecond=0)
    try:
        entry = Entry(
            ocr=ocr,
            replacement=replacement if status == "approved" else None,
            status=status,
            scope=scope or Scope(),
            match=match,
            approved_by=approved_by,
            approved_at=when,
            note=note or None,
            context=context or None,
        )
    except ValidationError as e:
        raise UsageError(f"not a valid entry: {_first_error(e)[1]}") from e
    return entry.model_copy(update={"id": entry.derived_id()})


# --------------------------------------------------------------------------------------------------
# The loaded file


@dataclass(frozen=True)
class Corrections:
    """The entries of one corrections.yaml (ids filled in). Hashable and picklable."""

    path: Path | None = None
    entries: tuple[Entry, ...] = ()
    # 1-based line of each entry in the file, for messages (not part of equality).
    lines: tuple[int, ...] = field(default=(), compare=False)

    def known_words(self) -> frozenset[str]:
        """Approved replacements: words the corrector must treat as correct (as written and lower case)."""
        words: set[str] = set()
        for entry in self.entries:
            if entry.status == "approved" and entry.replacement:
                for token in entry.replacement.split():
                    core = split_token(token)[1] or token
                    words.update((core, core.lower()))
        return frozenset(words)

    def decisions(self) -> tuple[tuple[str, str], ...]:
        """Approved one-word corrections as (OCR core, replacement core): what the corrector's
        character-confusion model learns from (one reviewer's decision helps everywhere)."""
        pairs = []
        for entry in self.entries:
            if entry.status == "approved" and entry.replacement and " " not in entry.ocr and " " not in entry.replacement:
                pairs.append((split_token(entry.ocr)[1], split_token(entry.replacement)[1]))
        return tuple(sorted(set(pairs)))

    def rejected_words(self) -> frozenset[str]:
        """OCR forms a person kept, in any scope: real words (names, period spellings), so the
        corrector knows them (scoped rejections still decide only their own places)."""
        words: set[str] = set()
        for entry in self.entries:
            if entry.status == "rejected":
                for token in entry.ocr.split():
                    core = split_token(token)[1] or token
                    words.update((core, core.lower()))
        return frozenset(words)

    def protected_words(self) -> frozenset[str]:
        """OCR forms rejected everywhere: never auto-corrected (with case variants for ignore-case entries).

        Rejections scoped to some documents or one word are not here: the corrector has no notion
        of documents, and :func:`apply_overrides` already returns the positions they decide.
        """
        words: set[str] = set()
        for entry in self.entries:
            if entry.status == "rejected" and entry.scope.kind == "everywhere":
                for token in entry.ocr.split():
                    core = split_token(token)[1] or token
                    words.add(core)
                    if entry.match == "ignore-case":
                        words.update((core.lower(), core.upper(), core[:1].upper() + core[1:].lower()))
        return frozenset(words)

    def fingerprint(self) -> str:
        """A stable hash of what the entries do (not of notes, names or dates, nor of their order)."""
        if not self.entries:
            return ""
        rows = sorted(
            json.dumps([e.entry_id, e.key(), e.status, e.replacement if e.status == "approved" else None])
            for e in self.entries
        )
        return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:16]

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.entry_id == entry_id), None)

    def line_of(self, entry: Entry) -> int | None:
        for i, e in enumerate(self.entries):
            if e is entry or e.entry_id == entry.entry_id:
                return self.lines[i] if i < len(self.lines) else None
        return None

    @functools.cached_property
    def _index(self) -> dict[str, tuple[Entry, ...]]:
        """Entries by the case-folded core of their first word (cached per instance, not pickled)."""
        index: dict[str, list[Entry]] = {}
        for entry in self.entries:
            first = entry.ocr.split()[0]
            index.setdefault(first.casefold(), []).append(entry)
        return {k: tuple(v) for k, v in index.items()}

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.path, self.entries))

    def __hash__(self) -> int:
        # Cached: the corrections are an lru_cache key for every document of a batch.
        return self._hash

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


# --------------------------------------------------------------------------------------------------
# Reading


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a person's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _guess_indent(yaml, text: str) -> None:
    """Write back in the file's own indentation (block sequences flush or indented)."""
    seq = re.search(r"^corrections:[ \t]*(?:#.*)?\n(?:[ \t]*(?:#.*)?\n)*([ \t]*)- ", text, re.MULTILINE)
    if seq is None:
        return
    offset = len(seq.group(1))
    after = re.search(r"^[ \t]*- +", text[seq.start(1):], re.MULTILINE)
    dash_width = len(after.group(0)) - offset if after else 2
    yaml.indent(mapping=max(dash_width, 2) if offset == 0 else 2, sequence=offset + dash_width, offset=offset)


def _line_of(node: Any, loc: tuple[Any, ...], default: int) -> int:
    """The 1-based line of the deepest key in ``loc`` that exists in the ruamel node tree."""
    line = default
    for part in loc:
        try:
            if hasattr(node, "lc") and isinstance(node, dict) and part in node:
                line = node.lc.key(part)[0] + 1
            elif hasattr(node, "lc") and isinstance(node, list) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0] + 1
            else:
                break
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _first_error(e: ValidationError) -> tuple[tuple[Any, ...], str]:
    errors = e.errors(include_url=False)
    # A misspelt field name is the cause of the "missing" error it comes with: report it first.
    err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "tagged-union"))))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "is missing"
    elif err["type"] == "string_type" and err.get("input") is not None:
        msg = f"must be text, not {err['input']!r}: put it in quotes"
    elif err["type"] == "extra_forbidden":
        msg = "is not a known field (known: " + ", ".join(Entry.model_fields) + ")"
    where = ".".join(str(p) for p in loc)
    return loc, f"{where}: {msg}" if where else msg


def _to_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _parse_yaml(text: str, path: Path) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(e.problem or e.context or "the YAML cannot be read").split())
        if "mapping values are not allowed" in what or "expected <block end>" in what:
            what += " (check the indentation; text containing ': ' or ' #' or starting with a quote needs quotes around it all)"
        raise CorrectionsFileError(f"YAML syntax error: {what}", path=path, line=line) from e
    except YAMLError as e:
        raise CorrectionsFileError(f"YAML error: {' '.join(str(e).split())}", path=path) from e


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise CorrectionsFileError("not UTF-8 text", path=path, line=line) from e


def _validate(doc: Any, path: Path) -> Corrections:
    """The entries of a parsed file, or CorrectionsFileError naming the file, line and problem."""
    if doc is None:
        return Corrections(path=path)
    if not isinstance(doc, dict):
        raise CorrectionsFileError("the file must be a mapping with 'version' and 'corrections'", path=path, line=1)
    top_line = lambda key: doc.lc.key(key)[0] + 1 if hasattr(doc, "lc") and key in doc else 1  # noqa: E731
    unknown = [k for k in doc if k not in ("version", "corrections")]
    if unknown:
        raise CorrectionsFileError(
            f"unknown top-level key {unknown[0]!r} (the file has 'version' and 'corrections')", path=path, line=top_line(unknown[0])
        )
    version = doc.get("version")
    if version is None:
        raise CorrectionsFileError(f"missing 'version: {SCHEMA_VERSION}' at the top", path=path, line=1)
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        raise CorrectionsFileError(
            f"version {version!r} is {'newer than this ocrfix understands; upgrade ocrfix' if newer else 'not a known version'}"
            f" (this ocrfix reads version {SCHEMA_VERSION})",
            path=path,
            line=top_line("version"),
        )
    items = doc.get("corrections")
    if items is None:
        return Corrections(path=path)
    if not isinstance(items, list):
        raise CorrectionsFileError("'corrections' must be a list of entries (each starting with '- ')", path=path, line=top_line("corrections"))
    entries, lines = _validate_items(items, path)
    corrections = Corrections(path=path, entries=entries, lines=lines)
    _check_consistent(corrections)
    return corrections


def _validate_items(items: Any, path: Path, first: int = 0) -> tuple[tuple[Entry, ...], tuple[int, ...]]:
    """The entries of a ruamel sequence (``first``: how many entries come before it in the file)."""
    entries: list[Entry] = []
    lines: list[int] = []
    for i, item in enumerate(items):
        item_line = items.lc.item(i)[0] + 1
        number = first + i + 1
        if not isinstance(item, dict):
            raise CorrectionsFileError(f"entry {number} must be a mapping (ocr:, replacement:, ...)", path=path, line=item_line)
        try:
            entry = Entry.model_validate(_to_plain(item))
        except ValidationError as e:
            loc, msg = _first_error(e)
            name = item.get("id") or (f"{number} ({item['ocr']!r})" if isinstance(item.get("ocr"), str) else f"{number}")
            raise CorrectionsFileError(f"entry {name}: {msg}", path=path, line=_line_of(item, loc, item_line)) from e
        entries.append(entry if entry.id else entry.model_copy(update={"id": entry.derived_id()}))
        lines.append(item_line)
    return tuple(entries), tuple(lines)


def _same_place(a: Scope, b: Scope) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "word":
        return a.documents == b.documents and a.page == b.page and box_iou(a.box, b.box) >= MIN_BOX_IOU
    return set(a.documents) == set(b.documents)


def _same_form(a: Entry, b: Entry) -> bool:
    if a.match == "exact" and b.match == "exact":
        return a.ocr == b.ocr
    return a.ocr.casefold() == b.ocr.casefold()


def _conflict(a: Entry, b: Entry) -> bool:
    return _same_form(a, b) and _same_place(a.scope, b.scope) and a.effect() != b.effect()


def _check_consistent(corrections: Corrections) -> None:
    path = corrections.path
    by_form: dict[str, list[int]] = {}
    for i, entry in enumerate(corrections.entries):
        by_form.setdefault(entry.ocr.casefold(), []).append(i)
    for group in by_form.values():
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                a, b = corrections.entries[i], corrections.entries[j]
                if _conflict(a, b):
                    raise CorrectionsFileError(
                        f"entries {a.describe()} (line {corrections.lines[i]}) and {b.describe()} conflict: "
                        "same words, same scope, different decisions; remove one or narrow its scope",
                        path=path,
                        line=corrections.lines[j],
                    )
    seen: dict[str, int] = {}
    for i, entry in enumerate(corrections.entries):
        line = corrections.lines[i] if i < len(corrections.lines) else None
        if entry.entry_id in seen:
            j = seen[entry.entry_id]
            raise CorrectionsFileError(
                f"entry id {entry.entry_id} is used twice (also at line {corrections.lines[j]}); ids must be unique",
                path=path,
                line=line,
            )
        seen[entry.entry_id] = i


def parse_corrections(text: str, path: Path) -> Corrections:
    """Validate corrections.yaml text (``path`` is for messages)."""
    return _validate(_parse_yaml(text, path), path)


def load_corrections(path: Path) -> Corrections:
    """The overrides in ``path``: none when it does not exist; CorrectionsFileError when it is broken."""
    path = Path(path)
    state = _state(path)
    return state.corrections if state.text is not None else Corrections()


# --------------------------------------------------------------------------------------------------
# Writing (the CLI and the review app)


@contextlib.contextmanager
def _locked(path: Path):
    from filelock import FileLock, Timeout

    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path), timeout=LOCK_TIMEOUT_S)
        with lock:
            yield
    except Timeout as e:
        raise CorrectionsFileError(
            f"another ocrfix has been editing the file for {LOCK_TIMEOUT_S:.0f} s (lock {lock_path.name}); try again", path=path
        ) from e
    except PermissionError as e:
        raise CorrectionsFileError(f"cannot lock the file ({e.strerror})", path=lock_path) from e


@dataclass(frozen=True)
class _State:
    """A corrections file as read (or written) and validated: its text, its entries and, when new
    entries can be appended as text, the (dash column, content column) of its last entry."""

    text: str | None
    corrections: Corrections
    tail: tuple[int, int] | None
    doc: Any = None  # the round-trip tree, when it was parsed in full here (never cached: it is mutable)


# The last state of each file this process read or wrote. Parsing with ruamel is slow (pure
# Python), so a file that has not changed, or has only grown by entries appended at its end (by
# the review app or a concurrent `ocrfix corrections add`), is not parsed again in full.
_STATES: dict[str, _State] = {}


def _remember(path: Path, state: _State) -> None:
    if state.text is not None:
        _STATES[os.path.abspath(path)] = replace(state, doc=None)


def _state(path: Path) -> _State:
    """The file's current state (CorrectionsFileError if it is broken)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _State(None, Corrections(path=path), None)
    except IsADirectoryError as e:
        raise CorrectionsFileError("is a folder, not a corrections file", path=path) from e
    except OSError as e:
        raise CorrectionsFileError(f"cannot read the file ({e.strerror})", path=path) from e
    text = _decode(data, path)
    known = _STATES.get(os.path.abspath(path))
    if known is not None and known.text == text:
        return replace(known, corrections=replace(known.corrections, path=path))
    if known is not None:
        grown = _grown(known, text, path)
        if grown is not None:
            _remember(path, grown)
            return grown
    state = _parsed(text, path)
    _remember(path, state)
    return state


def _parsed(text: str, path: Path) -> _State:
    doc = _parse_yaml(text, path)
    return _State(text, _validate(doc, path), _tail(text, doc), doc)


def _with_doc(state: _State, path: Path) -> _State:
    return state if state.doc is not None or state.text is None else _parsed(state.text, path)


def _grown(known: _State, text: str, path: Path) -> _State | None:
    """``known`` plus entries appended after its end, read from the new part alone; None unless the
    file is exactly the known text followed by more entries in the same layout."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    old = known.text
    if not old or known.tail is None or not old.endswith("\n") or not text.startswith(old):
        return None
    suffix = text[len(old) :]
    if _DOC_MARKER.search(suffix):
        return None
    try:
        fragment = _yaml().load("corrections:\n" + suffix)
    except Exception:  # noqa: BLE001 - any doubt: read the whole file (which reports errors properly)
        return None
    if not isinstance(fragment, CommentedMap) or list(fragment) != ["corrections"]:
        return None
    items = fragment["corrections"]
    if items is None:
        return replace(known, text=text)  # only comments or blank lines were added
    if not isinstance(items, CommentedSeq) or items.fa.flow_style():
        return None
    frag_lines = ("corrections:\n" + suffix).splitlines()
    dash, col = known.tail
    for k in range(len(items)):
        line, item_col = items.lc.item(k)
        if item_col != col or frag_lines[line][:item_col].rstrip() != " " * dash + "-":
            return None
    try:
        entries, lines = _validate_items(items, path, len(known.corrections.entries))
        before = old.count("\n") - 1  # fragment line 1 is the file's line old.count("\n") + 1
        corrections = Corrections(
            path=path,
            entries=known.corrections.entries + entries,
            lines=known.corrections.lines + tuple(n + before for n in lines),
        )
        _check_consistent(corrections)
    except CorrectionsFileError:
        return None
    return _State(text, corrections, known.tail)


_DOC_MARKER = re.compile(r"^(---|\.\.\.)([ \t#]|$)", re.MULTILINE)


def _tail(text: str, doc: Any) -> tuple[int, int] | None:
    """Where a new entry goes when it can be appended as text: ``corrections`` is the last key and a
    non-empty block sequence whose last entry starts on its "- " line."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not text or not isinstance(doc, CommentedMap) or list(doc)[-1:] != ["corrections"]:
        return None
    items = doc["corrections"]
    if not isinstance(items, CommentedSeq) or not items or items.fa.flow_style() or not isinstance(items[-1], CommentedMap):
        return None
    if _DOC_MARKER.search(text):
        return None  # document markers: leave the layout to ruamel
    lines = text.splitlines()
    item_line, item_col = items.lc.item(len(items) - 1)
    if item_line >= len(lines):
        return None
    dash = lines[item_line].rfind("-", 0, item_col)
    if dash < 0 or lines[item_line][:dash].strip() or item_col - dash < 2 or lines[item_line][dash + 1 : item_col].strip():
        return None
    return dash, item_col


def _dump(text: str | None, doc: Any) -> str:
    yaml = _yaml()
    if text is not None:
        _guess_indent(yaml, text)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def _dumped(path: Path, text: str | None, doc: Any) -> _State:
    """The whole tree written out by ruamel (comments and order kept; spacing normalised)."""
    new_text = _dump(text, doc)
    if text is None or not text.strip():
        new_text = FILE_HEADER + new_text
    elif text.lstrip().startswith("#") and not new_text.lstrip().startswith("#"):
        # A file of comments only parses as nothing: keep those comments above what we write.
        new_text = text.rstrip("\n") + "\n" + new_text
    return _parsed(new_text, path)  # never write what we could not read back


def _append_text(state: _State, entry: Entry, path: Path) -> _State | None:
    """The file with ``entry`` appended as text after its last line, so that every byte a person
    wrote stays exactly as it was; None when the layout does not allow it (the caller re-dumps).

    Safe without re-reading the whole file: it parsed completely (nothing is left open at its end),
    ``corrections`` is its last key and a non-empty block sequence, and the new entry is indented
    exactly like the last one, so it can only continue that sequence.
    """
    if state.text is None or state.tail is None:
        return None
    dash, col = state.tail
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=col, offset=dash)
    buf = io.StringIO()
    yaml.dump({"corrections": [entry.to_yaml()]}, buf)
    rendered = buf.getvalue().split("\n", 1)[1]
    if not rendered.startswith(" " * dash + "- "):
        return None
    # The entry on its own must read back as itself.
    check = _to_plain(_yaml().load(buf.getvalue())["corrections"][0])
    if Entry.model_validate(check) != entry:
        return None
    text = state.text if state.text.endswith("\n") else state.text + "\n"
    old = state.corrections
    corrections = Corrections(path=path, entries=old.entries + (entry,), lines=old.lines + (text.count("\n") + 1,))
    return _State(text + rendered, corrections, state.tail)


def _commit(path: Path, state: _State) -> None:
    """Write the new text atomically, keeping the file's mode, and remember what it holds."""
    from .outputs import atomic_write

    assert state.text is not None
    mode = None
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
    atomic_write(path, state.text)
    with contextlib.suppress(OSError):
        os.chmod(path, mode if mode is not None else 0o666 & ~_umask())
    _remember(path, state)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _entries_node(doc: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if doc is None:
        doc = CommentedMap()
        doc["version"] = SCHEMA_VERSION
    if doc.get("corrections") is None:
        doc["corrections"] = CommentedSeq()
    return doc, doc["corrections"]


def add_entry(path: Path, entry: Entry, *, update: bool = False) -> Entry:
    """Append ``entry`` to the file (created with a header when missing) and return it with its id.

    An entry that decides the same words in the same scope as an existing one is the same entry:
    identical, nothing is written; different, it replaces the existing one in place when ``update``
    (the review app changing its mind), else CorrectionsFileError names the existing one. The file
    is re-read under the lock, so concurrent writers never lose each other's entries; a broken file
    raises CorrectionsFileError and is left byte-identical.
    """
    return save_entry(path, entry, update=update)[0]


def save_entry(path: Path, entry: Entry, *, update: bool = False) -> tuple[Entry, Literal["added", "updated", "unchanged"]]:
    """:func:`add_entry`, also saying what it did."""
    path = Path(path)
    if entry.id is None:
        entry = entry.model_copy(update={"id": entry.derived_id()})
    with _locked(path):
        state = _state(path)
        current = state.corrections
        for i, old in enumerate(current.entries):
            same = old.entry_id == entry.entry_id or (_same_form(old, entry) and _same_place(old.scope, entry.scope))
            if not same:
                continue
            if old.effect() == entry.effect() and old.key() == entry.key():
                return old, "unchanged"
            if not update:
                raise CorrectionsFileError(
                    f"{old.describe()} already decides these words; remove it first or use --update",
                    path=path,
                    line=current.lines[i],
                )
            updated = entry.model_copy(update={"id": old.entry_id})
            _commit(path, _updated(path, _with_doc(state, path), i, updated))
            return updated, "updated"
        appended = _append_text(state, entry, path)
        if appended is None:
            state = _with_doc(state, path)
            doc, items = _entries_node(state.doc)
            items.append(entry.to_yaml())
            appended = _dumped(path, state.text, doc)
        _commit(path, appended)
        return entry, "added"


def _updated(path: Path, state: _State, i: int, updated: Entry) -> _State:
    """The file with entry ``i`` changed to ``updated``. Only that entry's own lines are rewritten
    (by ruamel, keeping its comments); every other line stays byte for byte as a person left it."""
    text, doc = state.text, state.doc
    assert text is not None
    old_span = _entry_span(text, doc["corrections"], i)
    node = doc["corrections"][i]
    fresh = updated.to_yaml()
    for key in [k for k in node if k not in fresh]:
        del node[key]
    for key, value in fresh.items():
        if _to_plain(node.get(key)) != _to_plain(value):
            node[key] = value
    expected = state.corrections.entries[:i] + (updated,) + state.corrections.entries[i + 1 :]
    whole = _dumped(path, text, doc)
    if old_span is not None:
        new_span = _entry_span(whole.text or "", whole.doc["corrections"], i)
        if new_span is not None:
            lines, new_lines = text.splitlines(keepends=True), (whole.text or "").splitlines(keepends=True)
            piece = new_lines[new_span[0] : new_span[1]]
            spliced = _checked("".join(lines[: old_span[0]] + piece + lines[old_span[1] :]), expected, path)
            if spliced is not None:
                return spliced
    return whole


def _entry_span(text: str, items: Any, i: int) -> tuple[int, int] | None:
    """The lines [start, end) that are entry ``i`` itself: from its "- " line to its last line of
    content. Blank lines and comment lines after that (which usually introduce the next entry, or
    close the file) are not part of it. None when the layout is not a plain block sequence."""
    from ruamel.yaml.comments import CommentedSeq

    if not isinstance(items, CommentedSeq) or items.fa.flow_style():
        return None
    lines = text.splitlines()
    start, col = items.lc.item(i)
    if start >= len(lines):
        return None
    dash = lines[start].rfind("-", 0, col)
    if dash < 0 or lines[start][:dash].strip():
        return None
    stop = items.lc.item(i + 1)[0] if i + 1 < len(items) else len(lines)
    end = start + 1
    for n in range(start + 1, stop):
        line = lines[n]
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        if len(line) - len(line.lstrip(" ")) <= dash:
            break  # back at the sequence's level or above: the entry is over
        end = n + 1
    return start, end


def _checked(new_text: str, expected: tuple[Entry, ...], path: Path) -> _State | None:
    """``new_text`` if it reads back as exactly ``expected``, else None."""
    try:
        state = _parsed(new_text, path)
    except CorrectionsFileError:
        return None
    return state if state.corrections.entries == expected else None


def remove_entry(path: Path, entry_id: str) -> Entry:
    """Remove the entry with this id (comments on other entries are kept); return what was removed."""
    path = Path(path)
    with _locked(path):
        state = _state(path)
        if state.text is None:
            raise CorrectionsFileError("does not exist", path=path)
        for i, old in enumerate(state.corrections.entries):
            if old.entry_id != entry_id:
                continue
            state = _with_doc(state, path)
            span = _entry_span(state.text, state.doc["corrections"], i)
            expected = state.corrections.entries[:i] + state.corrections.entries[i + 1 :]
            cut = None
            if span is not None:
                lines = state.text.splitlines(keepends=True)
                cut = _checked("".join(lines[: span[0]] + lines[span[1] :]), expected, path)
            if cut is None:
                del state.doc["corrections"][i]
                cut = _dumped(path, state.text, state.doc)
            _commit(path, cut)
            return old
    raise CorrectionsFileError(f"no entry with id {entry_id!r} (see `ocrfix corrections list`)", path=path)


# --------------------------------------------------------------------------------------------------
# Applying

def _case_shape(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "none"
    if all(c.isupper() for c in letters):
        return "upper" if len(letters) > 1 else "title"
    if all(c.islower() for c in letters):
        return "lower"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "title"
    return "mixed"


def _carry_case(found: str, form: str, replacement: str) -> str:
    """For ignore-case entries: give the replacement the case the found text has where it differs
    from the entry's form ("CHVISAGE" -> "ENVISAGE", "Chvisage" -> "Envisage")."""
    shape = _case_shape(found)
    if shape == _case_shape(form) or shape in ("mixed", "none"):
        return replacement
    if shape == "upper":
        return replacement.upper()
    if shape == "lower":
        return replacement.lower()
    return replacement[:1].upper() + replacement[1:]


@dataclass(frozen=True)
class _Match:
    start: int
    length: int
    entry: Entry
    new_text: str  # the whole span after the override (== original for rejected entries)


def _match_at(words: list[Word], start: int, entry: Entry, document: str, page_index: int) -> _Match | None:
    form = entry.ocr.split()
    end = start + len(form)
    if end > len(words):
        return None
    span = " ".join(w.text for w in words[start:end])
    exact = entry.match == "exact"
    candidates = [("", span, "")]
    split = split_token(span)
    if split[0] or split[2]:
        candidates.append(split)
    for lead, core, trail in candidates:
        if (core == entry.ocr) if exact else (core.casefold() == entry.ocr.casefold()):
            break
    else:
        return None
    scope = entry.scope
    if not scope.matches_document(document):
        return None
    if scope.kind == "word":
        if scope.page != page_index or box_iou(union_box([w.bbox for w in words[start:end]]), scope.box) < MIN_BOX_IOU:
            return None
    if entry.status == "rejected":
        return _Match(start, len(form), entry, span)
    replacement = entry.replacement or ""
    if not exact:
        replacement = _carry_case(core, entry.ocr, replacement)
    return _Match(start, len(form), entry, lead + replacement + trail)


def _replacement_words(old: list[Word], new_text: str) -> list[Word]:
    tokens = new_text.split()
    if len(tokens) == len(old):
        return [
            w if w.text == t else w.model_copy(update={"text": t, "alternatives": [], "flagged": False, "suggestions": []})
            for w, t in zip(old, tokens)
        ]
    box = union_box([w.bbox for w in old])
    confs = [w.confidence for w in old if w.confidence is not None]
    conf = min(confs) if confs else None
    if box is None or len(tokens) == 1:
        return [Word(text=t, bbox=box, confidence=conf) for t in tokens]
    # Several new words from a different number of old ones: share the span's box by length.
    total = sum(len(t) for t in tokens) + len(tokens) - 1
    x0, y0, x1, y1 = box
    words, pos = [], 0
    for t in tokens:
        a = x0 + round((x1 - x0) * pos / total)
        pos += len(t)
        b = x0 + round((x1 - x0) * pos / total)
        pos += 1
        words.append(Word(text=t, bbox=(a, y0, max(b, a + 1), y1), confidence=conf))
    return words


def _resolve(matches: list[_Match], corrections: Corrections) -> list[_Match]:
    """Narrowest scope first, then longest span; same scope and same words but different results: error."""
    by_span: dict[tuple[int, int, int], _Match] = {}
    for m in matches:
        key = (m.start, m.length, m.entry.scope.rank)
        other = by_span.get(key)
        if other is None:
            by_span[key] = m
        elif other.new_text != m.new_text or other.entry.status != m.entry.status:
            a, b = sorted((other.entry, m.entry), key=lambda e: e.entry_id)
            raise CorrectionsFileError(
                f"entries {a.describe()} (line {corrections.line_of(a)}) and {b.describe()} (line {corrections.line_of(b)}) "
                "both decide the same words with the same scope, differently; remove one or narrow its scope",
                path=corrections.path,
                line=corrections.line_of(a),
            )
        elif m.entry.entry_id < other.entry.entry_id:
            by_span[key] = m  # duplicates: the same entry fires whichever order the file has
    chosen: list[_Match] = []
    taken: set[int] = set()
    for m in sorted(by_span.values(), key=lambda m: (-m.entry.scope.rank, -m.length, m.start)):
        span = set(range(m.start, m.start + m.length))
        if span & taken:
            continue
        taken |= span
        chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def apply_overrides(page: Page, document: str, corrections: Corrections) -> tuple[Page, frozenset[tuple[int, int]]]:
    """Apply the overrides to one page; return it and the (line, word) positions they decided.

    Each applied entry is recorded as ``Change(source="override", entry_id=...)`` at the position of
    its first word; a rejected entry is recorded too (original == new), so that the page says why
    the corrector left the word, and ``ocrfix corrections stats`` can count it. ``document`` is the
    input's relative path (for document globs); positions refer to the returned page.
    """
    if not corrections.entries:
        return page, frozenset()
    index = corrections._index
    changes = list(page.changes)
    decided: set[tuple[int, int]] = set()
    lines: list[Line] = []
    touched = False
    for li, line in enumerate(page.lines):
        words = line.words
        matches: list[_Match] = []
        for wi, word in enumerate(words):
            keys = {word.text.casefold(), split_token(word.text)[1].casefold()}
            for key in keys:
                for entry in index.get(key, ()):
                    m = _match_at(words, wi, entry, document, page.index)
                    if m is not None:
                        matches.append(m)
        if not matches:
            lines.append(line)
            continue
        chosen = _resolve(matches, corrections)
        new_words: list[Word] = []
        wi = 0
        for m in chosen:
            new_words.extend(words[wi : m.start])
            old = words[m.start : m.start + m.length]
            replaced = old if m.entry.status == "rejected" else _replacement_words(old, m.new_text)
            first = len(new_words)
            new_words.extend(replaced)
            decided.update((li, first + k) for k in range(len(replaced)))
            changes.append(
                Change(
                    line=li,
                    word=first,
                    original=" ".join(w.text for w in old),
                    new=" ".join(w.text for w in replaced),
                    source="override",
                    score=1.0,
                    entry_id=m.entry.entry_id,
                )
            )
            wi = m.start + m.length
        new_words.extend(words[wi:])
        lines.append(line.model_copy(update={"words": new_words}))
        touched = True
    if not touched:
        return page, frozenset()
    return page.model_copy(update={"lines": lines, "changes": changes}), frozenset(decided)


def count_fired(out_dir: Path) -> tuple[int, dict[str, int], dict[str, set[str]]]:
    """How often each entry fired in an output folder, from its page JSON files: (documents
    read, uses per entry id, the documents each entry fired in). Other JSON files are skipped."""
    if not out_dir.is_dir():
        raise UsageError("is not an output folder", path=out_dir)
    fired: dict[str, int] = {}
    documents: dict[str, set[str]] = {}
    files = 0
    for path in sorted(out_dir.rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("pages"), list):
            continue  # not a page JSON (e.g. a workspace or bench file)
        files += 1
        for page in doc["pages"]:
            for change in page.get("changes", ()) if isinstance(page, dict) else ():
                if isinstance(change, dict) and change.get("source") == "override" and change.get("entry_id"):
                    fired[change["entry_id"]] = fired.get(change["entry_id"], 0) + 1
                    documents.setdefault(change["entry_id"], set()).add(str(doc.get("source", path)))
    return files, fired, documents
