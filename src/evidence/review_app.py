"""`evidence review --serve`: screening in the browser, written to queries/curation.toml.

A thin Flask layer over `screening` (the queue, progress, a study's details) and
`curation_file` (format-preserving, atomic writes). Safe by default: it listens on 127.0.0.1
only; every request needs the random token of the printed address; a request naming another
Host (DNS rebinding) is refused; a state-changing request needs the page's CSRF token and an
Origin (or Referer) of the app itself; every text is escaped; nothing is loaded from the
network (the Content-Security-Policy forbids it).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, redirect, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from evidence.build import build
from evidence.classify import DESIGN_LABELS, LEVELS
from evidence.curation import entries_from
from evidence.curation_file import CurationFile, Decision
from evidence.errors import ConfigError, EvidenceError, LockError
from evidence.render import environment, render_page
from evidence.routes import ROUTE_LABELS
from evidence.screening import Candidate, Filters, candidates, details, progress, queue
from evidence.settings import Settings
from evidence.sources import ORIGIN_SAMPLE, SampleSource
from evidence.view import View, load_view, open_store

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
QUEUE_SHOWN = 30  # studies listed beside the one on screen
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class Screening:
    """The app's state: the View (reloaded when a refresh finishes), the curation file (re-read
    when edited by hand), and the queue built from both."""

    def __init__(self, settings: Settings, origin: str) -> None:
        self.settings = settings
        self.origin = origin
        self._lock = threading.Lock()
        self._runs: object = None
        self._view: View | None = None
        self._candidates: list[Candidate] = []
        self._reloading = False
        sample = SampleSource() if origin == ORIGIN_SAMPLE else None
        # The sample ships its reviewer's coding: those studies count as screened.
        self._coded = set(entries_from(sample.studies, "sample")) if sample else set()
        known = {c.id for q in self.view().queries for c in q.conditions}
        self.file: CurationFile = CurationFile(settings.curation_file, known)

    def view(self) -> View:
        """The View of the store. After a refresh it is loaded again in the background (a
        large store takes seconds to grade) while the app keeps serving the one it has."""
        with open_store(self.settings, self.origin) as store:
            runs = tuple(sorted((k, r.id, r.status) for k, r in store.last_runs().items()))
        with self._lock:
            view = self._view
            if view is not None and (runs == self._runs or self._reloading):
                return view
            self._reloading = True
        if view is None:  # the first load: nothing to serve meanwhile, errors are the caller's
            self._load(runs, quiet=False)
            assert self._view is not None
            return self._view
        threading.Thread(target=self._load, args=(runs,), daemon=True).start()
        return view

    def _load(self, runs: object, *, quiet: bool = True) -> None:
        try:
            view = load_view(self.settings, self.origin)
            found = candidates(view)
            with self._lock:
                self._view, self._candidates, self._runs = view, found, runs
        except EvidenceError as exc:
            if not quiet:
                raise
            log.warning("could not reload the store: %s", exc)  # keep serving the last view
        finally:
            with self._lock:
                self._reloading = False

    def decided(self) -> set[str]:
        return self._coded | set(self.file.entries())

    def queue(self, filters: Filters) -> tuple[View, list[Candidate], set[str]]:
        view = self.view()
        decided = self.decided()
        return view, queue(self._candidates, decided, filters), decided

    def find(self, pmid: str) -> Candidate | None:
        return next((c for c in self._candidates if c.pmid == pmid), None)


def create_app(screening: Screening, *, token: str, csrf: str) -> Flask:
    """The review app over `screening`; `token` opens it, `csrf` guards every change."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["ALLOWED_HOSTS"] = set()  # filled by serve() once the port is known
    env = environment(None)
    state: dict[str, str] = {"notice": ""}

    @app.before_request
    def guard() -> None:
        hosts = app.config["ALLOWED_HOSTS"]
        if hosts and request.host not in hosts:
            abort(400, "this app answers only to its own address (127.0.0.1)")
        if not hmac.compare_digest(request.args.get("t", ""), token):
            abort(403, "open the address `evidence review --serve` printed (with its token)")
        if request.method != "GET":
            sender = request.headers.get("Origin") or _origin_of(request.referrer or "")
            if sender != f"http://{request.host}":
                abort(403, "refused: the request did not come from this app's page")
            if not hmac.compare_digest(request.form.get("csrf", ""), csrf):
                abort(403, "refused: the form's CSRF token is missing or wrong; reload the page")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # the token stays here
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(EvidenceError)
    def failed(exc: EvidenceError) -> Response:
        if request.method == "GET":  # e.g. a hand edit broke curation.toml: say so, no loop
            text = f"Error: {exc}\nFix it, then reload this page. Nothing was written.\n"
            return Response(text, status=409, mimetype="text/plain")
        state["notice"] = f"Not saved: {exc}"
        return _back(token, _filters())

    @app.get("/")
    def page() -> str:
        filters = _filters()
        view, waiting, decided = screening.queue(filters)
        wanted = request.args.get("pmid", "")
        current = next((c for c in waiting if c.pmid == wanted), None)
        if current is None and wanted:
            current = screening.find(wanted)
        if current is None and waiting:
            current = waiting[0]
        notice, state["notice"] = state["notice"], ""
        links = _links(token, filters)
        position = waiting.index(current) if current in waiting else -1
        return render_page(
            env,
            "review/page.html",
            {
                "project": screening.settings.project.name or str(screening.settings.project),
                "sample": view.origin == ORIGIN_SAMPLE,
                "token": token,
                "csrf": csrf,
                "notice": notice,
                "filters": filters,
                "filter_fields": _filter_fields(filters),
                "topics": [(q.id, q.title) for q in view.queries],
                "conditions": sorted(
                    {(c.id, c.label) for q in view.queries for c in q.conditions},
                    key=lambda c: c[1].lower(),
                ),
                "levels": [(level.rank, level.label) for level in LEVELS],
                "designs": DESIGN_LABELS,
                "routes": ROUTE_LABELS,
                "reasons": screening.file.reasons(),
                "progress": [
                    (q.title, n["screened"], n["studies"])
                    for q in view.queries
                    for n in [progress(view, decided)[q.id]]
                ],
                "waiting": len(waiting),
                "queue": [
                    {"pmid": c.pmid, "title": c.placed.study.title, "year": c.placed.study.year}
                    for c in waiting[:QUEUE_SHOWN]
                ],
                "study": details(view, current) if current else None,
                "decided": current is not None and current.pmid in decided,
                "next": links(waiting[position + 1].pmid)
                if 0 <= position < len(waiting) - 1
                else "",
                "previous": links(waiting[position - 1].pmid) if position > 0 else "",
                "link": links,
                "can_undo": screening.file.can_undo,
            },
        )

    @app.post("/decide")
    def decide() -> Response:
        form = request.form
        verdict = form.get("decision", "")
        reason = form.get("reason_other", "").strip() or form.get("reason", "").strip()
        participants = form.get("participants", "").strip()
        if verdict not in ("include", "exclude"):
            abort(400, "decision must be include or exclude")
        if verdict == "exclude" and not reason:
            state["notice"] = "Not saved: an exclusion needs a reason (pick one or type one)."
            return _back(token, _filters(), form.get("pmid", ""))
        if participants and not participants.isdigit():
            state["notice"] = "Not saved: participants must be a whole number."
            return _back(token, _filters(), form.get("pmid", ""))
        decision = Decision(
            pmid=form.get("pmid", ""),
            decision=verdict,
            reason=reason if verdict == "exclude" else "",
            note=" ".join(form.get("note", "").split()),
            design=form.get("design", ""),
            participants=int(participants) if participants else None,
            conditions=tuple(form.getlist("conditions")),
            route=form.get("route", ""),
            featured=form.get("featured") == "on",
        )
        if screening.find(decision.pmid) is None:
            abort(400, "no such study in the store")
        screening.file.record(decision)
        what = "Included" if verdict == "include" else f"Excluded ({reason})"
        state["notice"] = f"{what}: PMID {decision.pmid}. Press u to undo."
        return _back(token, _filters())

    @app.post("/undo")
    def undo() -> Response:
        pmid = screening.file.undo()
        state["notice"] = (
            f"Undone: PMID {pmid} is back in the queue." if pmid else "Nothing to undo."
        )
        return _back(token, _filters(), pmid or "")

    @app.post("/rebuild")
    def rebuild() -> Response:
        try:
            written = build(screening.settings, origin=screening.origin)
        except LockError:
            state["notice"] = (
                "A refresh is running: rebuild when it ends to publish these decisions."
            )
        else:
            state["notice"] = (
                f"Rebuilt {len(written)} reports with every decision so far."
                if written
                else "The reports already hold every decision so far: nothing to rebuild."
            )
        return _back(token, _filters())

    return app


