"""Where records come from: live E-utilities, or the curated sample shipped in the package.

Both answer `search(query)` with a `SearchResult` and `fetch(pmids, result)` with PubmedArticleSet
XML documents, so everything downstream (parser, store, tables, templates) is the same code.
"""

from __future__ import annotations

import calendar
import re
import threading
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from importlib import resources
from typing import Any, Protocol

from evidence.errors import ConfigError, EutilsError, HistoryError, StoreError, TransientEutilsError
from evidence.eutils import (
    EFETCH_BATCH,
    EFETCH_BATCH_LIMIT,
    ESEARCH_PAGE_LIMIT,
    EFetch,
    ESearch,
    EutilsClient,
    SearchResult,
)
from evidence.queries import Query

ORIGIN_PUBMED = "pubmed"
ORIGIN_SAMPLE = "sample"
MIN_BATCH = 50  # a failing batch shrinks down to this, then retries as the client does


class Source(Protocol):
    """A place to search and fetch PubMed records from."""

    origin: str

    def search(self, query: Query, since: date | None = None) -> SearchResult:
        """The query's records; with `since`, only those entered or revised from that day."""
        ...

    def fetch(
        self, pmids: Sequence[str], result: SearchResult, *, stop: threading.Event | None = None
    ) -> Iterator[bytes]:
        """PubmedArticleSet documents of `pmids`, in order; once `stop` is set, no request
        is sent (a fetch run ahead of its consumer is told so when the consumer is done)."""
        ...


_FIRST_DAY = date(1800, 1, 1)  # before any PubMed Entrez date
# Splitting a search past 9,999 records: the first slice is the newest year; each next one is
# sized to hold this many records at the density the last slice showed (below the limit, so a
# density that rises a little does not cost a request), and an empty slice makes the next one
# this many times wider.
_FIRST_WIDTH = 365
_SLICE_TARGET = 9_000
_EMPTY_GROWTH = 4


def _day(text: str, *, end: bool = False) -> date:
    """A query file's YYYY, YYYY/MM or YYYY/MM/DD as the first (or, with `end`, last) day."""
    parts = [int(x) for x in text.replace("-", "/").split("/")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end else 1)
    last = calendar.monthrange(year, month)[1]
    day = parts[2] if len(parts) > 2 else (last if end else 1)
    return date(year, month, day)


def _nothing_found(warning: str) -> bool:
    return warning.endswith("No items found.")


