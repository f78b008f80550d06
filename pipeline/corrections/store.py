"""corrections.yaml as a file: its loader (every problem reported as ``file:line: what is wrong``)
and its writer (ruamel.yaml round-trip, so comments, order and hand formatting survive; atomic;
under a lock, re-reading inside the lock so that concurrent writers never lose an entry; a
malformed file is never overwritten)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import CorrectionsFileError, OutputError, UsageError
from ..model import box_iou

from .schema import FILE_HEADER, LOCK_TIMEOUT_S, MIN_BOX_IOU, SCHEMA_VERSION, Corrections, Entry, Scope, _first_error


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
    if isinstance(version, str) and version.strip() == str(SCHEMA_VERSION):
        # ("version '1' is not a known version (this ocrfix reads version 1)" left a person puzzled)
        raise CorrectionsFileError(f"version must be the number {SCHEMA_VERSION}, not the text {version!r}: remove the quotes",
                                   path=path, line=top_line("version"))
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
            # Two entries whose ids are made of their words and scope are the same words in the same
            # scope: "id ... is used twice" named an id the person never wrote.
            other = corrections.entries[j]
            twice = (f"entry {entry.describe()} is written twice (also at line {corrections.lines[j]}); remove one"
                     if entry.id == entry.derived_id() and other.id == other.derived_id() else
                     f"entry id {entry.entry_id} is used twice (also at line {corrections.lines[j]}); ids must be unique")
            raise CorrectionsFileError(twice, path=path, line=line)
        seen[entry.entry_id] = i


def parse_corrections(text: str, path: Path) -> Corrections:
    """Validate corrections.yaml text (``path`` is for messages)."""
    return _validate(_parse_yaml(text, path), path)


def load_corrections(path: Path) -> Corrections:
    """The overrides in ``path``: none when it does not exist; CorrectionsFileError when it is broken."""
    path = Path(path)
    state = _state(path)
    return state.corrections if state.text is not None else Corrections()


def load_corrections_at(path: Path, revision: str) -> Corrections | None:
    """The overrides in ``path`` as git revision ``revision`` has it (``git show REV:./name``, run in
    the file's folder); None where the file is not in that revision. UsageError where git cannot
    answer (not a repository, no such revision), MissingDependencyError where git is missing."""
    import subprocess

    from ..errors import MissingDependencyError, UsageError

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        # (git is run in it: a missing folder was reported as git not installed)
        raise UsageError(f"no such folder, so no git repository to show {path.name} from; give -c the corrections "
                         "file in your repository", path=folder)
    try:
        shown = subprocess.run(["git", "show", f"{revision}:./{path.name}"], cwd=folder, capture_output=True, timeout=60)
    except FileNotFoundError as e:
        raise MissingDependencyError("git was not found; install it with: sudo apt-get install git") from e
    except subprocess.TimeoutExpired as e:
        raise UsageError(f"git show {revision} took longer than a minute") from e
    if shown.returncode != 0:
        message = shown.stderr.decode("utf-8", "replace").strip().removeprefix("fatal: ")
        # "path 'x' exists on disk, but not in 'REV'" / "path 'x' does not exist in 'REV'"
        if "exist" in message and f"'{revision}'" in message and "path" in message:
            return None
        raise UsageError(f"git cannot show {revision}:{path.name}: {message}", path=folder)
    return parse_corrections(_decode(shown.stdout, path), Path(f"{revision}:{path}"))


# --------------------------------------------------------------------------------------------------
# Writing (the CLI and the review app)


@contextlib.contextmanager
def _locked(path: Path):
    from filelock import FileLock, Timeout

    if path.exists() and not path.is_file() and not path.is_dir():
        # (-c /dev/null: the write replaced the device and its lock went into /dev; a pipe hung the read)
        raise CorrectionsFileError("is not a regular file (a device or a pipe); give the path of the corrections file "
                                   "to edit", path=path)
    # (beside the file itself: two links to one shared file take one lock)
    real = path.resolve() if path.is_symlink() else path
    lock_path = real.with_name(real.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path), timeout=LOCK_TIMEOUT_S)
        with lock:
            yield
    except Timeout as e:
        raise CorrectionsFileError(
            f"another ocrfix has been editing the file for {LOCK_TIMEOUT_S:.0f} s (lock {lock_path.name}); try again", path=path
        ) from e
    except OSError as e:  # no permission, a read-only file system, a full disk
        raise OutputError(f"cannot lock the file ({e.strerror or e}); nothing was written", path=lock_path) from e


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
    from ..files import atomic_write

    assert state.text is not None
    if "\r\n" in state.text:
        # A file with Windows line ends keeps them on the lines written here too (not mixed ends).
        state = replace(state, text=re.sub(r"\r*\n", "\r\n", state.text))
    mode = None
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
    # (the new text is renamed over the file, which the folder's permissions allow even where the
    # file's own refuse it: a file made read-only, to freeze it or as another's, is left as it is)
    if mode is not None and (not mode & 0o222 or not os.access(path, os.W_OK)):
        raise OutputError("the file is read-only; nothing was written (make it writable, chmod u+w, to save to it)", path=path)
    # A link to a shared file stays a link: the file it names is written (a new file replaced the link).
    atomic_write(path.resolve() if path.is_symlink() else path, state.text)
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


def save_entry(path: Path, entry: Entry, *, update: bool = False,
               keep_unsaid: tuple[str, ...] = ()) -> tuple[Entry, Literal["added", "updated", "unchanged"]]:
    """:func:`add_entry`, also saying what it did (``keep_unsaid``: see ``_saved``)."""
    return save_entries(path, [entry], update=update, keep_unsaid=keep_unsaid)[0]


def save_entries(path: Path, entries: list[Entry], *, update: bool = False,
                 keep_unsaid: tuple[str, ...] = ()) -> list[tuple[Entry, Literal["added", "updated", "unchanged"]]]:
    """:func:`save_entry` for several entries at once: one lock, one read and one write of the file
    (a series decided in review, a line edited in the page view)."""
    path = Path(path)
    done: list[tuple[Entry, Literal["added", "updated", "unchanged"]]] = []
    with _locked(path):
        state = start = _state(path)
        for entry in entries:
            state, saved, what = _saved(path, state, entry, update, keep_unsaid)
            done.append((saved, what))
        if state is not start:
            _commit(path, state)
    return done


def _saved(path: Path, state: _State, entry: Entry, update: bool,
           keep_unsaid: tuple[str, ...] = ()) -> tuple[_State, Entry, Literal["added", "updated", "unchanged"]]:
    """The file (as ``state``) with ``entry`` saved in it: appended, or in place of the entry that
    decides the same words in the same place (``update``; else an error names it). ``keep_unsaid``:
    the fields ("note", "context") an update that decides as that entry does keeps from it where
    ``entry`` has none (`corrections add --update` without --note did not ask to take the note
    away, while `--note ""` does; undo puts back exactly the entry that was, so it keeps none)."""
    if entry.id is None:
        entry = entry.model_copy(update={"id": entry.derived_id()})
    current = state.corrections
    for i, old in enumerate(current.entries):
        same = old.entry_id == entry.entry_id or (_same_form(old, entry) and _same_place(old.scope, entry.scope))
        if not same:
            continue
        if old.effect() == entry.effect() and old.key() == entry.key():
            if update:
                entry = entry.model_copy(update={name: getattr(old, name) for name in keep_unsaid if getattr(entry, name) is None})
            # (an update with only a new note or context still rewrites the entry: the note says why)
            if not update or (entry.note, entry.context) == (old.note, old.context):
                return state, old, "unchanged"
        if not update:
            # (the file is fine: the request is what conflicts with it, exit 2)
            raise UsageError(
                f"{old.describe()} already decides these words; remove it first or use --update",
                path=path,
                line=current.lines[i],
            )
        updated = entry.model_copy(update={"id": old.entry_id})
        return _updated(path, _with_doc(state, path), i, updated), updated, "updated"
    appended = _append_text(state, entry, path)
    if appended is None:
        state = _with_doc(state, path)
        doc, items = _entries_node(state.doc)
        items.append(entry.to_yaml())
        appended = _dumped(path, state.text, doc)
    return appended, entry, "added"


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
    raise UsageError(f"no entry with id {entry_id!r} (see `ocrfix corrections list`)", path=path)
