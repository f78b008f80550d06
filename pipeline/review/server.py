"""The review web app: one page per group (server-rendered), line crops as PNG, a small JSON API.

Safety, because the app can write corrections.yaml and shows private papers:
- a per-session token: the first visit brings it in the URL (``/?token=...``) and gets it as an
  HttpOnly cookie that every later request must carry; every POST must also send it in the
  ``X-Ocrfix-Token`` header, which only the app's own page (which embeds it) can do;
- the Host header must name the address the app was started on (no DNS rebinding), unless it
  listens on every interface;
- request bodies are capped (413), HTML is autoescaped, scripts come only from the app itself
  (a Content-Security-Policy), and nothing is served by a path the client names: crops are
  addressed by queue ids, static files come from the package.
"""

from __future__ import annotations

import hashlib
import secrets
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, ConfigDict, Field

from ..errors import OcrfixError
from ..workspace import PAGE_STATUSES, PageStatus
from .actions import GONE, ReviewSession, Step
from .crops import CropMaker, page_jpeg
from .queue import Group

__all__ = ["create_app", "cookie_name", "TOKEN_HEADER", "MAX_BODY_BYTES", "LOCAL_HOSTS"]

TOKEN_HEADER = "X-Ocrfix-Token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_BODY_BYTES = 64 * 1024
# The pages list shows at most this many pages (a filter by status finds the rest).
PAGES_LISTED = 2000
_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"


def cookie_name(token: str) -> str:
    """The session's cookie: named after its token, because cookies ignore ports and two reviews
    (of two folders) on one machine must not overwrite each other's."""
    return "ocrfix_" + hashlib.sha256(token.encode()).hexdigest()[:10]


class _Guard:
    """ASGI middleware: allowed hosts, the session token, and a cap on request bodies."""

    def __init__(self, app, *, token: str, hosts: set[str] | None, max_body: int):
        self.app = app
        self.token = token
        self.cookie = cookie_name(token)
        self.hosts = hosts
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.hosts is not None and hostname.strip("[]") not in self.hosts:
            return await _plain(send, 421, "unknown host; open the address `ocrfix review` printed")
        path = scope["path"]
        safe = scope["method"] in ("GET", "HEAD")
        if not safe:  # anything that could change state needs the header only the app's page can send
            if not _same(headers.get(TOKEN_HEADER.lower(), ""), self.token):
                return await _plain(send, 403, "missing or wrong session token")
            try:
                if int(headers.get("content-length") or 0) > self.max_body:
                    return await _plain(send, 413, "request body too large")
            except ValueError:
                return await _plain(send, 400, "bad Content-Length")
        elif not path.startswith("/static/") and not self._has_token(scope, headers):
            return await _plain(send, 403, "open the address `ocrfix review` printed (it carries the session token)")

        if safe:
            return await self.app(scope, receive, send)
        # Read the whole (small) body first, counting as it arrives (a chunked body has no length),
        # then hand it on: the API's own body parsing never sees more than the cap.
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_body:
                return await _plain(send, 413, "request body too large")
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _has_token(self, scope, headers: dict[str, str]) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except CookieError:
            return False
        if self.cookie in cookie and _same(cookie[self.cookie].value, self.token):
            return True
        # The first visit: the token in the URL (the app then sets the cookie and drops it from the URL).
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return scope["path"] == "/" and _same((query.get("token") or [""])[0], self.token)


def _same(given: str, token: str) -> bool:
    # In constant time, and as bytes: compare_digest refuses str with non-ASCII characters.
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