def _ncbi_date(day: date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


@dataclass
class LiveSource:
    """PubMed through E-utilities: ESearch with history, then EFetch in POSTed batches.

    A search that matches more than ESearch can list (9,999 records) is split into date
    slices cut where the records are, and the slices merged (PMIDs kept once, in order).
    """

    client: EutilsClient
    batch_size: int = EFETCH_BATCH
    origin: str = ORIGIN_PUBMED
    today: Callable[[], date] = date.today

    def search(self, query: Query, since: date | None = None) -> SearchResult:
        if since is None:
            if query.mindate or query.maxdate:
                low = _day(query.mindate) if query.mindate else _FIRST_DAY
                high = _day(query.maxdate, end=True) if query.maxdate else self._horizon()
                return self._merge(self._sliced(query.term, "pdat", low, high))
            first = self.client.esearch(ESearch(term=query.term))
            if first.count <= len(first.ids):
                return replace(first, requests=1)
            slices = self._split(query.term, "edat", _FIRST_DAY, self._horizon(), first.count)
            return self._merge(slices, spent=1)
        # Incremental: what was entered (EDAT) or revised (MDAT) since `since`. A publication
        # date window of the query goes into the term, as ESearch takes one date type a call.
        term = query.term
        if query.mindate or query.maxdate:
            term = f"({term}) AND ({query.mindate or '1800'}:{query.maxdate or '3000'}[dp])"
        entered = self._merge(self._sliced(term, "edat", since, self._horizon()))
        revised = self._merge(self._sliced(term, "mdat", since, self._horizon()))
        ids = tuple(dict.fromkeys(entered.ids + revised.ids))
        return SearchResult(
            count=len(ids),
            ids=ids,
            translation=entered.translation or revised.translation,
            # A quiet night's empty window is the normal case, not something to warn about.
            warnings=tuple(
                w
                for w in dict.fromkeys(entered.warnings + revised.warnings)
                if not _nothing_found(w)
            ),
            complete=False,
            revised=revised.ids,
            requests=entered.requests + revised.requests,
        )

    def _horizon(self) -> date:
        return self.today() + timedelta(days=366)

    def _sliced(self, term: str, datetype: str, low: date, high: date) -> list[SearchResult]:
        """ESearch within [low, high] by `datetype`, split by date while over the limit."""
        first = self._window(term, datetype, low, high)
        if first.count <= len(first.ids):
            return [first]
        return [first, *self._split(term, datetype, low, high, first.count)]

    def _split(
        self, term: str, datetype: str, low: date, high: date, total: int
    ) -> list[SearchResult]:
        """The `total` records of [low, high] in date slices of at most 9,999 records each.

        The slices are cut where the records are: sweeping from the newest day back, each
        slice is sized from the density of records per day the last answer showed, so a
        topic of N records costs about N / 9,999 + 1 ESearch, however its dates spread
        (a blind halving spends most of its requests on empty centuries). An answer over the
        limit is one request lost: it gives the count to cut the window down by.
        """
        out: list[SearchResult] = []
        collected = 0
        end = high
        # The first slice: the last year up to today, and the days after it (Entrez dates of
        # records entered while the search ran, and a horizon past today for clock skew).
        width = (high - max(low, min(high, self.today()) - timedelta(days=_FIRST_WIDTH))).days
        while end >= low:
            start = max(low, end - timedelta(days=width - 1))
            if total - collected <= ESEARCH_PAGE_LIMIT:
                start = low  # what is left fits one answer
            answer = self._window(term, datetype, start, end)
            out.append(answer)
            days = (end - start).days + 1
            if answer.count > len(answer.ids):
                if start == low:
                    total = collected + answer.count  # the search grew while it was split
                if days == 1:
                    raise EutilsError(
                        f"PubMed matched more than {ESEARCH_PAGE_LIMIT:,} records with "
                        f"{datetype} {_ncbi_date(start)} alone, more than ESearch can list; "
                        "narrow the query"
                    )
                width = max(1, min(days - 1, int(days * _SLICE_TARGET / answer.count)))
                continue
            collected += answer.count
            end = start - timedelta(days=1)
            if answer.count:
                width = max(1, int(days * _SLICE_TARGET / answer.count))
            else:
                width = days * _EMPTY_GROWTH
        return out

    def _window(self, term: str, datetype: str, low: date, high: date) -> SearchResult:
        return self.client.esearch(
            ESearch(term=term, datetype=datetype, mindate=_ncbi_date(low), maxdate=_ncbi_date(high))
        )

    @staticmethod
    def _merge(results: list[SearchResult], spent: int = 0) -> SearchResult:
        """One result from the requests of a sliced search (over-limit ones only counted)."""
        kept = [r for r in results if r.count <= len(r.ids)]
        requests = spent + len(results)
        if len(kept) == 1 and len(results) == 1:
            return replace(kept[0], requests=requests)
        ids = tuple(dict.fromkeys(p for r in kept for p in r.ids))
        return SearchResult(
            count=len(ids),
            ids=ids,
            translation=next((r.translation for r in results if r.translation), ""),
            # Date slices that happen to be empty are no news when the whole search is not.
            warnings=tuple(
                w
                for w in dict.fromkeys(w for r in kept for w in r.warnings)
                if not (ids and _nothing_found(w))
            ),
            requests=requests,
        )

    def fetch(
        self, pmids: Sequence[str], result: SearchResult, *, stop: threading.Event | None = None
    ) -> Iterator[bytes]:
        """Yield one PubmedArticleSet document per batch of at most `batch_size` records.

        A batch whose answer fails (truncated, broken, a 5xx or a reset) is not retried whole:
        the same records are asked for in a batch a quarter the size, and the batches grow
        back, doubling, after each success. A fault costs one small request, not a large one;
        only the smallest batch gets the client's full retries. Once `stop` is set, no
        further request is sent.
        """
        if not 1 <= self.batch_size <= EFETCH_BATCH_LIMIT:
            raise ConfigError(
                f"EFetch batch size {self.batch_size} is outside 1-{EFETCH_BATCH_LIMIT:,}"
            )
        wanted = list(dict.fromkeys(pmids))
        history = bool(result.webenv and result.query_key and set(wanted) == set(result.ids))
        # Every record of the search is needed: page through the history set.
        total = result.count if history else len(wanted)
        floor = min(self.batch_size, MIN_BATCH)
        size = self.batch_size
        start = 0
        patient = False  # the rate limit said wait: this batch gets the client's full retries
        while start < total and not (stop is not None and stop.is_set()):
            n = min(size, total - start)
            if history:
                request = EFetch(
                    webenv=result.webenv, query_key=result.query_key, retstart=start, retmax=n
                )
            else:
                request = EFetch(ids=tuple(wanted[start : start + n]))
            try:
                quick = n > floor and not patient
                body = self.client.efetch(request, attempts=1 if quick else None, stop=stop)
            except HistoryError:
                if not history:
                    raise
                # NCBI lost or expired the WebEnv; ESearch already named the records, so ask
                # for the rest by PMID (POSTed) instead of failing the topic.
                wanted, history = list(result.ids[start:]), False
                total, start = len(wanted), 0
                continue
            except EutilsError as exc:
                if n > floor and not patient and _rate_limited(exc):
                    patient = True  # a smaller batch would meet the same limit: wait it out
                    continue
                if n <= floor or not _size_may_help(exc):
                    raise
                size = max(floor, n // 4)
                continue
            yield body
            start += n
            size = min(self.batch_size, size * 2)
            patient = False


def _rate_limited(exc: EutilsError) -> bool:
    """NCBI's 429: wait as Retry-After says (the client does), not shrink the batch."""
    return isinstance(exc, TransientEutilsError) and exc.status == 429


def _size_may_help(exc: EutilsError) -> bool:
    """A failure a smaller answer may avoid: retries used up on no answer, a broken one or a
    server error; not a refusal of the request itself, nor the rate limit."""
    return isinstance(exc, TransientEutilsError) and exc.status != 429


_ARTICLE = re.compile(
    rb"<(PubmedArticle|PubmedBookArticle)>.*?<PMID[^>]*>(\d+)</PMID>.*?</\1>", re.S
)


class SampleSource:
    """The curated offline sample packaged in evidence/data/sample/ (not an NCBI answer).

    A search returns the sample's studies that the reviewer filed under the query's topic id;
    a fetch returns them in the same PubmedArticleSet XML shape EFetch returns.
    """

    origin = ORIGIN_SAMPLE

    def __init__(self) -> None:
        folder = resources.files("evidence") / "data" / "sample"
        try:
            self.manifest: dict[str, Any] = tomllib.loads(
                (folder / "sample.toml").read_text(encoding="utf-8")
            )
            xml = (folder / "pubmed-sample.xml").read_bytes()
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"the packaged sample is missing or damaged: {exc}") from exc
        opening = xml.index(b"<PubmedArticleSet>") + len(b"<PubmedArticleSet>")
        self._header = xml[:opening]
        self._articles = {m.group(2).decode(): m.group(0) for m in _ARTICLE.finditer(xml)}
        self.studies: list[dict[str, Any]] = list(self.manifest.get("study", []))

    @property
    def snapshot(self) -> dict[str, Any]:
        return dict(self.manifest.get("snapshot", {}))

    def topics(self) -> set[str]:
        return {str(s["topic"]) for s in self.studies}

    def search(self, query: Query, since: date | None = None) -> SearchResult:
        """The sample's studies of this topic; a snapshot has no dates, so always all."""
        ids = tuple(str(s["pmid"]) for s in self.studies if s.get("topic") == query.id)
        warnings: tuple[str, ...] = ()
        if not ids:
            warnings = (
                f"the offline sample has no studies for topic {query.id!r} "
                f"(it covers: {', '.join(sorted(self.topics()))})",
            )
        return SearchResult(count=len(ids), ids=ids, translation="", warnings=warnings)

    def fetch(
        self, pmids: Sequence[str], result: SearchResult, *, stop: threading.Event | None = None
    ) -> Iterator[bytes]:
        body = b"\n".join(self._articles[p] for p in pmids if p in self._articles)
        yield self._header + b"\n" + body + b"\n</PubmedArticleSet>\n"
