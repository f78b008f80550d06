"""``ocrfix corrections add|reject|list|remove|validate|stats|diff``: the human-approved overrides file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, counted

corrections_app = typer.Typer(
    name="corrections",
    help=(
        "Read and edit corrections.yaml, the human-approved overrides applied on every run "
        "before the automatic corrector. Comments, order and formatting in the file are kept."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(corrections_app, name="corrections")

FileOpt = Annotated[
    Path,
    typer.Option("--corrections", "-c", help="The corrections file.", show_default=True),
]
ScopeOpt = Annotated[
    str,
    typer.Option(
        "--scope",
        help="'everywhere', or a glob of the documents it applies to (paths as named in the output folder, e.g. 'seed_*.jpg').",
    ),
]
PageOpt = Annotated[
    Optional[int],
    typer.Option("--page", help="With --box and a one-document --scope: only the word on this page (0-based).", min=0),
]
BoxOpt = Annotated[
    Optional[str],
    typer.Option("--box", help="With --page: the word's box 'x0,y0,x1,y1' in pixels of the input image."),
]
IgnoreCaseOpt = Annotated[
    bool, typer.Option("--ignore-case", "-i", help="Match any case and carry the found case over to the replacement.")
]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="Why (kept in the file for reviewers). With --update, --note \"\" takes the note away.")]
ContextOpt = Annotated[Optional[str], typer.Option("--context", help="The line the word was seen in. With --update, --context \"\" takes it away.")]
ByOpt = Annotated[
    Optional[str],
    typer.Option("--by", help="Who decided (default: $OCRFIX_REVIEWER, git user.name, or the login name)."),
]
UpdateOpt = Annotated[
    bool, typer.Option("--update", help="Replace an existing entry for the same words and scope instead of refusing.")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show full tracebacks for errors.")]


def _who(by: str | None) -> str:
    import getpass
    import os
    import subprocess

    if by:
        return by
    if os.environ.get("OCRFIX_REVIEWER"):
        return os.environ["OCRFIX_REVIEWER"]
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _scope(scope: str, page: int | None, box: str | None):
    from ..errors import UsageError
    from ..corrections import scope_from_yaml

    if (page is None) != (box is None):
        raise UsageError("--page and --box go together (they pick one word on one page)")
    try:
        if page is None:
            return scope_from_yaml("everywhere" if scope == "everywhere" else {"documents": scope})
        if scope == "everywhere":
            raise UsageError("--page/--box need --scope naming the document the page is in")
        try:
            coords = [int(v) for v in box.split(",")]  # type: ignore[union-attr]
        except ValueError:
            raise UsageError(f"--box must be four whole numbers x0,y0,x1,y1, not {box!r}") from None
        return scope_from_yaml({"document": scope, "page": page, "box": coords})
    except ValueError as e:
        raise UsageError(f"--scope: {e}") from e


def _add(
    status: str,
    ocr: str,
    replacement: str | None,
    corrections: Path,
    scope: str,
    page: int | None,
    box: str | None,
    ignore_case: bool,
    note: str | None,
    context: str | None,
    by: str | None,
    update: bool,
) -> None:
    from ..corrections import new_entry, save_entry

    entry = new_entry(
        ocr,
        replacement,
        status=status,  # type: ignore[arg-type]
        scope=_scope(scope, page, box),
        match="ignore-case" if ignore_case else "exact",
        approved_by=_who(by),
        note=note,
        context=context,
    )
    existed = corrections.exists()
    # (--update without --note or --context keeps the entry's own where it decides as before;
    # an empty --note "" takes it away)
    unsaid = tuple(name for name, given in (("note", note), ("context", context)) if given is None)
    saved, what = save_entry(corrections, entry, update=update, keep_unsaid=unsaid)
    verb = {"added": "added", "updated": "updated", "unchanged": "already there:"}[what]
    typer.echo(f"{verb} {_describe(saved)}" + ("" if existed else f" (created {corrections})"))
    _warn_overlaps(corrections, only=saved.entry_id)


def _warn_overlaps(corrections: Path, only: str | None = None) -> None:
    """Warn of entries for documents whose globs may both match one document and that decide the
    same words differently (``overlapping_conflicts``): such a document fails to process. ``only``:
    the pairs with this entry."""
    from ..corrections import load_corrections
    from ..corrections.apply import overlapping_conflicts

    loaded = load_corrections(corrections)
    for a, b in overlapping_conflicts(loaded):
        if only is None or only in (a.entry_id, b.entry_id):
            # (a warning: whether a document matches both globs is known only when one does)
            typer.echo(f"warning: {a.describe()} (line {loaded.line_of(a)}) and {b.describe()} (line {loaded.line_of(b)}) "
                       "decide the same words differently for documents both globs may match; such a document fails "
                       "to process: narrow one of the globs", err=True)


def _describe(entry) -> str:
    what = f"{entry.ocr} -> {entry.replacement}" if entry.status == "approved" else f"{entry.ocr} (kept as typed)"
    case = ", ignore case" if entry.match == "ignore-case" else ""
    return f"{entry.entry_id}: {what} [{entry.scope.describe()}{case}]"


@corrections_app.command("add")
def add(
    ocr_form: Annotated[str, typer.Argument(help="The text as the OCR reads it (one or more words).", show_default=False)],
    replacement: Annotated[str, typer.Argument(help="What it should say.", show_default=False)],
    corrections: FileOpt = Path("corrections.yaml"),
    scope: ScopeOpt = "everywhere",
    page: PageOpt = None,
    box: BoxOpt = None,
    ignore_case: IgnoreCaseOpt = False,
    note: NoteOpt = None,
    context: ContextOpt = None,
    by: ByOpt = None,
    update: UpdateOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Approve a correction: OCR_FORM is replaced by REPLACEMENT on every run (creates the file if needed)."""
    _add("approved", ocr_form, replacement, corrections, scope, page, box, ignore_case, note, context, by, update)


