"""Where records come from: live E-utilities, or the curated sample shipped in the package.

Both answer `search(query)` with a `SearchResult` and `fetch(pmids, result)` with PubmedArticleSet
XML documents, so everything downstream (parser, store, tables, templates) is the same code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from evidence.errors import EutilsError, StoreError
from evidence.eutils import ESEARCH_PAGE_LIMIT, EFetch, ESearch, EutilsClient, SearchResult
from evidence.queries import Query

ORIGIN_PUBMED = "pubmed"
ORIGIN_SAMPLE = "sample"


class Source(Protocol):
    """A place to search and fetch PubMed records from."""

    origin: str

    def search(self, query: Query) -> SearchResult: ...

    def fetch(self, pmids: Sequence[str], result: SearchResult) -> Iterator[bytes]: ...


@dataclass
class LiveSource:
    """PubMed through E-utilities: ESearch with history, then EFetch in POSTed batches."""

    client: EutilsClient
    batch_size: int = 200
    origin: str = ORIGIN_PUBMED

    def search(self, query: Query) -> SearchResult:
        result = self.client.esearch(
            ESearch(term=query.term, datetype="pdat", mindate=query.mindate, maxdate=query.maxdate)
        )
        if result.count > len(result.ids):
            raise EutilsError(
                f"{query.path.name}: PubMed matched {result.count:,} records, more than the "
                f"{ESEARCH_PAGE_LIMIT:,} ESearch can list; narrow search.mindate/maxdate"
            )
        return result

    def fetch(self, pmids: Sequence[str], result: SearchResult) -> Iterator[bytes]:
        """Yield one PubmedArticleSet document per batch of at most `batch_size` records."""
        wanted = list(dict.fromkeys(pmids))
        if result.webenv and result.query_key and set(wanted) == set(result.ids):
            # Every record of the search is needed: page through the history set.
            for start in range(0, result.count, self.batch_size):
                yield self.client.efetch(
                    EFetch(
                        webenv=result.webenv,
                        query_key=result.query_key,
                        retstart=start,
                        retmax=self.batch_size,
                    )
                )
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

    def search(self, query: Query) -> SearchResult:
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