async def _plain(send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecideBody(_Body):
    group: str = Field(max_length=64)
    # suggestion: pick suggestions[index] (``text``, when given, must be what the page showed);
    # correct: the typed text; keep: the OCR text as typed; delete: take the words out (the one
    # selected, or each one shown: never all).
    action: Literal["suggestion", "correct", "keep", "delete"]
    index: int | None = Field(default=None, ge=0, le=8)
    text: str | None = Field(default=None, max_length=200)
    # all occurrences (in the documents "all" means), the one selected, or each one shown by its box
    scope: Literal["all", "one", "shown"] = "all"
    # members of a series left out of the decision
    exclude: list[str] = Field(default_factory=list, max_length=64)
    occurrence: str | None = Field(default=None, max_length=64)


class SkipBody(_Body):
    group: str = Field(max_length=64)


class LineBody(_Body):
    document: str = Field(max_length=4096)
    page: int = Field(ge=1)  # counted from 1, as people read them
    line: int = Field(ge=1)
    text: str = Field(max_length=2000)
    # the line as the page showed it (an edit of a line changed since is refused)
    shown: str | None = Field(default=None, max_length=2000)


class PageStatusBody(_Body):
    document: str = Field(max_length=4096)
    page: int = Field(ge=1)
    status: PageStatus


def _group_json(group: Group) -> dict:
    return {
        "id": group.id,
        "form": group.form,
        "members": [{"form": f, "count": sum(o.form == f for o in group.occurrences)} for f in group.members],
        "count": group.count,
        "score": round(group.score, 3),
        "choice": group.choice,
        "suggestions": group.suggestions,
        "occurrences": [
            {
                "id": o.id,
                "document": o.rel,
                "page": o.page,
                "line": o.line,
                "text": o.text,
                "current": o.current,
                "confidence": o.confidence,
                "flagged": o.flagged,
                "before": o.before,
                "after": o.after,
                "crop": f"/crop/{o.id}.png",
            }
            for o in group.occurrences
        ],
    }


def _step_json(step: Step | None) -> dict | None:
    if step is None:
        return None
    return {
        "kind": step.kind,
        "form": step.form,
        "description": step.describe(),
        "entries": [s.entry.entry_id for s in step.saved],
        "documents": step.rels,
        "failed": [f"{r.rel}: {r.error}" for r in step.failed],
    }


def create_app(
    out_dir: Path,
    corrections_file: Path | None,
    token: str,
    *,
    reviewer: str = "unknown",
    threshold: float | None = None,
    documents: str | None = None,
    session: ReviewSession | None = None,
    hosts: set[str] | frozenset[str] | None = LOCAL_HOSTS,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The review app for one output folder (``session`` lets a caller share or pre-build one).

    ``hosts``: the names the browser may use for the app (the Host header); None accepts any, for
    an app listening on every interface (the token is still required)."""
    if session is None:
        kwargs = {} if threshold is None else {"threshold": threshold}
        session = ReviewSession(out_dir, corrections_file, reviewer=reviewer, documents=documents, **kwargs)
    crops = CropMaker()
    package = resources.files("pipeline.review")
    env = Environment(loader=FileSystemLoader(str(package / "templates")), autoescape=True)

    app = FastAPI(title="ocrfix review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.session = session
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")

    def page(html: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store",
                                                               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, group: str | None = None):
        if "token" in request.query_params:
            # Keep the token out of the address bar and history: a cookie carries it from now on.
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(cookie_name(token), token, httponly=True, samesite="strict")
            return response
        groups = session.groups()
        current = next((g for g in groups if g.id == group), None) if group else None
        current = current or (groups[0] if groups else None)
        last = session.undo_stack[-1] if session.undo_stack else None
        html = env.get_template("review.html").render(
            group=current,
            progress=session.progress(),
            token=token,
            out_dir=str(session.out_dir),
            corrections_file=str(session.corrections_file),
            reviewer=session.reviewer,
            last=last.describe() if last else None,
            last_failed=[f"{r.rel}: {r.error}" for r in last.failed] if last else [],
            all_scope=session.all_scope.describe(),
            unfinished=session.unfinished,
            files=session.files,
        )
        return page(html)

    @app.get("/crop/{occurrence_id}.png")
    def crop(occurrence_id: str):
        occ = session.occurrence(occurrence_id)
        if occ is None:
            raise HTTPException(404, "no such word in the queue")
        try:
            # (the input's path as the last run found it: the queue keeps the one of its correction,
            # and scans moved since are still read from where they are now)
            png = crops.crop(Path(session.inputs.get(occ.rel, occ.input_path)), occ.page, occ.bbox, occ.line_bbox)
        except OcrfixError as e:
            raise HTTPException(404, f"no image: {e}") from e
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})

    @app.get("/api/queue")
    def queue(limit: Annotated[int | None, Query(ge=0)] = None):
        """The queue as JSON, most useful decision first; ``limit``: only its first groups (the whole
        queue of 1,000 pages, 16,000 groups, takes a third of a second to write)."""
        groups = session.groups()
        return {"progress": session.progress(), "groups": [_group_json(g) for g in groups[:limit]]}

    @app.post("/api/decide")
    def decide(body: DecideBody):
        group = session.group(body.group)
        if group is None:
            raise HTTPException(404, GONE)
        if body.action == "suggestion":
            if body.index is None or body.index >= len(group.suggestions):
                raise HTTPException(422, "no suggestion with that number")
            replacement: str | None = group.suggestions[body.index]
            if body.text is not None and body.text != replacement:
                # The page was made from an older queue (another tab decided something): say so.
                raise HTTPException(409, f"suggestion {body.index + 1} is now {replacement!r}, not {body.text!r}; reload the page")
        elif body.action == "correct":
            if not body.text or not body.text.strip():
                raise HTTPException(422, "type the correction")
            replacement = body.text
        else:
            replacement = None
        if body.scope == "one" and not body.occurrence:
            raise HTTPException(422, "say which occurrence")
        try:
            step = session.decide(group.id, replacement, occurrence_id=body.occurrence if body.scope == "one" else None,
                                  shown_only=body.scope == "shown", exclude=frozenset(body.exclude),
                                  delete=body.action == "delete")
        except OcrfixError as e:
            raise HTTPException(409, str(e)) from e
        return {"step": _step_json(step), "progress": session.progress()}

    @app.get("/api/reach")
    def reach(group: str, exclude: Annotated[list[str], Query(max_length=64)] = []):  # noqa: B006 (FastAPI's way)
        """What a decision for all occurrences of the group (but its members ``exclude``) would
        apply to, asked before it is made."""
        try:
            found = session.reach(group, exclude=frozenset(exclude))
        except OcrfixError as e:
            raise HTTPException(404, str(e)) from e
        return {
            "form": found.form,
            "words": found.words,
            "documents": found.documents,
            "shown": found.shown,
            "common": found.common,
            "preferred": found.preferred,
            "scope": session.all_scope.describe(),
            "lines": [{"document": rel, "page": page + 1, "line": line + 1, "text": text} for rel, page, line, text in found.lines],
        }

    @app.post("/api/skip")
    def skip(body: SkipBody):
        try:
            step = session.skip(body.group)
        except OcrfixError as e:
            raise HTTPException(404, str(e)) from e
        return {"step": _step_json(step), "progress": session.progress()}

    @app.post("/api/undo")
    def undo():
        try:
            step = session.undo()
        except OcrfixError as e:
            raise HTTPException(409, str(e)) from e
        return {"step": _step_json(step), "progress": session.progress()}

    # -- whole pages -------------------------------------------------------------------------------
    def _page_known(document: str, number: int) -> None:
        if document not in session.page_counts:
            raise HTTPException(404, "no such document in this output folder")
        if not 1 <= number <= session.page_counts[document]:
            raise HTTPException(404, f"{document} has no page {number} (it has {session.page_counts[document]})")

    @app.get("/pages", response_class=HTMLResponse)
    def pages(status: PageStatus | None = None):
        statuses = session.page_statuses()
        counts = dict.fromkeys(PAGE_STATUSES, 0)
        for value in statuses.values():
            counts[value] += 1
        listed = [(rel, page + 1, value) for (rel, page), value in statuses.items() if status is None or value == status]
        html = env.get_template("pages.html").render(
            pages=listed[:PAGES_LISTED], more=max(0, len(listed) - PAGES_LISTED), counts=counts, status=status,
            out_dir=str(session.out_dir), corrections_file=str(session.corrections_file), reviewer=session.reviewer,
            token=token)
        return page(html)

    @app.get("/page", response_class=HTMLResponse)
    def page_view(document: Annotated[str, Query(max_length=4096)], page_number: Annotated[int, Query(alias="page")] = 1):
        _page_known(document, page_number)
        try:
            view = session.page_view(document, page_number - 1)
        except OcrfixError as e:
            raise HTTPException(404, str(e)) from e
        order = session.page_order()
        here = order.index((document, page_number - 1))
        neighbour = {name: (order[i][0], order[i][1] + 1) for name, i in (("previous", here - 1), ("next", here + 1))
                     if 0 <= i < len(order)}
        width = view.width
        if not width:  # (a read made before pages had their size: ask the scan)
            try:
                width = crops.page(Path(view.input_path), view.page).shape[1]
            except OcrfixError:
                width = 0
        html = env.get_template("page.html").render(
            view=view, lines=list(zip(view.raw, view.shown)), width=width, neighbour=neighbour,
            position=here + 1, total=len(order), out_dir=str(session.out_dir),
            corrections_file=str(session.corrections_file), reviewer=session.reviewer, token=token,
            last=session.undo_stack[-1].describe() if session.undo_stack else None)
        return page(html)

    @app.get("/page-image")
    def page_image(document: Annotated[str, Query(max_length=4096)], page_number: Annotated[int, Query(alias="page")] = 1):
        _page_known(document, page_number)
        try:
            jpeg = page_jpeg(crops.page(Path(session.inputs[document]), page_number - 1))
        except OcrfixError as e:
            raise HTTPException(404, f"no image: {e}") from e
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=600"})

    @app.post("/api/line")
    def edit_line(body: LineBody):
        _page_known(body.document, body.page)
        try:
            step = session.edit_line(body.document, body.page - 1, body.line - 1, body.text, shown=body.shown)
        except OcrfixError as e:
            raise HTTPException(409, str(e)) from e
        return {"step": _step_json(step), "progress": session.progress()}

    @app.post("/api/page-status")
    def page_status(body: PageStatusBody):
        _page_known(body.document, body.page)
        session.set_page_status(body.document, body.page - 1, body.status)
        return {"document": body.document, "page": body.page, "status": body.status}

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            # A page the browser went to (the page view of a page gone, a broken corrections.yaml):
            # the message on a page, not as JSON.
            return page(env.get_template("error.html").render(message=str(exc.detail), token=token), exc.status_code)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    app.add_middleware(_Guard, token=token, hosts=set(hosts) if hosts is not None else None, max_body=max_body)
    return app
