"""A local NCBI E-utilities emulator, for tests and benchmarks.

`EutilsEmulator` is a real HTTP server on 127.0.0.1 (an ephemeral port by default) that answers
``esearch.fcgi``, ``efetch.fcgi``, ``epost.fcgi`` and ``einfo.fcgi`` under ``/entrez/eutils/``
the way NCBI does for PubMed: the same XML shapes and DOCTYPEs, the history server (WebEnv +
query_key), the 9,999-record ESearch window, the per-second rate limit with its JSON 429 body,
and, on demand, NCBI's failure modes (5xx pages, resets, stalls, truncated bodies, HTML or
``<ERROR>`` answers at HTTP 200, records missing from an EFetch answer)::

    with EutilsEmulator(synthetic_articles(50)) as emulator:
        emulator.add_search("aspirin[tiab]", ["30000001", "30000002"])
        emulator.inject("efetch", "http_503", times=2)
        client = EutilsClient(base_url=emulator.url, ...)

Nothing happens at import time; a server thread exists only between `start()` and `stop()`.
Everything here is standard library (http.server), so the emulator costs no dependency.

Run as a program, it serves synthetic records to any search until Ctrl-C, for demos and
benchmarks in a process of their own (``python -m evidence.testing --help``)::

    $ python -m evidence.testing --records 1000
    E-utilities emulator on http://127.0.0.1:PORT/entrez/eutils/ (1000 synthetic records); ...
    $ NCBI_EMAIL=you@example.org evidence refresh --eutils-url http://127.0.0.1:PORT/entrez/eutils/
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import json
import random
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import NoneType, TracebackType
from typing import TYPE_CHECKING, Any, Final, NoReturn, Self
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from evidence.queries import Query
    from evidence.store import Store

__all__ = [
    "ENDPOINTS",
    "FAULTS",
    "RETSTART_ERROR",
    "EutilsEmulator",
    "RecordedRequest",
    "main",
    "refresh_args",
    "synthetic_article",
    "synthetic_articles",
]

BASE_PATH: Final = "/entrez/eutils/"
ENDPOINTS: Final = frozenset({"esearch", "efetch", "epost", "einfo"})
FAULTS: Final = frozenset(
    {
        "http_500",
        "http_502",
        "http_503",
        "http_429",
        "reset",
        "timeout",
        "truncate",
        "html_200",
        "error_200",
        "drop_records",
        "expire_history",
        "bad_count",
        "redirect",
    }
)

_EFETCH_ONLY: Final = frozenset({"drop_records", "expire_history"})

ESEARCH_WINDOW: Final = 9999  # PubMed ESearch serves positions 0..9998 and no further
EFETCH_MAX_RETMAX: Final = 10000
DEFAULT_RETMAX: Final = 20

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n'
_ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
_EFETCH_PROLOG = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
# NCBI's own spelling: the DOCTYPE names "eEfetchResult" while the root is <eFetchResult>, and
# Biopython ships no efetch.dtd, so a client must recognise this answer before parsing it.
_EFETCH_ERROR_DOCTYPE = (
    '<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
_EPOST_DOCTYPE = (
    '<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">\n'
)
_EINFO_DOCTYPE = (
    '<!DOCTYPE eInfoResult PUBLIC "-//NLM//DTD einfo 20190110//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20190110/einfo.dtd">\n'
)
_ROOTS: Final = {
    "esearch": ("eSearchResult", _ESEARCH_DOCTYPE),
    "efetch": ("eFetchResult", _EFETCH_ERROR_DOCTYPE),
    "epost": ("ePostResult", _EPOST_DOCTYPE),
    "einfo": ("eInfoResult", _EINFO_DOCTYPE),
}

# NCBI's wording, as its servers answer retstart=9999 (HTTP 200, in-band).
RETSTART_ERROR: Final = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect that contains additional logic to batch "
    "PubMed search results automatically so that an arbitrary number can be retrieved. For "
    "details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
_XML_TYPE = "text/xml; charset=UTF-8"
_JSON_TYPE = "application/json"
_HTML_TYPE = "text/html; charset=UTF-8"

_APACHE_PAGES: Final = {
    500: (
        "Internal Server Error",
        "The server encountered an internal error or misconfiguration and was unable to "
        "complete your request.",
    ),
    502: (
        "Bad Gateway",
        "The proxy server received an invalid response from an upstream server.",
    ),
    503: (
        "Service Unavailable",
        "The server is temporarily unable to service your request due to maintenance downtime "
        "or capacity problems. Please try again later.",
    ),
}
_HTML_200_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>NCBI - Service unavailable</title></head>\n<body><h1>NCBI</h1>\n"
    b"<p>Error occurred: the E-utilities backend is temporarily unavailable. "
    b"Please try again later.</p>\n</body></html>\n"
)
_DEFAULT_ERROR_200 = {
    "esearch": "Search Backend failed: Couldn't resolve #pmsearch, the address table is empty.",
    "efetch": "Unable to obtain query #1",
}


@dataclass
class RecordedRequest:
    """One request the emulator received, as it arrived."""

    method: str
    path: str  # below the E-utilities base, e.g. "/esearch.fcgi"; the raw path elsewhere
    endpoint: str  # "esearch" | "efetch" | "epost" | "einfo" | another name | "" off-base
    params: dict[str, str]  # query string and form body merged; repeated "id" joined by ","
    time: float  # time.monotonic() on arrival


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str = _XML_TYPE
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Fault:
    endpoint: str
    kind: str
    remaining: int
    options: dict[str, object]

    def matches(self, endpoint: str) -> bool:
        if self.kind in _EFETCH_ONLY and endpoint != "efetch":
            return False
        if self.kind == "bad_count" and endpoint != "esearch":
            return False
        return self.endpoint in ("*", endpoint)


@dataclass(frozen=True)
class _Article:
    xml: bytes
    edat: tuple[int, int, int]
    mdat: tuple[int, int, int]
    pdat: tuple[int, int, int]


@dataclass(frozen=True)
class _Search:
    pmids: tuple[str, ...]
    translation: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


class _BadRequest(ValueError):
    """A parameter NCBI would refuse; answered in-band as an <ERROR> at HTTP 200."""


class _Abort(Exception):
    """Drop the connection without an answer (a TCP reset)."""


@dataclass
class _State:
    """Everything the request threads share; guarded by `EutilsEmulator._lock`."""

    articles: dict[str, _Article] = field(default_factory=dict)
    searches: dict[str, _Search] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    withheld: set[str] = field(default_factory=set)
    history: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    faults: list[_Fault] = field(default_factory=list)
    windows: dict[str, deque[float]] = field(default_factory=dict)


class EutilsEmulator:
    """NCBI E-utilities for PubMed, served over real HTTP on 127.0.0.1.

    `articles` maps a PMID to the bytes of one ``<PubmedArticle>`` (or ``<PubmedBookArticle>``)
    element. Searches answer only terms registered with `add_search`; any other term is a true
    zero (Count 0, with NCBI's "No items found." warning, never an error), or, with
    `match_all`, matches every article served and not deleted: a stand-in for PubMed that any
    project's queries find something in, for demos and benchmarks.

    `port` 0 (the default) listens on an ephemeral port; another binds that port, and
    `start()` raises OSError if it is taken.

    Identification: with `require_email`, a request without both ``tool`` and ``email`` gets
    HTTP 400. An ``api_key`` outside a non-empty `valid_api_keys` gets NCBI's HTTP 400 JSON
    ("API key invalid"), the key itself never echoed; with `valid_api_keys` empty every key
    counts as valid.

    Rate limit: more than `rate_limit` requests (`rate_limit_with_key` for a valid key, which
    has a window of its own) inside any sliding one-second window answer HTTP 429 with NCBI's
    JSON body ``{"error":"API rate limit exceeded","count":"N"}`` and ``Retry-After: 1``.
    Every arrival counts toward the window, the rejected ones included, as at NCBI: a client
    that retries a 429 at once only digs itself deeper. `rate_limit=None` turns this off.
    The window is shortened by `rate_tolerance` seconds (default 20 ms) so that a client
    pacing itself at exactly the limit is not punished for network and scheduling jitter;
    a client bursting, or pacing even a few percent too fast, still is. 0 is strict.

    Order of checks per request: record it; count it in its rate window; then a queued fault
    (see `inject`) if one matches; then api_key, rate limit, tool/email; then the answer.
    """

    def __init__(
        self,
        articles: Mapping[str, bytes] | None = None,
        *,
        rate_limit: float | None = 3.0,
        rate_limit_with_key: float = 10.0,
        valid_api_keys: Collection[str] = (),
        require_email: bool = True,
        rate_tolerance: float = 0.02,
        match_all: bool = False,
        port: int = 0,
    ) -> None:
        if not 0.0 <= rate_tolerance < 1.0:
            raise ValueError("rate_tolerance is a fraction of a second, in [0, 1)")
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is not a TCP port (0 picks a free one)")
        self.match_all = match_all
        self.port = port
        self.rate_limit = rate_limit
        self.rate_tolerance = rate_tolerance
        self.rate_limit_with_key = rate_limit_with_key
        self.valid_api_keys = frozenset(valid_api_keys)
        self.require_email = require_email
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._state = _State()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        for pmid, xml in (articles or {}).items():
            self.add_article(pmid, xml)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        """Start serving on 127.0.0.1 (`port`, or an ephemeral one); return the base URL."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        server = _Server(self, self.port)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"eutils-emulator:{server.server_address[1]}",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and drop open connections; returns promptly, even mid-`timeout`."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the running server, with a trailing slash."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{BASE_PATH}"

    # --- content ------------------------------------------------------------------------

    def add_article(
        self, pmid: str, xml: bytes, *, edat: str | None = None, mdat: str | None = None
    ) -> None:
        """Serve `xml` (one PubmedArticle/PubmedBookArticle element) for `pmid`.

        `edat` (Entrez date, "YYYY/MM/DD") defaults to the record's
        ``<PubMedPubDate PubStatus="entrez">`` (else "pubmed"), else 2020/01/01; `mdat`
        defaults to `edat`. The publication date (datetype=pdat) is read from ``<PubDate>``.
        """
        if not pmid.isdigit():
            raise ValueError(f"a PMID is a positive integer, not {pmid!r}")
        head = xml.lstrip()[:40]
        if not head.startswith((b"<PubmedArticle>", b"<PubmedArticle ", b"<PubmedBookArticle")):
            raise ValueError(f"PMID {pmid}: expected one <PubmedArticle> element")
        entrez = _parse_date(edat) if edat is not None else _history_date(xml) or (2020, 1, 1)
        modified = _parse_date(mdat) if mdat is not None else entrez
        article = _Article(
            xml=xml.strip(), edat=entrez, mdat=modified, pdat=_pub_date(xml) or entrez
        )
        with self._lock:
            self._state.articles[pmid] = article

    def add_search(
        self,
        term: str,
        pmids: Sequence[str],
        *,
        translation: str | None = None,
        errors: Sequence[str] = (),
        warnings: Sequence[str] = (),
    ) -> None:
        """Register the answer to an exact ESearch term (compared after str.strip()).

        `errors` become ``<ErrorList><PhraseNotFound>``, `warnings` become
        ``<WarningList><OutputMessage>``; `translation` is the QueryTranslation (default: the
        term). IDs are served newest (highest PMID) first, whatever the order given here.
        """
        search = _Search(
            pmids=tuple(dict.fromkeys(pmids)),
            translation=term.strip() if translation is None else translation,
            errors=tuple(errors),
            warnings=tuple(warnings),
        )
        with self._lock:
            self._state.searches[term.strip()] = search

    def delete(self, pmid: str) -> None:
        """Mark `pmid` deleted: EFetch then answers a DeleteCitation for it."""
        with self._lock:
            self._state.deleted.add(pmid)

    def withhold(self, pmid: str, *, withheld: bool = True) -> None:
        """EFetch leaves `pmid` out of every answer (ESearch still lists it), as NCBI does
        now and then for a record it is re-indexing; `withheld=False` serves it again."""
        with self._lock:
            if withheld:
                self._state.withheld.add(pmid)
            else:
                self._state.withheld.discard(pmid)

    def inject(self, endpoint: str, fault: str, *, times: int = 1, **options: object) -> None:
        """Queue `fault` for the next `times` requests to `endpoint` (or "*": any endpoint).

        Faults are served in the order queued, one per matching request; then normal service
        resumes. Kinds (options in brackets):

        - "http_500", "http_502", "http_503": an Apache-style HTML error page
          [retry_after: int | None, default None: no Retry-After header];
        - "http_429": NCBI's rate-limit JSON [retry_after, default 1; count: int];
        - "reset": close the connection without answering (TCP RST);
        - "timeout": stall [seconds: float, default 5], then answer normally;
        - "truncate": the normal answer's full Content-Length but only half its bytes;
        - "html_200": an HTML error page with HTTP 200;
        - "error_200": ``<eSearchResult><ERROR>…`` (esearch), ``<eFetchResult><ERROR>…``
          (efetch) at HTTP 200 [message: str];
        - "drop_records": EFetch only, omit the last [count: int, default 1] records found;
        - "expire_history": EFetch only, the history server forgets every WebEnv first (an
          EFetch by WebEnv then answers ``<ERROR>Unable to obtain query #1</ERROR>``);
        - "bad_count": ESearch only, the normal answer with ``<Count>many</Count>``;
        - "redirect": HTTP 307 to the same path at another base [location: str, required:
          e.g. a second emulator's `url`].
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULTS)}")
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {sorted(ENDPOINTS)}")
        if fault in _EFETCH_ONLY and endpoint not in ("efetch", "*"):
            raise ValueError(f"{fault} applies to efetch only")
        if fault == "bad_count" and endpoint not in ("esearch", "*"):
            raise ValueError("bad_count applies to esearch only")
        if times < 1:
            raise ValueError("times must be at least 1")
        _check_options(fault, options)
        with self._lock:
            self._state.faults.append(_Fault(endpoint, fault, times, dict(options)))

    def count(self, endpoint: str) -> int:
        """Number of requests received for `endpoint` ("*": all of them)."""
        with self._lock:
            return sum(1 for r in self.requests if endpoint in ("*", r.endpoint))

    # --- request handling (called from the server threads) ------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _admit(self, request: RecordedRequest) -> _Response | None:
        """Count the request in its rate window; the refusal (400/429) it earns, if any."""
        key = request.params.get("api_key", "")
        key_invalid = bool(key) and bool(self.valid_api_keys) and key not in self.valid_api_keys
        if key_invalid:
            body = {
                "error": "API key invalid",
                "api-key": "<redacted>",
                "type": "invalid",
                "status": "unknown",
            }
            refusal: _Response | None = _Response(400, _json(body), _JSON_TYPE)
        else:
            refusal = None
        if self.rate_limit is None:
            return refusal
        keyed = bool(key) and not key_invalid
        window_id, limit = (
            (f"key:{key}", self.rate_limit_with_key) if keyed else ("", self.rate_limit)
        )
        with self._lock:
            window = self._state.windows.setdefault(window_id, deque())
            while window and window[0] <= request.time - (1.0 - self.rate_tolerance):
                window.popleft()
            window.append(request.time)
            seen = len(window)
        if refusal is None and seen > limit:
            body = {"error": "API rate limit exceeded", "count": str(seen)}
            refusal = _Response(429, _json(body), _JSON_TYPE, (("Retry-After", "1"),))
        return refusal

    def _expire_history(self) -> None:
        with self._lock:
            self._state.history.clear()

    def _take_fault(self, endpoint: str) -> _Fault | None:
        with self._lock:
            for fault in self._state.faults:
                if fault.matches(endpoint):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._state.faults.remove(fault)
                    return fault
        return None

    def _answer(self, request: RecordedRequest, *, drop: int = 0) -> _Response:
        """The normal answer to an admitted request."""
        params, endpoint = request.params, request.endpoint
        if endpoint not in ENDPOINTS:
            return _Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", _HTML_TYPE)
        if self.require_email and not (params.get("tool") and params.get("email")):
            message = "tool and email are required: identify your program to NCBI"
            return _error(endpoint, message, status=400, doctype=False)
        try:
            db = params.get("db", "pubmed")
            if endpoint == "einfo":
                return self._einfo(params.get("db"))
            if db != "pubmed":
                raise _BadRequest(f"Invalid db name specified: {db}")
            if endpoint == "esearch":
                return self._esearch(params)
            if endpoint == "efetch":
                return self._efetch(params, drop=drop)
            return self._epost(params)
        except _BadRequest as exc:
            return _error(endpoint, str(exc))

    def _esearch(self, params: Mapping[str, str]) -> _Response:
        term = params.get("term", "").strip()
        if not term:
            raise _BadRequest("Empty term and query_key - nothing todo")
        retstart = _int_param(params, "retstart", 0)
        retmax = _int_param(params, "retmax", DEFAULT_RETMAX)
        if retstart >= ESEARCH_WINDOW:
            raise _BadRequest(RETSTART_ERROR)
        window = _date_window(params)
        with self._lock:
            search = self._state.searches.get(term)
            if search is not None:
                pmids = list(search.pmids)
            elif self.match_all:
                deleted = self._state.deleted
                pmids = [p for p in self._state.articles if p not in deleted]
            else:
                pmids = []
            if window is not None:
                datetype, low, high = window
                pmids = [p for p in pmids if self._dated_within(p, datetype, low, high)]
            pmids.sort(key=_newest_first)
            history = ""
            if params.get("usehistory", "").lower() == "y":
                history = self._store_history(_webenv_param(params), tuple(pmids))
        if params.get("rettype") == "count":
            body = f"<eSearchResult><Count>{len(pmids)}</Count></eSearchResult>\n"
            return _Response(200, (_XML_DECL + _ESEARCH_DOCTYPE + body).encode())
        page = pmids[retstart : max(retstart, min(retstart + retmax, ESEARCH_WINDOW))]
        translation = search.translation if search else term
        parts = [
            f"<eSearchResult><Count>{len(pmids)}</Count><RetMax>{len(page)}</RetMax>",
            f"<RetStart>{retstart}</RetStart>{history}<IdList>",
            *(f"<Id>{p}</Id>" for p in page),
            "</IdList><TranslationSet/>",
            f"<QueryTranslation>{escape(translation)}</QueryTranslation>",
        ]
        errors = search.errors if search else ()
        warnings = search.warnings if search else ()
        if not pmids and not warnings:
            warnings = ("No items found.",)
        if errors:
            parts.append("<ErrorList>")
            parts.extend(f"<PhraseNotFound>{escape(e)}</PhraseNotFound>" for e in errors)
            parts.append("</ErrorList>")
        if warnings:
            parts.append("<WarningList>")
            parts.extend(f"<OutputMessage>{escape(w)}</OutputMessage>" for w in warnings)
            parts.append("</WarningList>")
        parts.append("</eSearchResult>\n")
        return _Response(200, (_XML_DECL + _ESEARCH_DOCTYPE + "".join(parts)).encode())

    def _dated_within(
        self, pmid: str, datetype: str, low: tuple[int, int, int], high: tuple[int, int, int]
    ) -> bool:
        article = self._state.articles.get(pmid)
        if article is None:  # no record, no date: a date window never matches it
            return False
        date = {"edat": article.edat, "mdat": article.mdat, "pdat": article.pdat}[datetype]
        return low <= date <= high

    def _store_history(self, webenv: str | None, pmids: tuple[str, ...]) -> str:
        """Store a set on the history server (caller holds the lock); its XML fragment."""
        if webenv is None or webenv not in self._state.history:
            webenv = "MCID_" + secrets.token_hex(12)
            self._state.history[webenv] = []
        sets = self._state.history[webenv]
        sets.append(pmids)
        return f"<QueryKey>{len(sets)}</QueryKey><WebEnv>{webenv}</WebEnv>"

    def _efetch(self, params: Mapping[str, str], *, drop: int) -> _Response:
        ids = params.get("id", "")
        webenv = _webenv_param(params)
        if ids.strip():
            wanted = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))
            with self._lock:
                return self._article_set(wanted, drop)
        if webenv is None:
            raise _BadRequest("Empty id list - nothing todo")
        query_key = params.get("query_key", "").strip()
        retstart = _int_param(params, "retstart", 0)
        retmax = min(_int_param(params, "retmax", DEFAULT_RETMAX), EFETCH_MAX_RETMAX)
        with self._lock:
            sets = self._state.history.get(webenv)
            if sets is None or not query_key.isdigit() or not 1 <= int(query_key) <= len(sets):
                raise _BadRequest(f"Unable to obtain query #{query_key or 1}")
            wanted = list(sets[int(query_key) - 1][retstart : retstart + retmax])
            return self._article_set(wanted, drop)

    def _article_set(self, pmids: list[str], drop: int) -> _Response:
        """A PubmedArticleSet for `pmids`, in order (caller holds the lock)."""
        pmids = [p for p in pmids if p not in self._state.withheld]
        deleted = [p for p in pmids if p in self._state.deleted]
        found = [
            self._state.articles[p].xml
            for p in pmids
            if p in self._state.articles and p not in self._state.deleted
        ]
        if drop:
            found = found[: max(0, len(found) - drop)]
        parts = [_EFETCH_PROLOG.encode(), b"<PubmedArticleSet>\n"]
        for xml in found:
            parts += [xml, b"\n"]
        if deleted:
            pmid_elements = "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted)
            parts.append(f"<DeleteCitation>{pmid_elements}</DeleteCitation>\n".encode())
        parts.append(b"</PubmedArticleSet>\n")
        return _Response(200, b"".join(parts))

    def _epost(self, params: Mapping[str, str]) -> _Response:
        ids = [i.strip() for i in params.get("id", "").split(",") if i.strip()]
        valid = tuple(dict.fromkeys(i for i in ids if i.isdigit()))
        invalid = [i for i in ids if not i.isdigit()]
        parts = ["<ePostResult>"]
        if invalid:
            parts.append("<InvalidIdList>")
            parts.extend(f"<Id>{escape(i)}</Id>" for i in invalid)
            parts.append("</InvalidIdList>")
        if valid:
            with self._lock:
                parts.append(self._store_history(_webenv_param(params), valid))
        else:
            parts.append("<ERROR>Empty ID list; Nothing to store</ERROR>")
        parts.append("</ePostResult>\n")
        return _Response(200, (_XML_DECL + _EPOST_DOCTYPE + "".join(parts)).encode())

    def _einfo(self, db: str | None) -> _Response:
        if db is None or db == "":
            body = "<eInfoResult><DbList><DbName>pubmed</DbName></DbList></eInfoResult>\n"
        elif db == "pubmed":
            with self._lock:
                count = len(self._state.articles)
            body = (
                "<eInfoResult><DbInfo><DbName>pubmed</DbName><MenuName>PubMed</MenuName>"
                "<Description>PubMed bibliographic record</Description>"
                "<DbBuild>Build-emulator</DbBuild>"
                f"<Count>{count}</Count><LastUpdate>2025/01/01 00:00</LastUpdate>"
                "</DbInfo></eInfoResult>\n"
            )
        else:
            raise _BadRequest(f"Invalid db name specified: {db}")
        return _Response(200, (_XML_DECL + _EINFO_DOCTYPE + body).encode())


# --- HTTP plumbing -------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of connections must not wait out SYN retransmits

    def __init__(self, emulator: EutilsEmulator, port: int) -> None:
        self.emulator = emulator
        super().__init__(("127.0.0.1", port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a client that went away mid-answer
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.emulator._track(self.connection, add=False)
        super().finish()

    def handle(self) -> None:
        try:
            super().handle()
        except _Abort:
            self._reset()
        except OSError:  # the client went away
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and benchmarks should not drown in access logs."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        arrival = time.monotonic()
        emulator = self.server.emulator
        request = self._read_request(method, arrival)
        emulator._record(request)
        refusal = emulator._admit(request)
        fault = emulator._take_fault(request.endpoint)
        kind = fault.kind if fault else ""
        options = fault.options if fault else {}
        if kind == "reset":
            raise _Abort
        if kind == "expire_history":
            emulator._expire_history()
        # a stall ends early, and drops the connection, when the emulator stops
        if kind == "timeout" and emulator._stopping.wait(_number_option(options, "seconds", 5.0)):
            raise _Abort
        canned = _fault_response(kind, request.endpoint, options)
        if canned is not None:
            self._send(canned)
            return
        drop = int(_number_option(options, "count", 1)) if kind == "drop_records" else 0
        response = refusal or emulator._answer(request, drop=drop)
        if kind == "bad_count":
            body = re.sub(rb"<Count>\d+</Count>", b"<Count>many</Count>", response.body, count=1)
            response = _Response(response.status, body, response.content_type, response.headers)
        self._send(response, truncate=kind == "truncate")

    def _read_request(self, method: str, arrival: float) -> RecordedRequest:
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            if self.headers.get_content_type() == "application/x-www-form-urlencoded":
                pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params: dict[str, str] = {}
        for name, value in pairs:
            if name == "id" and params.get("id"):
                params["id"] = f"{params['id']},{value}" if value else params["id"]
            else:
                params[name] = value
        path = split.path
        if path.startswith(BASE_PATH):
            path = "/" + path[len(BASE_PATH) :]
            endpoint = path[1:].split("/")[-1].removesuffix(".fcgi").removesuffix(".cgi")
        else:
            endpoint = ""
        return RecordedRequest(method, path, endpoint, params, arrival)

    def _send(self, response: _Response, *, truncate: bool = False) -> None:
        body = response.body
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if truncate else body)

    def _reset(self) -> None:
        """Close with SO_LINGER 0, so the peer sees a reset rather than an orderly close."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server.emulator._track(self.connection, add=False)
        self.rfile.close()  # the makefile() reference would keep the descriptor open
        self.connection.close()


def _fault_response(kind: str, endpoint: str, options: Mapping[str, object]) -> _Response | None:
    """The canned answer a fault sends instead of the normal one, if it has one."""
    if kind in ("http_500", "http_502", "http_503"):
        status = int(kind[5:])
        title, text = _APACHE_PAGES[status]
        page = (
            '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
            f"<title>{status} {title}</title>\n</head><body>\n<h1>{title}</h1>\n"
            f"<p>{text}</p>\n</body></html>\n"
        )
        return _Response(status, page.encode(), _HTML_TYPE, _retry_after(options, None))
    if kind == "http_429":
        body = {"error": "API rate limit exceeded", "count": str(options.get("count", 4))}
        return _Response(429, _json(body), _JSON_TYPE, _retry_after(options, 1))
    if kind == "html_200":
        return _Response(200, _HTML_200_PAGE, _HTML_TYPE)
    if kind == "redirect":
        target = f"{options['location']}{endpoint}.fcgi"
        return _Response(307, b"", _HTML_TYPE, (("Location", target),))
    if kind == "error_200":
        default = _DEFAULT_ERROR_200.get(endpoint, "Backend failed: temporarily unavailable")
        return _error(endpoint, str(options.get("message", default)))
    return None


def _retry_after(options: Mapping[str, object], default: int | None) -> tuple[tuple[str, str], ...]:
    value = options.get("retry_after", default)
    return () if value is None else (("Retry-After", str(value)),)


_OPTIONS: Final[dict[str, dict[str, tuple[type, ...]]]] = {
    "http_500": {"retry_after": (int, NoneType)},
    "http_502": {"retry_after": (int, NoneType)},
    "http_503": {"retry_after": (int, NoneType)},
    "http_429": {"retry_after": (int, NoneType), "count": (int,)},
    "timeout": {"seconds": (int, float)},
    "error_200": {"message": (str,)},
    "drop_records": {"count": (int,)},
    "redirect": {"location": (str,)},
}


def _check_options(fault: str, options: Mapping[str, object]) -> None:
    allowed = _OPTIONS.get(fault, {})
    for name, value in options.items():
        if name not in allowed:
            raise ValueError(f"fault {fault!r} takes no option {name!r}")
        if isinstance(value, bool) or not isinstance(value, allowed[name]):
            raise ValueError(f"fault {fault!r}: option {name!r} has the wrong type")
    if fault == "drop_records" and _number_option(options, "count", 1) < 1:
        raise ValueError("drop_records: count must be at least 1")
    if fault == "redirect" and "location" not in options:
        raise ValueError("redirect: location is required")
    if fault == "timeout" and _number_option(options, "seconds", 5.0) < 0:
        raise ValueError("timeout: seconds cannot be negative")


def _number_option(options: Mapping[str, object], name: str, default: float) -> float:
    value = options.get(name, default)
    return value if isinstance(value, int | float) else default


def _error(endpoint: str, message: str, *, status: int = 200, doctype: bool = True) -> _Response:
    """NCBI's in-band error: ``<eSearchResult><ERROR>…</ERROR></eSearchResult>`` and kin."""
    root, dtd = _ROOTS.get(endpoint, ("eSearchResult", _ESEARCH_DOCTYPE))
    prolog = _XML_DECL + (dtd if doctype else "")
    return _Response(
        status, f"{prolog}<{root}><ERROR>{escape(message)}</ERROR></{root}>\n".encode()
    )


def _json(body: Mapping[str, str]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _webenv_param(params: Mapping[str, str]) -> str | None:
    value = params.get("WebEnv") or params.get("webenv")
    return value.strip() if value and value.strip() else None


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise _BadRequest(f"Invalid {name}: {raw}")
    return int(raw)


def _newest_first(pmid: str) -> tuple[int, str]:
    return (-int(pmid) if pmid.isdecimal() else 1, pmid)


# --- dates ---------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")
_HISTORY_DATE = re.compile(
    rb'<PubMedPubDate PubStatus="(entrez|pubmed)">\s*<Year>(\d{4})</Year>\s*'
    rb"<Month>(\d{1,2})</Month>\s*<Day>(\d{1,2})</Day>"
)
_PUB_DATE = re.compile(
    rb"<PubDate>\s*(?:<Year>(\d{4})</Year>(?:\s*<Month>(\w+)</Month>)?"
    rb"(?:\s*<Day>(\d{1,2})</Day>)?|<MedlineDate>(\d{4}))"
)
_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def _parse_date(text: str, *, end: bool = False) -> tuple[int, int, int]:
    """YYYY, YYYY/MM or YYYY/MM/DD (a time after a space is ignored) as (y, m, d).

    With `end`, a partial date means the last day of its period (for maxdate).
    """
    match = _DATE.fullmatch(text.strip().split(" ")[0])
    if not match:
        raise _BadRequest(f"Invalid date: {text}")
    year = int(match[1])
    month = int(match[2]) if match[2] else (12 if end else 1)
    if not 1 <= month <= 12:
        raise _BadRequest(f"Invalid date: {text}")
    last = calendar.monthrange(year, month)[1]
    day = int(match[3]) if match[3] else (last if end else 1)
    if not 1 <= day <= last:
        raise _BadRequest(f"Invalid date: {text}")
    return (year, month, day)


def _date_window(
    params: Mapping[str, str],
) -> tuple[str, tuple[int, int, int], tuple[int, int, int]] | None:
    """(datetype, low, high) when both mindate and maxdate are given (NCBI ignores one alone)."""
    mindate, maxdate = params.get("mindate", "").strip(), params.get("maxdate", "").strip()
    if not (mindate and maxdate):
        return None
    datetype = params.get("datetype", "edat").strip() or "edat"
    if datetype not in ("edat", "mdat", "pdat"):
        raise _BadRequest(f"Invalid datetype: {datetype}")
    return datetype, _parse_date(mindate), _parse_date(maxdate, end=True)


def _history_date(xml: bytes) -> tuple[int, int, int] | None:
    found = {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in _HISTORY_DATE.finditer(xml)}
    return found.get(b"entrez") or found.get(b"pubmed")


def _pub_date(xml: bytes) -> tuple[int, int, int] | None:
    match = _PUB_DATE.search(xml)
    if not match:
        return None
    if match[4]:
        return (int(match[4]), 1, 1)
    month_text = (match[2] or b"1").decode()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3].lower(), 1)
    return (int(match[1]), min(max(month, 1), 12), int(match[3] or 1))


