"""The ``ocrfix`` command: the only place that prints, prompts or exits.

Each group of commands lives in its own module and registers on ``app``; heavy libraries are
imported inside the commands so that ``ocrfix --help`` answers at once.
"""

from __future__ import annotations

import signal
import sqlite3
import sys

import typer

from ..errors import ExitCode, OcrfixError

app = typer.Typer(
    name="ocrfix",
    help=(
        "Turn badly scanned typewritten papers into faithful, corrected text.\n\n"
        "Preprocesses each scan, reads it with Tesseract, corrects OCR garbles with a "
        "period-tuned dictionary, applies the human-approved overrides in corrections.yaml, "
        "and flags the words it was unsure of for review."
    ),
    no_args_is_help=True,
    # Markdown: docstring paragraphs are reflowed to the terminal width.
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


from ..wording import counted  # noqa: E402,F401  (the commands word their counts with it)


# Registering the command modules (they import only typer at module level).
from . import process as _process  # noqa: E402,F401
from . import corrections as _corrections  # noqa: E402,F401  (registers the `corrections` sub-app)
from . import dictionary as _dictionary  # noqa: E402,F401  (registers the `dictionary` sub-app)
from . import evaluate as _evaluate  # noqa: E402,F401
from . import review as _review  # noqa: E402,F401

__all__ = ["app", "main", "counted"]


def _verbose(argv: list[str]) -> bool:
    return "--verbose" in argv or "-v" in argv


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning ocrfix's errors into one line and an exit code.

    Typer/click handle usage errors and --help themselves (exit 2 and 0); ocrfix's own errors
    pass through them to here.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # SIGTERM (a job scheduler, `kill`) stops a run as Ctrl-C does: workers stopped, nothing half-written.
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        app(args=argv, prog_name="ocrfix")
    except OcrfixError as e:
        if _verbose(argv):
            raise
        typer.secho(f"ocrfix: error: {e}", err=True, fg="red")
        raise SystemExit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("ocrfix: interrupted", err=True)
        raise SystemExit(130) from None
    except SystemExit as e:
        # Typer turns a Ctrl-C outside a batch (ocrfix correct, a run before its OCR) into a silent
        # exit 130: say so, as a batch does (its own stop says more and raises no KeyboardInterrupt).
        if e.code == 130 and _caused_by_interrupt(e):
            typer.echo("ocrfix: interrupted", err=True)
        raise
    except sqlite3.DatabaseError as e:
        # A workspace damaged inside the file passes the checks made when it is opened and fails
        # in a later query (a disk fault, a copy cut short); so does a full disk.
        if _verbose(argv):
            raise
        from ..workspace import database_error

        problem = database_error(e)
        typer.secho(f"ocrfix: error: {problem}", err=True, fg="red")
        raise SystemExit(int(problem.exit_code)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise SystemExit(int(ExitCode.ok))


def _caused_by_interrupt(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the exceptions that led to ``error``."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _terminate_as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
