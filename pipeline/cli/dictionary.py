"""``ocrfix dictionary build``, ``confusions`` and ``show``: make the period vocabulary; see what a folder taught the corrector."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, counted

dictionary_app = typer.Typer(
    help="Build the corrector's dictionaries from your own transcriptions, or show the vocabulary it learned from a folder.",
    no_args_is_help=True,
)
app.add_typer(dictionary_app, name="dictionary")

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show full tracebacks for errors.")]


@dictionary_app.command("build")
def build(
    corpus: Annotated[list[Path], typer.Argument(help="Plain text or .txt.gz files, or folders of them (searched recursively).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The dictionary folder to write (unigrams, bigrams, protected terms).")],
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="A document id (a '### ID' section) or file name to leave out; repeatable.")] = None,
    general: Annotated[Optional[Path], typer.Option("--general", help="A general English 'word count' list to merge (default: symspellpy's bundled one).")] = None,
    no_general: Annotated[bool, typer.Option("--no-general", help="Do not merge a general English list.")] = False,
    british: Annotated[Optional[Path], typer.Option("--british", help="A word-per-line list of British spellings to add as known words (e.g. /usr/share/dict/british-english).")] = None,
    protect: Annotated[Optional[list[Path]], typer.Option("--protect", help="A list (first column of a TSV) of names, acronyms and terms never to correct; repeatable.")] = None,
    min_count: Annotated[int, typer.Option("--min-count", help="Drop corpus words seen fewer times (unless a general list knows them).", min=1)] = 2,
    min_bigram: Annotated[int, typer.Option("--min-bigram", help="Drop word pairs seen fewer times.", min=1)] = 2,
    verbose: VerboseOpt = False,
) -> None:
    """Count a corpus into the corrector's dictionary files."""
    import time

    from ..lexicon import build_dictionary, general_english_path, load_lexicon

    started = time.perf_counter()
    report = build_dictionary(
        corpus,
        out,
        exclude=exclude or (),
        general=None if no_general else (general or general_english_path()),
        british=british,
        protect_files=protect or (),
        min_count=min_count,
        min_bigram=min_bigram,
    )
    typer.echo(
        f"{counted(report.documents, 'document')}, {report.tokens:,} words counted: {report.unigrams:,} words, "
        f"{report.bigrams:,} word pairs, {report.protected:,} protected terms written to {out}/ "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if report.excluded:
        typer.echo(f"left out: {', '.join(report.excluded)}")
    if report.unmatched_excludes:
        typer.secho(f"warning: --exclude matched nothing: {', '.join(report.unmatched_excludes)}", err=True, fg="yellow")
    load_lexicon(out)  # compile the cache now, so the first correction run starts at once


@dictionary_app.command("confusions")
def confusions(
    ocr: Annotated[Path, typer.Argument(help="Folder of OCR text files (NAME.txt, searched recursively).", show_default=False)],
    truth: Annotated[Path, typer.Argument(help="Folder of ground truth files with the same names (NAME.gt.txt or NAME.txt).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The confusions file to write, e.g. dictionaries/confusions.tsv.")],
    skip: Annotated[Optional[list[str]], typer.Option("--skip", help="Leave out pages whose name contains this; repeatable.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Learn character confusion weights from aligned OCR and ground truth pages."""
    from ..errors import UsageError
    from ..evaluate import normalise
    from ..files import read_utf8_text
    from ..lexicon import learn_confusions, write_confusions

    pairs = []
    for ocr_file in sorted(ocr.rglob("*.txt")):
        if ocr_file.name.endswith(".gt.txt"):
            continue  # ground truth beside the OCR (one folder for both): not OCR, nor its own pair
        name = ocr_file.name[: -len(".txt")]
        if any(s in name for s in (skip or ())):
            continue
        matches = [p for p in truth.rglob(f"{name}.gt.txt")] or [p for p in truth.rglob(f"{name}.txt")]
        if not matches:
            continue
        # (as `ocrfix evaluate` reads them: UTF-16 ground truth read with replacement gave no confusions)
        pairs.append((normalise(read_utf8_text(ocr_file)), normalise(read_utf8_text(matches[0]))))
    if not pairs:
        raise UsageError(f"no OCR file in {ocr} has a ground truth file of the same name in {truth}")
    n = write_confusions(learn_confusions(pairs), out)
    typer.echo(f"{counted(n, 'confusion')} learned from {counted(len(pairs), 'page')} written to {out}")


@dictionary_app.command("show")
def show(
    folder: Annotated[Path, typer.Argument(help="An output folder of `ocrfix process` (its workspace holds the collection's word counts).", show_default=False)],
    everything: Annotated[bool, typer.Option("--all", help="Also the words the dictionaries know (by default only those they lack: the collection's own names and spellings).")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many words, most frequent first.", min=1)] = 50,
    tsv: Annotated[bool, typer.Option("--tsv", help="Tab-separated (word, count, documents, capitalised, in_dictionaries, status) for other tools.")] = False,
    dictionaries: Annotated[Optional[Path], typer.Option("--dictionaries", help="The dictionaries to compare with (default: the ones the folder was processed with).", show_default=False)] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Show a collection's lexicon: the words of a processed folder, how often and in how many
    documents they occur, and whether the corrector takes each as the collection's own (left as
    written) or as a variant (a misread) of a more frequent form."""
    from ..correct import collection_status, describe_edit, load_corrector, spelling_habits
    from ..workspace import open_workspace

    with open_workspace(folder, create=False) as ws:
        model = ws.collection()
        options = ws.run_options().correct
    if dictionaries is not None:
        options = options.model_copy(update={"dictionary_dir": dictionaries})
    corrector = load_corrector(options).with_collection(model)
    counts = corrector.lexicon.counts
    rows = []
    for form, count in model.counts.most_common():
        known = form in counts
        if known and not everything:
            continue
        own, variant_of = collection_status(form, corrector)
        status = "own" if own else f"variant of {variant_of}" if variant_of else "rare"
        rows.append((form, count, model.documents[form], model.capitalised[form], known, status))
        if len(rows) >= limit:
            break
    if tsv:
        typer.echo("word\tcount\tdocuments\tcapitalised\tin_dictionaries\tstatus")
        for form, count, docs, caps, known, status in rows:
            typer.echo(f"{form}\t{count}\t{docs}\t{caps}\t{'yes' if known else 'no'}\t{status}")
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # (escaped: Rich would read "[...]" in a folder's name as markup and drop it)
    table = Table(title=escape(f"{folder}: {model.tokens:,} words in {counted(model.n_documents, 'document')}, {len(model.counts):,} forms"))
    for column in ("word", "count", "documents", "capitalised", "in dictionaries", "status"):
        table.add_column(column, justify="right" if column in ("count", "documents", "capitalised") else "left")
    for form, count, docs, caps, known, status in rows:
        table.add_row(escape(form), str(count), str(docs), str(caps), "yes" if known else "no", status)
    Console().print(table)
    typer.echo("own: the corrector leaves it as written; variant of X: taken as a misread of X; rare: judged word by word.")
    for pattern, words in spelling_habits(corrector).items():
        # a spelling of the collection's, kept on the words it writes once too (correct.habits.SPELLING_HABIT_WORDS)
        typer.echo(f"Spelling habit: {describe_edit(pattern)} ({', '.join(words[:8])}{', ...' if len(words) > 8 else ''}): "
                   "a word written so is left as written.")