@corrections_app.command("reject")
def reject(
    ocr_form: Annotated[str, typer.Argument(help="The text to keep exactly as typed.", show_default=False)],
    corrections: FileOpt = Path("corrections.yaml"),
    scope: ScopeOpt = "everywhere",
    page: PageOpt = None,
    box: BoxOpt = None,
    ignore_case: IgnoreCaseOpt = False,
    note: NoteOpt = None,
    context: ContextOpt = None,
    by: ByOpt = None,
    update: UpdateOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Keep OCR_FORM exactly as the OCR reads it, and never let the automatic corrector change it."""
    _add("rejected", ocr_form, None, corrections, scope, page, box, ignore_case, note, context, by, update)


@corrections_app.command("list")
def list_cmd(
    corrections: FileOpt = Path("corrections.yaml"),
    verbose: VerboseOpt = False,
) -> None:
    """List the entries, in file order."""
    from ..corrections import load_corrections

    loaded = load_corrections(corrections)
    if not loaded.entries:
        typer.echo(f"no entries in {corrections}" + ("" if corrections.exists() else " (the file does not exist)"))
        return
    for entry, line in zip(loaded.entries, loaded.lines):
        extra = f"  ({entry.approved_by}, {entry.approved_at}" + (f"; {entry.note}" if entry.note else "") + ")"
        typer.echo(f"{line:>5}  {entry.status:<8}  {_describe(entry)}{extra}")


@corrections_app.command("remove")
def remove(
    entry_id: Annotated[str, typer.Argument(help="The entry's id (see `ocrfix corrections list`), or its exact OCR form if only one entry has it.", show_default=False)],
    corrections: FileOpt = Path("corrections.yaml"),
    verbose: VerboseOpt = False,
) -> None:
    """Remove one entry (the other entries, their comments and order are kept)."""
    from ..errors import UsageError
    from ..corrections import load_corrections, remove_entry

    loaded = load_corrections(corrections)
    if loaded.get(entry_id) is None:
        same = [e for e in loaded.entries if e.ocr == entry_id]
        if len(same) > 1:
            ids = ", ".join(e.entry_id for e in same)
            raise UsageError(f"{len(same)} entries have the OCR form {entry_id!r} ({ids}); give the id", path=corrections)
        if same:
            entry_id = same[0].entry_id
    removed = remove_entry(corrections, entry_id)
    typer.echo(f"removed {_describe(removed)}")


@corrections_app.command("validate")
def validate(
    corrections: FileOpt = Path("corrections.yaml"),
    verbose: VerboseOpt = False,
) -> None:
    """Check the file: YAML syntax, schema, unique ids, no two entries deciding the same words differently."""
    from ..errors import CorrectionsFileError
    from ..corrections import load_corrections

    if not corrections.exists():
        raise CorrectionsFileError("does not exist", path=corrections)
    loaded = load_corrections(corrections)
    approved = sum(e.status == "approved" for e in loaded.entries)
    typer.echo(
        f"{corrections}: ok, {counted(len(loaded.entries), 'entry')} ({approved} approved, {len(loaded.entries) - approved} rejected)"
    )
    _warn_overlaps(corrections)


@corrections_app.command("stats")
def stats(
    out: Annotated[Path, typer.Argument(help="An output folder of `ocrfix process` (its page JSON files are read).", show_default=False)],
    corrections: FileOpt = Path("corrections.yaml"),
    verbose: VerboseOpt = False,
) -> None:
    """How often each entry fired in an output folder (entries that never fired are listed with 0)."""
    from ..corrections import count_fired, load_corrections
    from ..errors import UsageError

    loaded = load_corrections(corrections)
    if not out.is_dir():
        raise UsageError("no such output folder", path=out)
    _warn_other_file(out, corrections)
    files, fired, documents = count_fired(out)
    if not files:
        # (the scans' folder given for the outputs' said "0 documents", exit 0)
        raise UsageError("holds no JSON output of `ocrfix process` (X.json), whose changes stats counts", path=out)
    typer.echo(f"{out}: {counted(files, 'document')}, {counted(sum(fired.values()), 'override')} applied")
    ids = [e.entry_id for e in loaded.entries] + sorted(set(fired) - {e.entry_id for e in loaded.entries})
    for entry_id in ids:
        entry = loaded.get(entry_id)
        what = _describe(entry) if entry is not None else f"{entry_id}: (not in {corrections})"
        count = fired.get(entry_id, 0)
        docs = len(documents.get(entry_id, ()))
        typer.echo(f"{count:>7}  in {docs:>4} {'document ' if docs == 1 else 'documents'}  {what}")


@corrections_app.command("diff")
def diff(
    out: Annotated[Path, typer.Argument(help="An output folder of `ocrfix process` (its cached reads are corrected again).", show_default=False)],
    against: Annotated[
        Optional[str],
        typer.Option("--against", metavar="GIT_REV", help="Compare with the corrections file as this git revision has it (HEAD, main, a1b2c3 ...)."),
    ] = None,
    against_last_run: Annotated[
        bool, typer.Option("--against-last-run", help="Compare with the outputs as the last run wrote them (the default).")
    ] = False,
    corrections: FileOpt = Path("corrections.yaml"),
    examples: Annotated[int, typer.Option("--examples", min=0, help="Lines shown per entry (0: every change).")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON (for other tools).")] = False,
    workers: Annotated[
        Optional[int], typer.Option("--workers", "-j", min=1, help="Processes that correct the files to compare (default: the number of cores).")
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Show a change to corrections.yaml by its effect: every output word the current file makes
    differently, grouped by entry (count, documents, lines before -> after).

    Exit code 0 when nothing changes and 1 when something does, as diff(1): use it in a pre-commit
    hook. Nothing is read by OCR again and nothing is written.
    """
    import json
    import os
    import sys

    from ..corrections import load_corrections, load_corrections_at
    from ..effects import corrections_diff
    from ..errors import UsageError

    if against is not None and against_last_run:
        raise UsageError("give --against GIT_REV or --against-last-run, not both")
    current = load_corrections(corrections)
    other = None
    missing_then = False
    if against is not None:
        other = load_corrections_at(corrections, against)
        if other is None:
            from ..corrections import Corrections

            other, missing_then = Corrections(), True
    if against is None:
        _warn_other_file(out, corrections)
    result = _with_progress(lambda on_file: corrections_diff(out, current, other, on_file=on_file,
                                                                 workers=workers or os.cpu_count() or 1))
    if as_json:
        typer.echo(json.dumps({
            "against": against or "last run",
            "files": result.files,
            "corrected_again": result.corrected,
            "words": result.words,
            "effects": [{
                "entry": effect.key,
                "status": effect.status,
                "before": None if effect.before is None else effect.before.to_yaml(),
                "after": None if effect.after is None else effect.after.to_yaml(),
                "documents": effect.documents,
                "changes": [{"document": c.rel, "page": c.page + 1, "line": c.line + 1, "before": c.before,
                             "after": c.after, "line_before": c.line_before, "line_after": c.line_after}
                            for c in effect.changes],
            } for effect in result.effects],
        }, ensure_ascii=False, indent=1, default=str))
    else:
        side = f"{corrections} against {against}" if against is not None else f"{corrections} against the last run"
        if missing_then:
            side += f" (not in {against}: every entry is new)"
        documents = len({c.rel for e in result.effects for c in e.changes})
        typer.echo(f"{side}: {counted(result.words, 'word')} {'changes' if result.words == 1 else 'change'} in {counted(documents, 'document')} "
                   f"(of {counted(result.files, 'document')}; {result.corrected} corrected again to compare)")
        for effect in result.effects:
            entry = effect.after or effect.before
            if effect.status == "automatic":
                title = "the automatic corrector, from what it learns of the entries (known words, confusions)"
            else:
                title = f"{effect.status}: " + (_describe(entry) if entry is not None else effect.key)
            typer.echo(f"\n{title}\n  {counted(len(effect.changes), 'word')} in {counted(len(effect.documents), 'document')}")
            shown = effect.changes if examples == 0 else effect.changes[:examples]
            for c in shown:
                typer.echo(f"  {c.rel} page {c.page + 1} line {c.line + 1}: {c.before or '(nothing)'} -> {c.after or '(nothing)'}")
                typer.echo(f"    - {c.line_before}\n    + {c.line_after}")
            if len(shown) < len(effect.changes):
                typer.echo(f"  ... and {len(effect.changes) - len(shown)} more (--examples 0 shows every one)")
    sys.stdout.flush()
    if result.words:
        raise typer.Exit(1)


def _warn_other_file(out: Path, corrections: Path) -> None:
    """Warn where the last run of ``out`` applied another corrections file than the one given (run from
    another folder, diff and stats read a corrections.yaml that is not there: every entry "no longer in
    the file", "not in corrections.yaml")."""
    from ..workspace import WORKSPACE_DIR, open_workspace

    if not (out / WORKSPACE_DIR / "workspace.sqlite").is_file():
        return  # (JSON outputs of `ocrfix correct`: no run recorded)
    with open_workspace(out, create=False) as ws:
        saved = ws.saved_options()
    last = saved.correct.corrections_file if saved is not None else None
    if last is None or last.resolve() == corrections.resolve():
        return
    missing = "" if corrections.exists() else " (which does not exist: compared as a file without entries)"
    typer.secho(f"warning: the last run of {out} applied {last}, not {corrections}{missing}; give -c {last} to "
                "compare that file", err=True, fg="yellow")


def _with_progress(run):
    """Run ``run(on_file)`` with a progress line on a terminal (stderr); silently otherwise."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return run(None)
    with Progress(TextColumn("comparing"), BarColumn(), MofNCompleteColumn(), console=console, transient=True) as progress:
        task = progress.add_task("diff", total=None)
        return run(lambda rel: progress.advance(task))
