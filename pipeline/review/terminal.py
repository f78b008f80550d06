"""Review in a terminal (for SSH sessions): the same queue and keys as the web app, with the
line's text in place of its image.

A command-line surface like the CLI, so it prints. On a terminal every key acts at once; from any
other stream (a pipe, a test) it reads one command per line, and ``e`` takes the correction from
the rest of its line or from the next one.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import select
import sys
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..errors import OcrfixError
from ..wording import counted
from .actions import ReviewSession
from .queue import Group

__all__ = ["run_terminal_review", "TerminalResult"]

_MAX_SHOWN = 8
_HELP = "1-9 pick · e type a correction · k keep as read · d delete · a all/one · n next occurrence · s skip · u undo · q quit"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class TerminalResult:
    decided: int
    left: int
    quit: bool


def _read_key(stream: TextIO) -> str:
    """One key pressed at the terminal ``stream``: a character, or an escape sequence (an arrow key).

    Raw mode is set for the read with TCSANOW: click.getchar (and tty.setraw by default) set it with
    TCSAFLUSH, which throws away keys typed ahead, while the review started or drew the next word.
    Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError, as click's does.
    """
    try:
        import termios
        import tty
    except ImportError:  # (Windows: click reads the console, which keeps what was typed ahead)
        import click

        return click.getchar()
    fd = stream.fileno()
    encoding = getattr(stream, "encoding", None) or "utf-8"
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        data = os.read(fd, 1)
        if data == b"\x1b":
            # The rest of an escape sequence arrives with its first byte; a lone Esc has none.
            # It ends with its final byte (@ to ~) after "Esc [" or "Esc O", or is Esc and one key.
            while select.select([fd], [], [], 0.05)[0]:
                data += os.read(fd, 1)
                if len(data) == 2 and data[1:] not in (b"[", b"O") or len(data) > 2 and 0x40 <= data[-1] <= 0x7E:
                    break
        else:
            # (the bytes of one character in the terminal's encoding: UTF-8's 2 to 4 bytes, a
            # Latin-1 terminal's one; a byte from 0xC0 was read as UTF-8's first on any terminal)
            decoder = codecs.getincrementaldecoder(encoding)("replace")
            more = data
            while more and not decoder.decode(more):
                more = os.read(fd, 1)
                data += more
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    key = data.decode(encoding, "replace")
    if key == "\x03":
        raise KeyboardInterrupt
    if key in ("\x04", ""):
        raise EOFError
    return key


def _read_command(stream: TextIO, console: Console) -> tuple[str, str] | None:
    """(key, rest of the line); None at the end of the input."""
    if stream.isatty():
        try:
            key = _read_key(stream)
        except EOFError:  # Ctrl-D: the end of the input, as on a pipe
            return None
        if key == "\x04":  # Ctrl-D where click returns it (Windows); Ctrl-C it raises as KeyboardInterrupt
            return None
        console.print(escape(key) if key.isprintable() else "")
        return key, ""
    line = stream.readline()
    if not line:
        return None
    line = line.strip()
    return (line[:1], line[1:].strip()) if line else ("", "")


def _read_text(stream: TextIO, console: Console, prompt: str) -> str | None:
    if stream.isatty():
        # Line editing (the arrow keys, Home, End): without it an arrow key pressed to mend a typo
        # went into the correction as its escape sequence. (readline is not on every platform.)
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401
        try:
            # (input's own prompt, plain text: readline must know it to redraw the line it edits)
            return input(prompt)
        except EOFError:  # Ctrl-D at the prompt: no text, as at the end of a pipe
            console.print()
            return None
    console.print(escape(prompt), end="")
    line = stream.readline()
    console.print(escape(line.rstrip("\n")))
    return line.rstrip("\n") if line else None


def _show(console: Console, session: ReviewSession, group: Group, scope_one: bool, selected: int,
          excluded: frozenset[str] = frozenset()) -> None:
    p = session.progress()
    head = Text()
    head.append(group.form, style="bold black on yellow")
    head.append(f"  ×{group.count}", style="dim")
    if len(group.members) > 1:
        head.append("  series:", style="cyan")
        for letter, member in zip(_LETTERS, group.members):
            head.append(f" {letter}", style="bold cyan")
            head.append(f" {member}" + (" (left out)" if member in excluded else ""),
                        style="strike dim" if member in excluded else "cyan")
        head.append("  (x and a letter: leave it out)", style="dim")
    if group.choice:
        head.append(f"   corrector chose: {group.choice}", style="green")
    else:
        head.append("   the corrector left it as read", style="dim")
    table = Table.grid(padding=(0, 1))
    for i, o in enumerate(group.occurrences[:_MAX_SHOWN]):
        line = Text(o.before + " " if o.before else "")
        line.append(o.text, style="bold reverse" if (scope_one and i == selected) else "bold black on yellow")
        line.append(" " + o.after if o.after else "")
        where = f"{o.rel} p{o.page + 1} l{o.line + 1}"
        if o.confidence is not None:
            where += f" c{o.confidence:.0f}"
        marker = "›" if scope_one and i == selected else " "
        table.add_row(marker, Text(where, style="dim"), line)
    if group.count > _MAX_SHOWN:
        table.add_row(" ", "", Text(f"… and {group.count - _MAX_SHOWN} more", style="dim"))
    suggestions = Text()
    for i, s in enumerate(group.suggestions):
        suggestions.append(f" {i + 1} ", style="bold reverse")
        suggestions.append(f" {s}   ")
    if not group.suggestions:
        suggestions.append("no suggestions: e to type a correction, k to keep it, d to delete it", style="dim")
    scope = "only the marked occurrence" if scope_one else f"all occurrences ({session.all_scope.describe()})"
    body = Table.grid()
    body.add_row(head)
    body.add_row(table)
    body.add_row(suggestions)
    body.add_row(Text(f"apply to: {scope}", style="cyan"))
    title = f"{p['decided']} decided · {p['left']} left ({p['words_left']} words)" + (f" · {p['skipped']} skipped" if p["skipped"] else "")
    # (the keys below the panel, wrapped: as its subtitle Rich cut them to the panel's width, and
    # s skip, u undo and q quit were never seen on an 80-column terminal)
    body.add_row(Text(_HELP, style="dim"))
    console.print(Panel(body, title=title))


def _how_far(stream: TextIO, console: Console, session: ReviewSession, group: Group, replacement: str | None,
             excluded: frozenset[str] = frozenset()) -> str | None:
    """Where a decision for all occurrences reaches words the queue did not show, say how many and
    show a few lines, then ask: "all", "shown" (only the occurrences shown) or None (cancelled). The
    default (Enter) is all, or only those shown for a word the dictionaries know (as on the web page)."""
    reach = session.reach(group.id, exclude=excluded)
    if reach.words <= reach.shown:
        return "all"
    what = f"keep {group.form!r} as read" if replacement is None else f"{group.form!r} -> {replacement!r}"
    documents = counted(reach.documents, "document")
    console.print(f"[yellow]{escape(what)} reaches {reach.words} words in {documents} "
                  f"({escape(session.all_scope.describe())}); the queue showed {reach.shown}."
                  + (" It is a word the dictionaries know." if reach.common else "") + "[/]")
    for rel, page, line, text in reach.lines:
        console.print(f"  {escape(rel)} p{page + 1} l{line + 1}: {escape(text)}", highlight=False)
    console.print(f"g all {reach.words} · o only the {reach.shown} shown · Enter: "
                  f"{'all' if reach.preferred == 'all' else 'only those shown'} · any other key cancels")
    answer = _read_command(stream, console)
    key = answer[0] if answer is not None else "q"
    if key in ("", "\r", "\n"):
        return reach.preferred
    return {"g": "all", "o": "shown"}.get(key)


def run_terminal_review(session: ReviewSession, *, input: TextIO | None = None, console: Console | None = None) -> TerminalResult:
    """Go through the queue until it is empty, the input ends, or the person quits (q); return once
    every decision's outputs are regenerated."""
    stream = input if input is not None else sys.stdin
    console = console or Console(highlight=False)
    try:
        return _review(session, stream, console)
    finally:
        if session.progress()["regenerating"]:
            console.print("[dim]Regenerating the last decisions' outputs ...[/]")
        session.wait()