# --- synthetic records ---------------------------------------------------------------------

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# (Title, ISOAbbreviation = MedlineTA, ISSN, NlmUniqueID, Country)
_JOURNALS = (
    ("BMJ open", "BMJ Open", "2044-6055", "101552874", "England"),
    ("PloS one", "PLoS One", "1932-6203", "101285081", "United States"),
    ("Scientific reports", "Sci Rep", "2045-2322", "101563288", "England"),
    ("Trials", "Trials", "1745-6215", "101263253", "England"),
    ("JAMA network open", "JAMA Netw Open", "2574-3805", "101729235", "United States"),
    ("Frontiers in medicine", "Front Med (Lausanne)", "2296-858X", "101648047", "Switzerland"),
)
# (condition, MeSH descriptor, UI)
_CONDITIONS = (
    ("type 2 diabetes", "Diabetes Mellitus, Type 2", "D003924"),
    ("hypertension", "Hypertension", "D006973"),
    ("major depressive disorder", "Depressive Disorder, Major", "D003865"),
    ("asthma", "Asthma", "D001249"),
    ("knee osteoarthritis", "Osteoarthritis, Knee", "D020370"),
    ("chronic low back pain", "Low Back Pain", "D017116"),
    ("migraine", "Migraine Disorders", "D008881"),
    ("heart failure", "Heart Failure", "D006333"),
    ("obesity", "Obesity", "D009765"),
)
_INTERVENTIONS = (
    ("metformin", "Metformin", "D008687"),
    ("exercise training", "Exercise Therapy", "D005081"),
    ("cognitive behavioural therapy", "Cognitive Behavioral Therapy", "D015928"),
    ("vitamin D supplementation", "Vitamin D", "D014807"),
    ("acupuncture", "Acupuncture Therapy", "D015670"),
    ("mindfulness training", "Mindfulness", "D064866"),
    ("low-dose aspirin", "Aspirin", "D001241"),
    ("probiotics", "Probiotics", "D019936"),
    ("yoga", "Yoga", "D015295"),
)
_JOURNAL_ARTICLE = ("Journal Article", "D016428")
# (title phrase, publication types, human study)
_DESIGNS: tuple[tuple[str, tuple[tuple[str, str], ...], bool], ...] = (
    (
        "a randomized controlled trial",
        (_JOURNAL_ARTICLE, ("Randomized Controlled Trial", "D016449")),
        True,
    ),
    (
        "a systematic review and meta-analysis",
        (_JOURNAL_ARTICLE, ("Meta-Analysis", "D017418"), ("Systematic Review", "D000078182")),
        True,
    ),
    ("a prospective cohort study", (_JOURNAL_ARTICLE, ("Observational Study", "D064888")), True),
    ("a cross-sectional study", (_JOURNAL_ARTICLE,), True),
    ("a case report", (("Case Reports", "D002363"), _JOURNAL_ARTICLE), True),
    ("a narrative review", (_JOURNAL_ARTICLE, ("Review", "D016454")), True),
    ("a study in mice", (_JOURNAL_ARTICLE,), False),
)
_LAST_NAMES = (
    "Smith", "Garcia", "Müller", "Nguyen", "Okafor", "Rossi", "Kowalski", "Tanaka", "Silva",
    "Andersson", "O'Brien", "Haddad", "Kim", "Dubois", "Patel", "Ivanova",
)  # fmt: skip
_FIRST_NAMES = (
    "Anna", "James", "Li", "María", "Oluwaseun", "Giulia", "Piotr", "Yuki", "João", "Sara",
    "Aoife", "Omar", "Ji-woo", "Camille", "Priya", "Elena",
)  # fmt: skip
_AFFILIATIONS = (
    "Department of Medicine, University of Example, Example City, USA.",
    "Institute of Public Health, Example University Hospital, Lyon, France.",
    "School of Clinical Sciences, University of Example, Bristol, UK.",
    "Department of Epidemiology, Example Medical University, Osaka, Japan.",
    "Centre for Evidence Synthesis, Example Institute, Toronto, Canada.",
)


