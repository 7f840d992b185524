"""Where records come from: live E-utilities, or the curated sample shipped in the package.

Both answer `search(query)` with a `SearchResult` and `fetch(pmids, result)` with PubmedArticleSet
XML documents, so everything downstream (parser, store, tables, templates) is the same code.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from importlib import resources
from typing import Any, Protocol

from evidence.errors import EutilsError, HistoryError, StoreError
from evidence.eutils import ESEARCH_PAGE_LIMIT, EFetch, ESearch, EutilsClient, SearchResult
from evidence.queries import Query

ORIGIN_PUBMED = "pubmed"
ORIGIN_SAMPLE = "sample"


class Source(Protocol):
    """A place to search and fetch PubMed records from."""

    origin: str

    def search(self, query: Query, since: date | None = None) -> SearchResult:
        """The query's records; with `since`, only those entered or revised from that day."""
        ...

    def fetch(self, pmids: Sequence[str], result: SearchResult) -> Iterator[bytes]: ...


_FIRST_DAY = date(1800, 1, 1)  # before any PubMed Entrez date


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

    A search that matches more than ESearch can list (9,999 records) is split by date into
    halves, recursively, and the slices merged (PMIDs kept once, in order).
    """

    client: EutilsClient
    batch_size: int = 200
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
            slices = self._split(query.term, "edat", _FIRST_DAY, self._horizon())
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
        return [first, *self._split(term, datetype, low, high)]

    def _split(self, term: str, datetype: str, low: date, high: date) -> list[SearchResult]:
        if low >= high:
            raise EutilsError(
                f"PubMed matched more than {ESEARCH_PAGE_LIMIT:,} records with {datetype} "
                f"{_ncbi_date(low)} alone, more than ESearch can list; narrow the query"
            )
        middle = low + (high - low) // 2
        out: list[SearchResult] = []
        for a, b in ((low, middle), (middle + timedelta(days=1), high)):
            out.extend(self._sliced(term, datetype, a, b))
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

    def fetch(self, pmids: Sequence[str], result: SearchResult) -> Iterator[bytes]:
        """Yield one PubmedArticleSet document per batch of at most `batch_size` records."""
        wanted = list(dict.fromkeys(pmids))
        if result.webenv and result.query_key and set(wanted) == set(result.ids):
            # Every record of the search is needed: page through the history set.
            for start in range(0, result.count, self.batch_size):
                try:
                    page = self.client.efetch(
                        EFetch(
                            webenv=result.webenv,
                            query_key=result.query_key,
                            retstart=start,
                            retmax=self.batch_size,
                        )
                    )
                except HistoryError:
                    # NCBI lost or expired the WebEnv; ESearch already named the records,
                    # so ask for the rest by PMID (POSTed) instead of failing the topic.
                    wanted = list(result.ids[start:])
                    break
                yield page
            else:
                return
        for start in range(0, len(wanted), self.batch_size):
            yield self.client.efetch(EFetch(ids=tuple(wanted[start : start + self.batch_size])))


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

    def fetch(self, pmids: Sequence[str], result: SearchResult) -> Iterator[bytes]:
        body = b"\n".join(self._articles[p] for p in pmids if p in self._articles)
        yield self._header + b"\n" + body + b"\n</PubmedArticleSet>\n"