def _review(session: ReviewSession, stream: TextIO, console: Console) -> TerminalResult:
    scope_one = False
    selected = 0
    excluded: set[str] = set()  # variants of the series left out of its decision
    current: str | None = None
    while True:
        groups = session.groups()
        if not groups:
            console.print("[green]Nothing left to review.[/]")
            return TerminalResult(session.decided, 0, quit=False)
        group = groups[0]
        if group.id != current:
            # A new group starts with all its occurrences, as on the web page: "only this one"
            # was a choice about the last group's words.
            current, selected, scope_one, excluded = group.id, 0, False, set()
        selected = min(selected, group.count - 1)
        _show(console, session, group, scope_one, selected, frozenset(excluded))
        command = _read_command(stream, console)
        if command is None or command[0] == "q":
            return TerminalResult(session.decided, len(groups), quit=True)
        key, rest = command
        occurrence = group.occurrences[selected].id if scope_one else None

        def decide(replacement: str | None):
            if occurrence is not None:
                return session.decide(group.id, replacement, occurrence_id=occurrence)
            how = _how_far(stream, console, session, group, replacement, frozenset(excluded))
            return None if how is None else session.decide(group.id, replacement, shown_only=how == "shown",
                                                           exclude=frozenset(excluded))

        try:
            if key and key in "123456789":  # (not str.isdigit: "²", AltGr+2, is a digit that int() refuses)
                index = int(key) - 1
                if index >= len(group.suggestions):
                    console.print(f"[red]There is no suggestion {escape(key)}.[/]")
                    continue
                step = decide(group.suggestions[index])
            elif key == "e":
                text = rest or _read_text(stream, console, f"correction for {group.form!r}: ")
                if not text or not text.strip():
                    console.print("[yellow]Nothing typed; nothing changed.[/]")
                    continue
                step = decide(text)
            elif key == "k":
                step = decide(None)
            elif key == "d":
                # by place, the marked occurrence or each one shown: never all (nothing to ask)
                step = session.decide(group.id, None, occurrence_id=occurrence, shown_only=occurrence is None,
                                      exclude=frozenset(excluded), delete=True)
            elif key == "a":
                scope_one = not scope_one
                continue
            elif key == "x":
                letter = rest or (_read_command(stream, console) or ("", ""))[0]
                member = dict(zip(_LETTERS, group.members)).get(letter.strip()[:1]) if len(group.members) > 1 else None
                if member is None:
                    console.print("[red]x takes the letter of a series variant (shown beside it).[/]")
                else:
                    excluded.symmetric_difference_update({member})
                continue
            elif key == "n":
                scope_one = True  # choosing an occurrence means deciding it alone
                selected = (selected + 1) % min(group.count, _MAX_SHOWN)
                continue
            elif key == "s":
                step = session.skip(group.id)
            elif key == "u":
                step = session.undo()
                if step is None:
                    console.print("[yellow]Nothing to undo.[/]")
                    continue
                console.print(f"[cyan]undone:[/] {escape(step.describe())}")
                continue
            else:
                if key.strip():  # Enter or a space: nothing to say
                    console.print(f"[red]Unknown key {escape(repr(key))}.[/] {escape(_HELP)}")
                continue
        except OcrfixError as e:
            console.print(f"[red]Not saved: {escape(str(e))}[/]")
            continue
        if step is None:
            console.print("[yellow]Cancelled: nothing saved.[/]")
            continue
        console.print(f"[green]{escape(step.describe())}[/]")
        for failed in step.failed:
            console.print(f"[red]{escape(str(failed.rel))}: {escape(str(failed.error))}[/]")