def synthetic_article(
    pmid: str, *, year: int = 2020, title: str | None = None, rng: random.Random | None = None
) -> bytes:
    """A schema-faithful ``<PubmedArticle>`` element (pubmed_250101.dtd) for `pmid`.

    Deterministic: the same `rng` state (default: one seeded from the PMID) gives the same
    bytes. `title` is plain text (it is XML-escaped). The Entrez date (History, PubStatus
    "entrez") falls in `year`, so date windows select by `year` once served.
    """
    if not pmid.isdigit():
        raise ValueError(f"a PMID is a positive integer, not {pmid!r}")
    rng = rng if rng is not None else random.Random(f"evidence-synthetic:{pmid}")
    journal_title, iso, issn, nlm_id, country = rng.choice(_JOURNALS)
    condition, condition_mesh, condition_ui = rng.choice(_CONDITIONS)
    intervention, intervention_mesh, intervention_ui = rng.choice(_INTERVENTIONS)
    design, pub_types, human = rng.choice(_DESIGNS)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    n = rng.randint(12, 2400)
    if title is None:
        population = "adults" if human else "a murine model"
        title = f"{intervention} for {condition} in {population}: {design}."
        title = title[0].upper() + title[1:]
    volume, issue, first_page = rng.randint(1, 60), rng.randint(1, 12), rng.randint(1, 9000)
    pages = f"{first_page}-{first_page + rng.randint(3, 14)}"
    doi = f"10.{rng.randint(1000, 9999)}/{iso.split(' ')[0].lower()}.{year}.{pmid}"
    effect = f"{rng.uniform(0.4, 1.2):.2f}"

    lines: list[str] = []

    def add(depth: int, text: str) -> None:
        lines.append("  " * depth + text)

    def ymd(depth: int, tag: str, y: int, m: int, d: int, attrs: str = "") -> None:
        add(depth, f"<{tag}{attrs}>")
        add(depth + 1, f"<Year>{y}</Year>")
        add(depth + 1, f"<Month>{m:02d}</Month>")
        add(depth + 1, f"<Day>{d:02d}</Day>")
        add(depth, f"</{tag}>")

    add(0, "<PubmedArticle>")
    add(1, '<MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">')
    add(2, f'<PMID Version="1">{pmid}</PMID>')
    ymd(2, "DateCompleted", year, month, min(day + 1, 28))
    ymd(2, "DateRevised", year + 1, rng.randint(1, 12), rng.randint(1, 28))
    add(2, '<Article PubModel="Print-Electronic">')
    add(3, "<Journal>")
    add(4, f'<ISSN IssnType="Electronic">{issn}</ISSN>')
    add(4, '<JournalIssue CitedMedium="Internet">')
    add(5, f"<Volume>{volume}</Volume>")
    add(5, f"<Issue>{issue}</Issue>")
    add(5, f"<PubDate><Year>{year}</Year><Month>{_MONTH_ABBR[month - 1]}</Month></PubDate>")
    add(4, "</JournalIssue>")
    add(4, f"<Title>{escape(journal_title)}</Title>")
    add(4, f"<ISOAbbreviation>{escape(iso)}</ISOAbbreviation>")
    add(3, "</Journal>")
    add(3, f"<ArticleTitle>{escape(title)}</ArticleTitle>")
    add(3, "<Pagination>")
    add(4, f"<StartPage>{first_page}</StartPage>")
    add(4, f"<EndPage>{pages.split('-')[1]}</EndPage>")
    add(4, f"<MedlinePgn>{pages}</MedlinePgn>")
    add(3, "</Pagination>")
    add(3, f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>')
    add(3, "<Abstract>")
    subjects = "participants" if human else "mice"
    markup = rng.random() < 0.3  # real abstracts carry inline markup now and then
    results = (
        f"The primary outcome improved (ratio {effect}; 95% CI {float(effect) - 0.1:.2f} to "
        f"{float(effect) + 0.1:.2f}; " + ("<i>P</i> &lt; .05" if markup else "P &lt; .05") + ")."
    )
    weeks = rng.randint(4, 52)
    sections = (
        ("BACKGROUND", f"The effect of {intervention} on {condition} is uncertain."),
        ("METHODS", f"We enrolled {n} {subjects} with {condition}, followed for {weeks} weeks."),
        ("RESULTS", results),
        (
            "CONCLUSIONS",
            f"{intervention[0].upper()}{intervention[1:]} may benefit {subjects} with {condition}.",
        ),
    )
    for label, text in sections:
        add(4, f'<AbstractText Label="{label}" NlmCategory="{label}">{text}</AbstractText>')
    add(4, f"<CopyrightInformation>© {year} The Authors.</CopyrightInformation>")
    add(3, "</Abstract>")
    add(3, '<AuthorList CompleteYN="Y">')
    for _ in range(rng.randint(1, 8)):
        last, first = rng.choice(_LAST_NAMES), rng.choice(_FIRST_NAMES)
        initials = first[0] + (rng.choice("ABCDEFGHJKLMNPRST") if rng.random() < 0.4 else "")
        add(4, '<Author ValidYN="Y">')
        add(5, f"<LastName>{escape(last)}</LastName>")
        add(5, f"<ForeName>{escape(first)}</ForeName>")
        add(5, f"<Initials>{initials}</Initials>")
        add(5, "<AffiliationInfo>")
        add(6, f"<Affiliation>{escape(rng.choice(_AFFILIATIONS))}</Affiliation>")
        add(5, "</AffiliationInfo>")
        add(4, "</Author>")
    add(3, "</AuthorList>")
    add(3, "<Language>eng</Language>")
    add(3, "<PublicationTypeList>")
    for name, ui in pub_types:
        add(4, f'<PublicationType UI="{ui}">{name}</PublicationType>')
    add(3, "</PublicationTypeList>")
    ymd(3, "ArticleDate", year, month, day, ' DateType="Electronic"')
    add(2, "</Article>")
    add(2, "<MedlineJournalInfo>")
    add(3, f"<Country>{country}</Country>")
    add(3, f"<MedlineTA>{escape(iso)}</MedlineTA>")
    add(3, f"<NlmUniqueID>{nlm_id}</NlmUniqueID>")
    add(3, f"<ISSNLinking>{issn}</ISSNLinking>")
    add(2, "</MedlineJournalInfo>")
    add(2, "<CitationSubset>IM</CitationSubset>")
    add(2, "<MeshHeadingList>")
    headings = [(condition_mesh, condition_ui, "Y"), (intervention_mesh, intervention_ui, "N")]
    if human:
        headings += [("Humans", "D006801", "N"), ("Adult", "D000328", "N")]
        headings += [rng.choice([("Female", "D005260", "N"), ("Male", "D008297", "N")])]
    else:
        headings += [("Animals", "D000818", "N"), ("Mice", "D051379", "N")]
    for name, ui, major in sorted(headings):
        add(3, "<MeshHeading>")
        add(4, f'<DescriptorName UI="{ui}" MajorTopicYN="{major}">{escape(name)}</DescriptorName>')
        add(3, "</MeshHeading>")
    add(2, "</MeshHeadingList>")
    add(1, "</MedlineCitation>")
    add(1, "<PubmedData>")
    add(2, "<History>")
    ymd(
        3,
        "PubMedPubDate",
        year - 1,
        rng.randint(1, 12),
        rng.randint(1, 28),
        ' PubStatus="received"',
    )
    ymd(3, "PubMedPubDate", year, month, 1, ' PubStatus="accepted"')
    for status in ("pubmed", "medline", "entrez"):
        add(3, f'<PubMedPubDate PubStatus="{status}">')
        add(4, f"<Year>{year}</Year>")
        add(4, f"<Month>{month}</Month>")
        add(4, f"<Day>{day}</Day>")
        add(4, f"<Hour>{6 if status == 'medline' else 0}</Hour>")
        add(4, "<Minute>0</Minute>")
        add(3, "</PubMedPubDate>")
    add(2, "</History>")
    add(2, "<PublicationStatus>ppublish</PublicationStatus>")
    add(2, "<ArticleIdList>")
    add(3, f'<ArticleId IdType="pubmed">{pmid}</ArticleId>')
    add(3, f'<ArticleId IdType="doi">{doi}</ArticleId>')
    if rng.random() < 0.3:
        add(3, f'<ArticleId IdType="pmc">PMC{rng.randint(1000000, 11999999)}</ArticleId>')
    add(2, "</ArticleIdList>")
    add(1, "</PubmedData>")
    add(0, "</PubmedArticle>")
    return "\n".join(lines).encode()


def synthetic_articles(n: int, *, seed: int = 0, first_pmid: int = 30000000) -> dict[str, bytes]:
    """`n` synthetic articles, PMIDs first_pmid.. upward, years 2000..2024 rising with the PMID."""
    rng = random.Random(seed)
    return {
        str(first_pmid + i): synthetic_article(
            str(first_pmid + i), year=2000 + (i * 25) // max(n, 1), rng=rng
        )
        for i in range(n)
    }


def stored_search(
    store: Store,
    query: Query,
    new: Sequence[str],
    changed: Sequence[str] = (),
    *,
    full: bool = True,
) -> None:
    """One successful PubMed search of `query` recorded in `store` as a refresh records it
    (the records themselves saved before): a full search that found `new` (the topic becomes
    exactly those), or with `full=False` a night's incremental one that brought `new`
    studies and revised `changed` ones."""
    from evidence.runs import Changes
    from evidence.sources import ORIGIN_PUBMED

    run = store.start_run(query.id, ORIGIN_PUBMED, query.term)
    found = [*new, *changed]
    store.finish_run(
        run,
        query_id=query.id,
        pmids=found,
        count=len(found) if full else len(store.topic(query.id)) + len(new),
        new=len(new),
        fetched=len(found),
        translation="",
        warnings=[],
        full=full,
        changes=Changes() if full else Changes(new=tuple(new), changed=tuple(changed)),
    )


def refresh_args(project: Path, url: str, *extra: str, email: str = "dev@example.org") -> list[str]:
    """`evidence refresh` arguments for a project against an emulator (or mirror) URL."""
    return [
        "refresh",
        "--project",
        str(project),
        "--eutils-url",
        url,
        "--email",
        email,
        "--quiet",
        *extra,
    ]


# --- as a program --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Error: {message} (see `{self.prog} --help`)\n")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(text)


def _port(text: str) -> int:
    port = _count(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text!r}")
    return port


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of requests per second: {text!r}") from None
    if not 0 <= rate < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of requests per second: {text!r}")
    return rate


def _fault(text: str) -> tuple[str, str, int]:
    """ENDPOINT:KIND[:TIMES], checked against what `EutilsEmulator.inject` accepts."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].isdigit()):
        raise argparse.ArgumentTypeError(f"expected ENDPOINT:KIND[:TIMES], got {text!r}")
    endpoint, kind = parts[0], parts[1]
    times = int(parts[2]) if len(parts) == 3 else 1
    try:
        EutilsEmulator().inject(endpoint, kind, times=times)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return endpoint, kind, times


def _server_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m evidence.testing",
        description=(
            "Serve NCBI E-utilities for PubMed on 127.0.0.1 with synthetic records, until "
            "Ctrl-C (or SIGTERM). Every search term matches every record, so `evidence "
            "refresh` with any project's queries fetches them all."
        ),
        epilog=(
            "example: python -m evidence.testing --records 5000 --fault efetch:http_503:2, "
            "then NCBI_EMAIL=you@example.org evidence refresh --eutils-url URL (the URL it "
            "prints)"
        ),
    )
    parser.add_argument(
        "--records", type=_count, default=1000, metavar="N", help="synthetic records (1000)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the synthetic records (0; the same seed gives the same records)",
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port on 127.0.0.1 (default 0: a free one)"
    )
    parser.add_argument(
        "--rate",
        type=_rate,
        default=3.0,
        metavar="PER_SECOND",
        help="NCBI's rate limit without an API key, in requests/s (3; 10 with any key); "
        "0 turns the limit off",
    )
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="ENDPOINT:KIND[:TIMES]",
        help=f"inject KIND ({', '.join(sorted(FAULTS))}) into the next TIMES (default 1) "
        f"requests to ENDPOINT ({', '.join(sorted(ENDPOINTS))} or *); repeatable, served in "
        "order",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve synthetic records on 127.0.0.1 until SIGINT or SIGTERM; 0 once stopped.

    Call from the main thread: it installs its own SIGINT and SIGTERM handlers while serving.
    """
    args = _server_parser().parse_args(argv)
    emulator = EutilsEmulator(
        synthetic_articles(args.records, seed=args.seed),
        rate_limit=args.rate or None,
        match_all=True,
        port=args.port,
    )
    for endpoint, kind, times in args.fault:
        emulator.inject(endpoint, kind, times=times)
    # SIGTERM stops as Ctrl-C does; SIGINT is set too, as a shell starting a background job
    # may have left it ignored.
    previous = {
        signum: signal.signal(signum, signal.default_int_handler)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        try:
            url = emulator.start()
        except OSError as exc:
            reason = exc.strerror or exc
            print(f"Error: cannot listen on 127.0.0.1:{args.port}: {reason}", file=sys.stderr)
            return 1
        print(
            f"E-utilities emulator on {url} ({args.records} synthetic records); Ctrl-C stops it",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