def _filters() -> Filters:
    source = request.form if request.method == "POST" else request.args
    level = source.get("level", "")
    return Filters(
        topic=source.get("topic", ""),
        condition=source.get("condition", ""),
        level=int(level) if level.isdigit() else 0,
    )


def _filter_fields(filters: Filters) -> dict[str, str]:
    fields = {"topic": filters.topic, "condition": filters.condition}
    fields["level"] = str(filters.level) if filters.level else ""
    return {k: v for k, v in fields.items() if v}


def _links(token: str, filters: Filters) -> Any:
    def link(pmid: str = "") -> str:
        params = {"t": token, **_filter_fields(filters)}
        if pmid:
            params["pmid"] = pmid
        return "/?" + urlencode(params)

    return link


def _back(token: str, filters: Filters, pmid: str = "") -> Response:
    return redirect(_links(token, filters)(pmid), code=303)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class _QuietHandler(WSGIRequestHandler):
    """No line per request on the terminal (the address carries the token); errors still."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def running(settings: Settings, origin: str, *, port: int = 0) -> Iterator[str]:
    """The app served on 127.0.0.1 in a background thread; yields its address with token."""
    server, url = _server(settings, origin, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


def serve(settings: Settings, origin: str, *, port: int = 0, on_ready: Any = print) -> None:
    """Serve the app until interrupted (Ctrl-C); `on_ready` gets the address with token."""
    server, url = _server(settings, origin, port)
    on_ready(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _server(settings: Settings, origin: str, port: int) -> tuple[BaseWSGIServer, str]:
    token, csrf = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    app = create_app(Screening(settings, origin), token=token, csrf=csrf)
    # Bound here, not by Werkzeug: it would exit the process on a busy port.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as exc:
        listener.close()
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); pick another --port"
        ) from exc
    listener.listen(64)
    server = make_server(
        "127.0.0.1",
        port,
        app,
        threaded=True,
        request_handler=_QuietHandler,
        fd=listener.fileno(),
    )
    listener.close()  # the server holds its own duplicate
    bound = server.port
    app.config["ALLOWED_HOSTS"] = {f"127.0.0.1:{bound}", f"localhost:{bound}"}
    return server, f"http://127.0.0.1:{bound}/?t={token}"
