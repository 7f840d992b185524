"""The only HTTP code: a small NCBI E-utilities client.

Each E-utility call is a frozen request value (`ESearch`, `EFetch`, `EPost`) that knows its
endpoint and parameters; `EutilsClient` sends them with identification (tool, email, api_key),
a process-wide rate limit, timeouts, bounded retries with backoff, and a total time budget.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests

from evidence.entrez_xml import (
    check_article_set,
    esearch_notes,
    esearch_record,
    ncbi_error,
    read_entrez_xml,
)
from evidence.entrez_xml import plain_text as _plain
from evidence.errors import (
    ConfigError,
    EutilsError,
    EvidenceError,
    ParseError,
    TransientEutilsError,
)
from evidence.pacing import (
    RATE_WITH_KEY,
    RATE_WITHOUT_KEY,
    RateLimiter,
    RetryPolicy,
    process_limiter,
)
from evidence.study import is_pmid

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_TOOL = "evidence"
ESEARCH_PAGE_LIMIT = 9999  # PubMed's ESearch cannot page past this many records
EFETCH_BATCH = 500  # records per EFetch by default: Biopython's and easyPubMed's choice
EFETCH_BATCH_LIMIT = 10_000  # the most records NCBI returns to one EFetch
SECRET_PARAMS = frozenset({"api_key", "email"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


# --- request values -----------------------------------------------------------------------


@dataclass(frozen=True)
class ESearch:
    """ESearch with the history server: count, the first `retmax` PMIDs, WebEnv/query_key."""

    term: str
    db: str = "pubmed"
    retstart: int = 0
    retmax: int = ESEARCH_PAGE_LIMIT
    datetype: str = ""  # edat | mdat | pdat
    mindate: str = ""
    maxdate: str = ""
    usehistory: bool = True
    webenv: str = ""

    endpoint = "esearch.fcgi"
    method = "POST"  # long terms go in the body, as NCBI recommends

    def params(self) -> dict[str, str]:
        p = {
            "db": self.db,
            "term": self.term,
            "retstart": str(self.retstart),
            "retmax": str(self.retmax),
        }
        if self.usehistory:
            p["usehistory"] = "y"
        if self.webenv:
            p["WebEnv"] = self.webenv
        if self.mindate or self.maxdate:
            p["datetype"] = self.datetype or "pdat"
            p["mindate"] = self.mindate or "1800"
            p["maxdate"] = self.maxdate or "3000"
        return p


@dataclass(frozen=True)
class EFetch:
    """EFetch PubMed XML, either for a history set slice or for an explicit PMID list."""

    db: str = "pubmed"
    ids: tuple[str, ...] = ()
    webenv: str = ""
    query_key: str = ""
    retstart: int = 0
    retmax: int = 0

    endpoint = "efetch.fcgi"
    method = "POST"

    def params(self) -> dict[str, str]:
        p = {"db": self.db, "retmode": "xml", "rettype": "abstract"}
        if self.ids:
            p["id"] = ",".join(self.ids)
        else:
            p.update(
                WebEnv=self.webenv,
                query_key=self.query_key,
                retstart=str(self.retstart),
                retmax=str(self.retmax),
            )
        return p


@dataclass(frozen=True)
class EPost:
    """EPost a PMID list to the history server."""

    ids: tuple[str, ...]
    db: str = "pubmed"

    endpoint = "epost.fcgi"
    method = "POST"

    def params(self) -> dict[str, str]:
        return {"db": self.db, "id": ",".join(self.ids)}


Request = ESearch | EFetch | EPost


@dataclass(frozen=True)
class SearchResult:
    """What ESearch said: the count, PMIDs, history handle, PubMed's translation, notes."""

    count: int
    ids: tuple[str, ...]
    webenv: str = ""
    query_key: str = ""
    translation: str = ""
    warnings: tuple[str, ...] = ()
    complete: bool = True  # False: only the records entered or revised in a date window
    revised: tuple[str, ...] = ()  # of `ids`, those whose record was revised in the window
    requests: int = 0  # ESearch requests it took (date slices past the 9,999 limit)


# --- the client ---------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL with api_key and email removed, fit for logs and error messages."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        (k, v)
        for k, v in (
            pair.split("=", 1) if "=" in pair else (pair, "") for pair in parts.query.split("&")
        )
        if k not in SECRET_PARAMS
    ]
    return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in kept)))


