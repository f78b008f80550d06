"""``ocrfix evaluate``: score an output folder against hand-made ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, counted


@app.command()
def evaluate(
    out: Annotated[Path, typer.Argument(help="An output folder (of `ocrfix process`, or any folder of X.txt files).", show_default=False)],
    gt: Annotated[Path, typer.Option("--gt", help="The ground truth: DIR/X.gt.txt for each output X.txt (same relative paths).")],
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="Glob of page names (X, or its file X.gt.txt) whose ground truth covers only part of the page (e.g. '*_01'): shown, left out of the totals; repeatable.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Also score the raw OCR cached in OUT, to show before and after.")] = False,
    ocr_text: Annotated[Optional[Path], typer.Option("--ocr-text", help="The text before correction as DIR/X.txt (instead of OUT's cached raw OCR), for --raw and the corrector's word counts.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the report as Markdown.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show full tracebacks for errors.")] = False,
) -> None:
    """Score outputs against hand-made ground truth (CER, WER, what correction fixed and damaged).

    CER and WER per page and in total (sums over the pages, after the normalisation below); with the text before
    correction (the workspace's raw OCR, or --ocr-text), the words the corrector fixed, damaged,
    changed but left wrong, and missed; with --raw, the pages worse than their raw OCR (a CER more
    than 10 % and 0.1 points above it); and how often each corrections.yaml entry fired and was
    right. Ground truth for OUT/X.txt is GT/X.gt.txt; a page with no output scores as empty.

    Columns: chars, the ground truth's characters after normalisation (quotes, dashes and
    whitespace made plain, '~' a space: some transcriptions mark unreadable symbols with it); CER and WER, character and word edit distance over those; raw CER and
    WER, the same for the text before correction; fixed, words wrong before correction and right
    after; damaged, right before and wrong after; chg+wrong, changed and still wrong; missed,
    wrong and left as they were. Page N of a multi-page output is X#N (--exclude takes X).
    """
    import json

    from ..errors import UsageError
    from ..evaluate import evaluate_outputs, evaluation_markdown, page_excluded

    if as_json and markdown:
        raise UsageError("choose one of --json and --markdown")
    ev = evaluate_outputs(out, gt, exclude or [], raw=raw, ocr_dir=ocr_text)
    unused = [pat for pat in exclude or [] if not any(page_excluded(p.name, [pat]) for p in ev.pages)]
    if unused:
        # (on stderr: --json and --markdown print a report others read)
        typer.echo(f"ocrfix: --exclude {', '.join(repr(u) for u in unused)} matched no page; page N of X is "
                   "excluded with X (the whole document)", err=True)
    if as_json:
        typer.echo(json.dumps(ev.to_dict(), indent=1))
        return
    if markdown:
        typer.echo(evaluation_markdown(ev), nl=False)
        return
    _print_table(ev)


def _print_table(ev) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Page names, paths and entries are shown as they are: Rich reads "[draft]" in a name as markup
    # and drops it (escape), and the notes below print without markup.
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # pipes and logs: no wrapping of page names and figures
    table = Table(title=escape(f"{ev.out_dir} against {ev.gt_dir}"))
    table.add_column("page", overflow="fold")
    table.add_column("chars", justify="right")
    table.add_column("CER", justify="right")
    table.add_column("WER", justify="right")
    if ev.has_raw:
        table.add_column("raw CER", justify="right")
        table.add_column("raw WER", justify="right")
    show_counts = ev.counts is not None
    if show_counts:
        for name in ("fixed", "damaged", "chg+wrong", "missed"):
            table.add_column(name, justify="right")

    def cells(label, s, r, c, style=None):
        row = [escape(label), str(s.chars), f"{100 * s.cer:.2f} %", f"{100 * s.wer:.2f} %"]
        if ev.has_raw:
            row += [f"{100 * r.cer:.2f} %", f"{100 * r.wer:.2f} %"] if r is not None else ["", ""]
        if show_counts:
            row += [str(c.fixed), str(c.damaged), str(c.changed_wrong), str(c.missed)] if c is not None else [""] * 4
        table.add_row(*row, style=style)

    for p in ev.pages:
        label = p.name + (" (excluded)" if p.excluded else "") + (" (no output)" if p.missing else "")
        cells(label, p.score, p.raw, p.counts, style="dim" if p.excluded else ("red" if p.missing else None))
    table.add_section()
    for name, folder in ev.folders():
        cells(f"{name}/ ({counted(len(folder.scored), 'page')})", folder.total, folder.raw_total, folder.counts, style="italic")
    cells(f"total ({counted(len(ev.scored), 'page')})", ev.total, ev.raw_total, ev.counts, style="bold")
    console.print(table)
    if headline := ev.versus_raw():
        console.print(headline, highlight=False, markup=False)
    if worse := ev.worse_line():
        console.print(worse, highlight=False, markup=False)
    if ev.overrides:
        entries = Table(title="corrections.yaml entries")
        entries.add_column("entry", overflow="fold")
        entries.add_column("fired", justify="right")
        entries.add_column("right", justify="right")
        for o in ev.overrides:
            entries.add_row(escape(o.description or o.entry_id), str(o.fired), str(o.right))
        console.print(entries)
    missing = [p.name for p in ev.pages if p.missing]
    if missing:
        one = len(missing) == 1
        console.print(f"{counted(len(missing), 'page')} {'has' if one else 'have'} no output and {'was' if one else 'were'} "
                      "scored as empty.", highlight=False, markup=False)
    for page, output in ev.misnamed():
        console.print(f"{page} has no output, but {output}.txt differs from its name only in case: rename one of them.",
                      highlight=False, markup=False)
    empty = [p.name for p in ev.scored if p.score.chars == 0]
    if empty:
        # (its CER shows 0 %, yet every character of its output counts as an error in the total)
        console.print(f"{counted(len(empty), 'ground-truth file')} empty ({', '.join(empty[:5])}"
                      f"{' …' if len(empty) > 5 else ''}): every character of the output counts as an error in the "
                      "total; transcribe the page, or leave it out with --exclude if it has no text.", highlight=False, markup=False)
    if ev.no_ground_truth:
        console.print(f"{counted(len(ev.no_ground_truth), 'output')} {'has' if len(ev.no_ground_truth) == 1 else 'have'} no ground truth and "
                      f"{'was' if len(ev.no_ground_truth) == 1 else 'were'} not scored.", highlight=False, markup=False)
