"""``ocrfix review OUT``: go through the words ocrfix was least sure of, in the browser or a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@app.command()
def review(
    out: Annotated[Path, typer.Argument(help="An output folder made by `ocrfix process`.", show_default=False)],
    corrections: Annotated[Optional[Path], typer.Option("--corrections", help="Where decisions are written (default: the file the folder was processed with).")] = None,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who decides, recorded in each entry (default: the login name).")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Also queue words Tesseract was less sure of than this (0-100; 0: only the corrector's flags).", min=0, max=100)] = 40.0,
    documents: Annotated[Optional[str], typer.Option("--documents", help="'All occurrences' means the documents matching this glob instead of everywhere.")] = None,
    terminal: Annotated[bool, typer.Option("--terminal", help="Review in this terminal instead of a browser (for SSH sessions).")] = False,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but 127.0.0.1 lets other machines reach the app (they still need the session token).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).", min=0, max=65535)] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address instead of opening a browser.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show full tracebacks for errors.")] = False,
) -> None:
    """Review the words ocrfix was least sure of, grouped by OCR form across the whole folder.

    Each decision (pick a suggestion, type a correction, or keep the OCR text) is written at once
    to corrections.yaml, and the outputs it touches are regenerated from the cached OCR.
    """
    from ..review.actions import ReviewSession

    session = ReviewSession(out, corrections, reviewer=reviewer or _os_user(), threshold=threshold, documents=documents)
    if terminal:
        from ..review.terminal import run_terminal_review

        result = run_terminal_review(session)
        typer.echo(f"{result.decided} decided, {result.left} left; decisions are in {session.corrections_file}", err=True)
        return
    _serve(session, host, port, not no_browser)


def _serve(session, host: str, port: int, open_browser: bool) -> None:
    import secrets
    import socket
    import threading
    import webbrowser

    import uvicorn

    from ..errors import UsageError
    from ..review.server import create_app

    token = secrets.token_urlsafe(32)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({e.strerror}); choose another --port (0: any free one)") from e
    sock.listen(64)
    bound = sock.getsockname()[1]
    wildcard = host in ("0.0.0.0", "::", "")
    # On every interface the browser may name the machine in any way; the token still guards it.
    hosts = None if wildcard else {"127.0.0.1", "localhost", host.strip("[]")}
    app = create_app(session.out_dir, session.corrections_file, token, session=session, hosts=hosts)
    shown = "127.0.0.1" if wildcard else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{bound}/?token={token}"
    groups = session.progress()
    typer.echo(f"Reviewing {session.out_dir}: {groups['left']} groups ({groups['words_left']} words) to decide.", err=True)
    typer.echo(f"Open {url}", err=True)
    if host != "127.0.0.1":
        typer.echo(f"Listening on {host}: anyone who can reach it and has this address can change corrections.yaml.", err=True)
    typer.echo("Press Ctrl-C to stop.", err=True)
    if open_browser:
        # Once the server is accepting (the socket already queues connections).
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        # The outputs of the last decisions are regenerated in the background: finish them.
        pending = session.progress()["regenerating"]
        if pending:
            typer.echo(f"Regenerating the outputs of the last decisions ({pending} files) ...", err=True)
        session.wait()