@dataclass
class EutilsClient:
    """Sends E-utilities requests. Injectable session, base URL, limiter and clock."""

    email: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    tool: str = DEFAULT_TOOL
    api_key: str = field(default="", repr=False)
    session: requests.Session | None = field(default=None, repr=False)
    limiter: RateLimiter | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    on_retry: Callable[[str], None] | None = None
    requests_sent: int = 0

    def __post_init__(self) -> None:
        if not self.email or "@" not in self.email:
            raise ConfigError(
                "NCBI asks every E-utilities user for a contact email: "
                "set NCBI_EMAIL or pass --email"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"not an http(s) URL for E-utilities: {self.base_url!r}")
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        if self.session is None:
            self.session = requests.Session()
            self.session.headers["User-Agent"] = f"{self.tool} (+mailto contact in params)"
        if self.limiter is None:
            rate = RATE_WITH_KEY if self.api_key else RATE_WITHOUT_KEY
            self.limiter = process_limiter(self.base_url, rate)
        self._deadline = self.clock() + self.policy.total

    # identification -----------------------------------------------------------------

    def _identify(self, params: Mapping[str, str]) -> dict[str, str]:
        full = dict(params)
        full["tool"] = self.tool
        full["email"] = self.email
        if self.api_key:
            full["api_key"] = self.api_key
        return full

    def url_for(self, request: Request) -> str:
        """The URL of a request for logs and messages: no secrets, long values shortened."""
        params = request.params()
        ids = params.get("id", "").split(",")
        if len(ids) > 3:
            params["id"] = f"{','.join(ids[:3])},...({len(ids)} ids)"
        if len(params.get("term", "")) > 120:
            params["term"] = params["term"][:100] + "..."
        return redact(f"{urljoin(self.base_url, request.endpoint)}?{urlencode(params)}")

    # sending ------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """`text` (anything a server said) with the API key and the email taken out: an
        answer that echoes them must not carry them into messages, logs or the store."""
        for secret in (self.api_key, self.email):
            if secret:
                for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                    text = text.replace(form, "<redacted>")
        return text

    def send(
        self,
        request: Request,
        *,
        check: Callable[[bytes], None] | None = None,
        attempts: int | None = None,
        stop: threading.Event | None = None,
    ) -> bytes:
        """Send one request and return its body, retrying what NCBI says is transient.

        `check` validates a 200 body; it raises ParseError (retried: a truncated or HTML body)
        or EutilsError (retried when `.status` is None and the message looks transient).
        Redirects are never followed: the POSTed body carries the key and the email.
        `attempts` caps the policy's attempts for this request (a caller with a cheaper way
        to retry, such as a smaller batch, asks for one). Once `stop` is set (its caller is
        done: see `prefetch`), no attempt is sent and a wait between attempts ends at once;
        EutilsError is raised instead.
        """
        try:
            return self._send(request, check, attempts, stop)
        except EvidenceError as exc:
            exc.args = tuple(self.scrub(str(a)) for a in exc.args)
            raise

    def _send(
        self,
        request: Request,
        check: Callable[[bytes], None] | None,
        attempts: int | None,
        stop: threading.Event | None,
    ) -> bytes:
        tries = min(attempts, self.policy.attempts) if attempts else self.policy.attempts
        assert self.session is not None and self.limiter is not None
        url = urljoin(self.base_url, request.endpoint)
        shown = self.url_for(request)
        data = self._identify(request.params())
        last = f"the time budget of {self.policy.total:g}s for this run was used up"
        status: int | None = None
        attempt = 0
        for attempt in range(1, tries + 1):
            remaining = self._deadline - self.clock()
            if remaining <= 0:
                attempt -= 1
                break
            if not self.limiter.acquire(deadline=self._deadline):
                attempt -= 1  # not sent: the next free slot is past the time budget
                break
            if stop is not None and stop.is_set():
                raise EutilsError(f"stopped before sending ({shown})", url=shown)
            remaining = self._deadline - self.clock()  # after the wait for the slot
            self.requests_sent += 1
            wait: float | None = None
            try:
                log.debug("%s %s (attempt %d)", request.method, shown, attempt)
                self.limiter.started()
                response = self.session.request(
                    request.method,
                    url,
                    data=data,
                    stream=True,
                    allow_redirects=False,
                    timeout=(
                        self.policy.connect_timeout,
                        min(self.policy.read_timeout, max(remaining, 1.0)),
                    ),
                )
                body = _read_capped(
                    response,
                    self.policy.max_bytes,
                    shown,
                    deadline=self._deadline,
                    clock=self.clock,
                )
                log.debug("HTTP %d, %d bytes", response.status_code, len(body))
            except (requests.Timeout, requests.ConnectionError) as exc:
                last = f"{type(exc).__name__}: network failure"
            except requests.RequestException as exc:  # truncated body, decoding errors
                last = f"{type(exc).__name__}: incomplete answer"
            else:
                if response.status_code == 200:
                    try:
                        if check is not None:
                            check(body)
                        return body
                    except ParseError as exc:
                        last = f"bad answer: {exc}"
                    except TransientEutilsError as exc:
                        last = str(exc)
                elif 300 <= response.status_code < 400:
                    where = urlsplit(urljoin(url, response.headers.get("Location", "")))
                    raise EutilsError(
                        f"E-utilities answered HTTP {response.status_code}, a redirect to "
                        f"{where.scheme}://{where.netloc}{where.path}; not followed, as the "
                        "request carries the email and API key (if E-utilities moved, set "
                        f"--eutils-url to the new address) ({shown})",
                        status=response.status_code,
                        url=shown,
                    )
                elif response.status_code in RETRY_STATUSES:
                    status = response.status_code
                    last = f"HTTP {response.status_code}{_ncbi_message(body)}"
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if response.status_code == 429:
                        self.limiter.defer(wait if wait is not None else 1.0)
                else:
                    message = _ncbi_message(body)
                    if "api key" in message.lower():
                        raise ConfigError(
                            f"NCBI refused the API key{message}: check NCBI_API_KEY "
                            "(or unset it to run at 3 requests/s)"
                        )
                    raise EutilsError(
                        f"E-utilities refused the request: HTTP {response.status_code}"
                        f"{message} ({shown})",
                        status=response.status_code,
                        url=shown,
                    )
            if attempt == tries:
                break
            if wait is None:
                wait = min(self.policy.max_wait, self.policy.backoff * 2 ** (attempt - 1))
                wait *= 0.5 + random.random() / 2  # jitter, so parallel jobs spread out
            if self.clock() + wait > self._deadline:
                break
            last = self.scrub(last)
            if self.on_retry is not None:
                self.on_retry(f"{last}; retrying in {wait:.1f}s ({attempt}/{self.policy.attempts})")
            if stop is not None and self.sleep is time.sleep:
                stop.wait(wait)  # the same wait, cut short when the caller is done
            else:
                self.sleep(wait)
        # Transient: every failure was of a kind that trying again (later, or smaller) may mend.
        raise TransientEutilsError(
            f"E-utilities kept failing after {attempt} attempt(s): {last} ({shown})",
            status=status,
            url=shown,
        )

    # the calls ----------------------------------------------------------------------

    def esearch(self, request: ESearch) -> SearchResult:
        """Run one ESearch; an ERROR answer raises, it is never taken for zero results."""
        parsed: dict[str, Any] = {}

        def check(body: bytes) -> None:
            parsed["record"] = esearch_record(body)

        self.send(request, check=check)
        record = parsed["record"]
        notes = esearch_notes(record)
        listed = [str(i) for i in record.get("IdList", [])]
        ids = tuple(p for p in listed if is_pmid(p))
        if len(ids) < len(listed):
            bad = [p for p in listed if not is_pmid(p)]
            notes += (
                f"ESearch listed {len(bad)} id(s) that are not PMIDs, left out: "
                + ", ".join(repr(p) for p in bad[:10]),
            )
        return SearchResult(
            # The ids left out are not counted: a count above the list means "page on".
            count=int(str(record["Count"])) - (len(listed) - len(ids)),
            ids=ids,
            webenv=str(record.get("WebEnv", "")),
            query_key=str(record.get("QueryKey", "")),
            translation=self.scrub(_plain(record.get("QueryTranslation", ""))),
            warnings=tuple(self.scrub(n) for n in notes),
        )

    def efetch(
        self,
        request: EFetch,
        *,
        attempts: int | None = None,
        stop: threading.Event | None = None,
    ) -> bytes:
        """Fetch PubMed XML; the body is checked to be a complete PubmedArticleSet."""
        return self.send(request, check=check_article_set, attempts=attempts, stop=stop)

    def epost(self, request: EPost) -> tuple[str, str]:
        """Post PMIDs to the history server; returns (webenv, query_key)."""
        parsed: dict[str, Any] = {}

        def check(body: bytes) -> None:
            record = read_entrez_xml(body)
            if "ERROR" in record:
                raise ncbi_error("EPost", _plain(record["ERROR"]))
            parsed["record"] = record

        self.send(request, check=check)
        return str(parsed["record"]["WebEnv"]), str(parsed["record"]["QueryKey"])


def _read_capped(
    response: requests.Response,
    limit: int,
    shown: str,
    *,
    deadline: float,
    clock: Callable[[], float],
) -> bytes:
    """The body, read in chunks; refused past `limit` bytes (a runaway or hostile answer),
    and abandoned past the deadline (a body trickling in under the per-read timeout)."""
    try:
        try:
            declared = int(response.headers.get("Content-Length", "0"))
        except ValueError:
            declared = 0  # a malformed header: count the bytes as they come
        if declared > limit:
            raise EutilsError(
                f"E-utilities answered with {declared:,} bytes, over the "
                f"{limit:,}-byte limit; refused ({shown})",
                url=shown,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > limit:
                raise EutilsError(
                    f"E-utilities answer exceeded the {limit:,}-byte limit; refused ({shown})",
                    url=shown,
                )
            chunks.append(chunk)
            if clock() > deadline:
                raise requests.Timeout("the answer was still arriving when time ran out")
        return b"".join(chunks)
    finally:
        response.close()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _ncbi_message(body: bytes) -> str:
    """NCBI's JSON error text, e.g. ': API rate limit exceeded'; nothing for other bodies."""
    try:
        doc = json.loads(body[:2000])
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        return f": {doc['error']}"
    return ""
