"""corrections.yaml's schema: an :class:`Entry` is one person's decision about an OCR form (versioned,
validated with pydantic); :class:`Corrections` is a loaded file's entries."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..errors import UsageError
from ..tokens import split_token


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
#   replacement:  what it should say (status: approved); '' deletes the words (one place only)
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
        if self.page is not None and any(ch in self.documents[0] for ch in "*?"):
            # (an entry for one word on one page, a deletion even, fired in every document "*"
            # matched; matched as a path now, it would fire nowhere, silently)
            raise ValueError(f"a one-word scope names one document by its path, not a glob ({self.documents[0]!r}); "
                             "for many documents use documents: GLOB")
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
        # (a scope written as the shell completes a path, "./sub/x.tif", names "sub/x.tif")
        globs = [g.replace("\\", "/").removeprefix("./") for g in self.documents]
        # One document, by its path, never as a glob: an entry for one word on one page (a deletion
        # even) fired in every document a "*" matched.
        if self.kind == "word":
            return any(doc == g or ("/" not in g and name == g) for g in globs)
        return any(fnmatchcase(doc, g) or ("/" not in g and fnmatchcase(name, g)) for g in globs)

    def describe(self) -> str:
        if self.kind == "everywhere":
            return "everywhere"
        if self.kind == "documents":
            return "documents " + ", ".join(self.documents)
        # Counted from 1 for people, as the review page does (the YAML keeps the 0-based index).
        return f"{self.documents[0]} page {(self.page or 0) + 1} box {list(self.box or ())}"

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

# Words YAML 1.1 readers (PyYAML, many other tools) take for a boolean or null where unquoted; ruamel
# (YAML 1.2) writes them plain, and another tool would read the entry "yes -> no" as True -> False.
_YAML11_SPECIAL = frozenset("y n yes no on off true false null ~".split())


def _text_scalar(text: str | None) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(text) if text is not None and text.lower() in _YAML11_SPECIAL else text


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
    elif err["type"] == "string_type":
        # (YAML reads a bare null or ~, and nothing at all, as no value: "Input should be a valid string")
        msg = "has no text (YAML reads nothing, null and ~ as no value): write the text, in quotes for 'null' or '~'"
    elif err["type"] == "extra_forbidden":
        msg = "is not a known field (known: " + ", ".join(Entry.model_fields) + ")"
    where = ".".join(str(p) for p in loc)
    return loc, f"{where}: {msg}" if where else msg


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
    def _words(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        # Composed (NFC), as OCR engines write accents: an entry pasted with a combining accent
        # ("cafe" + U+0301) would otherwise never match the text it names.
        value = unicodedata.normalize("NFC", " ".join(value.split()))
        if not value and info.field_name == "ocr":
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
            if not self.replacement and self.scope.kind != "word":
                # (deleting words is a decision about one place, made in the page view: a form
                # deleted everywhere would take out every real occurrence of it too)
                raise ValueError("an empty replacement (the words deleted) needs a one-word scope: document, page and box")
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
        node["ocr"] = _text_scalar(self.ocr)
        if self.status == "approved":
            node["replacement"] = _text_scalar(self.replacement)
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

    def ocr_words(self) -> frozenset[str]:
        """Every word of every entry's OCR form, and its core, case-folded: a word not among them
        is matched by no entry."""
        return self._ocr_words

    @functools.cached_property
    def _ocr_words(self) -> frozenset[str]:
        words: set[str] = set()
        for entry in self.entries:
            for token in entry.ocr.split():
                words.update((token.casefold(), split_token(token)[1].casefold()))
        return frozenset(words)

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
